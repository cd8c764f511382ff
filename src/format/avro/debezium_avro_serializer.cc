#include "format/avro/debezium_avro_serializer.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>

#include "absl/time/clock.h"
#include "core/strings.h"
#include "format/avro/avro_node.h"
#include "format/avro/connect_avro.h"

namespace cdc::avro {
namespace {

using debezium::kDocumentOpen;
using debezium::kPayloadOpen;

// The length of the JSON value at the start of `s` (an object here), or 0
// when it does not end: strings are skipped with their escapes.
size_t JsonValueLength(std::string_view s) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return 0;
}

// Records built by the JSON serializer are JsonConverter documents; those
// written through WriteKey/WriteValue are framed Avro already (magic 0).
bool IsJsonDocument(const std::string& part) { return !part.empty() && part[0] == '{'; }

// A struct's fields, checked once against the layout the writers below
// follow: a schema that differs would otherwise become wrong bytes.
struct Expected {
  std::string_view name;
  Node::Kind kind;
  bool optional;
};
absl::Status CheckFields(const Node& n, std::string_view what, std::initializer_list<Expected> fields) {
  bool same = n.kind == Node::Kind::kStruct && n.fields.size() == fields.size();
  for (size_t i = 0; same && i < fields.size(); ++i) {
    const Expected& want = fields.begin()[i];
    const Field& have = n.fields[i];
    same = have.name == want.name && have.schema->kind == want.kind && have.schema->optional == want.optional;
  }
  if (!same) return absl::InternalError(StrCat(what, ": not the layout the Avro record writer follows"));
  return absl::OkStatus();
}

using K = Node::Kind;

void PutLong(std::string& out, const Node& n, int64_t v) {
  AppendBranch(out, n, /*null=*/false);
  AppendLong(out, v);
}
void PutString(std::string& out, const Node& n, std::string_view s) {
  AppendBranch(out, n, /*null=*/false);
  AppendLengthPrefixed(out, s);
}
// Nanoseconds as Debezium computes them (wrapping past year 2262).
int64_t Nanos(int64_t micros) { return static_cast<int64_t>(static_cast<uint64_t>(micros) * 1000u); }

}  // namespace

struct DebeziumAvroSerializer::Registered {
  int32_t id;
  ConnectAvroSchema schema;
};

// A table's registered schemas; the value's fields are in the order
// SchemasFor checked: before, after, source, transaction, op, ts_ms, ts_us,
// ts_ns.
struct DebeziumAvroSerializer::TableSchemas {
  const Registered* key = nullptr;  // none for a table without a key
  const Registered* value = nullptr;
};

DebeziumAvroSerializer::DebeziumAvroSerializer(debezium::SerializerOptions options,
                                               std::shared_ptr<SchemaRegistry> registry)
    : options_(std::move(options)), registry_(std::move(registry)), parser_(std::make_unique<simdjson::dom::parser>()) {
  debezium::SerializerOptions documents = options_;
  documents.schemas = true;  // the Connect schemas are what gets registered
  documents.record_writer = this;
  json_ = std::make_unique<debezium::DebeziumJsonSerializer>(std::move(documents));
}

DebeziumAvroSerializer::~DebeziumAvroSerializer() = default;

absl::StatusOr<const DebeziumAvroSerializer::RegisteredMap::value_type*> DebeziumAvroSerializer::SchemaFor(
    const std::string& subject, std::string_view schema_json) {
  auto key = std::make_pair(subject, std::string(schema_json));
  auto it = registered_.find(key);
  if (it == registered_.end()) {
    auto schema = ConnectAvroSchema::FromConnect(schema_json);
    if (!schema.ok()) return absl::InvalidArgumentError(StrCat("subject ", subject, ": ", schema.status().message()));
    CDC_ASSIGN_OR_RETURN(int32_t id, registry_->Register(subject, schema->avro_json()));
    it = registered_.emplace(std::move(key), std::unique_ptr<Registered>(new Registered{id, std::move(*schema)})).first;
  }
  last_[subject] = &*it;
  return &*it;
}

