#pragma once
#include <map>
#include <memory>

#include "core/event_decoder.h"
#include "core/schema_registry.h"

namespace cdc::avro {

class ConnectAvroSchema;

/// Decodes Debezium change events written through Confluent's AvroConverter
/// (by cdcpipe capture or by Debezium itself): each framed key and value is
/// resolved by its schema id in the registry and turned back into the
/// JsonConverter document it stands for, which `json_decoder` decodes.
/// A message that is not framed Avro, or whose schema id the registry does
/// not have, is InvalidArgument (dead-lettered); a registry that cannot be
/// reached is Unavailable (load stops, nothing is skipped).
class DebeziumAvroDecoder final : public EventDecoder {
 public:
  /// `json_decoder` reads JsonConverter documents with schemas
  /// (DebeziumJsonDecoder).
  DebeziumAvroDecoder(std::unique_ptr<EventDecoder> json_decoder, std::shared_ptr<SchemaRegistry> registry);
  ~DebeziumAvroDecoder() override;

  absl::StatusOr<std::optional<RowChange>> Decode(const IncomingMessage& message) override;
  std::unique_ptr<EventDecoder> Clone() const override;

 private:
  /// The JsonConverter document of the framed Avro `framed` (`part` names
  /// it in errors: key or value).
  absl::StatusOr<std::string> ToJson(const IncomingMessage& message, std::string_view framed, const char* part);

  std::unique_ptr<EventDecoder> json_;
  std::shared_ptr<SchemaRegistry> registry_;
  std::map<int32_t, std::unique_ptr<ConnectAvroSchema>> schemas_;
};

}  // namespace cdc::avro
