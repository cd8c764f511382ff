#include "pipeline/batch.h"

#include <gtest/gtest.h>

namespace cdc {
namespace {

std::shared_ptr<WarehouseTable> Table(bool keyed = true) {
  auto t = std::make_shared<WarehouseTable>();
  t->id = {"public", "t"};
  t->columns = {{"id", ColumnType::kInt64, 0, 0, keyed}, {"doc", ColumnType::kText, 0, 0, false}};
  return t;
}

RowChange Change(std::shared_ptr<WarehouseTable> t, Op op, int64_t id, Value doc, uint64_t commit, uint64_t lsn) {
  return RowChange{t, op, {Value::Int(id), std::move(doc)}, Version{Lsn{commit}, Lsn{lsn}}, 0};
}

TEST(Batch, CollapsesPerKeyToNewestVersion) {
  auto t = Table();
  Batch b;
  b.Add(Change(t, Op::kCreate, 1, Value::Text("a"), 10, 1));
  b.Add(Change(t, Op::kUpdate, 1, Value::Text("b"), 20, 2));
  b.Add(Change(t, Op::kCreate, 2, Value::Text("x"), 20, 3));
  b.Add(Change(t, Op::kUpdate, 1, Value::Text("stale"), 15, 9));  // replayed older event
  auto out = b.Take();
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].rows.size(), 2u);
  EXPECT_EQ(out[0].rows[0].values[1].text, "b");
  EXPECT_EQ(out[0].rows[0].version.commit_lsn, Lsn{20});
  EXPECT_TRUE(b.empty());
}

TEST(Batch, UnchangedToastTakesTheOlderValueOfTheSameKey) {
  auto t = Table();
  Batch b;
  b.Add(Change(t, Op::kUpdate, 1, Value::Text("big document"), 10, 1));
  b.Add(Change(t, Op::kUpdate, 1, Value::Unchanged(), 11, 1));
  auto out = b.Take();
  ASSERT_EQ(out[0].rows.size(), 1u);
  EXPECT_EQ(out[0].rows[0].values[1].kind, Value::Kind::kText);
  EXPECT_EQ(out[0].rows[0].values[1].text, "big document");
  EXPECT_EQ(out[0].rows[0].version.commit_lsn, Lsn{11});
}

TEST(Batch, DeleteThenInsertKeepsTheInsert) {
  auto t = Table();
  Batch b;
  b.Add(Change(t, Op::kDelete, 1, Value::Null(), 10, 1));
  b.Add(Change(t, Op::kCreate, 1, Value::Text("again"), 10, 2));
  auto out = b.Take();
  ASSERT_EQ(out[0].rows.size(), 1u);
  EXPECT_EQ(out[0].rows[0].op, Op::kCreate);
}

TEST(Batch, TruncateDropsOlderRowsAndKeepsLaterOnes) {
  auto t = Table();
  Batch b;
  b.Add(Change(t, Op::kCreate, 1, Value::Text("before"), 10, 1));
  b.Add(Change(t, Op::kCreate, 2, Value::Text("before"), 10, 2));
  b.Add(RowChange{t, Op::kTruncate, {Value::Null(), Value::Null()}, Version{Lsn{20}, Lsn{5}}, 0});
  b.Add(Change(t, Op::kCreate, 2, Value::Text("after"), 30, 1));
  auto out = b.Take();
  ASSERT_EQ(out.size(), 1u);
  ASSERT_TRUE(out[0].truncated_at.has_value());
  EXPECT_EQ(*out[0].truncated_at, (Version{Lsn{20}, Lsn{5}}));
  ASSERT_EQ(out[0].rows.size(), 1u);
  EXPECT_EQ(out[0].rows[0].values[1].text, "after");
}

TEST(Batch, KeylessTablesKeepEveryEvent) {
  auto t = Table(false);
  Batch b;
  b.Add(Change(t, Op::kCreate, 1, Value::Text("a"), 10, 1));
  b.Add(Change(t, Op::kCreate, 1, Value::Text("a"), 10, 2));
  EXPECT_EQ(b.Take()[0].rows.size(), 2u);
}

