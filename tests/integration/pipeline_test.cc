// End-to-end tests on real parts: PostgreSQL 15 -> cdcpipe -> Kafka (a real
// Apache Kafka broker, or the embedded one) -> DuckDB, then `verify`.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "harness.h"

namespace cdc::testing {
namespace {

enum class Broker { kKafka, kEmbedded };

std::string Name(Broker b) { return b == Broker::kKafka ? "kafka" : "embedded"; }

// The column types of the walking skeleton, with awkward values.
constexpr const char* kSchema = R"sql(
CREATE TABLE items (
  id      integer PRIMARY KEY,
  small   smallint,
  big     bigint,
  flag    boolean,
  label   text,
  code    varchar(20),
  price   numeric(12,2),
  ratio   numeric(38,10),
  day     date,
  seen    timestamp,
  seen_tz timestamptz,
  pos     point          -- io.debezium.data.geometry.Point -> STRUCT
);
CREATE TABLE lines (
  order_id bigint,
  line_no  integer,
  qty      integer NOT NULL,
  PRIMARY KEY (order_id, line_no)
);
INSERT INTO items SELECT g, g, g::bigint * 1000000000, g % 2 = 0, 'item ' || g, 'C' || g, g * 1.25, g / 7.0,
  date '2024-01-01' + g, timestamp '2024-01-01 00:00:00.123456' + g * interval '1 hour',
  timestamptz '2024-01-01 00:00:00+05' + g * interval '1 minute', point(g, -g) FROM generate_series(1, 50) g;
)sql";

constexpr const char* kWorkload = R"sql(
INSERT INTO items VALUES (1000, -32768, -9223372036854775808, true, E'quote '' tab \t newline \n unicode é', NULL,
  -9999999999.99, 1234567890123456789012345678.0123456789, '1970-01-01', '1999-12-31 23:59:59.999999',
  '2024-06-30 23:59:59.5-07', '(1.5,2.5)');
INSERT INTO items (id) VALUES (1001);
UPDATE items SET label = 'updated', price = 0.01, flag = NULL WHERE id = 2;
UPDATE items SET small = small + 1 WHERE id BETWEEN 10 AND 20;
DELETE FROM items WHERE id = 3;
BEGIN;
INSERT INTO lines SELECT 1, g, g FROM generate_series(1, 100) g;
UPDATE items SET big = 42 WHERE id = 4;
DELETE FROM lines WHERE line_no > 90;
COMMIT;
BEGIN;
INSERT INTO items (id, label) VALUES (2000, 'rolled back');
UPDATE items SET label = 'rolled back' WHERE id = 5;
ROLLBACK;
TRUNCATE lines;
INSERT INTO lines VALUES (2, 1, 7), (2, 2, 8);
UPDATE items SET id = 5000 WHERE id = 6;
UPDATE lines SET line_no = line_no + 1000 WHERE order_id = 2 AND line_no <= 1;
INSERT INTO items (id, label) VALUES (6, 'reused key');
)sql";

// What kWorkload leaves in the warehouse, whatever the event format.
void ExpectWorkloadLoaded(Duck& duck, Pg& pg) {
  EXPECT_EQ(duck.Scalar("SELECT count(*) FROM public.items"), pg.Scalar("SELECT count(*) FROM items"));
  EXPECT_EQ(duck.Scalar("SELECT count(*) FROM public.items WHERE id = 2000"), "0");  // rolled back
  EXPECT_EQ(duck.Scalar("SELECT label FROM public.items WHERE id = 5"), "item 5");  // rolled back update
  EXPECT_EQ(duck.Scalar("SELECT count(*) FROM public.items WHERE id = 3"), "0");     // deleted
  EXPECT_EQ(duck.Scalar("SELECT label FROM public.items WHERE id = 5000"), "item 6");  // key changed
  EXPECT_EQ(duck.Scalar("SELECT label FROM public.items WHERE id = 6"), "reused key");
  EXPECT_EQ(duck.Scalar("SELECT CAST(ratio AS VARCHAR) FROM public.items WHERE id = 1000"),
            "1234567890123456789012345678.0123456789");
  EXPECT_EQ(duck.Scalar("SELECT CAST(price AS VARCHAR) FROM public.items WHERE id = 1000"), "-9999999999.99");
  EXPECT_EQ(duck.Scalar("SELECT epoch_us(seen_tz) FROM public.items WHERE id = 1000"),
            pg.Scalar("SELECT (extract(epoch from seen_tz) * 1000000)::bigint FROM items WHERE id = 1000"));
  EXPECT_EQ(duck.Scalar("SELECT label FROM public.items WHERE id = 1000"), "quote ' tab \t newline \n unicode é");
  // Truncated after the multi-row transaction, then refilled.
  EXPECT_EQ(duck.Scalar("SELECT count(*) FROM public.lines"), "2");
  EXPECT_EQ(duck.Scalar("SELECT sum(qty) FROM public.lines"), "15");
  EXPECT_EQ(duck.Scalar("SELECT typeof(price) FROM public.items LIMIT 1"), "DECIMAL(12,2)");
  EXPECT_EQ(duck.Scalar("SELECT typeof(seen_tz) FROM public.items LIMIT 1"), "TIMESTAMP WITH TIME ZONE");
  EXPECT_EQ(duck.Scalar("SELECT pos.x || ',' || pos.y FROM public.items WHERE id = 1000"), "1.5,2.5");
}

