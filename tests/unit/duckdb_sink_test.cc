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
  std::vector<TableBatch> truncate{TableBatch{t, {}, Version{Lsn{100}, Lsn{50}}, std::nullopt}};
  ASSERT_TRUE((*sink)->Apply(truncate, "s", {}, {}).ok());
  std::vector<TableBatch> later{TableBatch{t,
                                           {RowChange{t, Op::kCreate, {Value::Int(1), Value::Text("before")},
                                                      Version{Lsn{100}, Lsn{10}}, 0},
                                            RowChange{t, Op::kCreate, {Value::Int(2), Value::Text("after")},
                                                      Version{Lsn{100}, Lsn{60}}, 0}},
                                           std::nullopt, std::nullopt}};
  ASSERT_TRUE((*sink)->Apply(later, "s", {}, {}).ok());
  EXPECT_EQ(Scalar(**db, "SELECT string_agg(CAST(id AS VARCHAR) || v, ',' ORDER BY id) FROM public.t"), "2after");
}

// A new snapshot at LSN 200 rewrote rows 1 and 2; row 3, loaded before and
// not in it, was deleted at the source while no slot recorded it. Once the
// snapshot is wholly applied the sweep removes row 3 and keeps the
// snapshot's rows and newer changes; older events that come later are void.
TEST(DuckDbSink, ASweepRemovesTheRowsANewSnapshotDidNotHave) {
  for (DeleteMode mode : {DeleteMode::kHard, DeleteMode::kSoft}) {
    const bool hard = mode == DeleteMode::kHard;
    auto db = Database::Open(":memory:");
    ASSERT_TRUE(db.ok()) << db.status();
    auto sink = DuckDbSink::Create(*db, DuckDbSinkOptions{mode, {}});
    ASSERT_TRUE(sink.ok()) << sink.status();
    auto t = Table();
    auto row = [&](int64_t id, const char* v, uint64_t lsn, Op op = Op::kCreate) {
      return RowChange{t, op, {Value::Int(id), Value::Text(v)}, Version{Lsn{lsn}, Lsn{lsn == 200 ? 0u : 1u}}, 0};
    };
    std::vector<TableBatch> before{TableBatch{t, {row(1, "old", 50), row(2, "old", 60), row(3, "gone", 70)},
                                              std::nullopt, std::nullopt}};
    ASSERT_TRUE((*sink)->Apply(before, "s", {}, {}).ok());
    std::vector<TableBatch> snapshot{TableBatch{t, {row(1, "snap", 200, Op::kRead), row(2, "snap", 200, Op::kRead),
                                                    row(4, "new", 210)},
                                                std::nullopt, std::nullopt}};
    ASSERT_TRUE((*sink)->Apply(snapshot, "s", {}, {}).ok());
    auto id_only = std::make_shared<WarehouseTable>();
    id_only->id = t->id;
    std::vector<TableBatch> sweep{TableBatch{id_only, {}, std::nullopt, Version{Lsn{200}, Lsn{0}}}};
    for (int twice = 0; twice < 2; ++twice) {  // a marker read again changes nothing
      const absl::Status st = (*sink)->Apply(sweep, "s", {}, {});
      ASSERT_TRUE(st.ok()) << st;
      EXPECT_EQ((*sink)->LastSweptRows(), twice == 0 ? 1 : 0);
    }
    const std::string live = hard ? "" : " WHERE _cdc_deleted IS NOT TRUE";
    EXPECT_EQ(Scalar(**db, "SELECT string_agg(id || v, ',' ORDER BY id) FROM public.t" + live), "1snap,2snap,4new");
    if (!hard) {
      EXPECT_EQ(Scalar(**db, "SELECT _cdc_op FROM public.t WHERE id = 3"), "d");
    }
    // A replayed event from before the snapshot does not bring row 3 back.
    std::vector<TableBatch> replay{TableBatch{t, {row(3, "replayed", 70)}, std::nullopt, std::nullopt}};
    ASSERT_TRUE((*sink)->Apply(replay, "s", {}, {}).ok());
    EXPECT_EQ(Scalar(**db, "SELECT string_agg(id || v, ',' ORDER BY id) FROM public.t" + live), "1snap,2snap,4new");
  }
}

