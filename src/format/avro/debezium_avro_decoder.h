#pragma once
#include <map>
#include <memory>
#include <string>

#include "core/event_decoder.h"
#include "core/schema_registry.h"
#include "format/debezium_json/debezium_json_decoder.h"

namespace cdc::avro {

class ConnectAvroSchema;

/// Decodes Debezium change events written through Confluent's AvroConverter
/// (by cdcpipe capture or by Debezium itself): each framed value is resolved
/// by its schema id in the registry and turned back into the JsonConverter
/// payload it stands for, which a DebeziumJsonDecoder decodes with the
/// Connect schemas of the key and value ids (the key's schema names the key
/// columns; the row's values all come from the value, so the key's body is
/// not read). A message that is not framed Avro, or whose schema id the
/// registry does not have, is InvalidArgument (dead-lettered); a registry
/// that cannot be reached is Unavailable (load stops, nothing is skipped).
class DebeziumAvroDecoder final : public EventDecoder {
 public:
  DebeziumAvroDecoder(debezium::DecoderOptions options, std::shared_ptr<SchemaRegistry> registry);
  ~DebeziumAvroDecoder() override;

  absl::StatusOr<std::optional<RowChange>> Decode(const IncomingMessage& message) override;
  std::unique_ptr<EventDecoder> Clone() const override;

 private:
  /// The schema of the framed Avro `framed`, and its id (`part` names it in
  /// errors: key or value).
  absl::StatusOr<const ConnectAvroSchema*> SchemaOf(const IncomingMessage& message, std::string_view framed,
                                                    const char* part, int32_t& id);

  debezium::DecoderOptions options_;
  debezium::DebeziumJsonDecoder json_;
  std::shared_ptr<SchemaRegistry> registry_;
  std::map<int32_t, std::unique_ptr<ConnectAvroSchema>> schemas_;
  std::string payload_;  // the JSON payload of the message decoded last (its memory reused)
};

}  // namespace cdc::avro