// A fresh database `name` holding `schema`, and a test config for it on
// `bootstrap` ("embedded" or the real Kafka's address).
struct TestDatabase {
  TestDatabase(const std::string& database, const std::string& bootstrap, const ConfigExtras& extras = {},
               const char* schema = kSchema)
      : name(database), dsn(Services::Get().CreateDatabase(name)), pg(dsn) {
    pg.Exec(schema);
    f = WriteConfig(name, dsn, bootstrap, extras);
  }
  std::string name, dsn;
  Pg pg;
  PipelineFiles f;
};

class PipelineTest : public ::testing::TestWithParam<Broker> {
 protected:
  std::string Bootstrap() const {
    return GetParam() == Broker::kKafka ? Services::Get().bootstrap : std::string("embedded");
  }

  // Starts the pipeline: with the embedded broker `run` (its only shape);
  // with real Kafka, capture and load as separate processes.
  std::vector<std::unique_ptr<Child>> Start(const PipelineFiles& f, const std::string& tag, bool single_process = false) {
    std::vector<std::unique_ptr<Child>> children;
    const std::string bin = CdcpipeBinary();
    if (GetParam() == Broker::kEmbedded || single_process) {
      children.push_back(std::make_unique<Child>(std::vector<std::string>{bin, "run", "-c", f.config}, f.dir + "/run-" + tag + ".log"));
    } else {
      children.push_back(std::make_unique<Child>(std::vector<std::string>{bin, "load", "-c", f.config}, f.dir + "/load-" + tag + ".log"));
      // Separate hosts in production; here only load serves http.listen.
      children.push_back(std::make_unique<Child>(std::vector<std::string>{bin, "capture", "-c", f.config, "--http-listen", ""},
                                                 f.dir + "/capture-" + tag + ".log"));
    }
    return children;
  }

  static void StopAll(std::vector<std::unique_ptr<Child>>& children) {
    for (auto& c : children) c->Signal(SIGTERM);
    for (auto& c : children) EXPECT_EQ(c->Wait(60), 0) << ReadFile(c->log());
  }
};

TEST_P(PipelineTest, ChangesArriveExactlyAsInPostgres) {
  TestDatabase db("e2e_" + Name(GetParam()), Bootstrap());
  auto& [name, dsn, pg, f] = db;
  auto children = Start(f, "1");
  pg.Exec(kWorkload);

  std::string out;
  ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(children[0]->log());
  EXPECT_NE(out.find("public.items"), std::string::npos);
  EXPECT_NE(out.find("public.lines"), std::string::npos);
  StopAll(children);

  // Verify again with the pipeline stopped (opens the DuckDB file itself).
  ASSERT_EQ(Verify(f, &out), 0) << out;

  Duck duck(f.duckdb);
  ExpectWorkloadLoaded(duck, pg);
  // Offsets are stored with the data, for both tables' topics (and the
  // snapshot markers', which DroppedSlotStopsInsteadOfSkippingChanges tests).
  EXPECT_EQ(duck.Scalar("SELECT count(DISTINCT topic) FROM _cdc_offsets WHERE topic <> '" + name +
                        ".cdcpipe-snapshots'"), "2");
  // capture records its snapshot in the warehouse only when it loads it too.
  EXPECT_EQ(duck.Scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = '_cdc_capture_state'"),
            GetParam() == Broker::kKafka ? "0" : "1");
}

TEST_P(PipelineTest, VerifyDetectsADifference) {
  TestDatabase db("diff_" + Name(GetParam()), Bootstrap());
  auto& [name, dsn, pg, f] = db;
  auto children = Start(f, "1");
  std::string out;
  ASSERT_EQ(Verify(f, &out), 0) << out;
  StopAll(children);
  // A change the pipeline never sees (its slot is not read): verify must fail.
  pg.Exec("UPDATE items SET label = 'drift' WHERE id = 7");
  EXPECT_EQ(Verify(f, &out, 2), 3) << out;
  EXPECT_NE(out.find("MISMATCH"), std::string::npos) << out;
}

// format json_schemaless (JsonConverter schemas.enable=false): events carry
// no schema and load infers each column's type from its first value. With
// decimal_handling_mode string every type of this table keeps its exact
// text, so verify must find the warehouse equal to PostgreSQL.
TEST_P(PipelineTest, SchemalessEventsLoadWithInferredTypes) {
  TestDatabase db("schemaless_" + Name(GetParam()), Bootstrap(),
                  {.postgres = "    decimal_handling_mode: string\n", .top = "format: json_schemaless\n"}, R"sql(
CREATE TABLE accounts (id integer PRIMARY KEY, small smallint, big bigint, flag boolean, label text,
                       price numeric(12,2), ratio numeric(38,10));
INSERT INTO accounts SELECT g, g, g::bigint * 1000000000, g % 2 = 0, 'account ' || g, g * 1.25, g / 7.0
  FROM generate_series(1, 50) g;
)sql");
  auto& [name, dsn, pg, f] = db;
  auto children = Start(f, "1");
  pg.Exec(R"sql(
INSERT INTO accounts VALUES (1000, -32768, -9223372036854775808, true, E'quote '' é', -9999999999.99,
  1234567890123456789012345678.0123456789);
UPDATE accounts SET label = 'updated', price = 0.01, flag = NULL WHERE id = 2;
DELETE FROM accounts WHERE id = 3;
UPDATE accounts SET id = 5000 WHERE id = 6;
)sql");
  std::string out;
  ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(children.back()->log());
  EXPECT_NE(out.find("public.accounts"), std::string::npos) << out;
  if (GetParam() == Broker::kKafka) {
    // What reached Kafka: a key and a value without "schema".
    ASSERT_EQ(Shell("kcat -b " + Bootstrap() + " -C -t " + name + ".public.accounts -c 1 -e -q -f '%k|%s\n' 2>&1", &out), 0) << out;
    EXPECT_EQ(out.find("\"schema\":{"), std::string::npos) << out;
    EXPECT_EQ(out.rfind("{\"id\":", 0), 0u) << out;
  }
  StopAll(children);

  Duck duck(f.duckdb);
  EXPECT_EQ(duck.Scalar("SELECT count(*) FROM public.accounts"), pg.Scalar("SELECT count(*) FROM accounts"));
  EXPECT_EQ(duck.Scalar("SELECT price FROM public.accounts WHERE id = 1000"), "-9999999999.99");
  EXPECT_EQ(duck.Scalar("SELECT ratio FROM public.accounts WHERE id = 1000"), "1234567890123456789012345678.0123456789");
  EXPECT_EQ(duck.Scalar("SELECT label FROM public.accounts WHERE id = 5000"), "account 6");
  // Inferred, not declared: a decimal in string mode is text, a smallint an integer.
  EXPECT_EQ(duck.Scalar("SELECT typeof(price) FROM public.accounts LIMIT 1"), "VARCHAR");
  EXPECT_EQ(duck.Scalar("SELECT typeof(small) FROM public.accounts LIMIT 1"), "BIGINT");
}

