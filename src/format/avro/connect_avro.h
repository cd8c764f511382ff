#pragma once
// Kafka Connect schemas and values <-> Avro, as Confluent's AvroConverter
// converts them (spec/03 §6-7): the Connect schema a JsonConverter document
// carries becomes the Avro schema registered for it, and its payload the
// Avro binary datum; a registered Avro schema (ours or a real Debezium's)
// turns back into the Connect schema and JSON payload.
//
// Values go through their JsonConverter form on purpose: capture's type
// mapping (format/debezium_json) and load's decoder already speak it and
// match Debezium, so Avro adds an encoding, not a second type mapping.
// (Capture converts change events value by value, avro_node.h's
// EncodeJsonText; whole documents are converted only for Debezium's own
// records. Load converts a value's payload alone: its schema is the
// registry's, parsed once per id, DebeziumJsonDecoder::DecodePayload.)
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace simdjson::dom {
class element;
}

namespace cdc::avro {

/// A schema node: an Avro type with the Connect facts that Avro alone does
/// not keep (connect.name, connect.type, parameters, ...).
struct Node;

/// One Connect schema and its Avro form, compiled for encoding and decoding.
class ConnectAvroSchema {
 public:
  /// From a JsonConverter schema ({"type":"struct","fields":[...],...}).
  /// InvalidArgument naming the field when it has no Avro form (a name Avro
  /// does not allow, a map with non-string keys).
  static absl::StatusOr<ConnectAvroSchema> FromConnect(std::string_view connect_schema_json);
  /// From an Avro schema as registered (by cdcpipe or by Debezium with
  /// AvroConverter). InvalidArgument for Avro a Connect converter never
  /// writes (enum, fixed, unions other than with null).
  static absl::StatusOr<ConnectAvroSchema> FromAvro(std::string_view avro_schema_json);

  ConnectAvroSchema(ConnectAvroSchema&&) noexcept;
  ConnectAvroSchema& operator=(ConnectAvroSchema&&) noexcept;
  ~ConnectAvroSchema();

  /// The Avro schema's canonical text here (what is registered).
  const std::string& avro_json() const { return avro_json_; }
  /// The JsonConverter schema it stands for.
  const std::string& connect_json() const { return connect_json_; }
  /// The compiled schema (avro_node.h, for format/avro's writers).
  const Node& root() const { return *root_; }

  /// Appends the Avro binary of `payload` (a JsonConverter payload of this
  /// schema). InvalidArgument naming the field when the value does not fit.
  absl::Status Encode(const simdjson::dom::element& payload, std::string& out) const;
  /// Appends the JsonConverter payload of the Avro datum `bytes`, which must
  /// be consumed exactly. InvalidArgument when truncated or malformed.
  absl::Status Decode(std::string_view bytes, std::string& out) const;

 private:
  ConnectAvroSchema() = default;
  std::shared_ptr<const Node> root_;
  std::string avro_json_;
  std::string connect_json_;
};

/// Confluent's framing (spec/03 §4): magic byte 0, schema id big-endian.
inline constexpr size_t kFrameHeaderSize = 5;
void AppendFrameHeader(std::string& out, int32_t schema_id);
/// The schema id of a framed message; InvalidArgument for another magic byte
/// or a message shorter than the header.
absl::StatusOr<int32_t> FrameSchemaId(std::string_view message);

}  // namespace cdc::avro
