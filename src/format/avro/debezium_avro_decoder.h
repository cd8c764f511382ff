#pragma once
#include <map>
#include <memory>

#include "core/event_decoder.h"
#include "core/schema_registry.h"
#include "format/debezium_json/debezium_json_decoder.h"

namespace cdc::avro {

class ConnectAvroSchema;

/// Decodes Debezium change events written through Confluent's AvroConverter
/// (by cdcpipe capture or by Debezium itself): each framed key and value is
/// resolved by its schema id in the registry and turned back into the
/// JsonConverter document it stands for, which DebeziumJsonDecoder decodes.
/// A message that is not framed Avro, or whose schema id the registry does
/// not have, is InvalidArgument (dead-lettered); a registry that cannot be
/// reached is Unavailable (load stops, nothing is skipped).
class DebeziumAvroDecoder final : public EventDecoder {
 public:
  DebeziumAvroDecoder(debezium::DecoderOptions options, std::shared_ptr<SchemaRegistry> registry);
  ~DebeziumAvroDecoder() override;

  absl::StatusOr<std::optional<RowChange>> Decode(const IncomingMessage& message) override;
  std::unique_ptr<EventDecoder> Clone() const override;

 private:
  /// The JsonConverter document of the framed Avro `framed` (`part` names
  /// it in errors: key or value).
  absl::StatusOr<std::string> ToJson(const IncomingMessage& message, std::string_view framed, const char* part);

  const debezium::DecoderOptions options_;
  std::shared_ptr<SchemaRegistry> registry_;
  debezium::DebeziumJsonDecoder json_;
  std::map<int32_t, std::unique_ptr<ConnectAvroSchema>> schemas_;
};

}  // namespace cdc::avro
