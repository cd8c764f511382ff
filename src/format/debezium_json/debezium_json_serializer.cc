#include "core/strings.h"
#include "format/debezium_json/debezium_json_serializer.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/log.h"
#include "core/json_writer.h"
#include "format/debezium_json/name_adjustment.h"

namespace cdc::debezium {

// `x += "..."sv` appends a length known at compile time: a plain literal
// costs a strlen per append on the per-event path (seen in its profile).
using namespace std::string_view_literals;

namespace {

std::string_view SnapshotMarkerText(SnapshotMarker m) {
  switch (m) {
    case SnapshotMarker::kFirst: return "first";
    case SnapshotMarker::kFirstInTable: return "first_in_data_collection";
    case SnapshotMarker::kLastInTable: return "last_in_data_collection";
    case SnapshotMarker::kLast: return "last";
    case SnapshotMarker::kIncremental: return "incremental";
    case SnapshotMarker::kTrue: break;
  }
  return "true";
}

void AppendTransactionBlock(std::string& v, const std::optional<TransactionPosition>& t) {
  if (!t) {
    v += "null"sv;
    return;
  }
  v += "{\"id\":\""sv;
  json::AppendInt(v, t->xid);
  v += ":"sv;
  json::AppendInt(v, t->lsn);
  v += "\",\"total_order\":"sv;
  json::AppendInt(v, t->total_order);
  v += ",\"data_collection_order\":"sv;
  json::AppendInt(v, t->data_collection_order);
  v += "}"sv;
}

// The source block of a change event: snapshot rows, like Debezium's, have
// no commit ([null,"<snapshot lsn>"] as sequence) and no transaction.
SourceBlock SourceOf(const ChangeEvent& e) {
  const TableId& id = e.table->id;
  if (e.snapshot) {
    return SourceBlock{e.commit_time_us, SnapshotMarkerText(e.snapshot_marker), std::nullopt,
                        e.version.commit_lsn.value, id.schema, id.table, std::nullopt};
  }
  return SourceBlock{e.commit_time_us, "false", e.version.commit_lsn.value, e.version.change_lsn.value,
                      id.schema, id.table, e.xid};
}

// The columns of `row` whose value was not sent (unchanged TOAST), for
// kUnchangedColumnsHeader.
std::string UnchangedColumns(const TableEncoding& enc, const Row& row) {
  std::string names;
  for (size_t i = 0; i < row.size(); ++i) {
    if (row[i].kind != Datum::Kind::kUnchangedToast) continue;
    if (!names.empty()) names.push_back(',');
    names += enc.field_names[i];
  }
  return names;
}

std::string SourceSchema() {
  return "{\"type\":\"struct\",\"fields\":["
         "{\"type\":\"string\",\"optional\":false,\"field\":\"version\"},"
         "{\"type\":\"string\",\"optional\":false,\"field\":\"connector\"},"
         "{\"type\":\"string\",\"optional\":false,\"field\":\"name\"},"
         "{\"type\":\"int64\",\"optional\":false,\"field\":\"ts_ms\"},"
         "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data.Enum\",\"version\":1,"
         "\"parameters\":{\"allowed\":\"true,first,first_in_data_collection,last_in_data_collection,last,false,incremental\"},"
         "\"default\":\"false\",\"field\":\"snapshot\"},"
         "{\"type\":\"string\",\"optional\":false,\"field\":\"db\"},"
         "{\"type\":\"string\",\"optional\":true,\"field\":\"sequence\"},"
         "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_us\"},"
         "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ns\"},"
         "{\"type\":\"string\",\"optional\":false,\"field\":\"schema\"},"
         "{\"type\":\"string\",\"optional\":false,\"field\":\"table\"},"
         "{\"type\":\"int64\",\"optional\":true,\"field\":\"txId\"},"
         "{\"type\":\"int64\",\"optional\":true,\"field\":\"lsn\"},"
         "{\"type\":\"int64\",\"optional\":true,\"field\":\"xmin\"}"
         "],\"optional\":false,\"name\":\"io.debezium.connector.postgresql.Source\",\"version\":1,"
         "\"field\":\"source\"}";
}

// The schemas of columns `which` (mappings `cols[n]` for column `which[n]`).
std::string StructFields(const TableEncoding& enc, const std::vector<ColumnMapping>& cols,
                         const std::vector<size_t>& which) {
  std::string s;
  for (size_t n = 0; n < which.size(); ++n) {
    if (n) s.push_back(',');
    StrAppend(&s, cols[n].schema_json, ",\"field\":");
    json::AppendEscaped(s, enc.field_names[which[n]]);
    s.push_back('}');
  }
  return s;
}

}  // namespace

DebeziumJsonSerializer::DebeziumJsonSerializer(SerializerOptions options) : options_(std::move(options)) {
  // The parts of every `source` block that never change, escaped once.
  source_head_ = StrCat("\"source\":{\"version\":\"", kConnectorVersion, "\",\"connector\":\"postgresql\",\"name\":");
  json::AppendEscaped(source_head_, options_.topic_prefix);
  db_json_ = ",\"db\":";
  json::AppendEscaped(db_json_, options_.database);
}
DebeziumJsonSerializer::~DebeziumJsonSerializer() = default;

std::string DebeziumJsonSerializer::TopicFor(const TableId& table) const {
  return SanitizeTopicName(StrCat(options_.topic_prefix, ".", table.schema, ".", table.table)).substr(0, 249);
}

absl::StatusOr<const TableEncoding*> DebeziumJsonSerializer::EncodingFor(
    const std::shared_ptr<const SourceTable>& table) {
  auto it = encodings_.find(table.get());
  if (it != encodings_.end()) return it->second.get();

  auto enc = std::make_unique<TableEncoding>();
  enc->table = table;
  enc->topic = TopicFor(table->id);
  enc->source_names = ",\"schema\":";
  json::AppendEscaped(enc->source_names, table->id.schema);
  enc->source_names += ",\"table\":"sv;
  json::AppendEscaped(enc->source_names, table->id.table);
  std::map<std::string, std::string_view> column_of_field;
  for (const auto& c : table->columns) {
    std::string field = AdjustFieldName(c.name, options_.field_names);
    if (auto [other, fresh] = column_of_field.emplace(field, c.name); !fresh) {
      return absl::InvalidArgumentError(
          StrCat("table ", table->id.ToString(), ": columns '", other->second, "' and '", c.name,
                 "' both become field '", field, "' (source.postgres.field_name_adjustment_mode); rename one"));
    }
    std::string q;
    json::AppendKey(q, field);
    enc->quoted_names.push_back(std::move(q));
    enc->field_names.push_back(std::move(field));
  }
  // Debezium names a table's schemas after its topic.
  auto schema_name = [&](std::string_view suffix) {
    return AdjustSchemaName(StrCat(enc->topic, suffix), options_.schema_names);
  };
  std::vector<size_t> all;
  for (size_t i = 0; i < table->columns.size(); ++i) {
    const SourceColumn& c = table->columns[i];
    // pgoutput does not say which columns are nullable; key columns (the
    // primary key, set by the source) are not.
    enc->columns.push_back(MapColumn(c, !c.key, options_.types));
    // Once per column, not per Relation message: the stream re-sends those.
    if (enc->columns.back().fallback && warned_columns_.insert(StrCat(table->id.ToString(), ".", c.name)).second) {
      log::Warn("serializer", "unsupported column type sent as its text form",
                {{"table", table->id.ToString()}, {"column", c.name}, {"type_oid", c.type_oid},
                 {"type", enc->columns.back().type_name}});
    }
    all.push_back(i);
    if (c.key) enc->key_columns.push_back(i);
  }
  enc->change_log = options_.change_logs.IsChangeLog(table->id, !enc->key_columns.empty());
  std::string key_fields;
  {
    std::vector<ColumnMapping> key_maps;
    for (size_t i : enc->key_columns) key_maps.push_back(MapColumn(table->columns[i], false, options_.types));
    key_fields = StructFields(*enc, key_maps, enc->key_columns);
  }
  enc->key_document_head = StrCat(kDocumentOpen, "{\"type\":\"struct\",\"fields\":[", key_fields,
                                  "],\"optional\":false,\"name\":\"", schema_name(".Key"), "\"}", kPayloadOpen);
  const std::string row_schema = StrCat("{\"type\":\"struct\",\"fields\":[",
                                              StructFields(*enc, enc->columns, all),
                                              "],\"optional\":true,\"name\":\"", schema_name(".Value"), "\",");
  enc->value_document_head = StrCat(
      kDocumentOpen, "{\"type\":\"struct\",\"fields\":[", row_schema, "\"field\":\"before\"},", row_schema,
      "\"field\":\"after\"},", SourceSchema(),
      ",{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":\"id\"},"
      "{\"type\":\"int64\",\"optional\":false,\"field\":\"total_order\"},"
      "{\"type\":\"int64\",\"optional\":false,\"field\":\"data_collection_order\"}],"
      "\"optional\":true,\"name\":\"event.block\",\"version\":1,\"field\":\"transaction\"},"
      "{\"type\":\"string\",\"optional\":false,\"field\":\"op\"},"
      "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ms\"},"
      "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_us\"},"
      "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ns\"}],"
      "\"optional\":false,\"name\":\"", schema_name(".Envelope"), "\",\"version\":2}", kPayloadOpen);
  auto [pos, inserted] = encodings_.emplace(table.get(), std::move(enc));
  return pos->second.get();
}

absl::Status AppendColumnJson(std::string& out, const TableEncoding& enc, size_t i, const Datum& d,
                              std::string_view unavailable_value_placeholder) {
  switch (d.kind) {
    case Datum::Kind::kNull:
      out += "null"sv;
      return absl::OkStatus();
    case Datum::Kind::kUnchangedToast:
      // Debezium puts its placeholder in string columns and its UTF-8
      // bytes in bytes columns; other types get null. The header tells
      // loaders to keep their value in every case.
      if (enc.columns[i].writer == ColumnMapping::Writer::kString) {
        json::AppendEscaped(out, unavailable_value_placeholder);
      } else if (enc.columns[i].writer == ColumnMapping::Writer::kBytes) {
        json::AppendEscaped(out, Base64(unavailable_value_placeholder));
      } else {
        out += "null"sv;
      }
      return absl::OkStatus();
    case Datum::Kind::kText:
      break;
  }
  absl::Status st = AppendValue(out, enc.columns[i], d.text);
  if (!st.ok()) {
    return absl::InvalidArgumentError(
        StrCat("table ", enc.table->id.ToString(), " column ", enc.table->columns[i].name, ": ", st.message()));
  }
  return absl::OkStatus();
}

absl::Status AppendKeyColumnJson(std::string& out, const TableEncoding& enc, size_t i, const Row& row) {
  if (row[i].kind != Datum::Kind::kText) {
    return absl::InvalidArgumentError(
        StrCat("table ", enc.table->id.ToString(), " key column ", enc.table->columns[i].name, " has no value"));
  }
  return AppendValue(out, enc.columns[i], row[i].text);
}

absl::Status DebeziumJsonSerializer::AppendRow(std::string& out, const TableEncoding& enc, const Row& row) const {
  out.push_back('{');
  for (size_t i = 0; i < row.size(); ++i) {
    if (i) out.push_back(',');
    out += enc.quoted_names[i];
    CDC_RETURN_IF_ERROR(AppendColumnJson(out, enc, i, row[i], options_.unavailable_value_placeholder));
  }
  out.push_back('}');
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> DebeziumJsonSerializer::Key(const TableEncoding& enc,
                                                                       const Row& row) const {
  if (enc.key_columns.empty()) return std::nullopt;
  std::string key;
  if (options_.record_writer) {
    CDC_RETURN_IF_ERROR(options_.record_writer->WriteKey(enc, row, key));
    return std::optional<std::string>(std::move(key));
  }
  // Built in place: the schema prefix, the payload and "}" in one string.
  if (options_.schemas) {
    key.reserve(enc.key_document_head.size() + 64);
    key += enc.key_document_head;
  }
  CDC_RETURN_IF_ERROR(AppendKeyPayload(key, enc, row));
  if (options_.schemas) key.push_back('}');
  return std::optional<std::string>(std::move(key));
}

absl::StatusOr<std::string> DebeziumJsonSerializer::KeyPayload(const TableEncoding& enc, const Row& row) const {
  std::string key;
  CDC_RETURN_IF_ERROR(AppendKeyPayload(key, enc, row));
  return key;
}

absl::Status DebeziumJsonSerializer::AppendKeyPayload(std::string& key, const TableEncoding& enc,
                                                      const Row& row) const {
  key.push_back('{');
  for (size_t n = 0; n < enc.key_columns.size(); ++n) {
    const size_t i = enc.key_columns[n];
    if (n) key.push_back(',');
    key += enc.quoted_names[i];
    CDC_RETURN_IF_ERROR(AppendKeyColumnJson(key, enc, i, row));
  }
  key.push_back('}');
  return absl::OkStatus();
}

absl::Status DebeziumJsonSerializer::Value(std::string& v, const TableEncoding& enc, const EventEnvelope& e) {
  if (options_.record_writer) return options_.record_writer->WriteValue(enc, e, v);
  if (!options_.schemas) return AppendEnvelope(v, enc, e);
  v.reserve(enc.value_document_head.size() + 1024);
  v += enc.value_document_head;
  CDC_RETURN_IF_ERROR(AppendEnvelope(v, enc, e));
  v.push_back('}');
  return absl::OkStatus();
}

absl::Status DebeziumJsonSerializer::AppendEnvelope(std::string& v, const TableEncoding& enc, const EventEnvelope& e) {
  v += "{\"before\":"sv;
  if (e.before) CDC_RETURN_IF_ERROR(AppendRow(v, enc, *e.before));
  else v += "null"sv;
  v += ",\"after\":"sv;
  if (e.after) CDC_RETURN_IF_ERROR(AppendRow(v, enc, *e.after));
  else v += "null"sv;

  v += ","sv;
  if (e.source.snapshot != "false") {
    AppendSnapshotSource(v, enc, e.source);
  } else {
    AppendSource(v, e.source, enc.source_names);
  }
  v += ",\"transaction\":"sv;
  AppendTransactionBlock(v, e.transaction);
  v += ",\"op\":\""sv;
  v.push_back(static_cast<char>(e.op));
  const json::MicrosDigits now(absl::ToUnixMicros(absl::Now()));
  v += "\",\"ts_ms\":"sv;
  now.AppendMillis(v);
  v += ",\"ts_us\":"sv;
  now.AppendMicros(v);
  v += ",\"ts_ns\":"sv;
  now.AppendNanos(v);
  v += "}"sv;
  return absl::OkStatus();
}

void DebeziumJsonSerializer::AppendSnapshotSource(std::string& v, const TableEncoding& enc, const SourceBlock& f) {
  SnapshotSource& last = snapshot_source_;
  if (last.encoding != &enc || last.ts_us != f.ts_us || last.lsn != f.lsn || last.marker != f.snapshot) {
    last.encoding = &enc;
    last.ts_us = f.ts_us;
    last.lsn = f.lsn;
    last.marker = f.snapshot;
    last.json.clear();
    AppendSource(last.json, f, enc.source_names);
  }
  v += last.json;
}


// The `source` block: "source":{...}, no trailing comma.
void DebeziumJsonSerializer::AppendSource(std::string& v, const SourceBlock& f, std::string_view names_json) const {
  const json::MicrosDigits ts(f.ts_us);
  v += source_head_;
  v += ",\"ts_ms\":"sv;
  ts.AppendMillis(v);
  v += ",\"snapshot\":\""sv;
  v += f.snapshot;
  v.push_back('"');
  v += db_json_;
  v += ",\"sequence\":\"["sv;
  if (f.commit_lsn) {
    v += "\\\""sv;
    json::AppendInt(v, *f.commit_lsn);
    v += "\\\""sv;
  } else {
    v += "null"sv;
  }
  v += ",\\\""sv;
  json::AppendInt(v, f.lsn);
  v += "\\\"]\""sv;
  v += ",\"ts_us\":"sv;
  ts.AppendMicros(v);
  v += ",\"ts_ns\":"sv;
  ts.AppendNanos(v);
  if (!names_json.empty()) {
    v += names_json;
  } else {
    v += ",\"schema\":"sv;
    json::AppendEscaped(v, f.schema);
    v += ",\"table\":"sv;
    json::AppendEscaped(v, f.table);
  }
  v += ",\"txId\":"sv;
  if (f.tx_id) json::AppendInt(v, *f.tx_id);
  else v += "null"sv;
  v += ",\"lsn\":"sv;
  json::AppendInt(v, f.lsn);
  v += ",\"xmin\":null}"sv;
}

std::string DebeziumJsonSerializer::Document(std::string_view schema, std::string payload) const {
  if (!options_.schemas) return payload;
  return StrCat("{\"schema\":", schema, ",\"payload\":", payload, "}");
}

std::string DebeziumJsonSerializer::SingleStringKey(std::string_view schema_name, std::string_view field, bool optional,
                                                    std::string_view value) const {
  std::string payload = "{";
  json::AppendEscaped(payload, field);
  payload += ":"sv;
  json::AppendEscaped(payload, value);
  payload += "}"sv;
  return Document(StrCat("{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":",
                         optional ? "true" : "false", ",\"field\":\"", field, "\"}],\"optional\":false,\"name\":\"",
                         schema_name, "\",\"version\":1}"),
                  std::move(payload));
}

absl::Status DebeziumJsonSerializer::SerializeMessage(const DatabaseMessage& m, std::vector<OutgoingMessage>& out) {
  std::string key = SingleStringKey("io.debezium.connector.postgresql.MessageKey", "prefix", /*optional=*/true, m.prefix);
  const std::string schema = StrCat(
      "{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":\"op\"},"
      "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ms\"},", SourceSchema(), ","
      "{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":\"id\"},"
      "{\"type\":\"int64\",\"optional\":false,\"field\":\"total_order\"},"
      "{\"type\":\"int64\",\"optional\":false,\"field\":\"data_collection_order\"}],\"optional\":true,"
      "\"name\":\"event.block\",\"version\":1,\"field\":\"transaction\"},"
      "{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":true,\"field\":\"prefix\"},"
      "{\"type\":\"bytes\",\"optional\":true,\"field\":\"content\"}],\"optional\":false,"
      "\"name\":\"io.debezium.connector.postgresql.Message\",\"version\":1,\"field\":\"message\"}],"
      "\"optional\":false,\"name\":\"io.debezium.connector.postgresql.MessageValue\",\"version\":1}");
  std::string v = "{\"op\":\"m\",\"ts_ms\":";
  json::AppendInt(v, absl::ToUnixMillis(absl::Now()));
  v += ","sv;
  // Debezium's sequence for a message outside a transaction repeats its LSN.
  AppendSource(v, SourceBlock{m.commit_time_us, "false",
                               m.transactional ? m.version.commit_lsn.value : m.version.change_lsn.value,
                               m.version.change_lsn.value, "", "",
                               m.transactional ? std::optional<int64_t>(m.xid) : std::nullopt});
  v += ",\"transaction\":"sv;
  // Transactional messages count in their transaction, as Debezium does.
  AppendTransactionBlock(v, m.transactional ? TransactionBlock(TableId{}, m.version.change_lsn, out) : std::nullopt);
  v += ",\"message\":{\"prefix\":"sv;
  json::AppendEscaped(v, m.prefix);
  v += ",\"content\":"sv;
  json::AppendEscaped(v, Base64(m.content));
  v += "}}"sv;
  out.push_back(OutgoingMessage{StrCat(options_.topic_prefix, ".message"), std::move(key), Document(schema, std::move(v)), {}});
  return absl::OkStatus();
}

absl::StatusOr<OutgoingMessage> DebeziumJsonSerializer::Heartbeat(int64_t ts_ms) {
  std::string key = SingleStringKey("io.debezium.connector.common.ServerNameKey", "serverName", /*optional=*/false,
                                    options_.topic_prefix);
  std::string payload = "{\"ts_ms\":";
  json::AppendInt(payload, ts_ms);
  payload += "}"sv;
  return OutgoingMessage{"__debezium-heartbeat." + options_.topic_prefix, std::move(key),
                         Document("{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":false,\"field\":"
                                  "\"ts_ms\"}],\"optional\":false,\"name\":\"io.debezium.connector.common.Heartbeat\","
                                  "\"version\":1}",
                                  std::move(payload)),
                         {}};
}

void DebeziumJsonSerializer::BeginTransaction(const TransactionBegin& begin) {
  if (!options_.transaction_metadata) return;
  tx_ = OpenTransaction{};
  tx_.active = true;
  tx_.xid = begin.xid;
  tx_.id = StrCat(begin.xid, ":", begin.first_lsn.value);
  tx_.ts_ms = begin.commit_time_us / 1000;
}

absl::Status DebeziumJsonSerializer::EndTransaction(const TransactionCommit&, std::vector<OutgoingMessage>& out) {
  // Like Debezium, a transaction without events has no records at all.
  if (tx_.active && tx_.begun) out.push_back(TransactionRecord(/*end=*/true));
  tx_ = OpenTransaction{};
  return absl::OkStatus();
}

std::optional<TransactionPosition> DebeziumJsonSerializer::TransactionBlock(const TableId& table, Lsn lsn,
                                                                            std::vector<OutgoingMessage>& out) {
  if (!tx_.active) return std::nullopt;
  if (!tx_.begun) {
    out.push_back(TransactionRecord(/*end=*/false));
    tx_.begun = true;
  }
  // Messages (no table) count under "", which data_collections leaves out.
  const int64_t in_table = ++tx_.per_table[table.table.empty() ? std::string() : table.ToString()];
  // Debezium names the transaction in each event by the event's own LSN.
  return TransactionPosition{tx_.xid, lsn.value, ++tx_.total, in_table};
}

OutgoingMessage DebeziumJsonSerializer::TransactionRecord(bool end) const {
  std::string key = SingleStringKey("io.debezium.connector.common.TransactionMetadataKey", "id", /*optional=*/false, tx_.id);
  static constexpr std::string_view kSchema =
      "{\"type\":\"struct\",\"fields\":["
      "{\"type\":\"string\",\"optional\":false,\"field\":\"status\"},"
      "{\"type\":\"string\",\"optional\":false,\"field\":\"id\"},"
      "{\"type\":\"int64\",\"optional\":true,\"field\":\"event_count\"},"
      "{\"type\":\"array\",\"items\":{\"type\":\"struct\",\"fields\":["
      "{\"type\":\"string\",\"optional\":false,\"field\":\"data_collection\"},"
      "{\"type\":\"int64\",\"optional\":false,\"field\":\"event_count\"}],"
      "\"optional\":true,\"name\":\"event.collection\",\"version\":1},\"optional\":true,\"field\":\"data_collections\"},"
      "{\"type\":\"int64\",\"optional\":false,\"field\":\"ts_ms\"}],"
      "\"optional\":false,\"name\":\"io.debezium.connector.common.TransactionMetadataValue\",\"version\":1}";
  std::string v = "{\"status\":";
  v += end ? "\"END\"" : "\"BEGIN\"";
  v += ",\"id\":"sv;
  json::AppendEscaped(v, tx_.id);
  if (end) {
    v += ",\"event_count\":"sv;
    json::AppendInt(v, tx_.total);
    v += ",\"data_collections\":["sv;
    bool first = true;
    for (const auto& [table, count] : tx_.per_table) {
      if (table.empty()) continue;  // logical decoding messages (docs/debezium-compatibility.md)
      if (!first) v += ","sv;
      first = false;
      v += "{\"data_collection\":"sv;
      json::AppendEscaped(v, table);
      v += ",\"event_count\":"sv;
      json::AppendInt(v, count);
      v += "}"sv;
    }
    v += "]"sv;
  } else {
    v += ",\"event_count\":null,\"data_collections\":null"sv;
  }
  v += ",\"ts_ms\":"sv;
  json::AppendInt(v, tx_.ts_ms);
  v += "}"sv;
  return OutgoingMessage{StrCat(options_.topic_prefix, ".transaction"), std::move(key), Document(kSchema, std::move(v)), {}};
}

absl::Status DebeziumJsonSerializer::Serialize(const ChangeEvent& e, std::vector<OutgoingMessage>& out) {
  if (!e.table) return absl::InvalidArgumentError("change event without a table");
  CDC_ASSIGN_OR_RETURN(const TableEncoding* encoding, EncodingFor(e.table));
  const TableEncoding& enc = *encoding;

  // `key_header`: Debezium's __debezium.newkey (on the delete and tombstone
  // of a key change) or __debezium.oldkey (on its create) with the other key.
  auto emit = [&](Op op, const Row* before, const Row* after,
                  const std::pair<std::string, std::string>* key_header = nullptr) -> absl::Status {
    const Row& key_row = after ? *after : *before;
    CDC_ASSIGN_OR_RETURN(auto key, Key(enc, key_row));
    const EventEnvelope envelope{op, before, after, SourceOf(e),
                                 e.snapshot ? std::nullopt : TransactionBlock(e.table->id, e.version.change_lsn, out)};
    std::string value = value_buffers_.Take();
    CDC_RETURN_IF_ERROR(Value(value, enc, envelope));
    std::string unchanged = after ? UnchangedColumns(enc, *after) : std::string();
    // Only a delete needs the key twice (its tombstone); otherwise it moves.
    OutgoingMessage m{enc.topic, op == Op::kDelete ? key : std::move(key), std::move(value), {}};
    if (key_header) m.headers.push_back(*key_header);
    if (!unchanged.empty()) m.headers.emplace_back(kUnchangedColumnsHeader, std::move(unchanged));
    if (e.snapshot_chunk && enc.change_log) {
      m.headers.emplace_back(kSnapshotChunkHeader, StrCat(*e.snapshot_chunk, "@", e.commit_time_us));
    }
    out.push_back(std::move(m));
    if (op == Op::kDelete) {
      OutgoingMessage tombstone{enc.topic, std::move(key), std::nullopt, {}};
      if (key_header) tombstone.headers.push_back(*key_header);
      out.push_back(std::move(tombstone));
    }
    return absl::OkStatus();
  };

  switch (e.op) {
    case Op::kCreate:
    case Op::kRead:
      if (!e.after) return absl::InvalidArgumentError(StrCat("insert into ", e.table->id.ToString(), " without a row"));
      return emit(e.op, nullptr, &*e.after);
    case Op::kTruncate: {
      // Debezium: null key, no before/after; every row of the table goes.
      const EventEnvelope envelope{Op::kTruncate, nullptr, nullptr, SourceOf(e),
                                   TransactionBlock(e.table->id, e.version.change_lsn, out)};
      std::string value = value_buffers_.Take();
      CDC_RETURN_IF_ERROR(Value(value, enc, envelope));
      out.push_back(OutgoingMessage{enc.topic, std::nullopt, std::move(value), {}});
      return absl::OkStatus();
    }
    case Op::kDelete:
      if (!e.before) return absl::InvalidArgumentError(StrCat("delete from ", e.table->id.ToString(), " without an old row"));
      return emit(Op::kDelete, &*e.before, nullptr);
    case Op::kUpdate: {
      if (!e.after) return absl::InvalidArgumentError(StrCat("update of ", e.table->id.ToString(), " without a row"));
      if (e.before && !enc.key_columns.empty()) {
        bool key_changed = false;
        for (size_t i : enc.key_columns) key_changed |= (*e.before)[i] != (*e.after)[i];
        if (key_changed) {
          CDC_ASSIGN_OR_RETURN(std::string old_key, KeyPayload(enc, *e.before));
          CDC_ASSIGN_OR_RETURN(std::string new_key, KeyPayload(enc, *e.after));
          const std::pair<std::string, std::string> new_key_header{"__debezium.newkey", std::move(new_key)};
          const std::pair<std::string, std::string> old_key_header{"__debezium.oldkey", std::move(old_key)};
          CDC_RETURN_IF_ERROR(emit(Op::kDelete, &*e.before, nullptr, &new_key_header));
          return emit(Op::kCreate, nullptr, &*e.after, &old_key_header);
        }
      }
      return emit(Op::kUpdate, e.before ? &*e.before : nullptr, &*e.after);
    }
  }
  return absl::InvalidArgumentError("unknown operation");
}

}  // namespace cdc::debezium