absl::Status DebeziumAvroSerializer::Encode(const std::string& subject, std::string& doc, std::string& framed) {
  // The JSON serializer writes {"schema":S,"payload":P}. S is usually the
  // subject's last schema: compare instead of scanning it.
  if (std::string_view(doc).substr(0, kDocumentOpen.size()) != kDocumentOpen) {
    return absl::InternalError(StrCat("subject ", subject, ": not a JsonConverter document"));
  }
  const std::string_view rest = std::string_view(doc).substr(kDocumentOpen.size());
  const RegisteredMap::value_type* entry = nullptr;
  size_t schema_length = 0;
  if (auto last = last_.find(subject); last != last_.end()) {
    const std::string& s = last->second->first.second;
    if (rest.size() > s.size() && rest.compare(0, s.size(), s) == 0 && rest.substr(s.size(), kPayloadOpen.size()) == kPayloadOpen) {
      entry = last->second;
      schema_length = s.size();
    }
  }
  if (entry == nullptr) {
    schema_length = JsonValueLength(rest);
    if (schema_length == 0 || rest.substr(schema_length, kPayloadOpen.size()) != kPayloadOpen) {
      return absl::InternalError(StrCat("subject ", subject, ": not a JsonConverter document"));
    }
    CDC_ASSIGN_OR_RETURN(entry, SchemaFor(subject, rest.substr(0, schema_length)));
  }
  const Registered& reg = *entry->second;
  const size_t payload_start = kDocumentOpen.size() + schema_length + kPayloadOpen.size();
  const size_t payload_length = doc.size() - payload_start - 1;  // without the document's closing brace
  // simdjson reads up to SIMDJSON_PADDING bytes past the end: with that
  // much room in the document it parses in place instead of copying.
  if (doc.capacity() < doc.size() + simdjson::SIMDJSON_PADDING) doc.reserve(doc.size() + simdjson::SIMDJSON_PADDING);
  const std::string_view payload(doc.data() + payload_start, payload_length);
  simdjson::dom::element element;
  if (auto error = parser_->parse(payload.data(), payload.size(), /*realloc_if_needed=*/false).get(element); error) {
    return absl::InternalError(StrCat("subject ", subject, ": payload: ", simdjson::error_message(error)));
  }
  AppendFrameHeader(framed, reg.id);
  absl::Status st = reg.schema.Encode(element, framed);
  if (!st.ok()) return absl::InvalidArgumentError(StrCat("subject ", subject, ": ", st.message()));
  return absl::OkStatus();
}

absl::Status DebeziumAvroSerializer::ConvertOne(OutgoingMessage& m) {
  const bool key = m.key && IsJsonDocument(*m.key), value = m.value && IsJsonDocument(*m.value);
  if (!key && !value) return absl::OkStatus();  // a change event's, or a tombstone
  auto subjects = subjects_.find(m.topic);
  if (subjects == subjects_.end()) {
    subjects = subjects_.emplace(m.topic, std::make_pair(StrCat(m.topic, "-key"), StrCat(m.topic, "-value"))).first;
  }
  if (key) {
    std::string framed;
    CDC_RETURN_IF_ERROR(Encode(subjects->second.first, *m.key, framed));
    m.key = std::move(framed);
  }
  if (value) {
    std::string framed = buffers_.Take();
    CDC_RETURN_IF_ERROR(Encode(subjects->second.second, *m.value, framed));
    buffers_.Give(std::move(*m.value));
    m.value = std::move(framed);
  }
  return absl::OkStatus();
}

