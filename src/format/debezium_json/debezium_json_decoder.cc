#include "core/strings.h"
#include "format/debezium_json/debezium_json_decoder.h"

#include <simdjson.h>

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "format/debezium_json/debezium_json_serializer.h"

namespace cdc::debezium {

namespace {

using simdjson::dom::element;
using simdjson::dom::object;

enum class Encoding : uint8_t {
  kPlain,           // JSON scalar as is
  kDecimal,         // base64 unscaled bytes, scale from schema
  kVariableDecimal, // {scale, value}
  kMillisToMicros,  // io.debezium.time.Timestamp / Time
  kNanosToMicros,
  kBase64,          // bytes
};

struct FieldDecoding {
  ColumnType type;
  Encoding encoding = Encoding::kPlain;
  int scale = 0;
};

struct TableDecoding {
  std::shared_ptr<WarehouseTable> table;
  std::vector<FieldDecoding> fields;
};

std::string_view StringOr(element e, std::string_view key, std::string_view fallback = {}) {
  std::string_view out;
  if (e[key].get(out) == simdjson::SUCCESS) return out;
  return fallback;
}

FieldDecoding MapField(element field, WarehouseColumn& col) {
  const std::string_view type = StringOr(field, "type");
  const std::string_view name = StringOr(field, "name");
  FieldDecoding d{ColumnType::kText};
  if (name == "org.apache.kafka.connect.data.Decimal") {
    int64_t scale = 0, precision = 0;
    absl::SimpleAtoi(Piece(StringOr(field["parameters"], "scale", "0")), &scale);
    const bool has_precision =
        absl::SimpleAtoi(Piece(StringOr(field["parameters"], "connect.decimal.precision")), &precision);
    d.encoding = Encoding::kDecimal;
    d.scale = static_cast<int>(scale);
    // DuckDB DECIMAL holds up to 38 digits; wider values stay exact as text.
    if (has_precision && precision >= 1 && precision <= 38 && scale >= 0 && scale <= precision) {
      d.type = ColumnType::kDecimal;
      col.precision = static_cast<int>(precision);
      col.scale = static_cast<int>(scale);
    } else {
      d.type = ColumnType::kText;
    }
  } else if (name == "io.debezium.data.VariableScaleDecimal") {
    d = {ColumnType::kText, Encoding::kVariableDecimal};
  } else if (name == "io.debezium.time.Date" || name == "org.apache.kafka.connect.data.Date") {
    d.type = ColumnType::kDate;
  } else if (name == "io.debezium.time.MicroTimestamp") {
    d.type = ColumnType::kTimestamp;
  } else if (name == "io.debezium.time.Timestamp" || name == "org.apache.kafka.connect.data.Timestamp") {
    d = {ColumnType::kTimestamp, Encoding::kMillisToMicros};
  } else if (name == "io.debezium.time.NanoTimestamp") {
    d = {ColumnType::kTimestamp, Encoding::kNanosToMicros};
  } else if (name == "io.debezium.time.ZonedTimestamp") {
    d.type = ColumnType::kTimestampTz;
  } else if (name == "io.debezium.time.MicroTime") {
    d.type = ColumnType::kTime;
  } else if (name == "io.debezium.time.Time") {
    d = {ColumnType::kTime, Encoding::kMillisToMicros};
  } else if (name == "io.debezium.data.Json") {
    d.type = ColumnType::kJson;
  } else if (name == "io.debezium.data.Uuid") {
    d.type = ColumnType::kUuid;
  } else if (type == "boolean") {
    d.type = ColumnType::kBoolean;
  } else if (type == "int8" || type == "int16") {
    d.type = ColumnType::kInt16;
  } else if (type == "int32") {
    d.type = ColumnType::kInt32;
  } else if (type == "int64") {
    d.type = ColumnType::kInt64;
  } else if (type == "float") {
    d.type = ColumnType::kFloat;
  } else if (type == "double") {
    d.type = ColumnType::kDouble;
  } else if (type == "bytes") {
    d = {ColumnType::kBlob, Encoding::kBase64};
  } else {
    d.type = ColumnType::kText;  // strings; struct/array/map kept as JSON text
  }
  col.type = d.type;
  return d;
}

absl::StatusOr<Value> DecodeValue(element v, const FieldDecoding& f, std::string_view placeholder) {
  if (v.is_null()) return Value::Null();
  switch (f.encoding) {
    case Encoding::kDecimal: {
      std::string_view b64;
      if (v.get(b64) != simdjson::SUCCESS) return absl::InvalidArgumentError("decimal is not a base64 string");
      std::string raw;
      if (!absl::Base64Unescape(Piece(b64), &raw)) return absl::InvalidArgumentError("decimal is not valid base64");
      return Value::Text(DecimalTextFromUnscaled(raw, f.scale));
    }
    case Encoding::kVariableDecimal: {
      int64_t scale;
      std::string_view b64;
      std::string raw;
      if (v["scale"].get(scale) != simdjson::SUCCESS || v["value"].get(b64) != simdjson::SUCCESS ||
          !absl::Base64Unescape(Piece(b64), &raw) || scale < 0 || scale > 1000) {
        return absl::InvalidArgumentError("malformed VariableScaleDecimal");
      }
      return Value::Text(DecimalTextFromUnscaled(raw, static_cast<int>(scale)));
    }
    case Encoding::kMillisToMicros:
    case Encoding::kNanosToMicros: {
      int64_t n;
      if (v.get(n) != simdjson::SUCCESS) return absl::InvalidArgumentError("time value is not an integer");
      return Value::Int(f.encoding == Encoding::kMillisToMicros ? n * 1000 : n / 1000);
    }
    case Encoding::kBase64: {
      std::string_view b64;
      std::string raw;
      if (v.get(b64) != simdjson::SUCCESS || !absl::Base64Unescape(Piece(b64), &raw)) {
        if (b64 == placeholder) return Value::Unchanged();
        return absl::InvalidArgumentError("bytes value is not base64");
      }
      return Value::Text(std::move(raw));
    }
    case Encoding::kPlain:
      break;
  }
  switch (v.type()) {
    case simdjson::dom::element_type::BOOL:
      return Value::Bool(v.get_bool().value_unsafe());
    case simdjson::dom::element_type::INT64:
      return Value::Int(v.get_int64().value_unsafe());
    case simdjson::dom::element_type::UINT64:
      return Value::Int(static_cast<int64_t>(v.get_uint64().value_unsafe()));
    case simdjson::dom::element_type::DOUBLE:
      return Value::Double(v.get_double().value_unsafe());
    case simdjson::dom::element_type::STRING: {
      std::string_view s = v.get_string().value_unsafe();
      if (s == placeholder) return Value::Unchanged();
      return Value::Text(std::string(s));
    }
    default:
      return Value::Text(simdjson::minify(v));
  }
}

constexpr std::string_view kSchemaPrefix = "{\"schema\":";
constexpr std::string_view kPayloadMarker = ",\"payload\":";

/// The raw text of the schema in {"schema":...,"payload":...}, or "" when the
/// message is not laid out that way. A schema cannot contain the marker: its
/// strings follow ':' and '[' (e.g. "field":"payload"), never ','.
std::string_view RawSchema(std::string_view message) {
  if (!message.starts_with(kSchemaPrefix) || !message.ends_with("}")) return {};
  const size_t marker = message.find(kPayloadMarker);
  if (marker == std::string_view::npos) return {};
  return message.substr(kSchemaPrefix.size(), marker - kSchemaPrefix.size());
}

}  // namespace

struct DebeziumJsonDecoder::Impl {
  DecoderOptions options;
  simdjson::dom::parser parser;
  simdjson::dom::parser key_parser;
  simdjson::dom::parser schema_parser;
  // Keyed by the raw text of the value and key schemas: same bytes, same table.
  std::unordered_map<std::string, std::shared_ptr<TableDecoding>> tables;
  // The table of the previous message and the raw schemas it came with.
  std::shared_ptr<TableDecoding> last_table;
  std::string last_key_schema, last_value_schema;

