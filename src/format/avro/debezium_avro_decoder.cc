#include "format/avro/debezium_avro_decoder.h"

#include "core/strings.h"
#include "format/avro/connect_avro.h"

namespace cdc::avro {

DebeziumAvroDecoder::DebeziumAvroDecoder(std::unique_ptr<EventDecoder> json_decoder,
                                         std::shared_ptr<SchemaRegistry> registry)
    : json_(std::move(json_decoder)), registry_(std::move(registry)) {}

DebeziumAvroDecoder::~DebeziumAvroDecoder() = default;

std::unique_ptr<EventDecoder> DebeziumAvroDecoder::Clone() const {
  return std::make_unique<DebeziumAvroDecoder>(json_->Clone(), registry_);
}

absl::StatusOr<std::string> DebeziumAvroDecoder::ToJson(const IncomingMessage& m, std::string_view framed, const char* part) {
  auto where = [&] { return StrCat(m.source.topic, "[", m.source.partition, "]@", m.offset, " ", part); };
  auto id = FrameSchemaId(framed);
  if (!id.ok()) return absl::InvalidArgumentError(StrCat(where(), ": ", id.status().message()));
  auto it = schemas_.find(*id);
  if (it == schemas_.end()) {
    auto text = registry_->SchemaById(*id);
    if (absl::IsNotFound(text.status())) {
      return absl::InvalidArgumentError(StrCat(where(), ": schema id ", *id, ": ", text.status().message()));
    }
    CDC_RETURN_IF_ERROR(text.status());
    auto schema = ConnectAvroSchema::FromAvro(*text);
    if (!schema.ok()) {
      return absl::InvalidArgumentError(StrCat(where(), ": schema id ", *id, ": ", schema.status().message()));
    }
    it = schemas_.emplace(*id, std::make_unique<ConnectAvroSchema>(std::move(*schema))).first;
  }
  std::string doc;
  // The payload's JSON is a few times the Avro's size: grow the string once.
  doc.reserve(it->second->connect_json().size() + 4 * framed.size() + 64);
  StrAppend(&doc, "{\"schema\":", it->second->connect_json(), ",\"payload\":");
  absl::Status st = it->second->Decode(framed.substr(kFrameHeaderSize), doc);
  if (!st.ok()) return absl::InvalidArgumentError(StrCat(where(), " (schema id ", *id, "): ", st.message()));
  doc.push_back('}');
  return doc;
}

absl::StatusOr<std::optional<RowChange>> DebeziumAvroDecoder::Decode(const IncomingMessage& message) {
  if (!message.value) return json_->Decode(message);  // tombstone
  IncomingMessage as_json;
  as_json.source = message.source;
  as_json.offset = message.offset;
  as_json.timestamp_ms = message.timestamp_ms;
  as_json.headers = message.headers;
  if (message.key) {
    CDC_ASSIGN_OR_RETURN(as_json.key, ToJson(message, *message.key, "key"));
  }
  CDC_ASSIGN_OR_RETURN(as_json.value, ToJson(message, *message.value, "value"));
  return json_->Decode(as_json);
}

}  // namespace cdc::avro