// A change log keeps every event (its rows are events, not state); a table
// the warehouse does not have yet only voids older events.
TEST(DuckDbSink, ASweepLeavesChangeLogsAloneAndVoidsOlderEventsOfTablesNotLoadedYet) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(db.ok()) << db.status();
  auto sink = DuckDbSink::Create(*db, DuckDbSinkOptions{});
  ASSERT_TRUE(sink.ok()) << sink.status();
  auto log = std::make_shared<WarehouseTable>();
  log->id = {"public", "events"};
  log->columns = {{"a", ColumnType::kInt64, 0, 0, false}};
  std::vector<TableBatch> events{
      TableBatch{log, {RowChange{log, Op::kCreate, {Value::Int(1)}, Version{Lsn{50}, Lsn{1}}, 0}}, std::nullopt,
                 std::nullopt}};
  ASSERT_TRUE((*sink)->Apply(events, "s", {}, {}).ok());
  auto t = Table();
  std::vector<TableBatch> sweeps{TableBatch{log, {}, std::nullopt, Version{Lsn{200}, Lsn{0}}},
                                 TableBatch{t, {}, std::nullopt, Version{Lsn{200}, Lsn{0}}}};
  const absl::Status st = (*sink)->Apply(sweeps, "s", {}, {});
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(Scalar(**db, "SELECT count(*) FROM public.events"), "1");
  std::vector<TableBatch> later{TableBatch{
      t,
      {RowChange{t, Op::kCreate, {Value::Int(1), Value::Text("older")}, Version{Lsn{150}, Lsn{1}}, 0},
       RowChange{t, Op::kRead, {Value::Int(2), Value::Text("snapshot")}, Version{Lsn{200}, Lsn{0}}, 0}},
      std::nullopt, std::nullopt}};
  ASSERT_TRUE((*sink)->Apply(later, "s", {}, {}).ok());
  EXPECT_EQ(Scalar(**db, "SELECT string_agg(id || v, ',' ORDER BY id) FROM public.t"), "2snapshot");
}

