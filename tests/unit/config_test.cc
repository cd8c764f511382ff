#include "config/config.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace cdc {
namespace {

constexpr const char* kMinimal = R"(
source:
  postgres:
    dsn: "host=db password=hunter2"
kafka:
  bootstrap_servers: embedded
)";

TEST(Config, MinimalFileGetsDefaults) {
  auto c = ParseConfig(kMinimal, "test.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->postgres.slot, "cdcpipe");
  EXPECT_TRUE(c->kafka.Embedded());
  EXPECT_EQ(c->sink.duckdb_path, "cdcpipe.duckdb");
  EXPECT_EQ(c->sink.delete_mode, "hard");
}

// load reads Kafka and writes the warehouse: a load-only deployment names
// no PostgreSQL; show needs neither.
TEST(Config, EachCommandRequiresOnlyWhatItUses) {
  constexpr const char* kLoadOnly = "kafka:\n  bootstrap_servers: kafka:9092\n";
  const auto for_capture = ParseConfig(kLoadOnly, "load.yaml");
  ASSERT_FALSE(for_capture.ok());
  EXPECT_NE(std::string(for_capture.status().message()).find("source.postgres.dsn: required"), std::string::npos);
  EXPECT_TRUE(ParseConfig(kLoadOnly, "load.yaml", {.source = false}).ok());
  const auto for_load = ParseConfig("sink:\n  type: duckdb\n", "show.yaml", {.source = false});
  ASSERT_FALSE(for_load.ok());
  EXPECT_NE(std::string(for_load.status().message()).find("kafka.bootstrap_servers: required"), std::string::npos);
  EXPECT_TRUE(ParseConfig("sink:\n  type: duckdb\n", "show.yaml", {.source = false, .kafka = false}).ok());
}

TEST(Config, ReportsEveryProblemWithItsKeyAtOnce) {
  auto c = ParseConfig(R"(
source:
  postgres:
    dsn: "password=hunter2"
    slot: Bad-Slot
    tables: [nodot]
    colour: blue
kafka:
  bootstrap_servers: "localhost"
sink:
  batch:
    max_rows: -3
  delete_mode: sometimes
surprise: 1
)", "bad.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string msg(c.status().message());
  for (const char* key : {"source.postgres.slot", "source.postgres.tables", "source.postgres.colour: unknown key",
                          "kafka.bootstrap_servers", "sink.batch.max_rows", "sink.delete_mode", "surprise: unknown key",
                          "bad.yaml"}) {
    EXPECT_NE(msg.find(key), std::string::npos) << "missing " << key << " in\n" << msg;
  }
  EXPECT_EQ(msg.find("hunter2"), std::string::npos) << "a secret leaked:\n" << msg;
}

TEST(Config, RequiresDsnAndBootstrap) {
  auto c = ParseConfig("sink:\n  type: duckdb\n", "x.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(std::string(c.status().message()).find("source.postgres.dsn: required"), std::string::npos);
  EXPECT_NE(std::string(c.status().message()).find("kafka.bootstrap_servers: required"), std::string::npos);
}

TEST(Config, SchemalessJsonNeedsADecimalModeThatKeepsTheScale) {
  const std::string base = std::string(kMinimal) + "format: json_schemaless\n";
  auto precise = ParseConfig(base, "x.yaml");
  ASSERT_FALSE(precise.ok());
  const std::string msg(precise.status().message());
  EXPECT_NE(msg.find("format: json_schemaless"), std::string::npos) << msg;
  EXPECT_NE(msg.find("source.postgres.decimal_handling_mode"), std::string::npos) << msg;

  auto exact = ParseConfig(std::string(R"(
source:
  postgres:
    dsn: "host=db"
    decimal_handling_mode: string
kafka:
  bootstrap_servers: embedded
format: json_schemaless
)"), "x.yaml");
  ASSERT_TRUE(exact.ok()) << exact.status();
  EXPECT_EQ(exact->format, "json_schemaless");

  auto unknown = ParseConfig(std::string(kMinimal) + "format: protobuf\n", "x.yaml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(std::string(unknown.status().message()).find("format: must be one of json, json_schemaless, avro (got 'protobuf')"),
            std::string::npos) << unknown.status();
}

TEST(Config, AvroNeedsARegistryUrl) {
  auto missing = ParseConfig(std::string(kMinimal) + "format: avro\n", "x.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(std::string(missing.status().message()).find("schema_registry.url: required with format avro"),
            std::string::npos) << missing.status();
  auto bad_url = ParseConfig(std::string(kMinimal) + "format: avro\nschema_registry:\n  url: localhost:8081\n", "x.yaml");
  ASSERT_FALSE(bad_url.ok());
  EXPECT_NE(std::string(bad_url.status().message()).find("schema_registry.url: must be an http:// or https:// URL"),
            std::string::npos) << bad_url.status();
  auto ok = ParseConfig(std::string(kMinimal) + "format: avro\nschema_registry:\n  url: https://sr.example:8081/api\n"
                        "  user_info: key:s3cret\n", "x.yaml");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->schema_registry.url, "https://sr.example:8081/api");
  EXPECT_EQ(ok->schema_registry.user_info, "key:s3cret");
  auto embedded = ParseConfig(std::string(kMinimal) + "format: avro\nschema_registry:\n  url: embedded\n", "x.yaml");
  ASSERT_TRUE(embedded.ok()) << embedded.status();
  auto bad_secret = ParseConfig(std::string(kMinimal) + "schema_registry:\n  user_info: s3cret\n", "x.yaml");
  ASSERT_FALSE(bad_secret.ok());
  EXPECT_EQ(std::string(bad_secret.status().message()).find("s3cret"), std::string::npos) << bad_secret.status();
}

TEST(Config, ExpandsEnvironmentReferences) {
  setenv("CDCPIPE_TEST_DSN", "host=h password=s3cret", 1);
  auto c = ParseConfig("source:\n  postgres:\n    dsn: ${CDCPIPE_TEST_DSN}\nkafka:\n  bootstrap_servers: a:1,b:2\n", "e.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->postgres.dsn, "host=h password=s3cret");
  auto missing = ParseConfig("source:\n  postgres:\n    dsn: ${CDCPIPE_TEST_UNSET_VAR}\nkafka:\n  bootstrap_servers: embedded\n", "m.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(std::string(missing.status().message()).find("CDCPIPE_TEST_UNSET_VAR"), std::string::npos);
}

TEST(Config, LoadTopicsAreNamesOrOneRegex) {
  const std::string base = "source:\n  postgres:\n    dsn: x\nkafka:\n  bootstrap_servers: embedded\n";
  auto names = ParseConfig(base + "load:\n  topics: [a.b.c, d.e.f]\n", "t.yaml");
  ASSERT_TRUE(names.ok()) << names.status();
  EXPECT_EQ(names->load.topics, (std::vector<std::string>{"a.b.c", "d.e.f"}));
  auto regex = ParseConfig(base + "load:\n  topics: \"^dbz\\\\.public\\\\..*\"\n", "t.yaml");
  ASSERT_TRUE(regex.ok()) << regex.status();
  EXPECT_EQ(regex->load.topics.size(), 1u);
  auto bad = ParseConfig(base + "load:\n  topics: [\"^(\", x]\n", "t.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("load.topics"), std::string::npos);
  auto bad_name = ParseConfig(base + "load:\n  topics: [\"a b\"]\n", "t.yaml");
  EXPECT_FALSE(bad_name.ok());
}

TEST(Config, InvalidYamlNamesTheLocationNotTheContent) {
  auto c = ParseConfig("source: [password=abc\n", "broken.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(std::string(c.status().message()).find("broken.yaml"), std::string::npos);
  EXPECT_EQ(std::string(c.status().message()).find("password=abc"), std::string::npos);
}

}  // namespace
}  // namespace cdc

namespace cdc {
namespace {

TEST(Config, CaptureFiltersKeysAndPlaceholderAreParsedAndCheckedByKey) {
  auto good = ParseConfig(R"(
source:
  postgres:
    dsn: "host=db"
    snapshot: when_needed
    table_exclude_list: ["audit\\..*"]
    column_masks:
      - {columns: ["public\\.users\\.email"], hash_salt: pepper}
      - {columns: ["public\\.users\\.note"], truncate_chars: 10}
    message_key_columns: "public.events:tenant, seq; s.t:x"
    provide_transaction_metadata: "true"
    field_name_adjustment_mode: avro_unicode
    signal_data_collection: ops.debezium_signal
kafka:
  bootstrap_servers: embedded
unavailable_value_placeholder: "__toast__"
)", "good.yaml");
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(good->postgres.snapshot, "when_needed");
  ASSERT_EQ(good->postgres.column_masks.size(), 2u);
  EXPECT_EQ(good->postgres.column_masks[1].truncate_chars, 10);
  EXPECT_EQ(good->postgres.message_key_columns.at(TableId{"public", "events"}),
            (std::vector<std::string>{"tenant", "seq"}));
  EXPECT_EQ(good->unavailable_value_placeholder, "__toast__");
  EXPECT_EQ(good->postgres.field_name_adjustment_mode, "avro_unicode");
  EXPECT_EQ(good->postgres.schema_name_adjustment_mode, "none");
  EXPECT_EQ(good->postgres.signal_table, (TableId{"ops", "debezium_signal"}));

  auto bad = ParseConfig(R"(
source:
  postgres:
    dsn: "host=db"
    snapshot: sometimes
    table_include_list: ["(unclosed"]
    column_masks:
      - {columns: ["a\\.b\\.c"], hash_salt: s, mask_chars: 3}
    message_key_columns: "no_table_part"
    schema_name_adjustment_mode: sanitize
    signal_data_collection: debezium_signal
kafka:
  bootstrap_servers: embedded
)", "bad.yaml");
  ASSERT_FALSE(bad.ok());
  const std::string msg(bad.status().message());
  for (const char* key : {"source.postgres.snapshot", "source.postgres.table_include_list",
                          "source.postgres.column_masks: entry 1: needs exactly one",
                          "source.postgres.message_key_columns", "source.postgres.schema_name_adjustment_mode",
                          "source.postgres.signal_data_collection: 'debezium_signal' is not schema.table"}) {
    EXPECT_NE(msg.find(key), std::string::npos) << "missing " << key << " in\n" << msg;
  }
  EXPECT_EQ(msg.find("hash_salt: s,"), std::string::npos) << "the salt is a secret:\n" << msg;
}

}  // namespace
}  // namespace cdc
