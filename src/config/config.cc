#include "core/strings.h"
#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace cdc {
namespace {

using Problems = std::vector<std::string>;

enum class Kind { kString, kInt, kStringList, kStringMap };

/// One declared setting. `apply` validates and stores the value, returning an
/// error text (without the value when the setting is secret).
struct Setting {
  std::string key;
  Kind kind;
  std::string default_text;
  std::string description;
  bool secret = false;
  std::function<std::string(const YAML::Node&, Config&)> apply;
};

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kString: return "string";
    case Kind::kInt: return "integer";
    case Kind::kStringList: return "list";
    case Kind::kStringMap: return "map";
  }
  return "";
}

std::function<std::string(const YAML::Node&, Config&)> String(
    std::function<std::string&(Config&)> field, std::vector<std::string> allowed = {}) {
  return [field, allowed](const YAML::Node& n, Config& c) -> std::string {
    if (!n.IsScalar()) return "must be a string";
    const std::string v = n.as<std::string>();
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
      return StrCat("must be one of ", absl::StrJoin(allowed, ", "), " (got '", v, "')");
    }
    field(c) = v;
    return {};
  };
}

// A list of regular expressions, each checked to compile.
std::function<std::string(const YAML::Node&, Config&)> RegexList(std::function<std::vector<std::string>&(Config&)> field) {
  return [field](const YAML::Node& n, Config& c) -> std::string {
    if (!n.IsSequence()) return "must be a list of regular expressions";
    for (const auto& item : n) {
      const std::string pattern = item.IsScalar() ? item.as<std::string>() : "";
      try {
        std::regex check(pattern);
      } catch (const std::regex_error& e) {
        return StrCat("'", pattern, "' is not a valid regular expression: ", e.what());
      }
      field(c).push_back(pattern);
    }
    return {};
  };
}

std::function<std::string(const YAML::Node&, Config&)> Int(std::function<int&(Config&)> field, int min, int max) {
  return [field, min, max](const YAML::Node& n, Config& c) -> std::string {
    int v = 0;
    if (!n.IsScalar() || !absl::SimpleAtoi(n.as<std::string>(), &v)) return "must be an integer";
    if (v < min || v > max) return StrCat("must be between ", min, " and ", max, " (got ", v, ")");
    field(c) = v;
    return {};
  };
}

