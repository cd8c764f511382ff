#pragma once
// cdcpipe's configuration: one YAML file. Every setting is declared once in
// config.cc (key, type, default, description, secret flag, validator);
// unknown keys and bad values are all reported together, by key path.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/change_event.h"
#include "core/status.h"

namespace cdc {

struct PostgresConfig {
  std::string dsn;
  std::string slot = "cdcpipe";
  std::string publication = "cdcpipe";
  std::vector<TableId> tables;
  std::string snapshot = "initial";  // initial | initial_only | never | always | when_needed
  int snapshot_workers = 2;
  int snapshot_chunk_rows = 100000;
  // Debezium's message.key.columns: event key columns of chosen tables.
  std::map<TableId, std::vector<std::string>> message_key_columns;
  std::string provide_transaction_metadata = "false";  // true | false
  std::vector<std::string> message_prefix_include;  // regexes
  std::vector<std::string> message_prefix_exclude;
  std::vector<std::string> table_include;  // regexes on schema.table; empty: all
  std::vector<std::string> table_exclude;
  std::optional<TableId> signal_table;  // Debezium's signal.data.collection
  std::vector<std::string> column_exclude;  // regexes on schema.table.column
  struct ColumnMask {
    std::vector<std::string> columns;  // regexes on schema.table.column
    std::string hash_salt;             // one of: hash (salted SHA-256),
    int mask_chars = 0;                //   a fixed mask of that many '*',
    int truncate_chars = 0;            //   or the first characters only
  };
  std::vector<ColumnMask> column_masks;
  int status_interval_ms = 1000;
  int heartbeat_interval_ms = 10000;
  int retry_seconds = 120;
  // Debezium's type options (decimal.handling.mode etc.), docs/types.md.
  std::string decimal_handling_mode = "precise";     // precise | double | string
  std::string time_precision_mode = "adaptive";      // adaptive | adaptive_time_microseconds | connect
  std::string binary_handling_mode = "bytes";        // bytes | base64 | base64-url-safe | hex
  std::string interval_handling_mode = "numeric";    // numeric | string
  std::string hstore_handling_mode = "json";         // json | map
  int money_fraction_digits = 2;
  // Debezium's field.name.adjustment.mode / schema.name.adjustment.mode.
  std::string field_name_adjustment_mode = "none";   // none | avro | avro_unicode
  std::string schema_name_adjustment_mode = "none";  // none | avro | avro_unicode
};

struct KafkaConfig {
  std::string bootstrap_servers;  // "embedded" or host:port,...
  std::string topic_prefix = "cdcpipe";
  std::map<std::string, std::string> properties;
  int partitions = 4;
  int replication_factor = -1;
  std::string group_id = "cdcpipe-load";
  bool Embedded() const { return bootstrap_servers == "embedded"; }
};

struct SinkConfig {
  std::string type = "duckdb";
  std::string duckdb_path = "cdcpipe.duckdb";
  int duckdb_checkpoint_mb = 64;
  int duckdb_threads = 1;
  int batch_max_rows = 122880;
  int batch_max_ms = 500;
  int batch_linger_ms = 50;
  int batch_max_mb = 256;
  std::string delete_mode = "hard";  // hard | soft
  std::vector<std::string> append_tables;  // regexes on schema.table loaded as change logs
};

struct LoadConfig {
  std::vector<std::string> topics;  // names, or one regex starting with ^; empty: <prefix>.<schema>.<table>
  std::string dead_letter_topic;    // empty: <prefix>.dlq
  std::string wide_numeric = "varchar";  // varchar (exact text) | double (lossy, counted)
  int consumers = 1;  // members of the consumer group in this process, sharing the DuckDB database
};

struct SchemaRegistryConfig {
  std::string url;        // http(s)://host:port[/prefix], or "embedded" (run only); required with format avro
  std::string user_info;  // "user:password" for basic auth (secret)
};

struct HttpConfig {
  std::string listen = "127.0.0.1:8089";  // empty: no endpoint
};

struct Config {
  PostgresConfig postgres;
  KafkaConfig kafka;
  std::string format = "json";  // json | json_schemaless (JsonConverter schemas.enable) | avro
  SchemaRegistryConfig schema_registry;
  std::string unavailable_value_placeholder = "__debezium_unavailable_value";
  SinkConfig sink;
  LoadConfig load;
  HttpConfig http;
  std::string log_level = "info";
};

/// What a command needs configured: `load` reads Kafka and writes the
/// warehouse, so a load-only deployment (on Debezium's topics, say) has no
/// PostgreSQL to name; `show` reads the warehouse alone.
struct ConfigNeeds {
  bool source = true;  // source.postgres.dsn
  bool kafka = true;   // kafka.bootstrap_servers
};

/// Loads and validates a YAML document; `${NAME}` references are expanded
/// from the environment first. InvalidArgument lists every problem, one per
/// line, each with its key path; secret values never appear.
absl::StatusOr<Config> ParseConfig(const std::string& yaml_text, const std::string& origin, ConfigNeeds needs = {});
absl::StatusOr<Config> LoadConfigFile(const std::string& path, ConfigNeeds needs = {});

/// One line per setting: key, type, default, description (for --help).
std::string DescribeSettings();

}  // namespace cdc