  /// Builds the decoding of a table from its schemas and caches it under
  /// `cache_key` (not cached when empty).
  absl::StatusOr<std::shared_ptr<TableDecoding>> TableFor(element value_schema, const element* key_schema,
                                                          const std::string& cache_key, const TableId& id) {
    simdjson::dom::array fields;
    if (value_schema["fields"].get(fields) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError("envelope schema has no fields");
    }
    element row_schema;
    bool found = false;
    for (element f : fields) {
      if (StringOr(f, "field") == "after") {
        row_schema = f;
        found = true;
      }
    }
    if (!found) return absl::InvalidArgumentError("envelope schema has no 'after' field");
    std::vector<std::string> key_names;
    simdjson::dom::array key_fields;
    if (key_schema && (*key_schema)["fields"].get(key_fields) == simdjson::SUCCESS) {
      for (element kf : key_fields) key_names.emplace_back(StringOr(kf, "field"));
    }
    auto t = std::make_shared<TableDecoding>();
    t->table = std::make_shared<WarehouseTable>();
    t->table->id = id;
    simdjson::dom::array columns;
    if (row_schema["fields"].get(columns) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError("row schema has no fields");
    }
    for (element c : columns) {
      WarehouseColumn col;
      col.name = StringOr(c, "field");
      col.key = std::find(key_names.begin(), key_names.end(), col.name) != key_names.end();
      t->fields.push_back(MapField(c, col));
      t->table->columns.push_back(std::move(col));
    }
    if (tables.size() > 10000) tables.clear();  // bound memory under schema churn
    if (!cache_key.empty()) tables[cache_key] = t;
    return t;
  }