const std::vector<Setting>& Settings() {
  static const std::vector<Setting> settings = {
      {"source.postgres.dsn", Kind::kString, "", "libpq connection string of the source database", true,
       String([](Config& c) -> std::string& { return c.postgres.dsn; })},
      {"source.postgres.slot", Kind::kString, "cdcpipe", "logical replication slot (created if absent)", false,
       [](const YAML::Node& n, Config& c) -> std::string {
         if (!n.IsScalar()) return "must be a string";
         c.postgres.slot = n.as<std::string>();
         if (!std::regex_match(c.postgres.slot, std::regex("[a-z0-9_]{1,63}"))) {
           return "must be 1-63 characters of a-z, 0-9 and _ (PostgreSQL slot name rules)";
         }
         return {};
       }},
      {"source.postgres.publication", Kind::kString, "cdcpipe", "publication (created if absent)", false,
       String([](Config& c) -> std::string& { return c.postgres.publication; })},
      {"source.postgres.tables", Kind::kStringList, "[] (all tables)", "schema.table names to capture", false,
       [](const YAML::Node& n, Config& c) -> std::string {
         if (!n.IsSequence()) return "must be a list of schema.table names";
         for (const auto& item : n) {
           const std::string t = item.IsScalar() ? item.as<std::string>() : "";
           std::optional<TableId> id = ParseTableId(t);
           if (!id) return StrCat("entry '", t, "' is not schema.table");
           c.postgres.tables.push_back(*std::move(id));
         }
         return {};
       }},
      {"source.postgres.snapshot", Kind::kString, "initial",
       "when existing rows are read: initial (when the slot is created) | initial_only (once, no streaming) | "
       "never | always (at every start) | when_needed (initial, and again if the slot is lost)", false,
       String([](Config& c) -> std::string& { return c.postgres.snapshot; },
              {"initial", "initial_only", "never", "always", "when_needed"})},
      {"source.postgres.snapshot_workers", Kind::kInt, "2", "connections reading snapshot chunks in parallel, and threads serializing their rows", false,
       Int([](Config& c) -> int& { return c.postgres.snapshot_workers; }, 1, 64)},
      {"source.postgres.snapshot_chunk_rows", Kind::kInt, "100000",
       "rows per snapshot chunk (a restart mid-snapshot re-reads at most the chunks not yet durable)", false,
       Int([](Config& c) -> int& { return c.postgres.snapshot_chunk_rows; }, 100, 100000000)},
      {"source.postgres.provide_transaction_metadata", Kind::kString, "false",
       "true: BEGIN/END records on <prefix>.transaction and a transaction block in each streamed event", false,
       String([](Config& c) -> std::string& { return c.postgres.provide_transaction_metadata; }, {"true", "false"})},
      {"source.postgres.message_prefix_include_list", Kind::kStringList, "[] (all)",
       "regexes: logical decoding message prefixes published as op m events on <prefix>.message", false,
       RegexList([](Config& c) -> std::vector<std::string>& { return c.postgres.message_prefix_include; })},
      {"source.postgres.message_prefix_exclude_list", Kind::kStringList, "[]",
       "regexes: logical decoding message prefixes not published (ignored when the include list is set)", false,
       RegexList([](Config& c) -> std::vector<std::string>& { return c.postgres.message_prefix_exclude; })},
      {"source.postgres.table_include_list", Kind::kStringList, "[] (all)",
       "regexes on schema.table: only matching tables are captured (snapshot and stream)", false,
       RegexList([](Config& c) -> std::vector<std::string>& { return c.postgres.table_include; })},
      {"source.postgres.table_exclude_list", Kind::kStringList, "[]",
       "regexes on schema.table: matching tables are not captured", false,
       RegexList([](Config& c) -> std::vector<std::string>& { return c.postgres.table_exclude; })},
      {"source.postgres.signal_data_collection", Kind::kString, "\"\" (none)",
       "schema.table of a Debezium signal table (id, type, data columns): an insert of type execute-snapshot "
       "reads the tables its data names again while streaming (stop-snapshot stops that); the table itself is "
       "not captured", false,
       [](const YAML::Node& n, Config& c) -> std::string {
         const std::string t = n.IsScalar() ? n.as<std::string>() : "";
         if (t.empty()) return {};
         std::optional<TableId> id = ParseTableId(t);
         if (!id) return StrCat("'", t, "' is not schema.table");
         c.postgres.signal_table = *std::move(id);
         return {};
       }},
      {"source.postgres.column_exclude_list", Kind::kStringList, "[]",
       "regexes on schema.table.column: matching columns are left out of events", false,
       RegexList([](Config& c) -> std::vector<std::string>& { return c.postgres.column_exclude; })},
      {"source.postgres.column_masks", Kind::kStringList, "[]",
       "list of {columns: [regex on schema.table.column], and one of hash_salt: S (hex SHA-256 of S + value) | "
       "mask_chars: N (N '*') | truncate_chars: N (first N characters)}", /*secret: the salt*/ true,
       [](const YAML::Node& n, Config& c) -> std::string {
         if (!n.IsSequence()) return "must be a list of {columns: [...], hash_salt | mask_chars | truncate_chars}";
         for (size_t i = 0; i < n.size(); ++i) {
           const YAML::Node& r = n[i];
           const std::string at = StrCat("entry ", i + 1, ": ");
           if (!r.IsMap()) return at + "must be a map";
           PostgresConfig::ColumnMask m;
           int actions = 0;
           for (const auto& kv : r) {
             const std::string k = kv.first.as<std::string>();
             if (k == "columns") {
               if (!kv.second.IsSequence() || kv.second.size() == 0) return at + "columns must be a non-empty list of regexes";
               for (const auto& col : kv.second) {
                 const std::string pattern = col.IsScalar() ? col.as<std::string>() : "";
                 try {
                   std::regex check(pattern);
                 } catch (const std::regex_error& e) {
                   return StrCat(at, "'", pattern, "' is not a valid regular expression: ", e.what());
                 }
                 m.columns.push_back(pattern);
               }
             } else if (k == "hash_salt") {
               if (!kv.second.IsScalar() || kv.second.as<std::string>().empty()) return at + "hash_salt must be a non-empty string";
               m.hash_salt = kv.second.as<std::string>();
               ++actions;
             } else if (k == "mask_chars" || k == "truncate_chars") {
               int v = 0;
               if (!kv.second.IsScalar() || !absl::SimpleAtoi(kv.second.as<std::string>(), &v) || v < 0 || v > 1000000) {
                 return StrCat(at, k, " must be an integer 0..1000000");
               }
               (k == "mask_chars" ? m.mask_chars : m.truncate_chars) = v;
               if (k == "mask_chars" && v == 0) return at + "mask_chars must be at least 1";
               ++actions;
             } else {
               return StrCat(at, "unknown key '", k, "' (columns, hash_salt, mask_chars, truncate_chars)");
             }
           }
           if (m.columns.empty()) return at + "columns is missing";
           if (actions != 1) return at + "needs exactly one of hash_salt, mask_chars, truncate_chars";
           c.postgres.column_masks.push_back(std::move(m));
         }
         return {};
       }},
      {"source.postgres.message_key_columns", Kind::kString, "\"\" (primary keys)",
       "event key columns for tables without a suitable primary key: \"schema.table:col1,col2;schema.other:col\"",
       false,
       [](const YAML::Node& n, Config& c) -> std::string {
         if (!n.IsScalar()) return "must be a string schema.table:col1,col2;...";
         for (absl::string_view entry : absl::StrSplit(n.as<std::string>(), ';', absl::SkipWhitespace())) {
           entry = absl::StripAsciiWhitespace(entry);
           std::vector<absl::string_view> parts = absl::StrSplit(entry, ':');
           std::vector<absl::string_view> name;
           if (parts.size() == 2) name = absl::StrSplit(parts[0], '.');
           std::vector<std::string> columns;
           if (parts.size() == 2) {
             for (absl::string_view col : absl::StrSplit(parts[1], ',', absl::SkipWhitespace())) {
               columns.emplace_back(absl::StripAsciiWhitespace(col));
             }
           }
           if (name.size() != 2 || name[0].empty() || name[1].empty() || columns.empty()) {
             return StrCat("entry '", std::string(entry), "' is not schema.table:column[,column...]");
           }
           c.postgres.message_key_columns[TableId{std::string(name[0]), std::string(name[1])}] = std::move(columns);
         }
         return {};
       }},
      {"source.postgres.status_interval_ms", Kind::kInt, "1000", "standby status update interval", false,
       Int([](Config& c) -> int& { return c.postgres.status_interval_ms; }, 100, 60000)},
      {"source.postgres.heartbeat_interval_ms", Kind::kInt, "10000",
       "heartbeat period (0: off): WAL in the source database plus a __debezium-heartbeat.<prefix> record", false,
       Int([](Config& c) -> int& { return c.postgres.heartbeat_interval_ms; }, 0, 3600000)},
      {"source.postgres.retry_seconds", Kind::kInt, "120",
       "how long capture retries a transient failure to connect before it gives up (0: never retries)", false,
       Int([](Config& c) -> int& { return c.postgres.retry_seconds; }, 0, 86400)},
      {"source.postgres.decimal_handling_mode", Kind::kString, "precise",
       "numeric/money as Debezium's decimal.handling.mode: precise (Connect Decimal; NaN/Infinity stop capture), "
       "double, string", false,
       String([](Config& c) -> std::string& { return c.postgres.decimal_handling_mode; }, {"precise", "double", "string"})},
      {"source.postgres.time_precision_mode", Kind::kString, "adaptive",
       "date/time types as Debezium's time.precision.mode: adaptive, adaptive_time_microseconds, connect", false,
       String([](Config& c) -> std::string& { return c.postgres.time_precision_mode; },
              {"adaptive", "adaptive_time_microseconds", "connect"})},
      {"source.postgres.binary_handling_mode", Kind::kString, "bytes",
       "bytea as Debezium's binary.handling.mode: bytes, base64, base64-url-safe, hex", false,
       String([](Config& c) -> std::string& { return c.postgres.binary_handling_mode; },
              {"bytes", "base64", "base64-url-safe", "hex"})},
      {"source.postgres.interval_handling_mode", Kind::kString, "numeric",
       "interval as Debezium's interval.handling.mode: numeric (MicroDuration, approximate), string (ISO 8601, exact)", false,
       String([](Config& c) -> std::string& { return c.postgres.interval_handling_mode; }, {"numeric", "string"})},
      {"source.postgres.hstore_handling_mode", Kind::kString, "json",
       "hstore as Debezium's hstore.handling.mode: json (io.debezium.data.Json text), map", false,
       String([](Config& c) -> std::string& { return c.postgres.hstore_handling_mode; }, {"json", "map"})},
      {"source.postgres.money_fraction_digits", Kind::kInt, "2",
       "scale of money values (Debezium's money.fraction.digits)", false,
       Int([](Config& c) -> int& { return c.postgres.money_fraction_digits; }, 0, 20)},
      {"source.postgres.field_name_adjustment_mode", Kind::kString, "none",
       "column names in events as Debezium's field.name.adjustment.mode: none, avro (characters Avro names do not "
       "allow become '_'; needed by format avro for such columns), avro_unicode (they become _uXXXX, '_' too); the "
       "warehouse columns take the adjusted names", false,
       String([](Config& c) -> std::string& { return c.postgres.field_name_adjustment_mode; },
              {"none", "avro", "avro_unicode"})},
      {"source.postgres.schema_name_adjustment_mode", Kind::kString, "none",
       "schema names in events (<topic>.Key, .Value, .Envelope) as Debezium's schema.name.adjustment.mode: none, "
       "avro, avro_unicode", false,
       String([](Config& c) -> std::string& { return c.postgres.schema_name_adjustment_mode; },
              {"none", "avro", "avro_unicode"})},
      {"kafka.bootstrap_servers", Kind::kString, "", "\"embedded\" or host:port[,host:port...]", false,
       [](const YAML::Node& n, Config& c) -> std::string {
         if (!n.IsScalar() || n.as<std::string>().empty()) return "must be \"embedded\" or host:port list";
         c.kafka.bootstrap_servers = n.as<std::string>();
         if (c.kafka.Embedded()) return {};
         for (absl::string_view hp_piece : absl::StrSplit(c.kafka.bootstrap_servers, ',')) {
           const std::string hp(hp_piece);
           if (!std::regex_match(hp, std::regex("[A-Za-z0-9_.\\-\\[\\]:]+:[0-9]{1,5}"))) {
             return StrCat("'", hp, "' is not host:port");
           }
         }
         return {};
       }},
      {"kafka.topic_prefix", Kind::kString, "cdcpipe", "topics are <prefix>.<schema>.<table>", false,
       [](const YAML::Node& n, Config& c) -> std::string {
         if (!n.IsScalar()) return "must be a string";
         c.kafka.topic_prefix = n.as<std::string>();
         if (!std::regex_match(c.kafka.topic_prefix, std::regex("[A-Za-z0-9._\\-]{1,200}"))) {
           return "must be 1-200 characters of A-Z, a-z, 0-9, '.', '_' and '-'";
         }
         return {};
       }},
      {"kafka.properties", Kind::kStringMap, "{}", "librdkafka properties passed through", false,
       [](const YAML::Node& n, Config& c) -> std::string {
         if (!n.IsMap()) return "must be a map of librdkafka property: value";
         for (const auto& kv : n) {
           if (!kv.second.IsScalar()) return StrCat("property ", kv.first.as<std::string>(), " must be a scalar");
           c.kafka.properties[kv.first.as<std::string>()] = kv.second.as<std::string>();
         }
         return {};
       }},
      {"kafka.partitions", Kind::kInt, "4", "partitions of topics cdcpipe creates", false,
       Int([](Config& c) -> int& { return c.kafka.partitions; }, 1, 10000)},
      {"kafka.replication_factor", Kind::kInt, "-1 (broker default)", "replication factor of topics cdcpipe creates", false,
       Int([](Config& c) -> int& { return c.kafka.replication_factor; }, -1, 100)},
      {"kafka.group_id", Kind::kString, "cdcpipe-load", "consumer group of load", false,
       String([](Config& c) -> std::string& { return c.kafka.group_id; })},
      {"format", Kind::kString, "json",
       "event format: json (Kafka's JsonConverter with schemas.enable=true: schema and payload in every key and "
       "value) | json_schemaless (schemas.enable=false: the payload alone, ~4x smaller; a consumer must know what "
       "the values mean, load infers column types; needs decimal_handling_mode string or double) | avro "
       "(Confluent's AvroConverter: Confluent-framed Avro, schemas in schema_registry under <topic>-key and "
       "<topic>-value)", false,
       String([](Config& c) -> std::string& { return c.format; }, {"json", "json_schemaless", "avro"})},
      {"schema_registry.url", Kind::kString, "", "Confluent-compatible Schema Registry, http(s)://host:port[/path]; "
       "required with format avro (`cdcpipe registry` serves one); \"embedded\": `cdcpipe run` serves its own, "
       "keeping the schemas in <sink.duckdb.path>.schemas.jsonl", false,
       [](const YAML::Node& n, Config& c) -> std::string {
         if (!n.IsScalar()) return "must be a URL";
         c.schema_registry.url = n.as<std::string>();
         if (c.schema_registry.url != "embedded" &&
             !std::regex_match(c.schema_registry.url, std::regex("https?://[^/\\s]+(/\\S*)?"))) {
           return "must be an http:// or https:// URL, or \"embedded\"";
         }
         return {};
       }},
      {"schema_registry.user_info", Kind::kString, "", "basic-auth credentials user:password for the registry", true,
       [](const YAML::Node& n, Config& c) -> std::string {
         if (!n.IsScalar() || n.as<std::string>().find(':') == std::string::npos) return "must be user:password";
         c.schema_registry.user_info = n.as<std::string>();
         return {};
       }},
      {"unavailable_value_placeholder", Kind::kString, "__debezium_unavailable_value",
       "value written for an unchanged TOASTed column (capture), and recognized as \"keep the stored value\" (load); "
       "Debezium's unavailable.value.placeholder", false,
       [](const YAML::Node& n, Config& c) -> std::string {
         if (!n.IsScalar() || n.as<std::string>().empty()) return "must be a non-empty string";
         c.unavailable_value_placeholder = n.as<std::string>();
         return {};
       }},
      {"sink.type", Kind::kString, "duckdb", "warehouse: duckdb", false,
       String([](Config& c) -> std::string& { return c.sink.type; }, {"duckdb"})},
      {"sink.duckdb.path", Kind::kString, "cdcpipe.duckdb", "DuckDB database file", false,
       String([](Config& c) -> std::string& { return c.sink.duckdb_path; })},
      {"sink.duckdb.checkpoint_mb", Kind::kInt, "64",
       "DuckDB checkpoints once its write-ahead log is this large (DuckDB's own default: 16)", false,
       Int([](Config& c) -> int& { return c.sink.duckdb_checkpoint_mb; }, 1, 65536)},
      {"sink.duckdb.threads", Kind::kInt, "1",
       "DuckDB worker threads of load (0: DuckDB's default, one per core)", false,
       Int([](Config& c) -> int& { return c.sink.duckdb_threads; }, 0, 1024)},
      {"sink.batch.max_rows", Kind::kInt, "122880",
       "rows per warehouse transaction at most (default: one DuckDB row group, which DuckDB writes to the database "
       "file directly instead of through its WAL)", false,
       Int([](Config& c) -> int& { return c.sink.batch_max_rows; }, 1, 10000000)},
      {"sink.batch.max_mb", Kind::kInt, "256",
       "MiB of decoded rows (memory, not message bytes) per warehouse transaction at most",
       false, Int([](Config& c) -> int& { return c.sink.batch_max_mb; }, 1, 4096)},
      {"sink.batch.max_ms", Kind::kInt, "500", "longest wait before a batch is applied", false,
       Int([](Config& c) -> int& { return c.sink.batch_max_ms; }, 1, 3600000)},
      {"sink.batch.linger_ms", Kind::kInt, "50",
       "once the warehouse is free, a batch this old is applied as soon as Kafka has nothing more buffered "
       "(>= max_ms: only max_ms and the sizes count)", false,
       Int([](Config& c) -> int& { return c.sink.batch_linger_ms; }, 0, 3600000)},
      {"sink.delete_mode", Kind::kString, "hard", "hard: delete rows; soft: keep them with _cdc_deleted = true", false,
       String([](Config& c) -> std::string& { return c.sink.delete_mode; }, {"hard", "soft"})},
      {"sink.append_tables", Kind::kStringList, "[]",
       "regexes on schema.table: matching tables are loaded as change logs (a row per event, TRUNCATE "
       "recorded) instead of upserted; tables without a key always are", false,
       RegexList([](Config& c) -> std::vector<std::string>& { return c.sink.append_tables; })},
      {"load.topics", Kind::kStringList, "[] (every <prefix>.<schema>.<table>)",
       "topics load consumes: names, or one regex starting with ^", false,
       [](const YAML::Node& n, Config& c) -> std::string {
         if (n.IsScalar()) {
           c.load.topics = {n.as<std::string>()};
         } else if (n.IsSequence()) {
           for (const auto& item : n) {
             if (!item.IsScalar() || item.as<std::string>().empty()) return "entries must be topic names";
             c.load.topics.push_back(item.as<std::string>());
           }
         } else {
           return "must be a topic name, a list of names, or one regex starting with ^";
         }
         for (const auto& t : c.load.topics) {
           if (t.starts_with("^")) {
             if (c.load.topics.size() > 1) return "a regex (starting with ^) must be the only entry";
             try {
               std::regex check(t);
             } catch (const std::regex_error&) {
               return StrCat("'", t, "' is not a valid regex");
             }
           } else if (!std::regex_match(t, std::regex("[A-Za-z0-9._\\-]{1,249}"))) {
             return StrCat("'", t, "' is not a valid topic name");
           }
         }
         return {};
       }},
      {"load.dead_letter_topic", Kind::kString, "<prefix>.dlq", "where undecodable messages go, with headers", false,
       String([](Config& c) -> std::string& { return c.load.dead_letter_topic; })},
      {"load.consumers", Kind::kInt, "1",
       "consumers of the group in this process, each applying its partitions in its own DuckDB transactions "
       "(DuckDB allows one writing process, so scale-out on DuckDB is within one process)", false,
       Int([](Config& c) -> int& { return c.load.consumers; }, 1, 64)},
      {"load.wide_numeric", Kind::kString, "varchar",
       "numerics DuckDB's DECIMAL cannot hold (over 38 digits, unconstrained): varchar (exact text) or double "
       "(rounded; each value counted in cdcpipe_load_lossy_values_total)", false,
       String([](Config& c) -> std::string& { return c.load.wide_numeric; }, {"varchar", "double"})},
      {"http.listen", Kind::kString, "127.0.0.1:8089", "host:port of the status/metrics endpoint (empty: off)", false,
       [](const YAML::Node& n, Config& c) -> std::string {
         if (!n.IsScalar()) return "must be host:port";
         c.http.listen = n.as<std::string>();
         if (!c.http.listen.empty() && !std::regex_match(c.http.listen, std::regex("[A-Za-z0-9_.\\-]+:[0-9]{1,5}"))) {
           return StrCat("'", c.http.listen, "' is not host:port");
         }
         return {};
       }},
      {"log.level", Kind::kString, "info", "debug | info | warn | error", false,
       String([](Config& c) -> std::string& { return c.log_level; }, {"debug", "info", "warn", "error"})},
  };
  return settings;
}