// A keyless table's snapshot chunk in flight at a crash is read again in a
// new snapshot (a later read time). Whatever order the two reads' rows
// arrive in, over several batches, the change log keeps the latest read's
// rows only; streamed events and other chunks are left alone.
TEST(DuckDbSink, AChangeLogKeepsTheRowsOfASnapshotChunksLatestReadOnly) {
  auto keyless = std::make_shared<WarehouseTable>();
  keyless->id = {"public", "events"};
  keyless->columns = {{"a", ColumnType::kInt64, 0, 0, false}};
  auto row = [&](int64_t a, std::optional<SnapshotChunkRead> read, Op op = Op::kRead) {
    RowChange r{keyless, op, {Value::Int(a)}, Version{Lsn{100}, Lsn{0}}, 0};
    r.snapshot_chunk = read;
    return r;
  };
  const SnapshotChunkRead first{7, 1000}, second{7, 2000}, other{8, 1000};
  struct Case {
    const char* name;
    std::vector<std::vector<RowChange>> batches;
  };
  const std::vector<Case> cases = {
      {"earlier read first, in part",
       {{row(1, first), row(2, first), row(9, other)}, {row(1, second), row(2, second)}, {row(3, second)}}},
      {"earlier read after the later one",
       {{row(1, second), row(2, second), row(3, second)}, {row(1, first), row(2, first), row(9, other)}}},
      {"both reads in one batch",
       {{row(1, first), row(1, second), row(2, second), row(2, first), row(3, second), row(9, other)}}},
  };
  for (const Case& c : cases) {
    auto db = Database::Open(":memory:");
    ASSERT_TRUE(db.ok()) << db.status();
    auto sink = DuckDbSink::Create(*db, DuckDbSinkOptions{});
    ASSERT_TRUE(sink.ok()) << sink.status();
    for (const auto& rows : c.batches) {
      std::vector<TableBatch> batch{TableBatch{keyless, rows, std::nullopt, std::nullopt}};
      ASSERT_TRUE((*sink)->Apply(batch, "s", {}, {}).ok()) << c.name;
    }
    // A streamed insert, and chunk 8's read, are not snapshot chunk 7's.
    std::vector<TableBatch> streamed{TableBatch{keyless, {row(4, std::nullopt, Op::kCreate)}, std::nullopt, std::nullopt}};
    ASSERT_TRUE((*sink)->Apply(streamed, "s", {}, {}).ok()) << c.name;
    EXPECT_EQ(Scalar(**db, "SELECT string_agg(CAST(a AS VARCHAR), ',' ORDER BY a) FROM public.events"), "1,2,3,4,9")
        << c.name;
    EXPECT_EQ(Scalar(**db, "SELECT count(DISTINCT _cdc_snapshot_read_us) FROM public.events WHERE _cdc_snapshot_chunk = 7"),
              "1")
        << c.name;
    // A new snapshot (snapshot: always, reset-snapshot) has its own LSN: its
    // chunk 7 is another chunk, and the change log records both.
    RowChange again = row(1, SnapshotChunkRead{7, 5000});
    again.version = Version{Lsn{300}, Lsn{0}};
    std::vector<TableBatch> new_snapshot{TableBatch{keyless, {again}, std::nullopt, std::nullopt}};
    ASSERT_TRUE((*sink)->Apply(new_snapshot, "s", {}, {}).ok()) << c.name;
    EXPECT_EQ(Scalar(**db, "SELECT string_agg(CAST(a AS VARCHAR), ',' ORDER BY a) FROM public.events"), "1,1,2,3,4,9")
        << c.name;
  }
}

// Change logs loaded before the snapshot chunk columns existed get them.
TEST(DuckDbSink, AChangeLogWrittenByAnEarlierVersionGetsTheSnapshotChunkColumns) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(db.ok()) << db.status();
  {
    auto con = (*db)->Connect();
    ASSERT_TRUE(con.ok());
    ASSERT_TRUE((*con)->Execute("CREATE SCHEMA public; CREATE TABLE public.events (a BIGINT, _cdc_lsn UBIGINT, "
                                "_cdc_seq UBIGINT, _cdc_op VARCHAR, _cdc_ts TIMESTAMPTZ, _cdc_loaded_at TIMESTAMPTZ, "
                                "_cdc_deleted BOOLEAN); INSERT INTO public.events (a, _cdc_op) VALUES (1, 'r')",
                                "old layout")
                    .ok());
  }
  auto sink = DuckDbSink::Create(*db, DuckDbSinkOptions{});
  ASSERT_TRUE(sink.ok()) << sink.status();
  auto keyless = std::make_shared<WarehouseTable>();
  keyless->id = {"public", "events"};
  keyless->columns = {{"a", ColumnType::kInt64, 0, 0, false}};
  RowChange r{keyless, Op::kRead, {Value::Int(2)}, Version{Lsn{100}, Lsn{0}}, 0};
  r.snapshot_chunk = SnapshotChunkRead{3, 1000};
  std::vector<TableBatch> batch{TableBatch{keyless, {r}, std::nullopt, std::nullopt}};
  const absl::Status st = (*sink)->Apply(batch, "s", {}, {});
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(Scalar(**db, "SELECT string_agg(a || ':' || coalesce(CAST(_cdc_snapshot_chunk AS VARCHAR), '-'), ',' "
                         "ORDER BY a) FROM public.events"),
            "1:-,2:3");
}

}  // namespace
}  // namespace cdc::duck