  absl::StatusOr<std::optional<RowChange>> Decode(const IncomingMessage& m) {
    if (!m.value) return std::nullopt;  // tombstone
    // JsonConverter writes {"schema":<schema>,"payload":<payload>}. The raw
    // schema text identifies the table's shape, so once it is cached only the
    // payload needs parsing (the schema is usually the larger part).
    const std::string_view raw = *m.value;
    const std::string_view value_schema_text = RawSchema(raw);
    const std::string_view key_schema_text = m.key ? RawSchema(*m.key) : std::string_view();
    std::shared_ptr<TableDecoding> table;
    std::string cache_key;
    if (!value_schema_text.empty()) {
      // Consecutive messages mostly share a table: compare with the last
      // one before building a map key (a few KB) for every message.
      if (last_table && key_schema_text == last_key_schema && value_schema_text == last_value_schema) {
        table = last_table;
      } else {
        cache_key = StrCat(key_schema_text, "\n", value_schema_text);
        if (auto cached = tables.find(cache_key); cached != tables.end()) table = cached->second;
      }
    }
    element payload;
    if (table) {
      const std::string_view payload_text = raw.substr(value_schema_text.size() + kSchemaPrefix.size() + kPayloadMarker.size(),
                                                        raw.size() - value_schema_text.size() - kSchemaPrefix.size() -
                                                            kPayloadMarker.size() - 1);
      if (auto err = parser.parse(payload_text.data(), payload_text.size()).get(payload); err) {
        return absl::InvalidArgumentError(StrCat("payload is not JSON: ", simdjson::error_message(err)));
      }
    }

    element schema;
    bool have_schema = false;
    if (!table) {
      element doc;
      if (auto err = parser.parse(raw.data(), raw.size()).get(doc); err) {
        return absl::InvalidArgumentError(StrCat("value is not JSON: ", simdjson::error_message(err)));
      }
      if (doc["schema"].get(schema) != simdjson::SUCCESS || doc["payload"].get(payload) != simdjson::SUCCESS) {
        return absl::InvalidArgumentError(
            "value has no schema/payload: JsonConverter with schemas.enable=true is required");
      }
      have_schema = true;
    }
    std::string_view op;
    if (payload["op"].get(op) != simdjson::SUCCESS || op.size() != 1) {
      return absl::InvalidArgumentError("payload has no 'op'");
    }
    if (op != "c" && op != "u" && op != "d" && op != "r" && op != "t") return std::nullopt;  // m: not a row
    element source;
    const bool has_source = payload["source"].get(source) == simdjson::SUCCESS && source.is_object();
    TableId id;
    if (has_source) id = {std::string(StringOr(source, "schema")), std::string(StringOr(source, "table"))};
    if (id.schema.empty() || id.table.empty()) {
      // No source block naming the table: <prefix>.<schema>.<table> topic.
      const size_t last = m.source.topic.rfind('.');
      const size_t before = last == std::string::npos || last == 0 ? std::string::npos : m.source.topic.rfind('.', last - 1);
      if (before == std::string::npos) {
        return absl::InvalidArgumentError("neither the source block nor the topic name (<prefix>.<schema>.<table>) names the table");
      }
      id = {m.source.topic.substr(before + 1, last - before - 1), m.source.topic.substr(last + 1)};
    }
    if (table && table->table->id != id) table.reset();  // same shape, another table: no shortcut

    if (!table) {
      if (!have_schema) {
        // Shortcut taken but the table differs: parse the whole document.
        element doc;
        if (auto err = schema_parser.parse(raw.data(), raw.size()).get(doc); err || doc["schema"].get(schema) != simdjson::SUCCESS) {
          return absl::InvalidArgumentError("value has no schema");
        }
      }
      element key_schema;
      const bool have_key_schema = m.key.has_value();
      if (m.key) {
        element key_doc;
        if (auto err = key_parser.parse(*m.key).get(key_doc); err) {
          return absl::InvalidArgumentError(StrCat("key is not JSON: ", simdjson::error_message(err)));
        }
        if (key_doc["schema"].get(key_schema) != simdjson::SUCCESS) {
          return absl::InvalidArgumentError("key has no schema");
        }
      }
      if (!value_schema_text.empty() && cache_key.empty()) cache_key = StrCat(key_schema_text, "\n", value_schema_text);
      CDC_ASSIGN_OR_RETURN(table, TableFor(schema, have_key_schema ? &key_schema : nullptr, cache_key, id));
    }
    if (!value_schema_text.empty() && table != last_table) {
      last_table = table;
      last_key_schema = key_schema_text;
      last_value_schema = value_schema_text;
    }

    RowChange change;
    change.table = table->table;
    change.op = static_cast<Op>(op[0]);
    element row;
    const char* row_field = change.op == Op::kDelete ? "before" : "after";
    if (change.op == Op::kTruncate) {
      change.values.assign(table->table->columns.size(), Value::Null());
      row_field = nullptr;
    }
    if (row_field && (payload[row_field].get(row) != simdjson::SUCCESS || row.is_null())) {
      return absl::InvalidArgumentError(StrCat("op '", op, "' without '", row_field, "'"));
    }
    std::vector<std::string> unchanged;
    for (const auto& [k, v] : m.headers) {
      if (k == kUnchangedColumnsHeader) unchanged = absl::StrSplit(v, ',');
    }
    const auto& cols = table->table->columns;
    change.values.reserve(cols.size());
    for (size_t i = 0; row_field && i < cols.size(); ++i) {
      if (std::find(unchanged.begin(), unchanged.end(), cols[i].name) != unchanged.end()) {
        change.values.push_back(Value::Unchanged());
        continue;
      }
      element v;
      if (row[cols[i].name].get(v) != simdjson::SUCCESS) {
        change.values.push_back(Value::Null());
        continue;
      }
      auto value = DecodeValue(v, table->fields[i], options.unavailable_value_placeholder);
      if (!value.ok()) {
        return absl::InvalidArgumentError(StrCat("column ", cols[i].name, ": ", value.status().message()));
      }
      change.values.push_back(std::move(*value));
    }

    int64_t lsn = 0;
    if (!has_source || source["lsn"].get(lsn) != simdjson::SUCCESS) lsn = 0;
    int64_t commit = lsn;
    std::string_view sequence;
    if (has_source && source["sequence"].get(sequence) == simdjson::SUCCESS) {
      // "[\"<commit lsn>\",\"<lsn>\"]": the first entry orders transactions.
      const size_t open = sequence.find('"');
      const size_t close = open == std::string_view::npos ? open : sequence.find('"', open + 1);
      int64_t parsed;
      if (close != std::string_view::npos && absl::SimpleAtoi(Piece(sequence.substr(open + 1, close - open - 1)), &parsed)) {
        commit = parsed;
      }
    }
    change.version = Version{Lsn{static_cast<uint64_t>(commit)},
                             Lsn{change.op == Op::kRead ? 0 : static_cast<uint64_t>(lsn)}};
    int64_t ts_ms = 0;
    if (!has_source || source["ts_ms"].get(ts_ms) != simdjson::SUCCESS) ts_ms = 0;
    change.source_ts_ms = ts_ms;
    return change;
  }
};

DebeziumJsonDecoder::DebeziumJsonDecoder(DecoderOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}
DebeziumJsonDecoder::~DebeziumJsonDecoder() = default;

absl::StatusOr<std::optional<RowChange>> DebeziumJsonDecoder::Decode(const IncomingMessage& m) {
  auto r = impl_->Decode(m);
  if (!r.ok()) {
    return absl::InvalidArgumentError(StrCat("topic ", m.source.topic, " partition ", m.source.partition,
                                                   " offset ", m.offset, ": ", r.status().message()));
  }
  return r;
}

}  // namespace cdc::debezium