absl::StatusOr<const DebeziumAvroSerializer::TableSchemas*> DebeziumAvroSerializer::SchemasFor(
    const debezium::TableEncoding& table) {
  if (auto it = tables_.find(&table); it != tables_.end()) return it->second.get();
  auto schemas = std::make_unique<TableSchemas>();
  const std::string value_subject = StrCat(table.topic, "-value");
  if (!table.key_columns.empty()) {
    CDC_ASSIGN_OR_RETURN(auto key, SchemaFor(StrCat(table.topic, "-key"), table.key_schema()));
    schemas->key = key->second.get();
  }
  CDC_ASSIGN_OR_RETURN(auto value, SchemaFor(value_subject, table.value_schema()));
  schemas->value = value->second.get();
  const Node& envelope = schemas->value->schema.root();
  CDC_RETURN_IF_ERROR(CheckFields(envelope, value_subject,
                                  {{"before", K::kStruct, true}, {"after", K::kStruct, true},
                                   {"source", K::kStruct, false}, {"transaction", K::kStruct, true},
                                   {"op", K::kString, false}, {"ts_ms", K::kInt64, true},
                                   {"ts_us", K::kInt64, true}, {"ts_ns", K::kInt64, true}}));
  const auto& f = envelope.fields;
  CDC_RETURN_IF_ERROR(CheckFields(*f[2].schema, value_subject,
                                  {{"version", K::kString, false}, {"connector", K::kString, false},
                                   {"name", K::kString, false}, {"ts_ms", K::kInt64, false},
                                   {"snapshot", K::kString, true}, {"db", K::kString, false},
                                   {"sequence", K::kString, true}, {"ts_us", K::kInt64, true},
                                   {"ts_ns", K::kInt64, true}, {"schema", K::kString, false},
                                   {"table", K::kString, false}, {"txId", K::kInt64, true},
                                   {"lsn", K::kInt64, true}, {"xmin", K::kInt64, true}}));
  CDC_RETURN_IF_ERROR(CheckFields(*f[3].schema, value_subject,
                                  {{"id", K::kString, false}, {"total_order", K::kInt64, false},
                                   {"data_collection_order", K::kInt64, false}}));
  for (const Node* row : {f[0].schema.get(), f[1].schema.get()}) {
    if (row->fields.size() != table.columns.size()) {
      return absl::InternalError(StrCat(value_subject, ": a row schema of ", row->fields.size(), " fields for ",
                                        table.columns.size(), " columns"));
    }
  }
  if (schemas->key && schemas->key->schema.root().fields.size() != table.key_columns.size()) {
    return absl::InternalError(StrCat(table.topic, "-key: a key schema that does not match the key columns"));
  }
  return tables_.emplace(&table, std::move(schemas)).first->second.get();
}

absl::Status DebeziumAvroSerializer::WriteKey(const debezium::TableEncoding& table, const Row& row, std::string& out) {
  CDC_ASSIGN_OR_RETURN(const TableSchemas* schemas, SchemasFor(table));
  AppendFrameHeader(out, schemas->key->id);
  const Node& key = schemas->key->schema.root();
  for (size_t n = 0; n < table.key_columns.size(); ++n) {
    value_text_.clear();
    CDC_RETURN_IF_ERROR(debezium::AppendKeyColumnJson(value_text_, table, table.key_columns[n], row));
    absl::Status st = EncodeJsonText(*key.fields[n].schema, value_text_, out, *parser_, FieldPath{nullptr, key.fields[n].name});
    if (!st.ok()) return absl::InvalidArgumentError(StrCat("subject ", table.topic, "-key: ", st.message()));
  }
  return absl::OkStatus();
}

absl::Status DebeziumAvroSerializer::WriteRow(std::string& out, const debezium::TableEncoding& table, const Node& node,
                                              std::string_view field, const Row* row) {
  AppendBranch(out, node, /*null=*/row == nullptr);
  if (row == nullptr) return absl::OkStatus();
  const FieldPath row_path{nullptr, field};
  for (size_t i = 0; i < row->size(); ++i) {
    value_text_.clear();
    CDC_RETURN_IF_ERROR(
        debezium::AppendColumnJson(value_text_, table, i, (*row)[i], options_.unavailable_value_placeholder));
    absl::Status st = EncodeJsonText(*node.fields[i].schema, value_text_, out, *parser_, FieldPath{&row_path, node.fields[i].name});
    if (!st.ok()) return absl::InvalidArgumentError(StrCat("subject ", table.topic, "-value: ", st.message()));
  }
  return absl::OkStatus();
}

