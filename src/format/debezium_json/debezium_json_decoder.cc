#include "core/strings.h"
#include "format/debezium_json/debezium_json_decoder.h"

#include <simdjson.h>

#include <algorithm>
#include <map>

#include "absl/functional/function_ref.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "format/debezium_json/debezium_json_serializer.h"
#include "format/debezium_json/field_decoding.h"

namespace cdc::debezium {

namespace {

// kSnapshotChunkHeader's value: "<chunk>@<read time, µs>".
absl::StatusOr<SnapshotChunkRead> ParseSnapshotChunkRead(std::string_view v) {
  const size_t at = v.find('@');
  SnapshotChunkRead read;
  if (at == std::string_view::npos || !absl::SimpleAtoi(Piece(v.substr(0, at)), &read.chunk) ||
      !absl::SimpleAtoi(Piece(v.substr(at + 1)), &read.read_time_us)) {
    return absl::InvalidArgumentError(StrCat("header ", kSnapshotChunkHeader, ": '", v, "' is not <chunk>@<read time>"));
  }
  return read;
}

using simdjson::dom::element;
using simdjson::dom::object;

struct TableDecoding {
  std::shared_ptr<WarehouseTable> table;
  std::vector<FieldDecoding> fields;
};

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

/// A message's raw schema, and whether it is the one expected.
struct SchemaText {
  std::string_view text;  // "" when the message is not {"schema":...,"payload":...}
  bool expected = false;
};

/// RawSchema, checked first against the schema `expected` (the previous
/// message's): one comparison instead of a search through the schema text
/// for the marker, which a schema cannot contain. Its answer says whether
/// that comparison matched, so that the schema is compared once.
SchemaText RawSchema(std::string_view message, std::string_view expected) {
  if (!expected.empty() && message.size() > kSchemaPrefix.size() + expected.size() + kPayloadMarker.size() &&
      message.starts_with(kSchemaPrefix) && message.ends_with("}") &&
      message.substr(kSchemaPrefix.size(), expected.size()) == expected &&
      message.substr(kSchemaPrefix.size() + expected.size(), kPayloadMarker.size()) == kPayloadMarker) {
    return {message.substr(kSchemaPrefix.size(), expected.size()), true};
  }
  // Not `expected`: had this text been it, the comparison above would have
  // matched.
  return {RawSchema(message), false};
}

// Records on data topics' neighbours that carry no row: Debezium's heartbeat
// ({ts_ms}, spec/02 §7) and transaction metadata ({status, id, ...}, §8),
// recognised by their schema name or, without a schema, by their fields.
bool IsMetadataRecord(element payload, const element* schema) {
  if (schema) {
    const std::string_view name = StringOr(*schema, "name");
    return name == "io.debezium.connector.common.Heartbeat" ||
           name == "io.debezium.connector.common.TransactionMetadataValue";
  }
  simdjson::dom::object fields;
  if (payload.get(fields) != simdjson::SUCCESS) return false;
  std::string_view status;
  if (payload["status"].get(status) == simdjson::SUCCESS && (status == "BEGIN" || status == "END") &&
      payload["id"].error() == simdjson::SUCCESS) {
    return true;
  }
  int64_t ts;
  return fields.size() == 1 && payload["ts_ms"].get(ts) == simdjson::SUCCESS;
}

/// What the decoder takes from an envelope's source block.
struct SourceFields {
  std::string_view schema, table;
  int64_t lsn = 0;
  int64_t ts_ms = 0;
  std::string_view sequence;  // as text: "[\"<first>\",\"<lsn>\"]"
};

/// The source block's fields, in one pass over it (it has about fifteen).
SourceFields ReadSource(element source) {
  SourceFields out;
  simdjson::dom::object fields;
  if (source.get(fields) != simdjson::SUCCESS) return out;
  for (auto [key, value] : fields) {
    if (key == "schema") {
      if (value.get(out.schema) != simdjson::SUCCESS) out.schema = {};
    } else if (key == "table") {
      if (value.get(out.table) != simdjson::SUCCESS) out.table = {};
    } else if (key == "lsn") {
      if (value.get(out.lsn) != simdjson::SUCCESS) out.lsn = 0;
    } else if (key == "ts_ms") {
      if (value.get(out.ts_ms) != simdjson::SUCCESS) out.ts_ms = 0;
    } else if (key == "sequence") {
      if (value.get(out.sequence) != simdjson::SUCCESS) out.sequence = {};
    }
  }
  return out;
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
  // Schemaless envelopes: the inferred decoding of each table, kept so that
  // a table's column types do not change from one message to the next.
  std::map<std::pair<std::string, std::string>, std::shared_ptr<TableDecoding>> inferred;
  // The decoding of each table's latest row event. A TRUNCATE has a null key
  // and hence no key schema: it takes this one, so that it does not look
  // like an event of a keyless table.
  std::map<TableId, std::shared_ptr<TableDecoding>> row_tables;
  std::shared_ptr<TableDecoding> last_row_table;  // saves the map lookup while the table repeats
  // DecodePayload's tables, by the caller's id of their key and value schemas.
  std::unordered_map<uint64_t, std::shared_ptr<TableDecoding>> tables_by_id;
  std::shared_ptr<TableDecoding> last_by_id;
  uint64_t last_schemas_id = 0;
  std::string placeholder_base64;  // set with the options

  /// The decoding of a schemaless table: the columns of `row` (an object),
  /// typed by their first non-null value; key columns are the fields of the
  /// key document. A row with a column not seen before extends the table.
  absl::StatusOr<std::shared_ptr<TableDecoding>> InferredTableFor(const TableId& id, element row, const std::optional<std::string>& key) {
    simdjson::dom::object fields;
    if (row.get(fields) != simdjson::SUCCESS) return absl::InvalidArgumentError("row is not a JSON object");
    auto& slot = inferred[{id.schema, id.table}];
    bool complete = slot != nullptr;
    for (auto field : fields) {
      if (!complete) break;
      bool known = false;
      for (const auto& c : slot->table->columns) known = known || c.name == field.key;
      complete = known;
    }
    if (complete) return slot;
    std::vector<std::string> key_names;
    if (key) {
      element key_doc;
      simdjson::dom::object key_fields;
      if (key_parser.parse(*key).get(key_doc) != simdjson::SUCCESS || key_doc.get(key_fields) != simdjson::SUCCESS) {
        return absl::InvalidArgumentError("key is not a JSON object");
      }
      for (auto kf : key_fields) key_names.emplace_back(kf.key);
    }
    auto t = std::make_shared<TableDecoding>();
    t->table = std::make_shared<WarehouseTable>();
    t->table->id = id;
    if (slot) {
      *t->table = *slot->table;
      t->fields = slot->fields;
    }
    for (auto field : fields) {
      bool known = false;
      for (const auto& c : t->table->columns) known = known || c.name == field.key;
      if (known) continue;
      WarehouseColumn col;
      col.name = std::string(field.key);
      col.key = std::find(key_names.begin(), key_names.end(), col.name) != key_names.end();
      col.type = InferredType(field.value);
      t->fields.push_back(Decoding(col.type, Encoding::kInferred));
      t->table->columns.push_back(std::move(col));
    }
    if (inferred.size() > 10000) inferred.clear();  // bound memory
    inferred[{id.schema, id.table}] = t;
    return t;
  }

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
      t->fields.push_back(MapField(c, col, options.wide_numeric_as_double));
      t->table->columns.push_back(std::move(col));
    }
    if (tables.size() > 10000) tables.clear();  // bound memory under schema churn
    if (!cache_key.empty()) tables[cache_key] = t;
    return t;
  }

