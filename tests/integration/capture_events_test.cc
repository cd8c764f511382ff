// Capture's events beyond row changes and keys, as Debezium writes them:
// event keys (the primary key whatever the replica identity, or
// message_key_columns), and logical decoding messages (op m).
#include <signal.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "harness.h"

namespace cdc::testing {
namespace {

TEST(Keys, FullIdentityKeepsThePrimaryKeyAndMessageKeyColumnsKeyKeylessTables) {
  const std::string name = "keys";
  const std::string dsn = Services::Get().CreateDatabase(name);
  Pg pg(dsn);
  pg.Exec("CREATE TABLE fullpk (id integer PRIMARY KEY, v text); ALTER TABLE fullpk REPLICA IDENTITY FULL;"
          "CREATE TABLE nothing_pk (id integer PRIMARY KEY, v text); ALTER TABLE nothing_pk REPLICA IDENTITY NOTHING;"
          "CREATE TABLE tagged (code text NOT NULL, v integer); ALTER TABLE tagged REPLICA IDENTITY FULL;"
          "INSERT INTO fullpk SELECT g, 'v' || g FROM generate_series(1, 20) g;"
          "INSERT INTO nothing_pk SELECT g, 'v' || g FROM generate_series(1, 20) g;"
          "INSERT INTO tagged SELECT 'c' || g, g FROM generate_series(1, 20) g;");
  PipelineFiles f = WriteConfig(name, dsn, Services::Get().bootstrap,
                                {.postgres = "    message_key_columns: \"public.tagged:code\"\n"});
  Child run({CdcpipeBinary(), "run", "-c", f.config}, f.dir + "/run.log");
  // Updates, deletes and key changes: with a key they are upserts and
  // deletes in the warehouse, without one they would be appended rows.
  pg.Exec("UPDATE fullpk SET v = 'changed' WHERE id <= 5; DELETE FROM fullpk WHERE id = 6;"
          "UPDATE fullpk SET id = 100 WHERE id = 7;"
          "INSERT INTO nothing_pk VALUES (21, 'new');"
          "UPDATE tagged SET v = -v WHERE v <= 5; DELETE FROM tagged WHERE code = 'c6';"
          "UPDATE tagged SET code = 'c700' WHERE code = 'c7';");
  std::string out;
  EXPECT_EQ(Shell(CdcpipeBinary() + " verify --timeout 120 -c " + f.config + " 2>&1", &out), 0)
      << out << ReadFile(run.log());
  run.Signal(SIGTERM);
  EXPECT_EQ(run.Wait(60), 0) << ReadFile(run.log());
  {
    Duck duck(f.duckdb);
    EXPECT_EQ(duck.Scalar("SELECT count(*) FROM public.fullpk"), "19");
    EXPECT_EQ(duck.Scalar("SELECT v FROM public.fullpk WHERE id = 100"), "v7");
    EXPECT_EQ(duck.Scalar("SELECT count(*) FROM public.tagged"), "19");
    EXPECT_EQ(duck.Scalar("SELECT v FROM public.tagged WHERE code = 'c1'"), "-1");
    EXPECT_EQ(duck.Scalar("SELECT count(*) FROM public.nothing_pk"), "21");
  }

  // A key column the table lacks is a clear error naming both.
  ASSERT_EQ(Shell("sed -i 's/public.tagged:code/public.tagged:nope/' " + f.config), 0);
  pg.Exec("INSERT INTO tagged VALUES ('after', 1)");
  EXPECT_EQ(Shell(CdcpipeBinary() + " run -c " + f.config + " 2>&1", &out), 1) << out;
  EXPECT_NE(out.find("table public.tagged has no column 'nope'"), std::string::npos) << out;
}

TEST(Messages, LogicalDecodingMessagesArePublishedByPrefixAndLoadIgnoresThem) {
  const std::string name = "messages";
  const std::string dsn = Services::Get().CreateDatabase(name);
  Pg pg(dsn);
  pg.Exec("CREATE TABLE t (id integer PRIMARY KEY)");
  PipelineFiles f = WriteConfig(name, dsn, Services::Get().bootstrap,
                                {.postgres = "    heartbeat_interval_ms: 200\n"
                                             "    message_prefix_exclude_list: [\"internal\\\\..*\"]\n"});
  Child run({CdcpipeBinary(), "run", "-c", f.config}, f.dir + "/run.log");
  std::string out;
  // Messages are in the WAL only: emitted before the slot exists, they are gone.
  ASSERT_EQ(Shell(CdcpipeBinary() + " verify --timeout 120 -c " + f.config + " 2>&1", &out), 0) << out;
  pg.Exec("BEGIN; INSERT INTO t VALUES (1); SELECT pg_logical_emit_message(true, 'app.audit', 'inside'); COMMIT;"
          "SELECT pg_logical_emit_message(false, 'app.notice', 'outside');"
          "SELECT pg_logical_emit_message(true, 'internal.x', 'filtered');"
          "BEGIN; SELECT pg_logical_emit_message(true, 'app.rolledback', 'never'); ROLLBACK;");
  ASSERT_EQ(Shell(CdcpipeBinary() + " verify --timeout 120 -c " + f.config + " 2>&1", &out), 0) << out;
  // The topic has exactly the two wanted messages: no heartbeat, no
  // filtered prefix, nothing rolled back.
  ASSERT_EQ(Shell("kcat -b " + Services::Get().bootstrap + " -C -t " + name +
                  ".message -o beginning -e -q -f '%k|%s\\n'", &out), 0) << out;
  EXPECT_NE(out.find("\"prefix\":\"app.audit\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"content\":\"aW5zaWRl\""), std::string::npos) << out;  // base64("inside")
  EXPECT_NE(out.find("\"prefix\":\"app.notice\""), std::string::npos) << out;
  EXPECT_EQ(out.find("internal.x"), std::string::npos) << out;
  EXPECT_EQ(out.find("app.rolledback"), std::string::npos) << out;
  EXPECT_EQ(out.find("cdcpipe_"), std::string::npos) << out;  // heartbeats, verify's WAL markers
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2) << out;
  run.Signal(SIGTERM);
  EXPECT_EQ(run.Wait(60), 0) << ReadFile(run.log());
  EXPECT_EQ(ReadFile(run.log()).find("dead letter"), std::string::npos);
  Duck duck(f.duckdb);
  EXPECT_EQ(duck.Scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'message'"), "0");
}

}  // namespace
}  // namespace cdc::testing