// `cdcpipe registry` on `url` (http://127.0.0.1:<port>), its store in `dir`;
// returns once it answers.
std::unique_ptr<Child> StartRegistry(const std::string& url, const std::string& dir, const std::string& log_name) {
  auto registry = std::make_unique<Child>(
      std::vector<std::string>{CdcpipeBinary(), "registry", "--listen", url.substr(7), "--store", dir + "/schemas.jsonl"},
      dir + "/" + log_name);
  std::string out;
  for (int i = 0; i < 100 && Shell("curl -sf " + url + "/subjects", &out) != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return registry;
}

// format avro (Confluent's AvroConverter): the same workload as above, every
// key and value Confluent-framed Avro with its schema in `cdcpipe registry`;
// the warehouse must again equal PostgreSQL.
TEST_P(PipelineTest, AvroEventsArriveExactlyAsInPostgres) {
  const std::string dir = TempDir("avro_" + Name(GetParam()) + "_registry");
  const std::string registry_url = "http://127.0.0.1:" + std::to_string(FreePort());
  auto registry = StartRegistry(registry_url, dir, "registry.log");
  std::string out;
  ASSERT_EQ(Shell("curl -sf " + registry_url + "/subjects", &out), 0) << ReadFile(registry->log());
  ASSERT_EQ(out, "[]");
  TestDatabase db("avro_" + Name(GetParam()), Bootstrap(),
                  {.top = "format: avro\nschema_registry:\n  url: " + registry_url + "\n"});
  auto& [name, dsn, pg, f] = db;
  auto children = Start(f, "1");
  pg.Exec(kWorkload);

  ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(children.back()->log());
  EXPECT_NE(out.find("public.items"), std::string::npos);
  EXPECT_NE(out.find("public.lines"), std::string::npos);
  ASSERT_EQ(Shell("curl -sf " + registry_url + "/subjects", &out), 0);
  for (const char* subject : {".public.items-key", ".public.items-value", ".public.lines-key", ".public.lines-value"}) {
    EXPECT_NE(out.find("\"" + name + subject + "\""), std::string::npos) << out;
  }
  // The registry restarts from its store; then the table changes shape:
  // capture registers the new schema there, load reads both versions.
  ASSERT_EQ(registry->Stop(30), 0) << ReadFile(registry->log());
  auto restarted = StartRegistry(registry_url, dir, "registry2.log");
  ASSERT_EQ(Shell("curl -sf " + registry_url + "/subjects/" + name + ".public.items-value/versions", &out), 0);
  EXPECT_EQ(out, "[1]") << ReadFile(restarted->log());
  pg.Exec("ALTER TABLE items ADD COLUMN rating numeric(4,1), DROP COLUMN code;"
          "UPDATE items SET rating = 4.5 WHERE id <= 10;"
          "INSERT INTO items (id, label, rating) VALUES (700, 'new shape', 1.0);");
  ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(children.back()->log());
  ASSERT_EQ(Shell("curl -sf " + registry_url + "/subjects/" + name + ".public.items-value/versions", &out), 0);
  EXPECT_EQ(out, "[1,2]");
  if (GetParam() == Broker::kKafka) {
    // What reached Kafka: magic byte 0, then a 4-byte schema id.
    ASSERT_EQ(Shell("kcat -b " + Bootstrap() + " -C -t " + name + ".public.items -c 1 -e -q -f '%s' | head -c 1 | od -An -tx1",
                    &out), 0) << out;
    EXPECT_EQ(out, " 00\n");
  }
  StopAll(children);

  Duck duck(f.duckdb);
  ExpectWorkloadLoaded(duck, pg);
  EXPECT_EQ(duck.Scalar("SELECT typeof(small) FROM public.items LIMIT 1"), "SMALLINT");
  EXPECT_EQ(duck.Scalar("SELECT CAST(rating AS VARCHAR) FROM public.items WHERE id = 700"), "1.0");
  EXPECT_EQ(duck.Scalar("SELECT typeof(rating) FROM public.items LIMIT 1"), "DECIMAL(4,1)");
  EXPECT_EQ(restarted->Stop(30), 0) << ReadFile(restarted->log());
}

TEST_P(PipelineTest, SurvivesSigkillMidWorkload) {
  TestDatabase db("kill_" + Name(GetParam()), Bootstrap());
  auto& [name, dsn, pg, f] = db;
  auto children = Start(f, "1", /*single_process=*/true);

  // The workload runs until told to stop, so both kills land mid-workload.
  std::atomic<bool> stop_workload{false};
  std::atomic<int> progress{0};
  std::thread workload([&] {
    Pg w(dsn);
    for (int i = 0; !stop_workload; ++i) {
      progress = i;
      const std::string id = std::to_string(10000 + i);
      w.Exec("BEGIN; INSERT INTO items (id, label, price) VALUES (" + id + ", 'w', " + std::to_string(i) +
             ".5); UPDATE items SET big = " + id + " WHERE id = " + std::to_string(1 + i % 50) +
             "; COMMIT;");
      if (i % 3 == 0) w.Exec("DELETE FROM items WHERE id = " + std::to_string(10000 + i / 2));
    }
  });
  // First kill early: it may land during the initial snapshot.
  while (progress < 1000) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  children[0]->Signal(SIGKILL);
  EXPECT_EQ(children[0]->Wait(30), 128 + SIGKILL);
  // Second kill while streaming.
  auto second = Start(f, "2", /*single_process=*/true);
  std::this_thread::sleep_for(std::chrono::milliseconds(5000));
  second[0]->Signal(SIGKILL);
  EXPECT_EQ(second[0]->Wait(30), 128 + SIGKILL);
  auto restarted = Start(f, "3", /*single_process=*/true);
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  stop_workload = true;
  workload.join();
  EXPECT_GT(progress, 3000) << "the workload was too short to overlap both kills";
  std::string out;
  EXPECT_EQ(Verify(f, &out), 0) << out << ReadFile(restarted[0]->log());
  StopAll(restarted);
}

TEST_P(PipelineTest, DroppedSlotStopsInsteadOfSkippingChanges) {
  TestDatabase db("dropped_" + Name(GetParam()), Bootstrap());
  auto& [name, dsn, pg, f] = db;
  pg.Exec("INSERT INTO lines VALUES (1, 1, 1), (1, 2, 2)");
  auto children = Start(f, "1", /*single_process=*/true);
  std::string out;
  ASSERT_EQ(Verify(f, &out), 0) << out;
  StopAll(children);
  pg.Exec("SELECT pg_drop_replication_slot('" + name + "')");
  pg.Exec("UPDATE items SET label = 'lost with the slot' WHERE id = 1");
  // The new snapshot does not have these rows: the warehouse must lose them too.
  pg.Exec("DELETE FROM items WHERE id IN (7, 8)");
  pg.Exec("DELETE FROM lines");  // a table left without rows has no new snapshot rows at all
  EXPECT_EQ(Shell(CdcpipeBinary() + " run -c " + f.config + " 2>&1", &out), 1) << out;
  EXPECT_NE(out.find("no longer exists"), std::string::npos) << out;
  EXPECT_EQ(pg.Scalar("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + name + "'"), "0");

  // The documented way out: reset the capture state, start over with a new snapshot.
  const std::string kafka_flag = GetParam() == Broker::kKafka ? " --kafka" : "";
  EXPECT_EQ(Shell(CdcpipeBinary() + " reset-snapshot" + kafka_flag + " -c " + f.config + " 2>&1", &out), 0) << out;
  if (GetParam() == Broker::kKafka) {
    // `run` keeps its state in the warehouse even with real Kafka.
    EXPECT_EQ(Shell(CdcpipeBinary() + " reset-snapshot -c " + f.config + " 2>&1", &out), 0) << out;
  }
  // With real Kafka, as capture and load processes (capture's state is in Kafka).
  auto again = Start(f, "2", /*single_process=*/GetParam() == Broker::kEmbedded);
  ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(again[0]->log());
  StopAll(again);
  EXPECT_NE(ReadFile(again[0]->log()).find("rows the new snapshot did not have removed"), std::string::npos)
      << ReadFile(again[0]->log());
}

TEST_P(PipelineTest, SchemaChangesAddColumnsAndNullDroppedOnes) {
  TestDatabase db("schema_" + Name(GetParam()), Bootstrap(), {.sink = "  delete_mode: soft\n"});
  auto& [name, dsn, pg, f] = db;
  auto children = Start(f, "1");
  std::string out;
  ASSERT_EQ(Verify(f, &out), 0) << out;  // the old shape is in the warehouse
  // A streamed change first: capture then knows the table's old shape.
  pg.Exec("UPDATE items SET label = 'before the change' WHERE id = 12");
  ASSERT_EQ(Verify(f, &out), 0) << out;
  pg.Exec("ALTER TABLE items ADD COLUMN rating numeric(4,1), DROP COLUMN code;"
          "UPDATE items SET rating = 4.5 WHERE id <= 10;"
          "INSERT INTO items (id, label, rating) VALUES (700, 'new shape', 1.0);"
          "DELETE FROM items WHERE id = 11;");
  ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(children.back()->log());
  EXPECT_NE(out.find("(11 columns)"), std::string::npos) << out;  // rating compared, code gone, pos not comparable
  // capture logs the change it saw (the last child is capture, or `run`).
  const std::string capture_log = ReadFile(children.back()->log());
  EXPECT_NE(capture_log.find("\"msg\":\"table schema changed\",\"table\":\"public.items\",\"added\":\"rating\","
                             "\"dropped\":\"code\""), std::string::npos) << capture_log;
  StopAll(children);
  Duck duck(f.duckdb);
  EXPECT_EQ(duck.Scalar("SELECT CAST(rating AS VARCHAR) FROM public.items WHERE id = 700"), "1.0");
  EXPECT_EQ(duck.Scalar("SELECT typeof(rating) FROM public.items LIMIT 1"), "DECIMAL(4,1)");
  EXPECT_EQ(duck.Scalar("SELECT code FROM public.items WHERE id = 1"), "NULL");   // dropped, row updated
  EXPECT_EQ(duck.Scalar("SELECT code FROM public.items WHERE id = 30"), "C30");   // dropped, row untouched
  EXPECT_EQ(duck.Scalar("SELECT _cdc_deleted FROM public.items WHERE id = 11"), "true");  // soft delete
  EXPECT_EQ(duck.Scalar("SELECT count(*) FROM public.items WHERE _cdc_deleted"), "1");
}

TEST_P(PipelineTest, ReconnectsWhenTheReplicationConnectionDies) {
  TestDatabase db("reconnect_" + Name(GetParam()), Bootstrap());
  auto& [name, dsn, pg, f] = db;
  auto children = Start(f, "1", /*single_process=*/true);
  std::string out;
  ASSERT_EQ(Verify(f, &out), 0) << out;
  for (int round = 0; round < 3; ++round) {
    pg.Exec("BEGIN; INSERT INTO items (id, label) SELECT g, 'round' FROM generate_series(" +
            std::to_string(1000 + round * 100) + ", " + std::to_string(1099 + round * 100) + ") g; COMMIT;");
    EXPECT_EQ(pg.Scalar("SELECT count(pg_terminate_backend(active_pid)) FROM pg_replication_slots "
                        "WHERE slot_name = '" + name + "' AND active_pid IS NOT NULL"), "1");
    pg.Exec("UPDATE items SET label = 'after reconnect' WHERE id <= " + std::to_string(10 * (round + 1)));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(children[0]->log());
  EXPECT_TRUE(children[0]->Running());
  EXPECT_NE(ReadFile(children[0]->log()).find("reconnecting"), std::string::npos);
  StopAll(children);
}

INSTANTIATE_TEST_SUITE_P(Brokers, PipelineTest, ::testing::Values(Broker::kKafka, Broker::kEmbedded),
                         [](const auto& param_info) { return Name(param_info.param); });

// The zero-setup shape of format avro: `run` with the embedded broker and
// its own registry, whose schemas are kept beside the DuckDB file; capture
// alone cannot use it.
TEST(Avro, RunServesItsOwnRegistry) {
  TestDatabase db("avro_own_registry", "embedded", {.top = "format: avro\nschema_registry:\n  url: embedded\n"});
  auto& [name, dsn, pg, f] = db;
  Child run({CdcpipeBinary(), "run", "-c", f.config}, f.dir + "/run.log");
  pg.Exec(kWorkload);
  std::string out;
  ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(run.log());
  EXPECT_EQ(run.Stop(), 0) << ReadFile(run.log());
  const std::string store = ReadFile(f.duckdb + ".schemas.jsonl");
  for (const char* subject : {".public.items-key\"", ".public.items-value\"", ".public.lines-value\""}) {
    EXPECT_NE(store.find("\"subject\":\"" + name + subject), std::string::npos) << store;
  }
  // capture alone (against a real broker's address) cannot host it.
  std::string alone = ReadFile(f.config);
  const std::string embedded_broker = "bootstrap_servers: \"embedded\"";
  ASSERT_NE(alone.find(embedded_broker), std::string::npos) << alone;
  alone.replace(alone.find(embedded_broker), embedded_broker.size(), "bootstrap_servers: \"127.0.0.1:1\"");
  std::ofstream(f.dir + "/capture-alone.yaml") << alone;
  EXPECT_EQ(Shell(CdcpipeBinary() + " capture -c " + f.dir + "/capture-alone.yaml 2>&1", &out), 2) << out;
  EXPECT_NE(out.find("schema_registry.url: \"embedded\" works only with `cdcpipe run`"), std::string::npos) << out;
}

// Column and table names Avro does not allow travel in format avro once
// both adjustment modes are avro (as in Debezium): the warehouse columns
// take the adjusted names, and verify compares them with the source's.
TEST(Avro, NamesAvroDoesNotAllowLoadUnderTheirAdjustedNames) {
  const std::string name = "avro_odd_names";
  const std::string dsn = Services::Get().CreateDatabase(name);
  Pg pg(dsn);
  pg.Exec(R"(CREATE TABLE "odd-names" ("1st" int PRIMARY KEY, "Order Date" text, "naïve" int);
             INSERT INTO "odd-names" VALUES (1, 'one', 1), (2, 'two', 2);)");
  // Without the modes, capture stops at the first row and says what to set.
  PipelineFiles plain = WriteConfig(name + "_plain", dsn, "embedded",
                                    {.top = "format: avro\nschema_registry:\n  url: embedded\n"});
  Child refused({CdcpipeBinary(), "run", "-c", plain.config}, plain.dir + "/run.log");
  EXPECT_NE(refused.Wait(60), 0) << ReadFile(refused.log());
  EXPECT_NE(ReadFile(refused.log()).find("field_name_adjustment_mode"), std::string::npos) << ReadFile(refused.log());
  pg.Exec("SELECT pg_drop_replication_slot('" + name + "_plain')");

  PipelineFiles f = WriteConfig(name, dsn, "embedded",
                                {.postgres = "    field_name_adjustment_mode: avro\n"
                                             "    schema_name_adjustment_mode: avro\n",
                                 .top = "format: avro\nschema_registry:\n  url: embedded\n"});
  Child run({CdcpipeBinary(), "run", "-c", f.config}, f.dir + "/run.log");
  pg.Exec(R"(UPDATE "odd-names" SET "Order Date" = 'one updated' WHERE "1st" = 1;
             DELETE FROM "odd-names" WHERE "1st" = 2;
             INSERT INTO "odd-names" VALUES (3, 'three', NULL);)");
  std::string out;
  ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(run.log());
  EXPECT_NE(out.find("(3 columns)"), std::string::npos) << out;
  EXPECT_EQ(out.find("not in the warehouse"), std::string::npos) << out;
  EXPECT_EQ(run.Stop(), 0) << ReadFile(run.log());
  Duck duck(f.duckdb);
  EXPECT_EQ(duck.Scalar(R"(SELECT "Order_Date" || '/' || coalesce(na_ve::text, 'null') FROM public."odd-names" WHERE _1st = 1)"),
            "one updated/1");
  EXPECT_EQ(duck.Scalar(R"(SELECT count(*) FROM public."odd-names")"), "2");
  EXPECT_NE(ReadFile(f.duckdb + ".schemas.jsonl").find(name + ".public.odd_names.Value"), std::string::npos);
}

// A registry that checks compatibility refuses a table's new schema: capture
// stops naming the subject and the field, confirms nothing past that change,
// and once the subject's level allows it, the next start goes on from there
// and nothing is lost.
TEST(Avro, ARefusedSchemaStopsCaptureUntilTheLevelAllowsIt) {
  const std::string dir = TempDir("avro_refused_registry");
  const std::string registry_url = "http://127.0.0.1:" + std::to_string(FreePort());
  auto registry = StartRegistry(registry_url, dir, "registry.log");
  TestDatabase db("avro_refused", "embedded", {.top = "format: avro\nschema_registry:\n  url: " + registry_url + "\n"},
                  "CREATE TABLE items (id int PRIMARY KEY, qty bigint); INSERT INTO items VALUES (1, 10), (2, 20);");
  auto& [name, dsn, pg, f] = db;
  std::string out;
  auto level = [&](const std::string& compatibility) {
    return Shell("curl -sf -X PUT -H 'Content-Type: application/json' -d '{\"compatibility\":\"" + compatibility +
                     "\"}' " + registry_url + "/config/" + name + ".public.items-value",
                 &out);
  };
  {
    Child run({CdcpipeBinary(), "run", "-c", f.config}, f.dir + "/run-1.log");
    ASSERT_EQ(Verify(f, &out), 0) << out;
    ASSERT_EQ(level("BACKWARD"), 0) << out;
    // text cannot read the bigints written before: refused at BACKWARD.
    pg.Exec("ALTER TABLE items ALTER COLUMN qty TYPE text; UPDATE items SET qty = 'twelve' WHERE id = 1;");
    EXPECT_NE(run.Wait(90), 0) << ReadFile(run.log());
    const std::string log = ReadFile(run.log());
    for (const char* part : {"items-value", "409", "qty"}) EXPECT_NE(log.find(part), std::string::npos) << part << "\n" << log;
  }
  ASSERT_EQ(level("NONE"), 0) << out;
  pg.Exec("INSERT INTO items VALUES (3, 'three')");
  Child run({CdcpipeBinary(), "run", "-c", f.config}, f.dir + "/run-2.log");
  ASSERT_EQ(Verify(f, &out), 0) << out << ReadFile(run.log());
  EXPECT_EQ(run.Stop(), 0) << ReadFile(run.log());
  Duck duck(f.duckdb);
  EXPECT_EQ(duck.Scalar("SELECT string_agg(id || '=' || qty, ',' ORDER BY id) FROM public.items"), "1=twelve,2=20,3=three");
  ASSERT_EQ(Shell("curl -sf " + registry_url + "/subjects/" + name + ".public.items-value/versions", &out), 0);
  EXPECT_EQ(out, "[1,2]");
}

TEST(Cli, BadConfigIsReportedWithKeysAndExitCode2) {
  const std::string dir = TempDir("cli");
  {
    std::ofstream(dir + "/bad.yaml") << "source:\n  postgres:\n    dsn: \"password=topsecret\"\n    slott: x\n"
                                        "kafka:\n  bootstrap_servers: nope\n";
  }
  std::string out;
  EXPECT_EQ(Shell(CdcpipeBinary() + " run -c " + dir + "/bad.yaml 2>&1", &out), 2);
  EXPECT_NE(out.find("source.postgres.slott: unknown key"), std::string::npos) << out;
  EXPECT_NE(out.find("kafka.bootstrap_servers"), std::string::npos) << out;
  EXPECT_EQ(out.find("topsecret"), std::string::npos) << out;
  EXPECT_EQ(Shell(CdcpipeBinary() + " --version", &out), 0);
  EXPECT_NE(out.find("cdcpipe 0.1.0"), std::string::npos);
}

TEST(Cli, UnreachableDatabaseIsAClearError) {
  const int port = FreePort();
  PipelineFiles f = WriteConfig("unreachable", "host=127.0.0.1 port=" + std::to_string(port) + " user=x password=hidden",
                                "embedded", {.postgres = "    retry_seconds: 0\n"});
  std::string out;
  EXPECT_EQ(Shell(CdcpipeBinary() + " run --log-format text -c " + f.config + " 2>&1", &out), 1);
  EXPECT_NE(out.find("source.postgres.dsn"), std::string::npos) << out;
  EXPECT_EQ(out.find("hidden"), std::string::npos) << out;
}

// `cdcpipe run` on the real Kafka broker over a fresh database holding
// kSchema, already verified in sync.
struct RunOnKafka : TestDatabase {
  explicit RunOnKafka(const std::string& database, const ConfigExtras& extras = {})
      : TestDatabase(database, Services::Get().bootstrap, extras),
        run(std::make_unique<Child>(std::vector<std::string>{CdcpipeBinary(), "run", "-c", f.config},
                                    f.dir + "/run.log")) {}
  void Stop() { EXPECT_EQ(run->Stop(), 0) << ReadFile(run->log()); }
  const std::string bootstrap = Services::Get().bootstrap;
  std::unique_ptr<Child> run;
};

TEST(DeadLetters, UndecodableMessagesAreParkedWithHeadersAndTheRestLoads) {
  RunOnKafka p("dlq");
  std::string out;
  ASSERT_EQ(Verify(p.f, &out), 0) << out;
  const std::string& bootstrap = p.bootstrap;
  // A poison message in the middle of the table's topic, then more changes.
  ASSERT_EQ(Shell("printf 'not json at all' | kcat -P -b " + bootstrap + " -t dlq.public.items -k poison -p 2 2>&1", &out), 0) << out;
  // A well-formed event whose value the warehouse column refuses: item 9's
  // snapshot event again, with a smallint out of range. Only its row is
  // parked; the warehouse keeps item 9 as it was.
  std::string event;
  ASSERT_EQ(Shell("kcat -C -b " + bootstrap + " -t dlq.public.items -e -q -f '%p|%k|%s\n' 2>&1"
                  " | grep '\"after\":{\"id\":9,' | head -1", &event), 0) << event;
  ASSERT_NE(event.find("\"small\":9,"), std::string::npos) << event;
  const std::string partition = event.substr(0, event.find('|'));
  event = event.substr(event.find('|') + 1);
  event.replace(event.find("\"small\":9,"), 10, "\"small\":99999,");
  std::ofstream(p.f.dir + "/refused.txt") << event;
  ASSERT_EQ(Shell("kcat -P -b " + bootstrap + " -t dlq.public.items -p " + partition + " -K '|' -l " + p.f.dir +
                  "/refused.txt 2>&1", &out), 0) << out;
  p.pg.Exec("INSERT INTO items (id, label) SELECT g, 'after poison' FROM generate_series(500, 600) g");
  ASSERT_EQ(Verify(p.f, &out), 0) << out << ReadFile(p.run->log());
  p.Stop();
  ASSERT_EQ(Shell("kcat -C -b " + bootstrap + " -t dlq.dlq -e -q -f '%k|%s|%h\\n' 2>&1", &out), 0) << out;
  EXPECT_NE(out.find("poison|not json at all|"), std::string::npos) << out;
  EXPECT_NE(out.find("cdcpipe.original.topic=dlq.public.items"), std::string::npos) << out;
  EXPECT_NE(out.find("cdcpipe.original.partition=2"), std::string::npos) << out;
  EXPECT_NE(out.find("cdcpipe.original.offset="), std::string::npos) << out;
  EXPECT_NE(out.find("cdcpipe.error="), std::string::npos) << out;
  EXPECT_NE(out.find("\"small\":99999"), std::string::npos) << out;
  EXPECT_NE(out.find("column small (SMALLINT)"), std::string::npos) << out;
}

// Waits up to `seconds` for a line of the endpoint's /metrics; the last
// answer otherwise.
std::string WaitForMetric(const std::string& http, const std::string& line, int seconds) {
  std::string metrics;
  for (int i = 0; i < seconds * 5; ++i) {
    Shell("curl -s http://" + http + "/metrics", &metrics);
    if (metrics.find(line) != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return metrics;
}

TEST(DeadLetters, AnIncompatibleTypeChangePausesThatTableAndTheOthersLoad) {
  RunOnKafka p("pause");
  std::string out;
  ASSERT_EQ(Verify(p.f, &out), 0) << out;
  // Fewer integer digits: DECIMAL(12,2) cannot become DECIMAL(12,4) in place.
  p.pg.Exec("ALTER TABLE items ALTER COLUMN price TYPE numeric(12,4);"
            "UPDATE items SET price = 1.2345 WHERE id = 7; INSERT INTO lines VALUES (9, 9, 9)");
  const std::string metrics = WaitForMetric(p.f.http, "cdcpipe_load_paused_tables 1", 90);
  ASSERT_NE(metrics.find("cdcpipe_load_paused_tables 1"), std::string::npos) << metrics << ReadFile(p.run->log());
  // The other table goes on; the paused one keeps its last good state.
  EXPECT_EQ(Verify(p.f, &out), 3) << out;
  EXPECT_NE(out.find("public.lines                             OK"), std::string::npos) << out;
  EXPECT_NE(out.find("public.items                             MISMATCH"), std::string::npos) << out;
  EXPECT_NE(out.find("public.items                             PAUSED"), std::string::npos) << out;
  EXPECT_NE(ReadFile(p.run->log()).find("table paused"), std::string::npos);

  // Still paused after a restart: later events of the table are parked too.
  p.Stop();
  p.run = std::make_unique<Child>(std::vector<std::string>{CdcpipeBinary(), "run", "-c", p.f.config},
                                  p.f.dir + "/run-2.log");
  p.pg.Exec("UPDATE items SET label = 'after the pause' WHERE id = 8");
  ASSERT_EQ(Verify(p.f, &out), 3) << out;  // caught up; items still differs
  p.Stop();
  ASSERT_EQ(Shell("kcat -C -b " + p.bootstrap + " -t pause.dlq -e -q -f '%h\\n' 2>&1", &out), 0) << out;
  EXPECT_NE(out.find("cdcpipe.original.topic=pause.public.items"), std::string::npos) << out;
  EXPECT_NE(out.find("column price changed from DECIMAL(12,2) to DECIMAL(12,4)"), std::string::npos) << out;
  EXPECT_NE(out.find("the warehouse table is paused"), std::string::npos) << out;
  EXPECT_EQ(out.find("pause.public.lines"), std::string::npos) << out;
  Duck duck(p.f.duckdb);
  EXPECT_EQ(duck.Scalar("SELECT typeof(price) FROM public.items LIMIT 1"), "DECIMAL(12,2)");
  EXPECT_EQ(duck.Scalar("SELECT CAST(price AS VARCHAR) FROM public.items WHERE id = 7"), "8.75");
  EXPECT_EQ(duck.Scalar("SELECT table_schema || '.' || table_name FROM _cdc_paused_tables"), "public.items");
  EXPECT_EQ(duck.Scalar("SELECT qty FROM public.lines WHERE order_id = 9"), "9");
}

TEST(Heartbeats, QuietDatabaseStillReleasesWalAndPublishesHeartbeats) {
  RunOnKafka p("beat", {.postgres = "    heartbeat_interval_ms: 300\n"});
  Pg& pg = p.pg;
  std::string out;
  ASSERT_EQ(Verify(p.f, &out), 0) << out;
  const std::string slot_lsn = "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'beat'";
  const std::string before = pg.Scalar(slot_lsn);
  // Nothing changes in the captured tables; only heartbeats write WAL here.
  std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  EXPECT_EQ(pg.Scalar("SELECT " + std::string("pg_wal_lsn_diff((") + slot_lsn + "), '" + before + "') > 0"), "t")
      << "slot stayed at " << before;
  p.Stop();
  ASSERT_EQ(Shell("kcat -C -b " + p.bootstrap + " -t __debezium-heartbeat.beat -e -q -f '%k|%s\\n' 2>&1", &out), 0) << out;
  EXPECT_NE(out.find("\"serverName\":\"beat\""), std::string::npos) << out;
  EXPECT_NE(out.find("io.debezium.connector.common.Heartbeat"), std::string::npos) << out;
  EXPECT_GE(std::count(out.begin(), out.end(), '\n'), 3) << out;
}

TEST(Preflight, NamesEachProblemAndItsFix) {
  const std::string dsn = Services::Get().CreateDatabase("preflight");
  Pg pg(dsn);
  pg.Exec("CREATE TABLE keyed (id int PRIMARY KEY); CREATE TABLE keyless (v text);"
          "DROP ROLE IF EXISTS cdc_weak; CREATE ROLE cdc_weak LOGIN; GRANT SELECT ON keyed TO cdc_weak;");
  std::string weak = dsn;
  weak.replace(weak.find("user=postgres"), std::string("user=postgres").size(), "user=cdc_weak");
  // Tables are listed so the check covers them.
  PipelineFiles f = WriteConfig("preflight", weak, "embedded", {.postgres = "    tables: [public.keyed, public.keyless]\n"});
  std::string cfg = ReadFile(f.config);
  std::string out;
  EXPECT_EQ(Shell(CdcpipeBinary() + " preflight -c " + f.config + " 2>&1", &out), 1) << out;
  EXPECT_NE(out.find("FAIL REPLICATION attribute"), std::string::npos) << out;
  EXPECT_NE(out.find("WITH REPLICATION"), std::string::npos) << out;
  EXPECT_NE(out.find("FAIL SELECT on public.keyless"), std::string::npos) << out;
  EXPECT_NE(out.find("FAIL replica identity of public.keyless"), std::string::npos) << out;
  EXPECT_NE(out.find("REPLICA IDENTITY FULL"), std::string::npos) << out;
  EXPECT_NE(out.find("OK   SELECT on public.keyed"), std::string::npos) << out;

  // The superuser with keys everywhere passes.
  pg.Exec("ALTER TABLE keyless REPLICA IDENTITY FULL");
  cfg.replace(cfg.find("user=cdc_weak"), std::string("user=cdc_weak").size(), "user=postgres");
  std::ofstream(f.config) << cfg;
  EXPECT_EQ(Shell(CdcpipeBinary() + " preflight -c " + f.config + " 2>&1", &out), 0) << out;
}

TEST(DevBroker, PrintsBootstrapAndServesKafka) {
  const std::string dir = TempDir("devbroker");
  Child broker({CdcpipeBinary(), "dev-broker", "--bootstrap-file", dir + "/bootstrap", "--topic", "t1"}, dir + "/broker.log");
  std::string bootstrap;
  for (int i = 0; i < 100 && bootstrap.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    bootstrap = ReadFile(dir + "/bootstrap");
  }
  ASSERT_FALSE(bootstrap.empty());
  bootstrap = bootstrap.substr(0, bootstrap.find('\n'));
  std::string out;
  EXPECT_EQ(Shell("kcat -b " + bootstrap + " -L -t t1 2>&1", &out), 0) << out;
  EXPECT_NE(out.find("4 partitions"), std::string::npos) << out;
  EXPECT_EQ(broker.Stop(20), 0);
}

}  // namespace
}  // namespace cdc::testing

// Services (PostgreSQL, Kafka) are stopped once, after every test; their
// directories and the tests' own go too when every test passed.
int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  int rc = RUN_ALL_TESTS();
  cdc::testing::Services::Get().Stop();
  if (rc == 0 && !std::getenv("CDCPIPE_TEST_KEEP_SERVICES")) cdc::testing::RemoveTempDirs();
  return rc;
}
