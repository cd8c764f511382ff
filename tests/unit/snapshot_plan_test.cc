#include "source/postgres/snapshot_plan.h"

#include <gtest/gtest.h>

namespace cdc::pg {
namespace {

SnapshotPlan Example() {
  SnapshotPlan plan;
  plan.consistent_point = Lsn{0x1234ABCD};
  plan.tables.push_back({{"public", "orders"}, 250000});
  plan.tables.push_back({{"odd schema", "tab\there\nnewline"}, 12});
  plan.chunks.push_back({0, "\"id\" <= '1000'::integer", true});
  plan.chunks.push_back({0, "\"id\" > '1000'::integer AND text = E'tab\\there'", false});
  plan.chunks.push_back({1, "", false});
  return plan;
}

TEST(SnapshotPlan, RoundTripsThroughItsTextForm) {
  const SnapshotPlan plan = Example();
  auto parsed = SnapshotPlan::Parse(plan.Serialize());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->consistent_point, plan.consistent_point);
  ASSERT_EQ(parsed->tables.size(), 2u);
  EXPECT_EQ(parsed->tables[1].id.schema, "odd schema");
  EXPECT_EQ(parsed->tables[1].id.table, "tab\there\nnewline");
  EXPECT_EQ(parsed->tables[0].estimated_rows, 250000);
  ASSERT_EQ(parsed->chunks.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(parsed->chunks[i].predicate, plan.chunks[i].predicate);
    EXPECT_EQ(parsed->chunks[i].done, plan.chunks[i].done);
    EXPECT_EQ(parsed->chunks[i].table, plan.chunks[i].table);
  }
  EXPECT_EQ(parsed->DoneChunks(), 1u);
}

// Plans stored by older versions flag keyless tables 0 (read whole again
// after a restart): they still parse, and their chunks are kept like any.
TEST(SnapshotPlan, ReadsThePlansOfOlderVersions) {
  auto parsed = SnapshotPlan::Parse(
      "cdcpipe-snapshot-plan 1\nconsistent_point\t0/16B3780\ntable\tpublic\tlog\t0\t12\n"
      "chunk\t0\t1\tctid < '(10,0)'::tid\nchunk\t0\t0\tctid >= '(10,0)'::tid\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->tables.size(), 1u);
  EXPECT_EQ(parsed->tables[0].id.table, "log");
  EXPECT_EQ(parsed->tables[0].estimated_rows, 12);
  EXPECT_EQ(parsed->DoneChunks(), 1u);
  EXPECT_FALSE(parsed->listed_tables_only);
}

// reset-snapshot --table stores a request: the tables alone, no chunks yet,
// no LSN (the slot's position when capture next starts).
TEST(SnapshotPlan, ARequestForChosenTablesRoundTrips) {
  const SnapshotPlan request = TableSnapshotRequest({{"public", "items"}, {"odd schema", "a\tb"}});
  EXPECT_TRUE(request.listed_tables_only);
  EXPECT_EQ(request.consistent_point.value, 0u);
  EXPECT_TRUE(request.chunks.empty());
  auto parsed = SnapshotPlan::Parse(request.Serialize());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(parsed->listed_tables_only);
  EXPECT_EQ(parsed->consistent_point.value, 0u);
  ASSERT_EQ(parsed->tables.size(), 2u);
  EXPECT_EQ(parsed->tables[1].id, (TableId{"odd schema", "a\tb"}));
  EXPECT_TRUE(parsed->chunks.empty());
  EXPECT_TRUE(IsTableSnapshotRequest(request.Serialize()));
  EXPECT_FALSE(IsTableSnapshotRequest(Example().Serialize()));
  EXPECT_FALSE(IsTableSnapshotRequest(""));
  // Once planned, the flag stays with the chunks (a crash resumes the same tables).
  SnapshotPlan planned = Example();
  planned.listed_tables_only = true;
  auto again = SnapshotPlan::Parse(planned.Serialize());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->listed_tables_only);
  EXPECT_FALSE(IsTableSnapshotRequest(*again));  // it has its LSN
  EXPECT_EQ(again->chunks.size(), 3u);
  EXPECT_EQ(again->End().tables.size(), 2u);
}

// A table that left the capture during a resumed snapshot keeps its place
// (its chunks' numbers) but is neither read nor in the snapshot's end.
TEST(SnapshotPlan, ASkippedTableKeepsItsPlaceOutsideTheEnd) {
  SnapshotPlan plan = Example();
  plan.tables[0].skipped = true;
  auto parsed = SnapshotPlan::Parse(plan.Serialize());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->tables.size(), 2u);
  EXPECT_TRUE(parsed->tables[0].skipped);
  EXPECT_FALSE(parsed->tables[1].skipped);
  EXPECT_EQ(parsed->chunks.size(), 3u);
  const SnapshotEnd end = parsed->End();
  ASSERT_EQ(end.tables.size(), 1u);
  EXPECT_EQ(end.tables[0], (TableId{"odd schema", "tab\there\nnewline"}));
  EXPECT_FALSE(SnapshotPlan::Parse(plan.Serialize() + "skipped\t9\n").ok());
}

TEST(TableId, ParsesSchemaDotTableOnly) {
  EXPECT_EQ(ParseTableId("public.items"), (TableId{"public", "items"}));
  for (const char* bad : {"items", ".items", "public.", "a.b.c", ""}) EXPECT_FALSE(ParseTableId(bad)) << bad;
}

TEST(SnapshotPlan, RejectsWhatIsNotAPlan) {
  EXPECT_FALSE(SnapshotPlan::Parse("").ok());
  EXPECT_FALSE(SnapshotPlan::Parse("started").ok());
  std::string text = Example().Serialize();
  EXPECT_FALSE(SnapshotPlan::Parse(text + "chunk\t7\t0\t\n").ok());  // unknown table
  EXPECT_FALSE(SnapshotPlan::Parse(text + "bogus\n").ok());
  EXPECT_FALSE(SnapshotPlan::Parse(text + "listed_tables_only\tyes\n").ok());
  auto bad = SnapshotPlan::Parse(text + "table\tx\ty\t1\tmany\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("line"), std::string::npos) << bad.status();
}

}  // namespace
}  // namespace cdc::pg
