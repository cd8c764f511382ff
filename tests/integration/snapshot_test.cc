// The initial snapshot on real parts: chunked and parallel, resumed after a
// crash, and each snapshot mode.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include <gtest/gtest.h>

#include "harness.h"

namespace cdc::testing {
namespace {

// Three shapes of key: one integer, a composite text + integer, none.
constexpr const char* kTables = R"sql(
CREATE TABLE big (id integer PRIMARY KEY, label text, amount numeric(12,2));
CREATE TABLE pairs (region text, n integer, v integer, PRIMARY KEY (region, n));
CREATE TABLE keyless (a integer, b text);
ALTER TABLE keyless REPLICA IDENTITY FULL;
INSERT INTO pairs SELECT 'r' || (g % 7), g, g FROM generate_series(1, 8000) g;
INSERT INTO keyless SELECT g, 'k' || g FROM generate_series(1, 5000) g;
)sql";

std::string FillBig(int rows) {
  return "INSERT INTO big SELECT g, 'row ' || g, g * 0.01 FROM generate_series(1, " + std::to_string(rows) + ") g;"
         "ANALYZE big; ANALYZE pairs; ANALYZE keyless;";
}

// A database with big (`big_rows` rows) and pairs, and no keyless table:
// it is loaded as a change log, where reading it again appends its rows
// again (docs/limitations.md), as the snapshots after the first do.
std::string CreateKeyedTables(const std::string& name, int big_rows) {
  const std::string dsn = Services::Get().CreateDatabase(name);
  Pg pg(dsn);
  pg.Exec(kTables);
  pg.Exec(FillBig(big_rows));
  pg.Exec("DROP TABLE keyless");
  return dsn;
}

// Waits for `text` in the log, after the first `after` there when given.
bool WaitForLog(Child& child, const std::string& text, int timeout_s, const std::string& after = "") {
  for (int i = 0; i < timeout_s * 20; ++i) {
    const std::string log = ReadFile(child.log());
    const size_t from = log.find(after);
    if (from != std::string::npos && log.find(text, from) != std::string::npos) return true;
    if (!child.Running()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void Stop(Child& c) {
  EXPECT_EQ(c.Stop(), 0) << ReadFile(c.log());
}

std::unique_ptr<Child> StartRun(const PipelineFiles& f, const std::string& tag, std::vector<std::string> extra_args = {}) {
  std::vector<std::string> argv{CdcpipeBinary(), "run", "-c", f.config};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  return std::make_unique<Child>(std::move(argv), f.dir + "/run-" + tag + ".log");
}

// Starts `cdcpipe run` (debug log) and SIGKILLs it once the snapshot
// starts reading chunk 30 of `table` (a fixed delay landed after the
// snapshot on a fast machine). Returns the process, ended.
std::unique_ptr<Child> RunKilledAtChunk30(const PipelineFiles& f, const std::string& table) {
  auto run = StartRun(f, "1", {"--log-level", "debug"});
  EXPECT_TRUE(WaitForLog(*run, "\"table\":\"" + table + "\",\"chunk\":30,", 60)) << ReadFile(run->log());
  EXPECT_EQ(ReadFile(run->log()).find("snapshot is durable"), std::string::npos)
      << "snapshot finished before the kill; make the table larger";
  run->Signal(SIGKILL);
  EXPECT_EQ(run->Wait(30), 128 + SIGKILL);
  return run;
}

TEST(Snapshot, ChunkedAndParallelOverEveryKeyShapeThenStreams) {
  const std::string name = "snap_chunks";
  const std::string dsn = Services::Get().CreateDatabase(name);
  Pg pg(dsn);
  pg.Exec(kTables);
  pg.Exec(FillBig(30000));
  PipelineFiles f = WriteConfig(name, dsn, Services::Get().bootstrap,
                                {.postgres = "    snapshot_chunk_rows: 1000\n    snapshot_workers: 3\n"});
  // Separate processes: capture keeps its snapshot state in Kafka.
  Child load({CdcpipeBinary(), "load", "-c", f.config}, f.dir + "/load.log");
  Child capture({CdcpipeBinary(), "capture", "-c", f.config, "--http-listen", "", "--log-level", "debug"}, f.dir + "/capture.log");
  std::string out;
  ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(capture.log());
  const std::string log = ReadFile(capture.log());
  EXPECT_NE(log.find("\"workers\":3"), std::string::npos) << log;
  // 30 chunks of big, 8 of pairs, 5 page ranges of keyless (about 1000 rows each).
  EXPECT_NE(log.find("snapshot of table read"), std::string::npos) << log;
  EXPECT_NE(log.find("\"rows\":30000"), std::string::npos) << log;
  EXPECT_NE(log.find("snapshot is durable"), std::string::npos) << log;
  pg.Exec("UPDATE big SET label = 'after' WHERE id % 100 = 0; DELETE FROM pairs WHERE n < 50;"
          "INSERT INTO keyless VALUES (-1, 'streamed')");
  ASSERT_EQ(Verify(f, &out), 0) << out;
  Stop(capture);
  Stop(load);
  // Exactly one snapshot row per source row reached the warehouse tables.
  Duck duck(f.duckdb);
  EXPECT_EQ(duck.Scalar("SELECT count(*) FROM public.big"), "30000");
  EXPECT_EQ(duck.Scalar("SELECT count(*) FROM public.keyless"), "5001");
}

TEST(Snapshot, ResumesFromDurableChunksAfterSigkill) {
  const std::string name = "snap_resume";
  const std::string dsn = Services::Get().CreateDatabase(name);
  {
    Pg pg(dsn);
    pg.Exec(kTables);
    pg.Exec(FillBig(400000));
  }
  PipelineFiles f = WriteConfig(name, dsn, Services::Get().bootstrap,
                                {.postgres = "    snapshot_chunk_rows: 5000\n    snapshot_workers: 2\n"});
  // Changes during the snapshot and across the crash: the resumed chunks are
  // read later than the first ones, and the slot replays what happened since.
  std::atomic<bool> stop_workload{false};
  std::thread workload([&] {
    Pg w(dsn);
    for (int i = 1; !stop_workload; ++i) {
      w.Exec("UPDATE big SET label = 'changed " + std::to_string(i) + "' WHERE id = " + std::to_string(i * 997 % 400000 + 1) +
             "; DELETE FROM big WHERE id = " + std::to_string(i * 7919 % 400000 + 1) +
             "; INSERT INTO big VALUES (" + std::to_string(400000 + i) + ", 'new', 1)");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  // Killed once some of big's 80 chunks are durable.
  RunKilledAtChunk30(f, "public.big");
  if (::testing::Test::HasFailure()) {
    stop_workload = true;
    workload.join();
    return;
  }

  auto second = StartRun(f, "2");
  ASSERT_TRUE(WaitForLog(*second, "resuming the snapshot", 60)) << ReadFile(second->log());
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  stop_workload = true;
  workload.join();
  std::string out;
  EXPECT_EQ(Verify(f, &out), 0) << out << ReadFile(second->log());
  Stop(*second);
  const std::string log = ReadFile(second->log());
  EXPECT_EQ(log.find("recreating the slot"), std::string::npos) << log;
  EXPECT_EQ(log.find("\"chunks_done\":0"), std::string::npos) << log;
}

// The number after "key": in the first line of `log` with message `msg`;
// -1 when there is none.
int64_t LoggedNumber(const std::string& log, const std::string& msg, const std::string& key) {
  const size_t line = log.find("\"msg\":\"" + msg + "\"");
  if (line == std::string::npos) return -1;
  const size_t at = log.find("\"" + key + "\":", line);
  if (at == std::string::npos || at > log.find('\n', line)) return -1;
  return std::stoll(log.substr(at + key.size() + 3));
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A keyless table resumes from its page ranges: after a crash while it is
// read, only the ranges not yet durable are read again, and the change log
// keeps each range's latest read, so no row appears twice. Before, the
// whole table was read again and every row already read appeared twice;
// then the rows of the ranges in flight at the crash that had reached Kafka
// did. Nothing writes to the table meanwhile: rows written between the two
// reads can appear twice in any case (docs/limitations.md).
TEST(Snapshot, KeylessTableResumesFromDurablePageRangesAfterSigkill) {
  const std::string name = "snap_resume_keyless";
  const std::string dsn = Services::Get().CreateDatabase(name);
  constexpr int64_t kRows = 400000;
  Pg pg(dsn);
  pg.Exec("CREATE TABLE events (a integer, b text); ALTER TABLE events REPLICA IDENTITY FULL;"
          "INSERT INTO events SELECT g, 'event ' || g FROM generate_series(1, " + std::to_string(kRows) + ") g;"
          "ANALYZE events;"
          // Planned before events; dropped during the restart (below).
          "CREATE TABLE aaa (id integer PRIMARY KEY); INSERT INTO aaa SELECT generate_series(1, 12000);");
  PipelineFiles f = WriteConfig(name, dsn, Services::Get().bootstrap,
                                {.postgres = "    snapshot_chunk_rows: 5000\n    snapshot_workers: 2\n"});
  const auto first = RunKilledAtChunk30(f, "public.events");
  ASSERT_FALSE(::testing::Test::HasFailure());
  const std::string first_log = ReadFile(first->log());
  const int64_t chunks = LoggedNumber(first_log, "snapshot started", "chunks");
  const int64_t started = static_cast<int64_t>(Count(first_log, "\"msg\":\"reading chunk\""));
  // A table published meanwhile is planned at the restart after the chunks
  // kept, and a table gone meanwhile keeps its chunks' places: otherwise
  // events' ranges would be renumbered, and a range read again would
  // replace another one's rows in the change log.
  pg.Exec("CREATE TABLE added (id integer PRIMARY KEY); INSERT INTO added SELECT generate_series(1, 12000)");
  pg.Exec("DROP TABLE aaa");

  auto second = StartRun(f, "2");
  ASSERT_TRUE(WaitForLog(*second, "resuming the snapshot", 60)) << ReadFile(second->log());
  const int64_t done = LoggedNumber(ReadFile(second->log()), "resuming the snapshot", "chunks_done");
  ASSERT_GT(chunks, 0) << first_log;
  // Reading the table whole again would repeat at least the rows of the
  // durable ranges: more than the ranges in flight can hold.
  const int64_t rows_per_range = (kRows + chunks - 1) / chunks * 11 / 10;  // page ranges: within 10%
  ASSERT_GT(done * (kRows / chunks), (started - done) * rows_per_range)
      << "too few ranges durable at the kill to tell resuming from reading again: " << done << " of " << started;
  pg.Exec("INSERT INTO events VALUES (-1, 'streamed after the snapshot')");
  // verify waits until the warehouse holds all of it.
  std::string out;
  EXPECT_EQ(Verify(f, &out), 0) << out;
  Stop(*second);
  // The change log holds every source row once, the streamed one too.
  Duck duck(f.duckdb);
  EXPECT_EQ(duck.Scalar("SELECT count(*) FROM public.events WHERE a = -1"), "1");
  EXPECT_EQ(duck.Scalar("SELECT count(DISTINCT a) FROM public.events"), std::to_string(kRows + 1));
  const int64_t repeated = std::stoll(duck.Scalar("SELECT count(*) FROM public.events")) - (kRows + 1);
  // The ranges in flight at the kill were read twice: their first reads'
  // rows were loaded in part, or not at all, and are gone.
  const int64_t reread = std::stoll(duck.Scalar(
      "SELECT count(DISTINCT _cdc_snapshot_chunk) FROM public.events WHERE _cdc_snapshot_read_us > "
      "(SELECT min(_cdc_snapshot_read_us) FROM public.events)"));
  std::printf("keyless resume: %lld of %lld ranges started before the kill, %lld durable, %lld read again; "
              "%lld of %lld rows repeated\n",
              static_cast<long long>(started), static_cast<long long>(chunks), static_cast<long long>(done),
              static_cast<long long>(reread), static_cast<long long>(repeated), static_cast<long long>(kRows));
  EXPECT_EQ(repeated, 0) << started << " ranges started before the kill, " << done << " durable";
  EXPECT_EQ(reread, chunks - done);
}

TEST(Snapshot, ModesInitialOnlyAlwaysAndWhenNeeded) {
  const std::string name = "snap_modes";
  const std::string dsn = CreateKeyedTables(name, 2000);
  Pg pg(dsn);

  // initial_only: reads once, takes no slot, and capture ends by itself.
  {
    PipelineFiles f = WriteConfig(name + "_once", dsn, Services::Get().bootstrap,
                                  {.postgres = "    snapshot: initial_only\n"});
    Child capture({CdcpipeBinary(), "capture", "-c", f.config, "--http-listen", ""}, f.dir + "/capture.log");
    EXPECT_EQ(capture.Wait(120), 0) << ReadFile(capture.log());
    EXPECT_NE(ReadFile(capture.log()).find("snapshot is durable"), std::string::npos);
    EXPECT_EQ(pg.Scalar("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + name + "_once'"), "0");
    // A second start has nothing left to do.
    Child again({CdcpipeBinary(), "capture", "-c", f.config, "--http-listen", ""}, f.dir + "/capture-2.log");
    EXPECT_EQ(again.Wait(120), 0) << ReadFile(again.log());
    EXPECT_NE(ReadFile(again.log()).find("already complete"), std::string::npos) << ReadFile(again.log());
  }

  // always: every start reads the tables again, then replays the slot.
  PipelineFiles f = WriteConfig(name, dsn, Services::Get().bootstrap, {.postgres = "    snapshot: always\n"});
  std::string out;
  {
    auto run = StartRun(f, "1");
    ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(run->log());
    Stop(*run);
  }
  pg.Exec("UPDATE big SET label = 'while stopped' WHERE id < 100; DELETE FROM big WHERE id BETWEEN 100 AND 110");
  {
    auto run = StartRun(f, "2");
    ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(run->log());
    Stop(*run);
    EXPECT_NE(ReadFile(run->log()).find("reading the tables again"), std::string::npos) << ReadFile(run->log());
  }

  // when_needed: a lost slot means a new snapshot instead of an error.
  pg.Exec("SELECT pg_drop_replication_slot('" + name + "')");
  pg.Exec("UPDATE big SET label = 'slot was lost' WHERE id < 50");
  pg.Exec("DELETE FROM big WHERE id BETWEEN 200 AND 210");  // the warehouse must lose them too
  // Same files (the warehouse keeps the capture state), another mode.
  ASSERT_EQ(Shell("sed -i 's/snapshot: always/snapshot: when_needed/' " + f.config), 0);
  {
    auto run = StartRun(f, "3");
    ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(run->log());
    Stop(*run);
    EXPECT_NE(ReadFile(run->log()).find("taking a new snapshot"), std::string::npos) << ReadFile(run->log());
  }
}

// A table left out for a while (table_exclude_list) missed its changes: a
// snapshot of that table alone, asked for by reset-snapshot --table, brings
// it back, removes its rows deleted meanwhile, and reads no other table.
TEST(Snapshot, ChosenTableReadAgainOnRequestAlone) {
  const std::string name = "snap_chosen";
  const std::string dsn = CreateKeyedTables(name, 3000);
  Pg pg(dsn);
  PipelineFiles f = WriteConfig(name, dsn, Services::Get().bootstrap,
                                {.postgres = "    table_exclude_list: [public.nothing]\n"});
  auto reset = [&](const std::string& args, std::string* out) {
    return Shell(CdcpipeBinary() + " reset-snapshot -c " + f.config + " " + args + " 2>&1", out);
  };
  std::string out;
  {
    auto run = StartRun(f, "1");
    ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(run->log());
    Stop(*run);
  }
  // pairs left out: its changes pass the slot unpublished.
  ASSERT_EQ(Shell("sed -i 's/public.nothing/public.pairs/' " + f.config), 0);
  {
    auto run = StartRun(f, "2");
    pg.Exec("UPDATE pairs SET v = -v WHERE n <= 500; DELETE FROM pairs WHERE n > 7000; "
            "INSERT INTO pairs SELECT 'new', g, g FROM generate_series(1, 300) g; "
            "UPDATE big SET label = 'while pairs was left out' WHERE id <= 100");
    ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(run->log());  // big only
    EXPECT_EQ(out.find("public.pairs"), std::string::npos) << out;
    Stop(*run);
  }
  EXPECT_EQ(reset("--table public.pairs", &out), 2) << out;  // left out still
  EXPECT_NE(out.find("capture does not have this table"), std::string::npos) << out;
  ASSERT_EQ(Shell("sed -i 's/public.pairs/public.nothing/' " + f.config), 0);
  EXPECT_EQ(reset("--table pairs", &out), 2) << out;
  EXPECT_NE(out.find("expected schema.table"), std::string::npos) << out;
  EXPECT_EQ(reset("--table public.nope", &out), 2) << out;
  EXPECT_NE(out.find("public.nope"), std::string::npos) << out;
  ASSERT_EQ(reset("--table public.pairs", &out), 0) << out;
  EXPECT_NE(out.find("reads public.pairs again"), std::string::npos) << out;
  {
    auto run = StartRun(f, "3");
    pg.Exec("UPDATE pairs SET v = 0 WHERE n = 1; UPDATE big SET label = 'after' WHERE id = 1");
    ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(run->log());
    Stop(*run);
    const std::string log = ReadFile(run->log());
    EXPECT_NE(log.find("reading chosen tables again"), std::string::npos) << log;
    const std::string read = "\"msg\":\"snapshot of table read\",\"table\":";
    EXPECT_NE(log.find(read + "\"public.pairs\""), std::string::npos) << log;
    EXPECT_EQ(log.find(read + "\"public.big\""), std::string::npos) << "big was read again:\n" << log;
    EXPECT_NE(log.find("rows the new snapshot did not have removed"), std::string::npos) << log;
  }
  // The request is used up: the next start streams without a snapshot.
  // It meets the warehouse file held by a reader (verify or show, while no
  // pipeline runs) and waits for it instead of failing.
  {
    auto reader = std::make_unique<Duck>(f.duckdb);
    auto run = StartRun(f, "4");
    EXPECT_TRUE(WaitForLog(*run, "warehouse file held by another process", 30)) << ReadFile(run->log());
    reader.reset();
    ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(run->log());
    Stop(*run);
    EXPECT_EQ(ReadFile(run->log()).find("snapshot started"), std::string::npos) << ReadFile(run->log());
  }
  // Requests add up until a start takes them; a request does not hide a
  // lost slot: capture stops, as without one.
  ASSERT_EQ(reset("--table public.big", &out), 0) << out;
  ASSERT_EQ(reset("--table public.pairs", &out), 0) << out;
  EXPECT_NE(out.find("reads public.pairs, public.big again"), std::string::npos) << out;
  pg.Exec("SELECT pg_drop_replication_slot('" + name + "')");
  EXPECT_EQ(Shell(CdcpipeBinary() + " run -c " + f.config + " 2>&1", &out), 1) << out;
  EXPECT_NE(out.find("no longer exists"), std::string::npos) << out;
  EXPECT_EQ(pg.Scalar("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + name + "'"), "0");
}


// A table whose warehouse rows drifted (left out by table_exclude_list while
// it changed) is read again while capture streams, on an execute-snapshot
// signal: in steps between the stream's transactions (incremental), each
// step's rows versioned with the stream's position then, and writes before,
// during and after it all land. A crash while the tables are read has the
// next start read them again, before streaming. A blocking signal pauses
// the stream while its table is read. The signal comes from `cdcpipe
// execute-snapshot`, or from a row in Debezium's signal table, which is not
// captured itself.
TEST(Snapshot, ChosenTableReadWhileStreamingOnSignal) {
  constexpr const char* kBlockingPairsSignal =
      "SELECT pg_logical_emit_message(true, 'cdcpipe_execute_snapshot', "
      "'{\"data-collections\": [\"public.pairs\"], \"type\": \"blocking\"}')";
  const std::string name = "snap_signal";
  const std::string dsn = CreateKeyedTables(name, 200000);
  Pg pg(dsn);
  pg.Exec("CREATE TABLE cdc_signal (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))");
  pg.Exec("INSERT INTO cdc_signal VALUES ('before', 'log', '{}')");
  PipelineFiles f = WriteConfig(name, dsn, Services::Get().bootstrap,
                                {.postgres = "    snapshot_chunk_rows: 1000\n"
                                             "    signal_data_collection: public.cdc_signal\n"
                                             "    table_exclude_list: [public.nothing]\n"});
  auto execute = [&](const std::string& args, std::string* out) {
    return Shell(CdcpipeBinary() + " execute-snapshot -c " + f.config + " " + args + " 2>&1", out);
  };
  const std::string read = "\"msg\":\"snapshot of table read\",\"table\":";
  std::string out;
  EXPECT_EQ(execute("--table public.pairs", &out), 1) << out;  // no slot, no WAL capture reads
  EXPECT_NE(out.find("does not exist yet"), std::string::npos) << out;
  {
    auto run = StartRun(f, "1");
    ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(run->log());
    EXPECT_EQ(out.find("cdc_signal"), std::string::npos) << out;
    Stop(*run);
    EXPECT_EQ(ReadFile(run->log()).find(read + "\"public.cdc_signal\""), std::string::npos) << ReadFile(run->log());
  }
  ASSERT_EQ(Shell("sed -i 's/public.nothing/public.pairs/' " + f.config), 0);
  {
    auto run = StartRun(f, "2");
    pg.Exec("UPDATE pairs SET v = -v WHERE n <= 500; DELETE FROM pairs WHERE n > 7000; "
            "INSERT INTO pairs SELECT 'new', g, g FROM generate_series(1, 300) g");
    ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(run->log());  // big only
    Stop(*run);
  }
  ASSERT_EQ(Shell("sed -i 's/public.pairs/public.nothing/' " + f.config), 0);
  EXPECT_EQ(execute("--table public.nope", &out), 2) << out;
  EXPECT_NE(out.find("public.nope"), std::string::npos) << out;
  EXPECT_EQ(execute("--table pairs", &out), 2) << out;
  EXPECT_NE(out.find("expected schema.table"), std::string::npos) << out;
  {
    auto run = StartRun(f, "3");
    EXPECT_EQ(Verify(f, &out), 3) << out << ReadFile(run->log());
    EXPECT_NE(out.find("public.pairs"), std::string::npos) << out;
    // One transaction after another: an update, a delete and an insert.
    std::thread writer([&] {
      Pg w(dsn);
      for (int i = 1; i <= 300; ++i) {
        const std::string n = std::to_string(i);
        w.Exec("UPDATE pairs SET v = v + 1 WHERE n = " + std::to_string(i * 13 % 3000 + 1) +
               "; DELETE FROM pairs WHERE n = " + std::to_string(3000 + i) + "; INSERT INTO pairs VALUES ('w', " + n +
               ", " + n + ")");
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    const int signal = execute("--table public.pairs", &out);
    // A blocking signal for big lands while that incremental snapshot runs:
    // it is taken once that one is durable, the stream paused at it
    // meanwhile (big is right already: pairs is right by the incremental
    // snapshot alone).
    pg.Exec("SELECT pg_logical_emit_message(true, 'cdcpipe_execute_snapshot', "
            "'{\"data-collections\": [\"public.big\"], \"type\": \"blocking\"}')");
    writer.join();
    ASSERT_EQ(signal, 0) << out;
    EXPECT_NE(out.find("reads public.pairs again"), std::string::npos) << out;
    ASSERT_TRUE(WaitForLog(*run, "rows the new snapshot did not have removed\",\"table\":\"public.pairs\"", 60))
        << ReadFile(run->log());
    ASSERT_TRUE(WaitForLog(*run, "rows the new snapshot did not have removed\",\"table\":\"public.big\"", 60))
        << ReadFile(run->log());
    ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(run->log());
    Stop(*run);
    const std::string log = ReadFile(run->log());
    EXPECT_NE(log.find("reading chosen tables in steps between transactions of the stream"), std::string::npos) << log;
    EXPECT_NE(log.find("\"msg\":\"chosen tables read between transactions of the stream\",\"tables\":\"public.pairs\""),
              std::string::npos) << log;
    EXPECT_NE(log.find("reading chosen tables while streaming waits (execute-snapshot signal)\",\"slot\":\"snap_signal\","
                       "\"tables\":\"public.big\""), std::string::npos) << log;
  }
  // Killed while big is read (asked for through the signal table): the
  // next start reads it again, whole, at the slot's position, with the
  // changes made while nothing ran.
  {
    auto run = StartRun(f, "4", {"--log-level", "debug"});
    ASSERT_TRUE(WaitForLog(*run, "streaming started", 60)) << ReadFile(run->log());
    pg.Exec("SELECT pg_logical_emit_message(true, 'cdcpipe_execute_snapshot', "
            "'{\"data-collections\": [\"public.pairs\"], \"slot\": \"another_pipeline\"}')");
    pg.Exec("INSERT INTO cdc_signal VALUES ('log', 'log', '{\"message\": \"hello at {}\"}')");
    pg.Exec("INSERT INTO cdc_signal VALUES ('other', 'schema-changes', '{}')");
    pg.Exec("INSERT INTO cdc_signal VALUES ('bad', 'execute-snapshot', '{\"data-collections\": [\"public.nope\"]}')");
    // A regular expression, as Debezium's data-collections are.
    pg.Exec("INSERT INTO cdc_signal VALUES ('big', 'execute-snapshot', "
            "'{\"data-collections\": [\"public\\\\.b[i]g\"], \"type\": \"incremental\"}')");
    // Asked for while big is read, and recorded with it: the slot moves
    // past this signal before big's snapshot is durable.
    ASSERT_TRUE(WaitForLog(*run, "reading chosen tables in steps", 60)) << ReadFile(run->log());
    pg.Exec(kBlockingPairsSignal);
    EXPECT_TRUE(WaitForLog(*run, "\"msg\":\"execute-snapshot signal received\",\"tables\":\"public.pairs\"", 60))
        << ReadFile(run->log());
    EXPECT_TRUE(WaitForLog(*run, "\"table\":\"public.big\",\"chunk\":30,", 60)) << ReadFile(run->log());
    EXPECT_EQ(ReadFile(run->log()).find("snapshot is durable"), std::string::npos)
        << "snapshot finished before the kill; make the table larger";
    run->Signal(SIGKILL);
    EXPECT_EQ(run->Wait(30), 128 + SIGKILL);
    const std::string log = ReadFile(run->log());
    EXPECT_NE(log.find("\"msg\":\"signal ignored: only types execute-snapshot, stop-snapshot, pause-snapshot, "
                       "resume-snapshot and log are supported\",\"table\":\"public.cdc_signal\","
                       "\"type\":\"schema-changes\""), std::string::npos) << log;
    EXPECT_NE(log.find("\"msg\":\"log signal\",\"message\":\"hello at 0/"), std::string::npos) << log;
    EXPECT_NE(log.find("for the capture of another slot; not acted on\",\"signal_slot\":\"another_pipeline\""),
              std::string::npos) << log;
    EXPECT_NE(log.find("names no table capture has (none in the publication matches, or table_include_list / "
                       "table_exclude_list leave it out)\",\"data_collection\":\"public.nope\""), std::string::npos) << log;
  }
  // A signal for pairs left while nothing ran: the start's snapshot reads
  // pairs after it, so it is not read again.
  pg.Exec(kBlockingPairsSignal);
  pg.Exec("DELETE FROM big WHERE id % 1000 = 0; UPDATE big SET label = 'after the crash' WHERE id % 777 = 0");
  pg.Exec("UPDATE pairs SET v = 7 WHERE n <= 100");
  {
    auto run = StartRun(f, "5");
    ASSERT_TRUE(WaitForLog(*run, "already read since the signal, at this start\",\"table\":\"public.pairs\"", 60))
        << ReadFile(run->log());
    ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(run->log());
    Stop(*run);
    const std::string log = ReadFile(run->log());
    EXPECT_NE(log.find("reading chosen tables again before streaming\",\"slot\":\"snap_signal\","
                       "\"tables\":\"public.big,public.pairs\""), std::string::npos) << log;
    EXPECT_EQ(log.find("reading chosen tables while streaming waits"), std::string::npos) << log;
    EXPECT_NE(log.find(read + "\"public.big\""), std::string::npos) << log;
    EXPECT_EQ(out.find("cdc_signal"), std::string::npos) << out;
  }
  // Modes that read no table while streaming refuse the command.
  for (const std::string mode : {"never", "initial_only"}) {
    ASSERT_EQ(Shell("sed -i 's/^    snapshot: .*$//; s/^    snapshot_chunk_rows: 1000$/&\\n    snapshot: " + mode + "/' " +
                    f.config), 0);
    EXPECT_EQ(execute("--table public.pairs", &out), 2) << out;
    EXPECT_NE(out.find("source.postgres.snapshot is '" + mode + "'"), std::string::npos) << out;
  }
}

// An incremental snapshot stopped by a stop-snapshot signal: the tables
// stopped keep the rows read, and the rest of their warehouse rows as they
// were (no sweep); the others are read to the end. A crash after the stop
// reads again only the tables not stopped; `cdcpipe stop-snapshot` with no
// table stops every table.
TEST(Snapshot, IncrementalSnapshotStoppedOnSignal) {
  const std::string name = "snap_stop";
  const std::string dsn = CreateKeyedTables(name, 200000);
  Pg pg(dsn);
  pg.Exec("CREATE TABLE cdc_signal (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))");
  PipelineFiles f = WriteConfig(name, dsn, Services::Get().bootstrap,
                                {.postgres = "    snapshot_chunk_rows: 1000\n"
                                             "    signal_data_collection: public.cdc_signal\n"});
  auto command = [&](const std::string& args, std::string* out) {
    return Shell(CdcpipeBinary() + " " + args + " -c " + f.config + " 2>&1", out);
  };
  const std::string swept = "\"msg\":\"rows the new snapshot did not have removed\",\"table\":";
  const std::string chunk_30 = "\"table\":\"public.big\",\"chunk\":30,";
  const std::string signaled = "\"msg\":\"execute-snapshot signal received\"";
  // The start of the incremental snapshot of `tables`, in the log.
  auto started = [](const std::string& tables) {
    return "(execute-snapshot signal, incremental)\",\"slot\":\"snap_stop\",\"tables\":\"" + tables + "\"";
  };
  // Its snapshot_lsn, as the sweeps' log names it.
  auto incremental_lsn = [&](const std::string& log, const std::string& tables) {
    const size_t from = log.find(started(tables));
    const size_t at = log.find("\"snapshot_lsn\":", from);
    if (from == std::string::npos || at == std::string::npos) return std::string("(none)");
    return log.substr(at, log.find('"', at + 16) + 1 - at);
  };
  std::string out;
  EXPECT_EQ(command("stop-snapshot --table big", &out), 2) << out;
  EXPECT_NE(out.find("expected schema.table"), std::string::npos) << out;
  {
    auto run = StartRun(f, "1", {"--log-level", "debug"});
    ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(run->log());
    // big stopped while it is read: pairs, after it, is still read and swept.
    ASSERT_EQ(command("execute-snapshot --table public.big --table public.pairs", &out), 0) << out;
    ASSERT_TRUE(WaitForLog(*run, chunk_30, 60, signaled)) << ReadFile(run->log());
    pg.Exec("INSERT INTO cdc_signal VALUES ('stop-big', 'stop-snapshot', "
            "'{\"data-collections\": [\"public\\\\.b.*\"], \"type\": \"incremental\"}')");
    ASSERT_TRUE(WaitForLog(*run, swept + "\"public.pairs\"", 60, signaled)) << ReadFile(run->log());
    // Were big swept, its rows in the chunks not read would be gone.
    ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(run->log());
    Stop(*run);
    const std::string log = ReadFile(run->log());
    EXPECT_NE(log.find("\"msg\":\"incremental snapshot stopped for these tables (stop-snapshot signal): the rows read "
                       "stay, the rest of the table is not read, and the warehouse removes none of its rows\","
                       "\"tables\":\"public.big\",\"chunks_not_read\":"), std::string::npos) << log;
    EXPECT_NE(log.find("\"msg\":\"chosen tables read between transactions of the stream\",\"tables\":\"public.pairs\""),
              std::string::npos) << log;
    const std::string lsn = incremental_lsn(log, "public.big,public.pairs");
    EXPECT_EQ(log.find(swept + "\"public.big\"," + lsn), std::string::npos) << log;
    EXPECT_NE(log.find(swept + "\"public.pairs\"," + lsn), std::string::npos) << log;
    EXPECT_EQ(log.find("\"table\":\"public.big\",\"chunk\":199,", log.find(signaled)), std::string::npos)
        << log;  // its last chunk
  }
  // pairs stopped while big is read, then a crash: the next start reads
  // big alone again.
  {
    auto run = StartRun(f, "2", {"--log-level", "debug"});
    ASSERT_TRUE(WaitForLog(*run, "streaming started", 60)) << ReadFile(run->log());
    ASSERT_EQ(command("execute-snapshot --table public.big --table public.pairs", &out), 0) << out;
    ASSERT_TRUE(WaitForLog(*run, chunk_30, 60, signaled)) << ReadFile(run->log());
    pg.Exec("INSERT INTO cdc_signal VALUES ('stop-pairs', 'stop-snapshot', "
            "'{\"data-collections\": [\"public.pairs\"]}')");
    ASSERT_TRUE(WaitForLog(*run, "\"msg\":\"incremental snapshot stopped for these tables", 60)) << ReadFile(run->log());
    EXPECT_EQ(ReadFile(run->log()).find("snapshot is durable"), std::string::npos)
        << "snapshot finished before the kill; make the table larger";
    run->Signal(SIGKILL);
    EXPECT_EQ(run->Wait(30), 128 + SIGKILL);
  }
  pg.Exec("DELETE FROM big WHERE id % 1000 = 0");
  {
    auto run = StartRun(f, "3", {"--log-level", "debug"});
    ASSERT_TRUE(WaitForLog(*run, "streaming started", 60)) << ReadFile(run->log());
    ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(run->log());
    // Every table of a running incremental snapshot stopped by the command.
    ASSERT_EQ(command("execute-snapshot --table public.big", &out), 0) << out;
    // (The signals before the crash may come again first, if the slot was
    // not confirmed past them: pairs is then read and stopped again.)
    ASSERT_TRUE(WaitForLog(*run, started("public.big"), 60)) << ReadFile(run->log());
    // Paused for a second (the command), then resumed (a signal-table row):
    // no chunk is read in between, while the stream goes on.
    ASSERT_EQ(command("pause-snapshot", &out), 0) << out;
    const std::string paused = "\"msg\":\"incremental snapshot paused";
    const std::string resumed = "\"msg\":\"incremental snapshot resumed";
    ASSERT_TRUE(WaitForLog(*run, paused, 60)) << ReadFile(run->log());
    std::this_thread::sleep_for(std::chrono::seconds(1));
    pg.Exec("INSERT INTO cdc_signal VALUES ('resume', 'resume-snapshot', NULL)");
    ASSERT_TRUE(WaitForLog(*run, resumed, 60)) << ReadFile(run->log());
    ASSERT_EQ(command("stop-snapshot", &out), 0) << out;
    EXPECT_NE(out.find("stops reading every table"), std::string::npos) << out;
    const std::string stopped_big = "\"tables\":\"public.big\",\"chunks_not_read\":";
    ASSERT_TRUE(WaitForLog(*run, "\"msg\":\"snapshot is durable\"", 60, stopped_big)) << ReadFile(run->log());
    ASSERT_EQ(command("stop-snapshot --table public.pairs", &out), 0) << out;
    ASSERT_TRUE(WaitForLog(*run, "no incremental snapshot is being read; nothing to stop", 60)) << ReadFile(run->log());
    ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(run->log());
    Stop(*run);
    const std::string log = ReadFile(run->log());
    EXPECT_NE(log.find("reading chosen tables again before streaming\",\"slot\":\"snap_stop\",\"tables\":\"public.big\"}"),
              std::string::npos) << log;
    const size_t paused_at = log.find(paused), resumed_at = log.find(resumed);
    ASSERT_LT(paused_at, resumed_at) << log;
    EXPECT_EQ(log.substr(paused_at, resumed_at - paused_at).find("\"msg\":\"reading chunk\""), std::string::npos) << log;
    EXPECT_NE(log.find("\"msg\":\"reading chunk\",\"table\":\"public.big\"", log.find(started("public.big"))),
              std::string::npos) << log;  // steps were read before the pause
    // Durable with no table: nothing swept.
    EXPECT_EQ(log.find(swept + "\"public.big\"," + incremental_lsn(log, "public.big")), std::string::npos) << log;
  }
}

}  // namespace
}  // namespace cdc::testing