// The fields in the order SchemasFor checked; f[i] is needed only where a
// field is optional (its union branch).
void DebeziumAvroSerializer::WriteSource(std::string& out, const Node& node, const debezium::SourceBlock& s) const {
  const auto& f = node.fields;
  AppendLengthPrefixed(out, debezium::kConnectorVersion);
  AppendLengthPrefixed(out, "postgresql");
  AppendLengthPrefixed(out, options_.topic_prefix);
  AppendLong(out, s.ts_us / 1000);
  PutString(out, *f[4].schema, s.snapshot);
  AppendLengthPrefixed(out, options_.database);
  // ["<commit lsn>","<lsn>"] or [null,"<lsn>"], in place: no allocation per event.
  // At most 47 bytes (two 20-digit LSNs); the bound on each copy only tells
  // the compiler so.
  char sequence[64];
  char* const end = sequence + sizeof sequence;
  char* p = sequence;
  auto put = [&p, end](std::string_view part) {
    p = std::copy_n(part.data(), std::min(part.size(), static_cast<size_t>(end - p)), p);
  };
  put("[");
  if (s.commit_lsn) {
    put("\"");
    p = std::to_chars(p, end, *s.commit_lsn).ptr;
    put("\"");
  } else {
    put("null");
  }
  put(",\"");
  p = std::to_chars(p, end, s.lsn).ptr;
  put("\"]");
  PutString(out, *f[6].schema, std::string_view(sequence, static_cast<size_t>(p - sequence)));
  PutLong(out, *f[7].schema, s.ts_us);
  PutLong(out, *f[8].schema, Nanos(s.ts_us));
  AppendLengthPrefixed(out, s.schema);
  AppendLengthPrefixed(out, s.table);
  if (s.tx_id) PutLong(out, *f[11].schema, *s.tx_id);
  else AppendBranch(out, *f[11].schema, /*null=*/true);
  PutLong(out, *f[12].schema, static_cast<int64_t>(s.lsn));
  AppendBranch(out, *f[13].schema, /*null=*/true);  // xmin
}

absl::Status DebeziumAvroSerializer::WriteValue(const debezium::TableEncoding& table,
                                                const debezium::EventEnvelope& e, std::string& out) {
  CDC_ASSIGN_OR_RETURN(const TableSchemas* s, SchemasFor(table));
  AppendFrameHeader(out, s->value->id);
  const auto& f = s->value->schema.root().fields;
  CDC_RETURN_IF_ERROR(WriteRow(out, table, *f[0].schema, "before", e.before));
  CDC_RETURN_IF_ERROR(WriteRow(out, table, *f[1].schema, "after", e.after));
  WriteSource(out, *f[2].schema, e.source);
  AppendBranch(out, *f[3].schema, /*null=*/!e.transaction);
  if (e.transaction) {
    AppendLengthPrefixed(out, StrCat(e.transaction->xid, ":", e.transaction->lsn));
    AppendLong(out, e.transaction->total_order);
    AppendLong(out, e.transaction->data_collection_order);
  }
  const char op = static_cast<char>(e.op);
  AppendLengthPrefixed(out, std::string_view(&op, 1));
  const int64_t now_us = absl::ToUnixMicros(absl::Now());
  PutLong(out, *f[5].schema, now_us / 1000);
  PutLong(out, *f[6].schema, now_us);
  PutLong(out, *f[7].schema, Nanos(now_us));
  return absl::OkStatus();
}

absl::Status DebeziumAvroSerializer::Convert(std::vector<OutgoingMessage>& out, size_t first) {
  for (size_t i = first; i < out.size(); ++i) CDC_RETURN_IF_ERROR(ConvertOne(out[i]));
  return absl::OkStatus();
}

absl::Status DebeziumAvroSerializer::Serialize(const ChangeEvent& event, std::vector<OutgoingMessage>& out) {
  const size_t first = out.size();
  CDC_RETURN_IF_ERROR(json_->Serialize(event, out));
  return Convert(out, first);
}

absl::Status DebeziumAvroSerializer::SerializeMessage(const DatabaseMessage& message, std::vector<OutgoingMessage>& out) {
  const size_t first = out.size();
  CDC_RETURN_IF_ERROR(json_->SerializeMessage(message, out));
  return Convert(out, first);
}

void DebeziumAvroSerializer::BeginTransaction(const TransactionBegin& begin) { json_->BeginTransaction(begin); }

absl::Status DebeziumAvroSerializer::EndTransaction(const TransactionCommit& commit, std::vector<OutgoingMessage>& out) {
  const size_t first = out.size();
  CDC_RETURN_IF_ERROR(json_->EndTransaction(commit, out));
  return Convert(out, first);
}

absl::StatusOr<OutgoingMessage> DebeziumAvroSerializer::Heartbeat(int64_t ts_ms) {
  CDC_ASSIGN_OR_RETURN(OutgoingMessage m, json_->Heartbeat(ts_ms));
  CDC_RETURN_IF_ERROR(ConvertOne(m));
  return m;
}

}  // namespace cdc::avro