TEST(Batch, TheNewestSchemaByVersionWinsWhateverTheArrivalOrder) {
  // Two keys in two partitions: the event written after a column was
  // retyped arrives first. The batch must not coerce it into the old type.
  auto before = Table();
  before->columns.push_back({"price", ColumnType::kDecimal, 20, 4, false});
  auto after = Table();
  after->columns.push_back({"price", ColumnType::kDecimal, 10, 6, false});
  Batch b;
  b.Add(RowChange{after, Op::kCreate, {Value::Int(2), Value::Text("new"), Value::Text("1.123456")},
                  Version{Lsn{30}, Lsn{1}}, 0});
  b.Add(RowChange{before, Op::kUpdate, {Value::Int(1), Value::Text("old"), Value::Text("12345.6789")},
                  Version{Lsn{20}, Lsn{1}}, 0});
  auto out = b.Take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].table, after);
  ASSERT_EQ(out[0].rows.size(), 2u);
  for (const auto& row : out[0].rows) EXPECT_EQ(row.table, after);
  EXPECT_EQ(out[0].rows[0].values[2].text, "1.123456");
  EXPECT_EQ(out[0].rows[1].values[2].text, "12345.6789");
}

TEST(Batch, ChangeLogTablesKeepEveryEventAndRecordTruncations) {
  auto t = Table();
  Batch b(TableModes({"public\\.t"}));
  b.Add(Change(t, Op::kCreate, 1, Value::Text("a"), 10, 1));
  b.Add(Change(t, Op::kUpdate, 1, Value::Text("b"), 20, 1));
  b.Add(RowChange{t, Op::kTruncate, {Value::Null(), Value::Null()}, Version{Lsn{30}, Lsn{1}}, 0});
  auto out = b.Take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].truncated_at.has_value());
  ASSERT_EQ(out[0].rows.size(), 3u);
  EXPECT_EQ(out[0].rows[2].op, Op::kTruncate);
  EXPECT_FALSE(TableModes({"public\\.other"}).IsChangeLog(*t));
}

TEST(Batch, ATruncateAloneIsAMarkWhateverItsSchemaSays) {
  // Its Kafka key is null, so a decoder that has not seen the table yet
  // gives it a schema without the key: that must not make it a change log.
  auto keyless = Table(false);
  Batch b(TableModes({"public\\.other"}));
  b.Add(RowChange{keyless, Op::kTruncate, {Value::Null(), Value::Null()}, Version{Lsn{30}, Lsn{1}}, 0});
  auto out = b.Take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].rows.empty());
  ASSERT_TRUE(out[0].truncated_at.has_value());
  EXPECT_EQ(*out[0].truncated_at, (Version{Lsn{30}, Lsn{1}}));
}

TEST(Batch, EventsOfInterleavedTablesCollapseEachInTheirOwnTable) {
  // The batch keeps the latest event's table at hand: an event of another
  // table must not land in it, in this batch or the next.
  auto t = Table();
  auto u = Table();
  u->id = {"public", "u"};
  Batch b;
  for (int round = 0; round < 2; ++round) {
    b.Add(Change(t, Op::kCreate, 1, Value::Text("t1"), 10, 1));
    b.Add(Change(u, Op::kCreate, 1, Value::Text("u1"), 10, 2));
    b.Add(Change(t, Op::kUpdate, 1, Value::Text("t2"), 20, 3));
    b.Add(Change(u, Op::kCreate, 2, Value::Text("u2"), 20, 4));
    auto out = b.Take();
    ASSERT_EQ(out.size(), 2u) << "round " << round;
    ASSERT_EQ(out[0].table->id.table, "t");
    ASSERT_EQ(out[0].rows.size(), 1u) << "round " << round;
    EXPECT_EQ(out[0].rows[0].values[1].text, "t2");
    ASSERT_EQ(out[1].rows.size(), 2u) << "round " << round;
    EXPECT_EQ(out[1].rows[0].values[1].text, "u1");
    EXPECT_EQ(out[1].rows[1].values[1].text, "u2");
  }
}

TEST(Batch, ATableThatLosesItsKeyInTheBatchKeepsEveryLaterEvent) {
  // Whether a table is a change log is judged once per schema: a later
  // schema of the same table without the key is judged again.
  auto keyed = Table();
  auto keyless = Table(false);
  Batch b;
  b.Add(Change(keyed, Op::kCreate, 1, Value::Text("a"), 10, 1));
  b.Add(Change(keyless, Op::kCreate, 1, Value::Text("b"), 20, 2));
  b.Add(Change(keyless, Op::kCreate, 1, Value::Text("c"), 30, 3));
  auto out = b.Take();
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].rows.size(), 3u);
  EXPECT_EQ(out[0].rows[2].values[1].text, "c");
}

}  // namespace
}  // namespace cdc
