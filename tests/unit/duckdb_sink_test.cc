#include "sink/duckdb/duckdb_sink.h"

#include <gtest/gtest.h>

namespace cdc::duck {
namespace {

std::shared_ptr<WarehouseTable> Table() {
  auto t = std::make_shared<WarehouseTable>();
  t->id = {"public", "t"};
  t->columns = {{"id", ColumnType::kInt64, 0, 0, true}, {"v", ColumnType::kText, 0, 0, false}};
  return t;
}

std::string Scalar(Database& db, const std::string& sql) {
  auto con = db.Connect();
  QueryResult r;
  EXPECT_TRUE((*con)->Query(sql, "test", r).ok()) << sql;
  char* v = duckdb_value_varchar(r.get(), 0, 0);
  std::string out = v ? v : "NULL";
  duckdb_free(v);
  return out;
}

// A TRUNCATE can arrive before older events of other partitions, even
// before the warehouse has the table: those events must stay void.
TEST(DuckDbSink, ALoneTruncateOfATableNotYetLoadedVoidsOlderEventsThatComeLater) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(db.ok()) << db.status();
  auto sink = DuckDbSink::Create(*db, DuckDbSinkOptions{});
  ASSERT_TRUE(sink.ok()) << sink.status();
  auto t = Table();
  std::vector<TableBatch> truncate{TableBatch{t, {}, Version{Lsn{100}, Lsn{50}}}};
  ASSERT_TRUE((*sink)->Apply(truncate, "s", {}, {}).ok());
  std::vector<TableBatch> later{TableBatch{t,
                                           {RowChange{t, Op::kCreate, {Value::Int(1), Value::Text("before")},
                                                      Version{Lsn{100}, Lsn{10}}, 0},
                                            RowChange{t, Op::kCreate, {Value::Int(2), Value::Text("after")},
                                                      Version{Lsn{100}, Lsn{60}}, 0}},
                                           std::nullopt}};
  ASSERT_TRUE((*sink)->Apply(later, "s", {}, {}).ok());
  EXPECT_EQ(Scalar(**db, "SELECT string_agg(CAST(id AS VARCHAR) || v, ',' ORDER BY id) FROM public.t"), "2after");
}

}  // namespace
}  // namespace cdc::duck
