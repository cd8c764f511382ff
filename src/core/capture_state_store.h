#pragma once
#include <optional>
#include <string>

#include "core/status.h"

namespace cdc {

/// Durable record of a slot's initial snapshot. The snapshot is readable
/// only when the slot is created, so capture must know whether a snapshot it
/// started also reached durable storage: if not, it recreates the slot and
/// reads again instead of silently streaming past missing rows.
class CaptureStateStore {
 public:
  virtual ~CaptureStateStore() = default;

  /// nullopt: nothing recorded for `slot`; false: started, not finished;
  /// true: every snapshot row is durable downstream. Unavailable if the
  /// store cannot be read (capture must not guess).
  virtual absl::StatusOr<std::optional<bool>> SnapshotCompleted(const std::string& slot) = 0;

  /// Records the snapshot state of `slot` durably before returning.
  virtual absl::Status RecordSnapshot(const std::string& slot, bool completed) = 0;

  /// Forgets `slot` (operator reset: the next start takes a new snapshot).
  virtual absl::Status ClearSnapshot(const std::string& slot) = 0;
};

}  // namespace cdc
