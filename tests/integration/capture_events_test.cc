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
          "CREATE TABLE by_index (id integer PRIMARY KEY, u integer NOT NULL UNIQUE, v text);"
          "ALTER TABLE by_index REPLICA IDENTITY USING INDEX by_index_u_key;"
          "INSERT INTO by_index SELECT g, -g, 'v' FROM generate_series(1, 20) g;"
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
          "UPDATE tagged SET code = 'c700' WHERE code = 'c7';"
          "UPDATE by_index SET v = 'changed' WHERE id <= 3; DELETE FROM by_index WHERE id = 4;"
          "UPDATE by_index SET id = 400 WHERE id = 5;");
  std::string out;
  EXPECT_EQ(Verify(f, &out), 0) << out << ReadFile(run.log());
  EXPECT_EQ(run.Stop(), 0) << ReadFile(run.log());
  {
    Duck duck(f.duckdb);
    EXPECT_EQ(duck.Scalar("SELECT count(*) FROM public.fullpk"), "19");
    EXPECT_EQ(duck.Scalar("SELECT v FROM public.fullpk WHERE id = 100"), "v7");
    EXPECT_EQ(duck.Scalar("SELECT count(*) FROM public.tagged"), "19");
    EXPECT_EQ(duck.Scalar("SELECT v FROM public.tagged WHERE code = 'c1'"), "-1");
    EXPECT_EQ(duck.Scalar("SELECT count(*) FROM public.nothing_pk"), "21");
    // REPLICA IDENTITY USING INDEX: still keyed by the primary key.
    EXPECT_EQ(duck.Scalar("SELECT count(*) FROM public.by_index"), "19");
    EXPECT_EQ(duck.Scalar("SELECT u FROM public.by_index WHERE id = 400"), "-5");
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
  ASSERT_EQ(Verify(f, &out), 0) << out;
  pg.Exec("BEGIN; INSERT INTO t VALUES (1); SELECT pg_logical_emit_message(true, 'app.audit', 'inside'); COMMIT;"
          "SELECT pg_logical_emit_message(false, 'app.notice', 'outside');"
          "SELECT pg_logical_emit_message(true, 'internal.x', 'filtered');"
          "BEGIN; SELECT pg_logical_emit_message(true, 'app.rolledback', 'never'); ROLLBACK;");
  ASSERT_EQ(Verify(f, &out), 0) << out;
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
  EXPECT_EQ(run.Stop(), 0) << ReadFile(run.log());
  EXPECT_EQ(ReadFile(run.log()).find("dead letter"), std::string::npos);
  Duck duck(f.duckdb);
  EXPECT_EQ(duck.Scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'message'"), "0");
}

TEST(Filters, TablesAndColumnsAreLeftOutOrMaskedAsConfigured) {
  const std::string name = "filters";
  const std::string dsn = Services::Get().CreateDatabase(name);
  Pg pg(dsn);
  pg.Exec("CREATE SCHEMA keep; CREATE SCHEMA skip;"
          "CREATE TABLE keep.users (id integer PRIMARY KEY, email text, ssn text, notes text, secret text, age integer);"
          "CREATE TABLE keep.other (id integer PRIMARY KEY); CREATE TABLE skip.t (id integer PRIMARY KEY);"
          "INSERT INTO keep.users VALUES (1, 'a@x.com', '123-45-6789', 'éàü and more', 's3cret', 41);"
          "INSERT INTO keep.other VALUES (1); INSERT INTO skip.t VALUES (1);");
  PipelineFiles f = WriteConfig(name, dsn, Services::Get().bootstrap,
                                {.postgres = "    table_exclude_list: [\"skip\\\\..*\"]\n"
                                             "    column_exclude_list: [\"keep\\\\.users\\\\.secret\"]\n"
                                             "    column_masks:\n"
                                             "      - {columns: [\"keep\\\\.users\\\\.email\"], hash_salt: pepper}\n"
                                             "      - {columns: [\"keep\\\\.users\\\\.(ssn|age)\"], mask_chars: 4}\n"
                                             "      - {columns: [\"keep\\\\.users\\\\.notes\"], truncate_chars: 3}\n"});
  Child run({CdcpipeBinary(), "run", "-c", f.config}, f.dir + "/run.log");
  std::string out;
  // verify waits for load to catch up; masked columns then differ on purpose.
  Verify(f, &out);
  pg.Exec("INSERT INTO keep.users VALUES (2, 'b@y.org', NULL, 'xy', 'hidden', 7); INSERT INTO skip.t VALUES (2);"
          "UPDATE keep.users SET notes = 'longer text' WHERE id = 1; INSERT INTO keep.other VALUES (2)");
  EXPECT_EQ(Verify(f, &out), 3) << out;
  EXPECT_NE(out.find("keep.other                               OK"), std::string::npos) << out;
  EXPECT_EQ(run.Stop(), 0) << ReadFile(run.log());
  Duck duck(f.duckdb);
  EXPECT_EQ(duck.Scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'skip'"), "0");
  EXPECT_EQ(duck.Scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'secret'"), "0");
  EXPECT_EQ(duck.Scalar("SELECT email FROM keep.users WHERE id = 1"),
            pg.Scalar("SELECT encode(sha256(convert_to('pepper' || 'a@x.com', 'UTF8')), 'hex')"));
  EXPECT_EQ(duck.Scalar("SELECT ssn FROM keep.users WHERE id = 1"), "****");
  EXPECT_EQ(duck.Scalar("SELECT ssn FROM keep.users WHERE id = 2"), "NULL");  // null stays null
  EXPECT_EQ(duck.Scalar("SELECT age FROM keep.users WHERE id = 2"), "****");
  EXPECT_EQ(duck.Scalar("SELECT typeof(age) FROM keep.users LIMIT 1"), "VARCHAR");
  EXPECT_EQ(duck.Scalar("SELECT notes FROM keep.users WHERE id = 1"), "lon");
  EXPECT_EQ(duck.Scalar("SELECT notes FROM keep.users WHERE id = 2"), "xy");
  EXPECT_EQ(duck.Scalar("SELECT count(*) FROM keep.other"), "2");
}

TEST(Filters, MaskingAKeyColumnIsAClearError) {
  const std::string name = "filters_key";
  const std::string dsn = Services::Get().CreateDatabase(name);
  Pg pg(dsn);
  pg.Exec("CREATE TABLE t (id integer PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'x')");
  PipelineFiles f = WriteConfig(name, dsn, "embedded",
                                {.postgres = "    column_masks: [{columns: [\"public\\\\.t\\\\.id\"], mask_chars: 3}]\n"});
  std::string out;
  EXPECT_EQ(Shell("timeout 60 " + CdcpipeBinary() + " run -c " + f.config + " 2>&1", &out), 1) << out;
  EXPECT_NE(out.find("matches key column public.t.id"), std::string::npos) << out;
}

TEST(SlotAhead, AnAdvancedSlotStopsCaptureInsteadOfSkippingChanges) {
  const std::string name = "slot_ahead";
  const std::string dsn = Services::Get().CreateDatabase(name);
  Pg pg(dsn);
  pg.Exec("CREATE TABLE t (id integer PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a')");
  PipelineFiles f = WriteConfig(name, dsn, Services::Get().bootstrap);
  std::string out;
  {
    Child run({CdcpipeBinary(), "run", "-c", f.config}, f.dir + "/run-1.log");
    ASSERT_EQ(Verify(f, &out), 0) << out;
    ASSERT_EQ(run.Stop(), 0) << ReadFile(run.log());
  }
  // Someone else consumes the slot past changes cdcpipe never saw.
  pg.Exec("UPDATE t SET v = 'never delivered' WHERE id = 1");
  pg.Exec("SELECT pg_replication_slot_advance('" + name + "', pg_current_wal_lsn())");
  EXPECT_EQ(Shell(CdcpipeBinary() + " run -c " + f.config + " 2>&1", &out), 1) << out;
  EXPECT_NE(out.find("ahead of"), std::string::npos) << out;
  EXPECT_NE(out.find("never delivered"), std::string::npos) << out;
}

}  // namespace
}  // namespace cdc::testing