  /// The table an envelope is about: its source block's, else its topic's
  /// (<prefix>.<schema>.<table>). Reuses the id of `known` when it names
  /// the same table (the usual case: no strings built).
  absl::StatusOr<TableId> TableOf(const IncomingMessage& m, const SourceFields& src, const TableDecoding* known) {
    if (known && known->table->id.schema == src.schema && known->table->id.table == src.table && !src.table.empty()) {
      return known->table->id;
    }
    TableId id{std::string(src.schema), std::string(src.table)};
    if (id.schema.empty() || id.table.empty()) {
      const size_t last = m.source.topic.rfind('.');
      const size_t before = last == std::string::npos || last == 0 ? std::string::npos : m.source.topic.rfind('.', last - 1);
      if (before == std::string::npos) {
        return absl::InvalidArgumentError("neither the source block nor the topic name (<prefix>.<schema>.<table>) names the table");
      }
      id = {m.source.topic.substr(before + 1, last - before - 1), m.source.topic.substr(last + 1)};
    }
    return id;
  }

  /// The op letter of a row event, or "" for a record that carries no row
  /// (metadata, logical decoding messages). `schema_of` gives the value's
  /// schema, if any, which tells metadata records by name; it is asked only
  /// for a payload without an op.
  absl::StatusOr<std::string_view> RowOp(element payload, absl::FunctionRef<absl::StatusOr<const element*>()> schema_of) {
    std::string_view op;
    if (payload["op"].get(op) != simdjson::SUCCESS || op.size() != 1) {
      CDC_ASSIGN_OR_RETURN(const element* schema, schema_of());
      if (IsMetadataRecord(payload, schema)) return std::string_view();
      return absl::InvalidArgumentError("payload has no 'op'");
    }
    if (op != "c" && op != "u" && op != "d" && op != "r" && op != "t") return std::string_view();  // m: not a row
    return op;
  }

