// verify's judgement of a table (CompareTable) over tables held in memory,
// and its reading of a loading process's progress (LoadCatchUp).
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/http_checksummer.h"
#include "pipeline/table_comparison.h"

namespace cdc {
namespace {

using Row = std::map<std::string, std::optional<std::string>>;

// A table in memory: its columns, its rows, and what a warehouse may add.
class MemoryChecksummer final : public TableChecksummer {
 public:
  std::optional<std::vector<ChecksumColumn>> columns;  // nullopt: the table does not exist
  std::vector<Row> rows;
  std::optional<std::map<char, uint64_t>> change_log;
  std::optional<std::string> paused;

  absl::StatusOr<std::optional<std::vector<ChecksumColumn>>> Columns(const TableId&) override { return columns; }
  absl::StatusOr<TableChecksum> Checksum(const TableId&, std::span<const ChecksumColumn> cols) override {
    TableChecksum acc;
    for (const Row& row : rows) {
      std::vector<std::optional<std::string_view>> values;
      for (const ChecksumColumn& c : cols) {
        const auto& v = row.at(c.name);
        values.push_back(v ? std::optional<std::string_view>(*v) : std::nullopt);
      }
      AddRowToChecksum(values, acc);
    }
    return acc;
  }
  absl::StatusOr<std::optional<std::map<char, uint64_t>>> ChangeLog(const TableId&) override { return change_log; }
  absl::StatusOr<std::optional<std::string>> PausedReason(const TableId&) override { return paused; }
};

const TableId kOrders{"public", "orders"};

std::string SameName(std::string_view column) { return std::string(column); }

class CompareTableTest : public ::testing::Test {
 protected:
  CompareTableTest() {
    source.columns = {{"id", CanonicalForm::kText}, {"note", CanonicalForm::kText}, {"qty", CanonicalForm::kText}};
    source.rows = {{{"id", "1"}, {"note", "a"}, {"qty", "5"}}, {{"id", "2"}, {"note", std::nullopt}, {"qty", "7"}}};
    warehouse.columns = source.columns;
    warehouse.rows = source.rows;
  }
  TableComparison Compare(const FieldNameOf& field_name_of = SameName) {
    auto c = CompareTable(source, warehouse, kOrders, field_name_of);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : TableComparison{};
  }
  MemoryChecksummer source, warehouse;
};

TEST_F(CompareTableTest, EqualRowsMatchOverEveryCommonColumn) {
  TableComparison c = Compare();
  EXPECT_EQ(c.outcome, TableComparison::Outcome::kMatch);
  EXPECT_EQ(c.report.find("public.orders"), 0u) << c.report;
  EXPECT_NE(c.report.find("OK        source rows=2 warehouse rows=2 checksum equal  (3 columns)"), std::string::npos)
      << c.report;
}

TEST_F(CompareTableTest, ADifferentValueIsAMismatchThatNamesItsColumn) {
  warehouse.rows[1]["qty"] = "8";
  TableComparison c = Compare();
  EXPECT_EQ(c.outcome, TableComparison::Outcome::kMismatch);
  EXPECT_NE(c.report.find("MISMATCH  source rows=2 warehouse rows=2 checksum differs"), std::string::npos) << c.report;
  EXPECT_NE(c.report.find("columns that differ: qty\n"), std::string::npos) << c.report;
}

TEST_F(CompareTableTest, NullAndEmptyTextDiffer) {
  warehouse.rows[1]["note"] = "";
  EXPECT_EQ(Compare().outcome, TableComparison::Outcome::kMismatch);
}

TEST_F(CompareTableTest, AMissingRowIsAMismatchWithoutColumnBlame) {
  warehouse.rows.pop_back();
  TableComparison c = Compare();
  EXPECT_EQ(c.outcome, TableComparison::Outcome::kMismatch);
  EXPECT_NE(c.report.find("warehouse rows=1"), std::string::npos) << c.report;
  EXPECT_EQ(c.report.find("columns that differ"), std::string::npos) << c.report;
}

TEST_F(CompareTableTest, ColumnsOnOneSideOnlyOrWithoutCommonFormAreNamedNotCompared) {
  source.columns->push_back({"secret", CanonicalForm::kText});      // excluded from the events
  source.columns->push_back({"path", CanonicalForm::kNotCompared});  // e.g. a type Debezium encodes lossily
  warehouse.columns->push_back({"path", CanonicalForm::kText});
  for (Row& r : source.rows) r["secret"] = "s", r["path"] = "p";
  for (Row& r : warehouse.rows) r["path"] = "other";
  TableComparison c = Compare();
  EXPECT_EQ(c.outcome, TableComparison::Outcome::kMatch) << c.report;
  EXPECT_NE(c.report.find("(3 columns)"), std::string::npos) << c.report;
  EXPECT_NE(c.report.find("not in the warehouse: secret\n"), std::string::npos) << c.report;
  EXPECT_NE(c.report.find("not compared (no exact common form, docs/types.md): path\n"), std::string::npos)
      << c.report;
}

TEST_F(CompareTableTest, WarehouseColumnsAreFoundByTheirFieldNames) {
  warehouse.columns = {{"ID", CanonicalForm::kText}, {"NOTE", CanonicalForm::kText}, {"QTY", CanonicalForm::kText}};
  for (Row& r : warehouse.rows) r = {{"ID", r["id"]}, {"NOTE", r["note"]}, {"QTY", r["qty"]}};
  auto upper = [](std::string_view column) {
    std::string s(column);
    for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return s;
  };
  EXPECT_EQ(Compare(upper).outcome, TableComparison::Outcome::kMatch);
  TableComparison by_source_names = Compare();
  EXPECT_NE(by_source_names.report.find("not in the warehouse: id, note, qty"), std::string::npos)
      << by_source_names.report;
}

TEST_F(CompareTableTest, AnAbsentWarehouseTableMatchesOnlyAnEmptySource) {
  warehouse.columns = std::nullopt;
  TableComparison c = Compare();
  EXPECT_EQ(c.outcome, TableComparison::Outcome::kMismatch);
  EXPECT_NE(c.report.find("source rows=2 warehouse table absent"), std::string::npos) << c.report;
  source.rows.clear();
  EXPECT_EQ(Compare().outcome, TableComparison::Outcome::kMatch);
}

TEST_F(CompareTableTest, AChangeLogWithUpdatesIsNotComparedAndSaysWhy) {
  warehouse.change_log = std::map<char, uint64_t>{{'c', 2}, {'u', 1}};
  warehouse.rows.push_back(warehouse.rows[0]);
  TableComparison c = Compare();
  EXPECT_EQ(c.outcome, TableComparison::Outcome::kChangeLog);
  EXPECT_NE(c.report.find("LOG       source rows=2 warehouse change log events=3 (c=2 u=1)"), std::string::npos)
      << c.report;
}

TEST_F(CompareTableTest, AChangeLogOfInsertsOnlyIsComparedAsATable) {
  warehouse.change_log = std::map<char, uint64_t>{{'r', 1}, {'c', 1}};
  EXPECT_EQ(Compare().outcome, TableComparison::Outcome::kMatch);
}

TEST_F(CompareTableTest, APausedTableIsSaidBeforeItsVerdict) {
  warehouse.paused = "column qty: type changed";
  TableComparison c = Compare();
  EXPECT_EQ(c.outcome, TableComparison::Outcome::kMatch);
  EXPECT_EQ(c.report.find("public.orders                            PAUSED    by load"), 0u) << c.report;
  EXPECT_LT(c.report.find("column qty: type changed"), c.report.find("OK"));
}

TEST_F(CompareTableTest, AMissingSourceTableIsAnErrorThatNamesIt) {
  source.columns = std::nullopt;
  auto c = CompareTable(source, warehouse, kOrders, SameName);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(c.status().message().find("source table public.orders does not exist"), std::string::npos);
}

std::string Progress(int unowned, int64_t next0, int64_t end0, int64_t next1 = 0, int64_t end1 = 0) {
  return "{\"loading\":true,\"unowned\":" + std::to_string(unowned) +
         ",\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"next\":" + std::to_string(next0) +
         ",\"end\":" + std::to_string(end0) + "},{\"topic\":\"t\",\"partition\":1,\"next\":" + std::to_string(next1) +
         ",\"end\":" + std::to_string(end1) + "}]}";
}

using State = LoadCatchUp::State;

TEST(LoadCatchUp, CaughtUpWhenTheFirstSeenEndsAreReachedTwiceInARow) {
  LoadCatchUp w;
  EXPECT_EQ(*w.Observe(Progress(0, 5, 10, 0, 4)), State::kBehind);
  // The ends keep moving (heartbeats); what counts is the first ones seen.
  EXPECT_EQ(*w.Observe(Progress(0, 10, 12, 4, 6)), State::kCaughtUpOnce);
  EXPECT_EQ(*w.Observe(Progress(0, 11, 14, 4, 6)), State::kCaughtUp);
}

TEST(LoadCatchUp, ARebalanceBetweenTheTwoStartsOver) {
  LoadCatchUp w;
  EXPECT_EQ(*w.Observe(Progress(0, 10, 10, 4, 4)), State::kCaughtUpOnce);
  EXPECT_EQ(*w.Observe(Progress(1, 10, 10, 4, 4)), State::kBehind);
  EXPECT_EQ(*w.Observe(Progress(0, 10, 10, 4, 4)), State::kCaughtUpOnce);
  EXPECT_EQ(*w.Observe(Progress(0, 10, 10, 4, 4)), State::kCaughtUp);
}

TEST(LoadCatchUp, NotAllPartitionsOwnedIsBehindAndFixesNoTarget) {
  LoadCatchUp w;
  EXPECT_EQ(*w.Observe(Progress(2, 0, 0, 0, 0)), State::kBehind);
  // The target is taken once all are owned: here partition 0 ends at 20.
  EXPECT_EQ(*w.Observe(Progress(0, 0, 20, 0, 0)), State::kBehind);
  EXPECT_EQ(*w.Observe(Progress(0, 20, 20, 0, 0)), State::kCaughtUpOnce);
}

TEST(LoadCatchUp, NoPartitionsAtAllIsCaughtUp) {
  LoadCatchUp w;
  const std::string none = "{\"loading\":true,\"unowned\":0,\"partitions\":[]}";
  EXPECT_EQ(*w.Observe(none), State::kCaughtUpOnce);
  EXPECT_EQ(*w.Observe(none), State::kCaughtUp);
}

TEST(LoadCatchUp, AProcessThatDoesNotLoadIsRefused) {
  LoadCatchUp w;
  auto st = w.Observe("{\"confirmed_lsn\":\"0/0\",\"loading\":false}");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(w.Observe("not json").ok());
}

}  // namespace
}  // namespace cdc