// ${NAME} -> environment value; a missing variable is a problem (named).
std::string ExpandEnv(const std::string& text, Problems& problems) {
  static const std::regex ref("\\$\\{([A-Za-z_][A-Za-z0-9_]*)\\}");
  std::string out;
  auto begin = std::sregex_iterator(text.begin(), text.end(), ref);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    out.append(text, last, static_cast<size_t>(it->position()) - last);
    const std::string name = (*it)[1].str();
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) {
      problems.push_back(StrCat("environment variable ", name, " is referenced but not set"));
    } else {
      out += value;
    }
    last = static_cast<size_t>(it->position() + it->length());
  }
  out.append(text, last);
  return out;
}

void Walk(const YAML::Node& node, const std::string& path, Config& config, Problems& problems,
          std::set<std::string>& seen) {
  for (const auto& s : Settings()) {
    if (s.key == path) {
      seen.insert(path);
      std::string err = s.apply(node, config);
      if (!err.empty()) problems.push_back(StrCat(path, ": ", err));
      return;
    }
  }
  if (node.IsMap()) {
    bool prefix = path.empty();
    for (const auto& s : Settings()) prefix = prefix || absl::StartsWith(s.key, path + ".");
    if (prefix) {
      for (const auto& kv : node) {
        const std::string key = kv.first.as<std::string>();
        Walk(kv.second, path.empty() ? key : path + "." + key, config, problems, seen);
      }
      return;
    }
  }
  if (node.IsNull() && !path.empty()) {
    problems.push_back(StrCat(path, ": has no value"));
    return;
  }
  problems.push_back(StrCat(path, ": unknown key"));
}

}  // namespace

