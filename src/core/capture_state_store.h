#pragma once
#include <optional>
#include <string>

#include "core/status.h"

namespace cdc {

/// What capture has durably recorded about a slot's snapshot.
struct SnapshotState {
  /// Every snapshot row is durable downstream.
  bool completed = false;
  /// Source-defined record of a snapshot in progress (its chunk plan and the
  /// chunks already durable), so a restart resumes instead of starting over.
  /// Empty when there is none.
  std::string progress;
};

/// Durable record of a slot's snapshot. The initial snapshot is readable in
/// its exported form only while the slot is being created, so capture must
/// know whether a snapshot it started also reached durable storage: if not,
/// it resumes it (or starts it again) instead of silently streaming past
/// missing rows.
class CaptureStateStore {
 public:
  virtual ~CaptureStateStore() = default;

  /// nullopt: nothing recorded for `slot`. Unavailable if the store cannot
  /// be read (capture must not guess).
  virtual absl::StatusOr<std::optional<SnapshotState>> LoadSnapshot(const std::string& slot) = 0;

  /// Records the snapshot state of `slot` durably before returning.
  virtual absl::Status SaveSnapshot(const std::string& slot, const SnapshotState& state) = 0;

  /// Forgets `slot` (operator reset: the next start takes a new snapshot).
  virtual absl::Status ClearSnapshot(const std::string& slot) = 0;
};

}  // namespace cdc
