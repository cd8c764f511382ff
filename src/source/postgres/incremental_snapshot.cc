#include "source/postgres/incremental_snapshot.h"

#include <algorithm>
#include <utility>
#include <variant>

namespace cdc::pg {

IncrementalSnapshot::IncrementalSnapshot(size_t chunks_per_step, absl::Duration min_stream_share, absl::Time started)
    : chunks_per_step_(std::max<size_t>(chunks_per_step, 1)), min_stream_share_(min_stream_share), started_(started) {}

bool IncrementalSnapshot::StepDue(const SnapshotPlan& plan, absl::Time now, bool stream_idle) const {
  if (!stream_idle && now < next_step_at_) return false;
  return !paused_ || !ChunksLeft(plan);
}

std::vector<TableId> IncrementalSnapshot::TablesLeft(const SnapshotPlan& plan) const {
  std::vector<TableId> tables;
  for (size_t i = next_chunk_; i < plan.chunks.size(); ++i) {
    const TableId& t = plan.tables[plan.chunks[i].table].id;
    if (!plan.chunks[i].done && std::find(tables.begin(), tables.end(), t) == tables.end()) tables.push_back(t);
  }
  return tables;
}

int64_t IncrementalSnapshot::Stop(SnapshotPlan& plan, const std::vector<TableId>& tables) const {
  auto stopped = [&](size_t table) {
    return std::find(tables.begin(), tables.end(), plan.tables[table].id) != tables.end();
  };
  for (size_t t = 0; t < plan.tables.size(); ++t) {
    if (stopped(t)) plan.tables[t].skipped = true;
  }
  int64_t not_read = 0;
  for (size_t i = next_chunk_; i < plan.chunks.size(); ++i) {
    SnapshotChunk& c = plan.chunks[i];
    if (!c.done && stopped(c.table)) {
      c.done = true;
      not_read += 1;
    }
  }
  return not_read;
}

bool IncrementalSnapshot::ChunksLeft(const SnapshotPlan& plan) const {
  for (size_t i = next_chunk_; i < plan.chunks.size(); ++i) {
    if (!plan.chunks[i].done) return true;
  }
  return false;
}

SnapshotPlan IncrementalSnapshot::NextStep(const SnapshotPlan& plan, Lsn version, absl::Time now) {
  SnapshotPlan step = plan;
  step.consistent_point = version;
  size_t taken = 0;
  for (size_t i = 0; i < step.chunks.size(); ++i) {
    if (i >= next_chunk_ && taken < chunks_per_step_ && !step.chunks[i].done) {
      ++taken;
      next_chunk_ = i + 1;
    } else {
      step.chunks[i].done = true;
    }
  }
  last_step_ = !ChunksLeft(plan);
  step_started_ = now;
  return step;
}

void IncrementalSnapshot::StepEnded(absl::Time now) {
  next_step_at_ = now + std::max(min_stream_share_, now - step_started_);
}

bool IncrementalSnapshot::Frame(SourceRecord& record, const SnapshotPlan& plan) {
  if (std::holds_alternative<SnapshotBegin>(record)) {
    if (std::exchange(begin_sent_, true)) return false;
    record = SnapshotBegin{plan.consistent_point};
    return true;
  }
  if (std::holds_alternative<SnapshotEnd>(record)) {
    if (!last_step_) return false;
    record = plan.End();
    return true;
  }
  if (auto* e = std::get_if<ChangeEvent>(&record)) {
    e->snapshot_marker = SnapshotMarker::kIncremental;
    rows_ += 1;
  }
  return true;
}

}  // namespace cdc::pg
