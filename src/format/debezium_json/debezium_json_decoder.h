#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/event_decoder.h"
#include "format/debezium_json/decimal.h"

namespace cdc::debezium {

struct DecoderOptions {
  std::string unavailable_value_placeholder = "__debezium_unavailable_value";
  /// Numerics DECIMAL(38) cannot hold (wider Decimals, VariableScaleDecimal):
  /// exact text by default, or doubles (lossy).
  bool wide_numeric_as_double = false;
  /// Counts values converted with loss (doubles above, nanoseconds cut to
  /// microseconds); may be null. Owned by the caller; updated atomically.
  std::atomic<uint64_t>* lossy_values = nullptr;
};

/// Decodes Debezium PostgreSQL change events written by Kafka's
/// JsonConverter (by cdcpipe capture or by Debezium itself) into typed
/// RowChanges. With schemas (schemas.enable=true) column types come from the
/// Connect schema; without, from the JSON values (see
/// docs/debezium-compatibility.md, "Without schemas"). Tombstones,
/// heartbeats and transaction-metadata records decode to nullopt.
/// The version is (source.sequence[0], source.lsn): cdcpipe writes the
/// commit LSN first, Debezium the end LSN of the transaction committed
/// before; both grow in commit order and are constant within a transaction.
class DebeziumJsonDecoder final : public EventDecoder {
 public:
  explicit DebeziumJsonDecoder(DecoderOptions options = {});
  ~DebeziumJsonDecoder() override;

  absl::StatusOr<std::optional<RowChange>> Decode(const IncomingMessage& message) override;
  std::unique_ptr<EventDecoder> Clone() const override;

  /// Decodes an event whose Connect schemas travel apart from its payload
  /// (an Avro record's, from the registry): `payload` is the JsonConverter
  /// payload, `key_schema` and `value_schema` the JsonConverter schemas
  /// (key_schema empty without a key), and `schemas_id` names that pair
  /// (equal ids, equal schemas: a registry's ids do). The schemas are parsed
  /// only for a pair not seen before, so a message costs its payload alone.
  /// Errors as Decode's.
  absl::StatusOr<std::optional<RowChange>> DecodePayload(const IncomingMessage& message, uint64_t schemas_id,
                                                         std::string_view key_schema, std::string_view value_schema,
                                                         std::string_view payload);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};


}  // namespace cdc::debezium