  /// What an envelope says before its row: its op (empty: a record with
  /// no row), its source block and the table it is about. Forgets `table`
  /// (the decoding its schemas were cached with) when the envelope is about
  /// another table of the same shape.
  struct Envelope {
    std::string_view op;
    SourceFields src;
    TableId id;
  };
  absl::StatusOr<Envelope> ReadEnvelope(const IncomingMessage& m, element payload,
                                        absl::FunctionRef<absl::StatusOr<const element*>()> schema_of,
                                        std::shared_ptr<TableDecoding>& table) {
    Envelope e;
    CDC_ASSIGN_OR_RETURN(e.op, RowOp(payload, schema_of));
    if (e.op.empty()) return e;
    element source;
    if (payload["source"].get(source) == simdjson::SUCCESS && source.is_object()) e.src = ReadSource(source);
    CDC_ASSIGN_OR_RETURN(e.id, TableOf(m, e.src, table.get()));
    if (table && table->table->id != e.id) table.reset();  // same shape, another table: no shortcut
    return e;
  }

  absl::StatusOr<std::optional<RowChange>> Decode(const IncomingMessage& m) {
    if (!m.value) return std::nullopt;  // tombstone
    // Debezium's default heartbeat topics (topic.heartbeat.prefix), should a
    // topic list or regex include them: beats, never rows.
    if (m.source.topic.starts_with("__debezium-heartbeat.")) return std::nullopt;
    // JsonConverter writes {"schema":<schema>,"payload":<payload>}. The raw
    // schema text identifies the table's shape, so once it is cached only the
    // payload needs parsing (the schema is usually the larger part).
    const std::string_view raw = *m.value;
    const SchemaText value_raw = RawSchema(raw, last_value_schema);
    const SchemaText key_raw =
        m.key ? RawSchema(*m.key, last_key_schema) : SchemaText{{}, /*expected=*/last_key_schema.empty()};
    const std::string_view value_schema_text = value_raw.text, key_schema_text = key_raw.text;
    std::shared_ptr<TableDecoding> table;
    std::string cache_key;
    if (!value_schema_text.empty()) {
      // Consecutive messages mostly share a table: compare with the last
      // one before building a map key (a few KB) for every message.
      if (last_table && key_raw.expected && value_raw.expected) {
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
    bool schemaless = false;
    if (!table) {
      element doc;
      if (auto err = parser.parse(raw.data(), raw.size()).get(doc); err) {
        return absl::InvalidArgumentError(StrCat("value is not JSON: ", simdjson::error_message(err)));
      }
      if (doc["schema"].get(schema) == simdjson::SUCCESS && doc["payload"].get(payload) == simdjson::SUCCESS) {
        have_schema = true;
      } else if (doc.is_object()) {
        // JsonConverter with schemas.enable=false: the envelope alone.
        payload = doc;
        schemaless = true;
      } else {
        return absl::InvalidArgumentError("value is neither {\"schema\",\"payload\"} nor an envelope object");
      }
    }
    auto schema_of = [&]() -> absl::StatusOr<const element*> { return have_schema ? &schema : nullptr; };
    CDC_ASSIGN_OR_RETURN(const Envelope envelope, ReadEnvelope(m, payload, schema_of, table));
    if (envelope.op.empty()) return std::nullopt;
    const std::string_view op = envelope.op;
    const TableId& id = envelope.id;

    if (!table && schemaless) {
      element row;
      const char* row_field = op == "d" ? "before" : "after";
      if (op != "t" && (payload[row_field].get(row) != simdjson::SUCCESS || !row.is_object())) {
        return absl::InvalidArgumentError(StrCat("op '", op, "' without '", row_field, "'"));
      }
      if (op == "t") {
        auto it = inferred.find({id.schema, id.table});
        if (it == inferred.end()) {
          // Nothing of the table seen yet (e.g. after a restart): truncate
          // with no columns; the sink only needs the table's name.
          auto t = std::make_shared<TableDecoding>();
          t->table = std::make_shared<WarehouseTable>();
          t->table->id = id;
          table = t;
        } else {
          table = it->second;
        }
      } else {
        CDC_ASSIGN_OR_RETURN(table, InferredTableFor(id, row, m.key));
      }
    }
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
    return Change(m, std::move(table), payload, envelope);
  }

  absl::StatusOr<std::optional<RowChange>> DecodePayload(const IncomingMessage& m, uint64_t schemas_id,
                                                         std::string_view key_schema_text,
                                                         std::string_view value_schema_text,
                                                         std::string_view payload_text) {
    if (m.source.topic.starts_with("__debezium-heartbeat.")) return std::nullopt;
    std::shared_ptr<TableDecoding> table;
    if (last_by_id && last_schemas_id == schemas_id) {
      table = last_by_id;
    } else if (auto cached = tables_by_id.find(schemas_id); cached != tables_by_id.end()) {
      table = cached->second;
    }
    element payload;
    if (auto err = parser.parse(payload_text.data(), payload_text.size()).get(payload); err) {
      return absl::InvalidArgumentError(StrCat("payload is not JSON: ", simdjson::error_message(err)));
    }
    // The schemas are parsed only for a table not seen yet, or for a record
    // without 'op' (whose schema's name tells whether it is metadata).
    element schema;
    bool have_schema = false;
    auto schema_of = [&]() -> absl::StatusOr<const element*> {
      if (!have_schema) {
        if (auto err = schema_parser.parse(value_schema_text.data(), value_schema_text.size()).get(schema); err) {
          return absl::InvalidArgumentError(StrCat("value schema is not JSON: ", simdjson::error_message(err)));
        }
        have_schema = true;
      }
      return &schema;
    };
    CDC_ASSIGN_OR_RETURN(const Envelope envelope, ReadEnvelope(m, payload, schema_of, table));
    if (envelope.op.empty()) return std::nullopt;
    if (!table) {
      CDC_ASSIGN_OR_RETURN(const element* value_schema, schema_of());
      element key_schema;
      if (!key_schema_text.empty()) {
        if (auto err = key_parser.parse(key_schema_text.data(), key_schema_text.size()).get(key_schema); err) {
          return absl::InvalidArgumentError(StrCat("key schema is not JSON: ", simdjson::error_message(err)));
        }
      }
      CDC_ASSIGN_OR_RETURN(table, TableFor(*value_schema, key_schema_text.empty() ? nullptr : &key_schema, "", envelope.id));
      if (tables_by_id.size() > 10000) tables_by_id.clear();  // bound memory under schema churn
      tables_by_id[schemas_id] = table;
    }
    last_by_id = table;
    last_schemas_id = schemas_id;
    return Change(m, std::move(table), payload, envelope);
  }

  /// The RowChange of a row event (op c, u, d, r or t) of `table`.
  absl::StatusOr<std::optional<RowChange>> Change(const IncomingMessage& m, std::shared_ptr<TableDecoding> table,
                                                  element payload, const Envelope& envelope) {
    const std::string_view op = envelope.op;
    const SourceFields& src = envelope.src;
    const TableId& id = envelope.id;
    if (op == "t") {
      auto known = row_tables.find(id);
      if (known != row_tables.end()) table = known->second;
    } else if (table != last_row_table) {
      row_tables[id] = table;
      last_row_table = table;
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
      if (k == kSnapshotChunkHeader && change.op == Op::kRead) {
        CDC_ASSIGN_OR_RETURN(change.snapshot_chunk, ParseSnapshotChunkRead(v));
      }
    }
    const auto& cols = table->table->columns;
    change.values.reserve(cols.size());
    // Writers put a row's fields in schema order: the field at a column's
    // position is tried before the row is searched for its name.
    simdjson::dom::object fields;
    if (row_field && row.get(fields) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError(StrCat("op '", op, "': '", row_field, "' is not an object"));
    }
    auto next_field = fields.begin();
    for (size_t i = 0; row_field && i < cols.size(); ++i) {
      if (!unchanged.empty() && std::find(unchanged.begin(), unchanged.end(), cols[i].name) != unchanged.end()) {
        change.values.push_back(Value::Unchanged());
        if (next_field != fields.end() && next_field.key() == cols[i].name) ++next_field;
        continue;
      }
      element v;
      if (next_field != fields.end() && next_field.key() == cols[i].name) {
        v = next_field.value();
        ++next_field;
      } else if (fields[cols[i].name].get(v) != simdjson::SUCCESS) {
        change.values.push_back(Value::Null());
        continue;
      }
      auto value = DecodeValue(v, table->fields[i],
                               DecodeContext{options.unavailable_value_placeholder, placeholder_base64, options.lossy_values});
      if (!value.ok()) {
        return absl::InvalidArgumentError(StrCat("column ", cols[i].name, ": ", value.status().message()));
      }
      change.values.push_back(std::move(*value));
    }

    const int64_t lsn = src.lsn;
    int64_t commit = lsn;
    const std::string_view sequence = src.sequence;
    if (!sequence.empty()) {
      // "[\"<first>\",\"<lsn>\"]": the first entry orders transactions. cdcpipe
      // writes the commit LSN; Debezium its lastCommitLsn, the end LSN of the
      // transaction committed before this one (pgoutput sends transactions
      // in commit order). Either grows in commit order and is shared by a
      // transaction's changes, whereas a change LSN of a transaction that
      // committed later can be lower than one of an earlier transaction.
      // Without it (snapshot rows, other producers) the change LSN stands in.
      const size_t open = sequence.find('"');
      const size_t close = open == std::string_view::npos ? open : sequence.find('"', open + 1);
      int64_t parsed;
      if (close != std::string_view::npos && absl::SimpleAtoi(Piece(sequence.substr(open + 1, close - open - 1)), &parsed)) {
        commit = parsed;
      }
    }
    change.version = Version{Lsn{static_cast<uint64_t>(commit)},
                             Lsn{change.op == Op::kRead ? 0 : static_cast<uint64_t>(lsn)}};
    change.source_ts_ms = src.ts_ms;
    return change;
  }
};

DebeziumJsonDecoder::DebeziumJsonDecoder(DecoderOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->placeholder_base64 = absl::Base64Escape(Piece(impl_->options.unavailable_value_placeholder));
}
DebeziumJsonDecoder::~DebeziumJsonDecoder() = default;

std::unique_ptr<EventDecoder> DebeziumJsonDecoder::Clone() const {
  return std::make_unique<DebeziumJsonDecoder>(impl_->options);
}

namespace {
absl::StatusOr<std::optional<RowChange>> NamingPosition(const IncomingMessage& m,
                                                       absl::StatusOr<std::optional<RowChange>> r) {
  if (!r.ok()) {
    return absl::InvalidArgumentError(StrCat("topic ", m.source.topic, " partition ", m.source.partition,
                                                   " offset ", m.offset, ": ", r.status().message()));
  }
  return r;
}
}  // namespace

absl::StatusOr<std::optional<RowChange>> DebeziumJsonDecoder::Decode(const IncomingMessage& m) {
  return NamingPosition(m, impl_->Decode(m));
}

absl::StatusOr<std::optional<RowChange>> DebeziumJsonDecoder::DecodePayload(const IncomingMessage& m,
                                                                            uint64_t schemas_id,
                                                                            std::string_view key_schema,
                                                                            std::string_view value_schema,
                                                                            std::string_view payload) {
  return NamingPosition(m, impl_->DecodePayload(m, schemas_id, key_schema, value_schema, payload));
}

}  // namespace cdc::debezium
