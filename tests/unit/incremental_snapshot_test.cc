#include "source/postgres/incremental_snapshot.h"

#include <gtest/gtest.h>

namespace cdc::pg {
namespace {

// Two tables; chunk 1 is already durable.
SnapshotPlan FivePlan() {
  SnapshotPlan plan;
  plan.consistent_point = Lsn{100};
  plan.listed_tables_only = true;
  plan.tables = {{TableId{"public", "a"}, 10}, {TableId{"public", "b"}, 10}};
  plan.chunks = {{0, "id < 5"}, {0, "id >= 5", true}, {1, "id < 5"}, {1, "id >= 5 AND id < 9"}, {1, "id >= 9"}};
  return plan;
}

std::vector<size_t> Read(const SnapshotPlan& step) {
  std::vector<size_t> chunks;
  for (size_t i = 0; i < step.chunks.size(); ++i) {
    if (!step.chunks[i].done) chunks.push_back(i);
  }
  return chunks;
}

TEST(IncrementalSnapshot, StepsReadEachChunkNotDoneOnceAtTheirOwnVersion) {
  const SnapshotPlan plan = FivePlan();
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  IncrementalSnapshot steps(2, absl::Milliseconds(100), t0);

  SnapshotPlan first = steps.NextStep(plan, Lsn{100}, t0);
  EXPECT_EQ(Read(first), (std::vector<size_t>{0, 2}));  // chunk 1 is durable already
  EXPECT_EQ(first.consistent_point, Lsn{100});
  EXPECT_EQ(first.chunks.size(), plan.chunks.size());  // chunks keep their numbers
  EXPECT_FALSE(steps.LastStepTaken());

  SnapshotPlan second = steps.NextStep(plan, Lsn{250}, t0);
  EXPECT_EQ(Read(second), (std::vector<size_t>{3, 4}));
  EXPECT_EQ(second.consistent_point, Lsn{250});  // the stream's position then
  EXPECT_TRUE(steps.LastStepTaken());
}

TEST(IncrementalSnapshot, TheStreamGetsAsLongAsAStepTookAndAtLeastItsShare) {
  const SnapshotPlan plan = FivePlan();
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  IncrementalSnapshot steps(1, absl::Milliseconds(100), t0);
  EXPECT_TRUE(steps.StepDue(plan, t0, false));  // the first step at once

  steps.NextStep(plan, Lsn{100}, t0);
  steps.StepEnded(t0 + absl::Milliseconds(400));  // a 400 ms step
  EXPECT_FALSE(steps.StepDue(plan, t0 + absl::Milliseconds(799), false));
  EXPECT_TRUE(steps.StepDue(plan, t0 + absl::Milliseconds(799), true));  // an idle stream needs no share
  EXPECT_TRUE(steps.StepDue(plan, t0 + absl::Milliseconds(800), false));

  const absl::Time t1 = t0 + absl::Seconds(1);
  steps.NextStep(plan, Lsn{100}, t1);
  steps.StepEnded(t1 + absl::Milliseconds(10));  // a short step: the minimum share
  EXPECT_FALSE(steps.StepDue(plan, t1 + absl::Milliseconds(109), false));
  EXPECT_TRUE(steps.StepDue(plan, t1 + absl::Milliseconds(110), false));
}

TEST(IncrementalSnapshot, APausedSnapshotTakesNoStepButTheOneThatEndsIt) {
  SnapshotPlan plan = FivePlan();
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  IncrementalSnapshot steps(2, absl::Milliseconds(100), t0);
  steps.NextStep(plan, Lsn{100}, t0);  // chunks 0 and 2
  steps.StepEnded(t0);
  const absl::Time later = t0 + absl::Seconds(1);
  steps.SetPaused(true);
  EXPECT_FALSE(steps.StepDue(plan, later, false));
  EXPECT_FALSE(steps.StepDue(plan, later, true));
  steps.SetPaused(false);
  EXPECT_TRUE(steps.StepDue(plan, later, false));

  // Stopped while paused: nothing is left to read, and the step that ends
  // the snapshot may start.
  plan.chunks[3].done = plan.chunks[4].done = true;
  steps.SetPaused(true);
  EXPECT_TRUE(steps.StepDue(plan, later, false));
}

TEST(IncrementalSnapshot, AStoppedTableKeepsItsChunksTakenAndLeavesTheEnd) {
  SnapshotPlan plan = FivePlan();
  IncrementalSnapshot steps(2, absl::Milliseconds(100), absl::FromUnixSeconds(0));
  steps.NextStep(plan, Lsn{100}, absl::FromUnixSeconds(0));  // chunks 0 and 2
  const TableId a{"public", "a"}, b{"public", "b"};
  EXPECT_EQ(steps.TablesLeft(plan), std::vector<TableId>{b});  // a has no chunk left to take

  EXPECT_EQ(steps.Stop(plan, {b}), 2);  // chunks 3 and 4
  EXPECT_TRUE(plan.tables[1].skipped);
  EXPECT_FALSE(plan.chunks[2].done);  // taken: read, and made durable later
  EXPECT_TRUE(plan.chunks[3].done && plan.chunks[4].done);
  EXPECT_EQ(plan.End().tables, std::vector<TableId>{a});  // b is not swept
  EXPECT_TRUE(steps.TablesLeft(plan).empty());
  EXPECT_FALSE(steps.LastStepTaken());
  EXPECT_TRUE(Read(steps.NextStep(plan, Lsn{200}, absl::FromUnixSeconds(1))).empty());
  EXPECT_TRUE(steps.LastStepTaken());  // the step that ends the snapshot
}

TEST(IncrementalSnapshot, StepsAreFramedAsOneSnapshotOfIncrementalRows) {
  const SnapshotPlan plan = FivePlan();
  IncrementalSnapshot steps(3, absl::Milliseconds(100), absl::FromUnixSeconds(0));
  auto frame = [&](SourceRecord record) -> std::optional<SourceRecord> {
    if (!steps.Frame(record, plan)) return std::nullopt;
    return record;
  };
  const SnapshotEnd step_end{Lsn{300}, {TableId{"public", "b"}}};

  steps.NextStep(plan, Lsn{300}, absl::FromUnixSeconds(0));  // chunks 0, 2, 3
  auto begin = frame(SnapshotBegin{Lsn{300}});
  ASSERT_TRUE(begin.has_value());
  EXPECT_EQ(std::get<SnapshotBegin>(*begin).consistent_point, Lsn{100});  // the whole snapshot's
  auto row = frame(ChangeEvent{});
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(std::get<ChangeEvent>(*row).snapshot_marker, SnapshotMarker::kIncremental);
  EXPECT_FALSE(frame(step_end).has_value());  // not the last step

  steps.NextStep(plan, Lsn{400}, absl::FromUnixSeconds(1));  // chunk 4
  EXPECT_FALSE(frame(SnapshotBegin{Lsn{400}}).has_value());
  EXPECT_TRUE(frame(SnapshotChunkEnd{4}).has_value());
  frame(ChangeEvent{});
  auto end = frame(step_end);
  ASSERT_TRUE(end.has_value());
  const auto& whole = std::get<SnapshotEnd>(*end);
  EXPECT_EQ(whole.consistent_point, Lsn{100});
  EXPECT_EQ(whole.tables, (std::vector<TableId>{TableId{"public", "a"}, TableId{"public", "b"}}));
  EXPECT_EQ(steps.rows(), 2);
}

}  // namespace
}  // namespace cdc::pg
