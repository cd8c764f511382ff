#include "format/avro/debezium_avro_serializer.h"

#include <simdjson.h>

#include "core/strings.h"
#include "format/avro/connect_avro.h"

namespace cdc::avro {
namespace {

constexpr std::string_view kSchemaOpen = "{\"schema\":";
constexpr std::string_view kPayloadOpen = ",\"payload\":";

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

}  // namespace

struct DebeziumAvroSerializer::Registered {
  int32_t id;
  ConnectAvroSchema schema;
};

DebeziumAvroSerializer::DebeziumAvroSerializer(std::unique_ptr<EventSerializer> json_documents,
                                               std::shared_ptr<SchemaRegistry> registry,
                                               std::shared_ptr<BufferPool> value_buffers)
    : json_(std::move(json_documents)),
      registry_(std::move(registry)),
      value_buffers_(std::move(value_buffers)),
      parser_(std::make_unique<simdjson::dom::parser>()) {}

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
  if (std::string_view(doc).substr(0, kSchemaOpen.size()) != kSchemaOpen) {
    return absl::InternalError(StrCat("subject ", subject, ": not a JsonConverter document"));
  }
  const std::string_view rest = std::string_view(doc).substr(kSchemaOpen.size());
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
  const size_t payload_start = kSchemaOpen.size() + schema_length + kPayloadOpen.size();
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
  auto subjects = subjects_.find(m.topic);
  if (subjects == subjects_.end()) {
    subjects = subjects_.emplace(m.topic, std::make_pair(StrCat(m.topic, "-key"), StrCat(m.topic, "-value"))).first;
  }
  if (m.key) {
    std::string framed;
    CDC_RETURN_IF_ERROR(Encode(subjects->second.first, *m.key, framed));
    m.key = std::move(framed);
  }
  if (m.value) {  // a tombstone stays null
    std::string framed = buffers_.Take();
    CDC_RETURN_IF_ERROR(Encode(subjects->second.second, *m.value, framed));
    buffers_.Give(std::move(*m.value));
    m.value = std::move(framed);
  }
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
