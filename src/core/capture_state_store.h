#pragma once
#include <optional>
#include <string>

#include "core/lsn.h"
#include "core/status.h"

namespace cdc {

/// What capture has durably recorded about a slot.
struct CaptureState {
  /// Every snapshot row is durable downstream.
  bool completed = false;
  /// Source-defined record of a snapshot in progress (its chunk plan and the
  /// chunks already durable), so a restart resumes instead of starting over;
  /// once `completed`, of the last snapshot (its tables and LSN). Empty when
  /// there is none.
  std::string progress;
  /// The slot may be confirmed up to here: recorded before capture confirms
  /// it, so a slot found further ahead was moved by someone else. 0: none.
  Lsn delivered;
};

/// Durable record of a slot's snapshot and of how far it may be confirmed. The initial snapshot is readable in
/// its exported form only while the slot is being created, so capture must
/// know whether a snapshot it started also reached durable storage: if not,
/// it resumes it (or starts it again) instead of silently streaming past
/// missing rows.
class CaptureStateStore {
 public:
  virtual ~CaptureStateStore() = default;

  /// nullopt: nothing recorded for `slot`. Unavailable if the store cannot
  /// be read (capture must not guess).
  virtual absl::StatusOr<std::optional<CaptureState>> Load(const std::string& slot) = 0;

  /// Records the snapshot state of `slot` durably before returning.
  virtual absl::Status Save(const std::string& slot, const CaptureState& state) = 0;

  /// Forgets `slot` (operator reset: the next start takes a new snapshot).
  virtual absl::Status Clear(const std::string& slot) = 0;
};

}  // namespace cdc
