#include "source/postgres/snapshot_signal.h"

#include <gtest/gtest.h>

namespace cdc::pg {
namespace {

TEST(ExecuteSnapshotSignal, ReadsDebeziumsDataAndWritesIt) {
  auto signal = ParseExecuteSnapshotSignal(
      R"({"data-collections": ["public.items", "shop.orders", "public.items"], "type": "incremental"})");
  ASSERT_TRUE(signal.ok()) << signal.status();
  const std::vector<TableId>& tables = signal->tables;
  ASSERT_EQ(tables.size(), 2u);  // each table once
  EXPECT_EQ(tables[0].ToString(), "public.items");
  EXPECT_EQ(tables[1].ToString(), "shop.orders");
  EXPECT_FALSE(signal->slot.has_value());  // every capture's
  EXPECT_FALSE(signal->blocking);

  auto again = ParseExecuteSnapshotSignal(ExecuteSnapshotSignal(tables, "orders_slot", true));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->tables, tables);
  EXPECT_EQ(again->slot, "orders_slot");
  EXPECT_TRUE(again->blocking);
  EXPECT_FALSE(ParseExecuteSnapshotSignal(ExecuteSnapshotSignal(tables, "s", false))->blocking);
  EXPECT_FALSE(ParseExecuteSnapshotSignal(R"({"data-collections": ["a.b"]})")->blocking);  // Debezium's default
}

TEST(ExecuteSnapshotSignal, RefusesWhatItCannotDoAndSaysWhy) {
  const std::pair<const char*, const char*> cases[] = {
      {"not json", "not a JSON object"},
      {R"(["public.items"])", "not a JSON object"},
      {R"({"type": "blocking"})", "non-empty array"},
      {R"({"data-collections": []})", "non-empty array"},
      {R"({"data-collections": ["items"]})", "\"items\" is not a schema.table name"},
      {R"({"data-collections": [7]})", "7 is not a schema.table name"},
      {R"({"data-collections": ["public.items"], "type": "full"})", "\"full\" is not"},
      {R"({"data-collections": ["public.items"], "additional-conditions": []})", "\"additional-conditions\" is not supported"},
      {R"({"data-collections": ["public.items"], "slot": 3})", "slot must be a string"},
  };
  for (const auto& [data, expected] : cases) {
    auto signal = ParseExecuteSnapshotSignal(data);
    ASSERT_FALSE(signal.ok()) << data;
    EXPECT_TRUE(absl::IsInvalidArgument(signal.status())) << data;
    EXPECT_NE(std::string(signal.status().message()).find(expected), std::string::npos)
        << data << ": " << signal.status();
  }
}

TEST(SnapshotSeesCommits, OnlyWhenNoneIsRunningOrAhead) {
  // xmin 100, xmax 110, 103 and 105 still running.
  const std::string snapshot = "100:110:103,105";
  EXPECT_TRUE(*SnapshotSeesCommits(snapshot, {}));
  EXPECT_TRUE(*SnapshotSeesCommits(snapshot, {90, 101, 104, 109}));
  EXPECT_FALSE(*SnapshotSeesCommits(snapshot, {101, 105}));  // not visible yet
  EXPECT_FALSE(*SnapshotSeesCommits(snapshot, {110}));       // after the snapshot
  EXPECT_TRUE(*SnapshotSeesCommits("100:100:", {99}));
}

TEST(SnapshotSeesCommits, AcrossAnEpoch) {
  // Epoch 1: xmax is 2^32 + 5; xid 4294967290 is epoch 0's, just before it.
  const uint64_t epoch = uint64_t{1} << 32;
  const std::string snapshot = std::to_string(epoch - 10) + ":" + std::to_string(epoch + 5) + ":" +
                               std::to_string(epoch + 2);
  EXPECT_TRUE(*SnapshotSeesCommits(snapshot, {4294967290u, 1, 4}));
  EXPECT_FALSE(*SnapshotSeesCommits(snapshot, {2}));  // running
  EXPECT_FALSE(*SnapshotSeesCommits(snapshot, {5}));  // xmax itself
  EXPECT_FALSE(SnapshotSeesCommits("100:x:", {1}).ok());
  EXPECT_FALSE(SnapshotSeesCommits("100:110", {1}).ok());
}

}  // namespace
}  // namespace cdc::pg
