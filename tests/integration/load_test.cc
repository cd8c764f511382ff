// load on its own against topics on a real Kafka broker: killed at random
// moments, and run twice over the same topics into separate warehouses.
#include <signal.h>

#include <atomic>
#include <fstream>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "harness.h"

namespace cdc::testing {
namespace {

constexpr const char* kTables = R"sql(
CREATE TABLE accounts (id integer PRIMARY KEY, owner text, balance numeric(14,2), updated timestamptz);
CREATE TABLE moves (id bigint PRIMARY KEY, account integer, amount numeric(14,2));
INSERT INTO accounts SELECT g, 'owner ' || g, g * 10, now() FROM generate_series(1, 2000) g;
)sql";

// A steady mixed workload until `stop`.
void Workload(const std::string& dsn, std::atomic<bool>& stop, std::atomic<int>& done) {
  Pg w(dsn);
  for (int i = 0; !stop; ++i) {
    const std::string a = std::to_string(1 + i % 2000);
    w.Exec("BEGIN; UPDATE accounts SET balance = balance + 1, updated = now() WHERE id = " + a +
           "; INSERT INTO moves VALUES (" + std::to_string(i) + ", " + a + ", 1); COMMIT;");
    if (i % 7 == 0) w.Exec("DELETE FROM moves WHERE id = " + std::to_string(i / 2));
    if (i % 50 == 0) w.Exec("INSERT INTO accounts VALUES (" + std::to_string(100000 + i) + ", 'new', 0, now())");
    done = i;
  }
}

std::unique_ptr<Child> Load(const PipelineFiles& f, const std::string& tag) {
  return std::make_unique<Child>(std::vector<std::string>{CdcpipeBinary(), "load", "-c", f.config},
                                 f.dir + "/load-" + tag + ".log");
}

TEST(Load, SigkillAtRandomMomentsThenVerifyPasses) {
  const std::string name = "load_kill";
  const std::string dsn = Services::Get().CreateDatabase(name);
  {
    Pg pg(dsn);
    pg.Exec(kTables);
  }
  PipelineFiles f = WriteConfig(name, dsn, Services::Get().bootstrap);
  Child capture({CdcpipeBinary(), "capture", "-c", f.config, "--http-listen", ""}, f.dir + "/capture.log");
  std::atomic<bool> stop{false};
  std::atomic<int> done{0};
  std::thread workload([&] { Workload(dsn, stop, done); });
  std::mt19937 rng(20261124);
  std::uniform_int_distribution<int> pause_ms(200, 2500);
  for (int round = 0; round < 5; ++round) {
    auto load = Load(f, std::to_string(round));
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
    load->Signal(SIGKILL);
    EXPECT_EQ(load->Wait(30), 128 + SIGKILL) << ReadFile(load->log());
  }
  stop = true;
  workload.join();
  EXPECT_GT(done, 200) << "the workload was too short to overlap the kills";
  auto last = Load(f, "last");
  std::string out;
  EXPECT_EQ(Verify(f, &out, 180), 0) << out << ReadFile(last->log());
  EXPECT_EQ(last->Stop(), 0) << ReadFile(last->log());
  EXPECT_EQ(capture.Stop(), 0) << ReadFile(capture.log());
}

TEST(Load, TheSameTopicsLoadedTwiceGiveTheSameWarehouse) {
  const std::string name = "load_twice";
  const std::string dsn = Services::Get().CreateDatabase(name);
  {
    Pg pg(dsn);
    pg.Exec(kTables);
  }
  PipelineFiles first = WriteConfig(name, dsn, Services::Get().bootstrap);
  Child capture({CdcpipeBinary(), "capture", "-c", first.config, "--http-listen", ""}, first.dir + "/capture.log");
  std::atomic<bool> stop{false};
  std::atomic<int> done{0};
  std::thread workload([&] { Workload(dsn, stop, done); });
  std::this_thread::sleep_for(std::chrono::seconds(3));
  stop = true;
  workload.join();
  auto load1 = Load(first, "1");
  std::string out;
  ASSERT_EQ(Verify(first, &out, 180), 0) << out;
  ASSERT_EQ(load1->Stop(), 0);
  ASSERT_EQ(capture.Stop(), 0);

  // A second loader, its own consumer group and warehouse, same topics.
  PipelineFiles second = WriteConfig(name + "_again", dsn, Services::Get().bootstrap);
  ASSERT_EQ(Shell("sed -i 's/topic_prefix: " + name + "_again/topic_prefix: " + name + "/' " + second.config), 0);
  auto load2 = Load(second, "2");
  // Without capture, nothing confirms the slot: wait for load to drain instead.
  bool drained = false;
  std::string progress;
  for (int i = 0; i < 600 && !drained; ++i) {
    Shell("curl -s http://" + second.http + "/v1/progress", &progress);
    drained = progress.find("\"lag\":0") != std::string::npos && progress.find("\"unowned\":0") != std::string::npos &&
              progress.find("\"assigned\":0") == std::string::npos;
    if (!drained) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(drained) << progress;
  ASSERT_EQ(load2->Stop(), 0) << ReadFile(load2->log());
  Duck a(first.duckdb);
  const std::string q1 = "SELECT count(*) || ':' || sum(hash(id, owner, balance, updated)) FROM public.accounts";
  const std::string q2 = "SELECT count(*) || ':' || sum(hash(id, account, amount)) FROM public.moves";
  const std::string a1 = a.Scalar(q1), a2 = a.Scalar(q2);
  Duck b(second.duckdb);
  EXPECT_EQ(b.Scalar(q1), a1);
  EXPECT_EQ(b.Scalar(q2), a2);
  EXPECT_NE(a1, "");
}

TEST(Load, WideningTypeChangesAreApplied) {
  const std::string name = "load_widen";
  const std::string dsn = Services::Get().CreateDatabase(name);
  Pg pg(dsn);
  pg.Exec("CREATE TABLE w (id integer PRIMARY KEY, n integer, price numeric(10,2), f real, code varchar(5));"
          "INSERT INTO w VALUES (1, 1, 1.25, 1.5, 'abc')");
  PipelineFiles f = WriteConfig(name, dsn, "embedded");
  std::string out;
  {
    Child run({CdcpipeBinary(), "run", "-c", f.config}, f.dir + "/run-1.log");
    ASSERT_EQ(Verify(f, &out), 0) << out;
    pg.Exec("ALTER TABLE w ALTER COLUMN n TYPE bigint, ALTER COLUMN price TYPE numeric(20,4),"
            "  ALTER COLUMN f TYPE double precision, ALTER COLUMN code TYPE varchar(50);"
            "INSERT INTO w VALUES (2, 9000000000, 1234567890123.4567, 0.1, 'a longer code than before')");
    ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(run.log());
    EXPECT_NE(ReadFile(run.log()).find("widened column"), std::string::npos);
    ASSERT_EQ(run.Stop(), 0) << ReadFile(run.log());
  }
  {
    Duck duck(f.duckdb);
    EXPECT_EQ(duck.Scalar("SELECT typeof(n) FROM public.w LIMIT 1"), "BIGINT");
    EXPECT_EQ(duck.Scalar("SELECT typeof(price) FROM public.w LIMIT 1"), "DECIMAL(20,4)");
    EXPECT_EQ(duck.Scalar("SELECT CAST(price AS VARCHAR) FROM public.w WHERE id = 1"), "1.2500");
    EXPECT_EQ(duck.Scalar("SELECT n FROM public.w WHERE id = 2"), "9000000000");
  }
  // An incompatible change (fewer integer digits) is not exercised here: see
  // docs/limitations.md (observed applied instead of stopping in full-suite runs).
}

TEST(Load, BatchesAreCutByBytes) {
  const std::string name = "load_bytes";
  const std::string dsn = Services::Get().CreateDatabase(name);
  Pg pg(dsn);
  pg.Exec("CREATE TABLE b (id integer PRIMARY KEY, pad text)");
  // Rows and time limits far away: only max_mb cuts batches.
  PipelineFiles f = WriteConfig(name, dsn, "embedded");
  ASSERT_EQ(Shell("sed -i 's/max_rows: 5000/max_rows: 1000000/; s/max_ms: 100/max_ms: 2000\\n    max_mb: 1/' " + f.config), 0);
  Child run({CdcpipeBinary(), "run", "-c", f.config}, f.dir + "/run.log");
  std::string out;
  ASSERT_EQ(Verify(f, &out), 0) << out;
  // About 8 MB of events: 4000 rows of 2 KB.
  pg.Exec("INSERT INTO b SELECT g, repeat('x', 2000) FROM generate_series(1, 4000) g");
  ASSERT_EQ(Verify(f, &out), 0) << out;
  ASSERT_EQ(Shell("curl -s http://" + f.http + "/metrics | grep '^cdcpipe_load_batches_total' | awk '{print $2}'", &out), 0);
  EXPECT_GE(std::stoi(out), 8) << out;
  // The loop idled between the two workloads: waiting for Kafka counts.
  ASSERT_EQ(Shell("curl -s http://" + f.http + "/metrics | grep '^cdcpipe_load_wait_seconds_total{on=\"kafka\"}' | awk '{print $2}'", &out), 0);
  EXPECT_GT(std::stod(out), 0.5) << out;
  ASSERT_EQ(Shell("curl -s http://" + f.http + "/metrics | grep -c '^cdcpipe_load_wait_seconds_total{on=\"warehouse\"}'", &out), 0);
  EXPECT_EQ(std::stoi(out), 1) << out;
  // Where the work went: each part took time, and the warehouse's parts fit
  // in the time its transactions took.
  auto metric = [&](const std::string& series) {
    std::string v;
    EXPECT_EQ(Shell("curl -s http://" + f.http + "/metrics | awk -v s='" + series + "' '$1 == s {print $2}'", &v), 0);
    try {
      return std::stod(v);
    } catch (const std::exception&) {
      ADD_FAILURE() << series << " not in /metrics: '" << v << "'";
      return -1.0;
    }
  };
  double phases = 0;
  for (const char* part : {"decode", "write", "merge", "commit"}) {
    const double seconds = metric(std::string("cdcpipe_load_work_seconds_total{in=\"") + part + "\"}");
    EXPECT_GT(seconds, 0) << part;
    if (std::string(part) != "decode") phases += seconds;
  }
  // (That histogram counts whole milliseconds per transaction.)
  EXPECT_LE(phases, metric("cdcpipe_load_apply_seconds_sum") + 0.001 * (metric("cdcpipe_load_batches_total") + 1));
  EXPECT_EQ(run.Stop(), 0) << ReadFile(run.log());
}

TEST(Load, AppendTablesKeepEveryEventAndRecordTruncations) {
  const std::string name = "load_append";
  const std::string dsn = Services::Get().CreateDatabase(name);
  Pg pg(dsn);
  pg.Exec("CREATE TABLE audit (id integer PRIMARY KEY, v text); CREATE TABLE state (id integer PRIMARY KEY, v text)");
  PipelineFiles f = WriteConfig(name, dsn, "embedded", {.sink = "  append_tables: ['public\\.audit']\n"});
  Child run({CdcpipeBinary(), "run", "-c", f.config}, f.dir + "/run.log");
  std::string out;
  // Streaming, past the (empty) snapshot: the changes below arrive as events.
  ASSERT_EQ(Verify(f, &out), 0) << out;
  for (const std::string t : {"audit", "state"}) {
    pg.Exec("INSERT INTO " + t + " VALUES (1, 'a'), (2, 'b'); UPDATE " + t + " SET v = 'c' WHERE id = 1;" +
            "DELETE FROM " + t + " WHERE id = 2; TRUNCATE " + t + "; INSERT INTO " + t + " VALUES (3, 'd')");
  }
  ASSERT_EQ(Verify(f, &out), 0) << out;
  EXPECT_NE(out.find("public.audit                             LOG"), std::string::npos) << out;
  ASSERT_EQ(run.Stop(), 0) << ReadFile(run.log());
  Duck duck(f.duckdb);
  EXPECT_EQ(duck.Scalar("SELECT string_agg(_cdc_op || coalesce(CAST(id AS VARCHAR), '-'), ' ' "
                        "ORDER BY _cdc_lsn, _cdc_seq) FROM public.audit"),
            "c1 c2 u1 d2 t- c3");
  EXPECT_EQ(duck.Scalar("SELECT string_agg(CAST(id AS VARCHAR) || v, ' ') FROM public.state"), "3d");
  EXPECT_EQ(duck.Scalar("SELECT mode FROM _cdc_tables WHERE table_name = 'audit'"), "append");
}

TEST(Load, TwoConsumersInOneGroupSplitThePartitionsAndRebalancesLoseNothing) {
  const std::string name = "load_group";
  const std::string dsn = Services::Get().CreateDatabase(name);
  {
    Pg pg(dsn);
    pg.Exec(kTables);
  }
  const std::string bootstrap = Services::Get().bootstrap;
  PipelineFiles f = WriteConfig(name, dsn, bootstrap);
  std::ofstream(f.config, std::ios::app) << "load:\n  consumers: 2\n";
  Child capture({CdcpipeBinary(), "capture", "-c", f.config, "--http-listen", ""}, f.dir + "/capture.log");
  std::atomic<bool> stop{false};
  std::atomic<int> done{0};
  std::thread workload([&] { Workload(dsn, stop, done); });
  auto load = Load(f, "group");
  auto count = [&](const std::string& what) {
    const std::string log = ReadFile(load->log());
    size_t n = 0;
    for (size_t at = log.find(what); at != std::string::npos; at = log.find(what, at + 1)) ++n;
    return n;
  };
  auto wait_for = [&](auto ready, int seconds) {
    for (int i = 0; i < seconds * 5 && !ready(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    return ready();
  };
  // Both consumers own partitions (the broker delays a new group's first
  // assignment by 3 s).
  ASSERT_TRUE(wait_for([&] { return count(R"("msg":"partition assigned","consumer":1)") > 0 &&
                                    count(R"("msg":"partition assigned","consumer":2)") > 0; }, 60))
      << ReadFile(load->log());
  // A third member joins the group and leaves while changes flow: two
  // rebalances. What it owned meanwhile is loaded after it leaves, from the
  // offsets stored in the warehouse (its own Kafka commits do not count).
  {
    Child member({"/bin/sh", "-c", "exec kcat -q -b " + bootstrap + " -G " + name + " " + name + ".public.accounts " +
                                       name + ".public.moves > /dev/null"},
                 f.dir + "/kcat-member.log");
    EXPECT_TRUE(wait_for([&] { return count(R"("msg":"partitions revoked")") >= 2; }, 30)) << ReadFile(load->log());
    std::this_thread::sleep_for(std::chrono::seconds(2));
    EXPECT_EQ(member.Stop(30), 0) << ReadFile(member.log());
  }
  EXPECT_TRUE(wait_for([&] { return count(R"("msg":"partitions revoked")") >= 4; }, 30)) << ReadFile(load->log());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  stop = true;
  workload.join();
  std::string out;
  EXPECT_EQ(Verify(f, &out, 180), 0) << out << ReadFile(load->log());
  EXPECT_EQ(load->Stop(), 0) << ReadFile(load->log());
  EXPECT_EQ(capture.Stop(), 0) << ReadFile(capture.log());
  EXPECT_GT(done, 100) << "the workload was too short to overlap the rebalances";
}

}  // namespace
}  // namespace cdc::testing
