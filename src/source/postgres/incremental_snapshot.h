#pragma once
// The pacing of an incremental snapshot (execute-snapshot signal): its
// plan is read in steps of a few chunks, each step in a PostgreSQL snapshot
// of its own taken between two transactions of the stream, and the stream
// runs between steps.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/time/time.h"
#include "core/change_source.h"
#include "core/lsn.h"
#include "source/postgres/snapshot_plan.h"

namespace cdc::pg {

class IncrementalSnapshot {
 public:
  /// Steps read `chunks_per_step` chunks; after each, the stream has at
  /// least as long as the step took, and at least `min_stream_share`.
  IncrementalSnapshot(size_t chunks_per_step, absl::Duration min_stream_share, absl::Time started);

  /// Whether the next step of `plan` may start: the stream had its share
  /// since the last step, or has nothing to send; and the snapshot is not
  /// paused, unless no chunk is left to read (the last step only ends it).
  bool StepDue(const SnapshotPlan& plan, absl::Time now, bool stream_idle) const;

  /// Paused, no step starts (pause-snapshot signal) until it is resumed.
  void SetPaused(bool paused) { paused_ = paused; }
  bool paused() const { return paused_; }

  /// The next step's plan: `plan` at `version`, with every chunk marked done
  /// but the next ones (not done, not taken by an earlier step) it reads.
  SnapshotPlan NextStep(const SnapshotPlan& plan, Lsn version, absl::Time now);

  /// The step ended: the stream's share starts.
  void StepEnded(absl::Time now);

  /// The tables of `plan` with chunks no step took yet, in plan order.
  std::vector<TableId> TablesLeft(const SnapshotPlan& plan) const;

  /// Stops reading `tables` (stop-snapshot signal): in `plan` they become
  /// skipped (left out of the snapshot's end, so not swept) and their
  /// chunks no step took yet done. Returns how many chunks will not be read.
  int64_t Stop(SnapshotPlan& plan, const std::vector<TableId>& tables) const;

  /// Whether the last step taken reads the plan's last chunks.
  bool LastStepTaken() const { return last_step_; }

  /// A step's record as the stream's consumer sees it: the steps make one
  /// snapshot of `plan` (its tables, at its first position), so a step's
  /// begin and end are dropped but for the first begin and the last end
  /// (false: drop it), and rows are marked incremental.
  bool Frame(SourceRecord& record, const SnapshotPlan& plan);

  int64_t rows() const { return rows_; }
  absl::Duration elapsed(absl::Time now) const { return now - started_; }

 private:
  // Whether `plan` has chunks not done that no step took yet.
  bool ChunksLeft(const SnapshotPlan& plan) const;

  size_t chunks_per_step_;
  absl::Duration min_stream_share_;
  absl::Time started_;
  size_t next_chunk_ = 0;  // the first chunk not taken by a step yet
  bool last_step_ = false;
  bool begin_sent_ = false;  // the first step's begin went out
  bool paused_ = false;
  absl::Time step_started_, next_step_at_ = absl::InfinitePast();
  int64_t rows_ = 0;
};

}  // namespace cdc::pg
