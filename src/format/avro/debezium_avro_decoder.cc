#include "format/avro/debezium_avro_decoder.h"

#include "core/strings.h"
#include "format/avro/connect_avro.h"

namespace cdc::avro {

DebeziumAvroDecoder::DebeziumAvroDecoder(debezium::DecoderOptions options, std::shared_ptr<SchemaRegistry> registry)
    : options_(options), json_(std::move(options)), registry_(std::move(registry)) {}

DebeziumAvroDecoder::~DebeziumAvroDecoder() = default;

std::unique_ptr<EventDecoder> DebeziumAvroDecoder::Clone() const {
  return std::make_unique<DebeziumAvroDecoder>(options_, registry_);
}

namespace {
/// "topic[partition]@offset part": where an error is, `part` the key or value.
std::string Where(const IncomingMessage& m, const char* part) {
  return StrCat(m.source.topic, "[", m.source.partition, "]@", m.offset, " ", part);
}
}  // namespace

absl::StatusOr<const ConnectAvroSchema*> DebeziumAvroDecoder::SchemaOf(const IncomingMessage& m, std::string_view framed,
                                                                       const char* part, int32_t& id) {
  auto where = [&] { return Where(m, part); };
  auto framed_id = FrameSchemaId(framed);
  if (!framed_id.ok()) return absl::InvalidArgumentError(StrCat(where(), ": ", framed_id.status().message()));
  id = *framed_id;
  auto it = schemas_.find(id);
  if (it == schemas_.end()) {
    auto text = registry_->SchemaById(id);
    if (absl::IsNotFound(text.status())) {
      return absl::InvalidArgumentError(StrCat(where(), ": schema id ", id, ": ", text.status().message()));
    }
    CDC_RETURN_IF_ERROR(text.status());
    auto schema = ConnectAvroSchema::FromAvro(*text);
    if (!schema.ok()) {
      return absl::InvalidArgumentError(StrCat(where(), ": schema id ", id, ": ", schema.status().message()));
    }
    it = schemas_.emplace(id, std::make_unique<ConnectAvroSchema>(std::move(*schema))).first;
  }
  return it->second.get();
}

absl::StatusOr<std::optional<RowChange>> DebeziumAvroDecoder::Decode(const IncomingMessage& message) {
  if (!message.value) return json_.Decode(message);  // tombstone
  int32_t value_id = 0;
  int32_t key_id = -1;  // no key
  CDC_ASSIGN_OR_RETURN(const ConnectAvroSchema* value, SchemaOf(message, *message.value, "value", value_id));
  const ConnectAvroSchema* key = nullptr;
  if (message.key) {
    CDC_ASSIGN_OR_RETURN(key, SchemaOf(message, *message.key, "key", key_id));
  }
  payload_.clear();
  const absl::Status st = value->Decode(std::string_view(*message.value).substr(kFrameHeaderSize), payload_);
  if (!st.ok()) {
    return absl::InvalidArgumentError(StrCat(Where(message, "value"), " (schema id ", value_id, "): ", st.message()));
  }
  const uint64_t schemas_id = (static_cast<uint64_t>(static_cast<uint32_t>(key_id)) << 32) |
                              static_cast<uint32_t>(value_id);
  return json_.DecodePayload(message, schemas_id, key ? std::string_view(key->connect_json()) : std::string_view(),
                             value->connect_json(), payload_);
}

}  // namespace cdc::avro