absl::StatusOr<Config> ParseConfig(const std::string& yaml_text, const std::string& origin, ConfigNeeds needs) {
  Problems problems;
  const std::string expanded = ExpandEnv(yaml_text, problems);
  YAML::Node root;
  try {
    root = YAML::Load(expanded);
  } catch (const YAML::Exception& e) {
    // The message quotes a location, not the (possibly secret) content.
    return absl::InvalidArgumentError(StrCat(origin, ": not valid YAML at line ", e.mark.line + 1,
                                                   ", column ", e.mark.column + 1));
  }
  Config config;
  std::set<std::string> seen;
  if (!root.IsMap()) {
    problems.push_back("the document must be a map of sections (source, kafka, sink, ...)");
  } else {
    Walk(root, "", config, problems, seen);
  }
  if (needs.source && !seen.contains("source.postgres.dsn")) problems.push_back("source.postgres.dsn: required");
  if (needs.kafka && !seen.contains("kafka.bootstrap_servers")) {
    problems.push_back("kafka.bootstrap_servers: required");
  }
  if (config.format == "json_schemaless" && config.postgres.decimal_handling_mode == "precise") {
    // A precise decimal is its unscaled bytes; the scale is in the schema only.
    problems.push_back("format: json_schemaless writes no schema, so a decimal in decimal_handling_mode precise "
                       "(base64 of its unscaled bytes) would lose its scale; set "
                       "source.postgres.decimal_handling_mode to string (exact) or double");
  }
  if (config.format == "avro" && config.schema_registry.url.empty()) {
    problems.push_back("schema_registry.url: required with format avro (run `cdcpipe registry` if none is deployed)");
  }
  if (!problems.empty()) {
    return absl::InvalidArgumentError(StrCat("invalid configuration in ", origin, ":\n  ",
                                                   absl::StrJoin(problems, "\n  ")));
  }
  return config;
}

absl::StatusOr<Config> LoadConfigFile(const std::string& path, ConfigNeeds needs) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(StrCat("cannot read config file ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseConfig(ss.str(), path, needs);
}

std::string DescribeSettings() {
  std::string out;
  for (const auto& s : Settings()) {
    StrAppend(&out, "  ", s.key, " (", KindName(s.kind), s.secret ? ", secret" : "", ", default ",
                    s.default_text.empty() ? "none" : s.default_text, "): ", s.description, "\n");
  }
  return out;
}

}  // namespace cdc
