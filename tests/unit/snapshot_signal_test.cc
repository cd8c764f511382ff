#include "source/postgres/snapshot_signal.h"

#include <gtest/gtest.h>

namespace cdc::pg {
namespace {

TEST(ExecuteSnapshotSignal, ReadsDebeziumsDataAndWritesIt) {
  auto signal = ParseExecuteSnapshotSignal(
      R"({"data-collections": ["public.items", "shop\\.order_.*", "public.items"], "type": "incremental"})");
  ASSERT_TRUE(signal.ok()) << signal.status();
  EXPECT_EQ(signal->data_collections, (std::vector<std::string>{"public.items", "shop\\.order_.*"}));  // each once
  EXPECT_FALSE(signal->slot.has_value());  // every capture's
  EXPECT_FALSE(signal->blocking);

  const std::vector<TableId> tables = {{"public", "items"}, {"shop", "orders"}};
  auto again = ParseExecuteSnapshotSignal(ExecuteSnapshotSignal(tables, "orders_slot", true));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->data_collections, (std::vector<std::string>{"public.items", "shop.orders"}));
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
      {R"({"data-collections": [7]})", "data collection 7 is not a table name or regular expression"},
      {R"({"data-collections": [""]})", "data collection \"\" is not a table name"},
      {R"({"data-collections": ["public.(items"]})", "\"public.(items\" is not a valid regular expression"},
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

TEST(StopSnapshotSignal, ReadsDebeziumsDataEveryTableWhenNoneIsNamed) {
  auto every = ParseStopSnapshotSignal(R"({"type": "incremental"})");
  ASSERT_TRUE(every.ok()) << every.status();
  EXPECT_TRUE(every->data_collections.empty());
  EXPECT_TRUE(ParseStopSnapshotSignal(R"({"data-collections": [], "type": "incremental"})")->data_collections.empty());
  EXPECT_TRUE(ParseStopSnapshotSignal(R"({"data-collections": null})")->data_collections.empty());

  auto written = ParseStopSnapshotSignal(StopSnapshotSignal({{"public", "items"}}, "orders_slot"));
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(written->data_collections, std::vector<std::string>{"public.items"});
  EXPECT_EQ(written->slot, "orders_slot");
  EXPECT_TRUE(ParseStopSnapshotSignal(StopSnapshotSignal({}, "s"))->data_collections.empty());

  const std::pair<const char*, const char*> refused[] = {
      {R"({"type": "blocking"})", "stop-snapshot signal: only incremental snapshots can be stopped"},
      {R"({"data-collections": "public.items"})", "stop-snapshot signal: \"data-collections\" must be an array"},
      {R"({"data-collections": ["("]})", "\"(\" is not a valid regular expression"},
      {R"({"data-collections": ["a.b"], "additional-conditions": []})", "is not supported"},
  };
  for (const auto& [data, expected] : refused) {
    auto signal = ParseStopSnapshotSignal(data);
    ASSERT_FALSE(signal.ok()) << data;
    EXPECT_NE(std::string(signal.status().message()).find(expected), std::string::npos)
        << data << ": " << signal.status();
  }
}

TEST(SnapshotControlSignal, PauseAndResumeTakeNoTables) {
  EXPECT_EQ(*ParseSnapshotControlSignal("", "pause-snapshot"), std::nullopt);  // a signal-table row without data
  EXPECT_EQ(*ParseSnapshotControlSignal(R"({"type": "incremental"})", "pause-snapshot"), std::nullopt);
  EXPECT_EQ(*ParseSnapshotControlSignal(SnapshotControlSignal("orders_slot"), "resume-snapshot"), "orders_slot");
  const std::pair<const char*, const char*> refused[] = {
      {R"({"data-collections": ["public.items"]})", "resume-snapshot signal: it acts on the whole incremental snapshot"},
      {R"({"type": "blocking"})", "only incremental snapshots can be paused and resumed"},
      {"[]", "resume-snapshot signal: data is not a JSON object"},
  };
  for (const auto& [data, expected] : refused) {
    auto slot = ParseSnapshotControlSignal(data, "resume-snapshot");
    ASSERT_FALSE(slot.ok()) << data;
    EXPECT_NE(std::string(slot.status().message()).find(expected), std::string::npos) << data << ": " << slot.status();
  }
}

TEST(LogSignal, TheMessageWithItsPosition) {
  EXPECT_EQ(*ParseLogSignal(R"({"message": "Signal message at offset {}"})", "0/16B3748"),
            "Signal message at offset 0/16B3748");
  EXPECT_EQ(*ParseLogSignal(R"({"message": "no placeholder"})", "0/1"), "no placeholder");
  for (const char* data : {"", "[]", R"({"msg": "x"})", R"({"message": 3})"}) {
    auto message = ParseLogSignal(data, "0/1");
    ASSERT_FALSE(message.ok()) << data;
    EXPECT_NE(std::string(message.status().message()).find("a string \"message\""), std::string::npos) << data;
  }
}

TEST(MatchDataCollections, WholeNamesByRegularExpressionInCapturesOrder) {
  const std::vector<TableId> captured = {
      {"public", "items"}, {"public", "items_archive"}, {"shop", "order_lines"}, {"shop", "orders"}, {"shop", "x$y"}};
  std::vector<std::string> unmatched;
  EXPECT_EQ(MatchDataCollections({"shop\\.order.*", "public.items", "public.nope", "items"}, captured, unmatched),
            (std::vector<TableId>{{"public", "items"}, {"shop", "order_lines"}, {"shop", "orders"}}));
  EXPECT_EQ(unmatched, (std::vector<std::string>{"public.nope", "items"}));  // whole names only

  // The command's exact names match only themselves, metacharacters too.
  const std::vector<TableId> exact = {{"shop", "x$y"}, {"public", "items"}};
  auto written = ParseExecuteSnapshotSignal(ExecuteSnapshotSignal(exact, "s", false));
  ASSERT_TRUE(written.ok()) << written.status();
  unmatched.clear();
  EXPECT_EQ(MatchDataCollections(written->data_collections, captured, unmatched),
            (std::vector<TableId>{{"public", "items"}, {"shop", "x$y"}}));
  EXPECT_TRUE(unmatched.empty());

  // A dot in a name is escaped with the separator.
  const std::vector<TableId> dotted = {{"a", "b.c"}, {"a", "bxc"}, {"a.b", "c"}};
  written = ParseExecuteSnapshotSignal(ExecuteSnapshotSignal({{"a", "b.c"}}, "s", false));
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(MatchDataCollections(written->data_collections, dotted, unmatched),
            (std::vector<TableId>{{"a", "b.c"}, {"a.b", "c"}}));  // "a.b.c" both: the name's own ambiguity
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
