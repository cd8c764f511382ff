#pragma once
// One field of a Debezium event as Kafka's JsonConverter writes it: what a
// Connect schema's field becomes in the warehouse (MapField) and how a JSON
// value of it becomes a warehouse Value (DecodeValue). The per-field half of
// DebeziumJsonDecoder, which reads the envelopes around the fields.
#include <simdjson.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/status.h"
#include "core/warehouse_change.h"

namespace cdc::debezium {

/// How a field's JSON value carries its column's value.
enum class Encoding : uint8_t {
  kPlain,           // JSON scalar as is
  kDecimal,         // base64 unscaled bytes, scale from schema
  kVariableDecimal, // {scale, value}
  kMillisToMicros,  // io.debezium.time.Timestamp / Time / Connect Timestamp, Time
  kNanosToMicros,   // NanoTimestamp / NanoTime (lossy below 1 µs)
  kMicros,          // MicroTimestamp: µs, with pgjdbc's ±infinity
  kDays,            // io.debezium.time.Date: days, with Debezium's ±infinity
  kBase64,          // bytes
  kZonedTime,       // "HH:MM:SS[.f]Z"
  kMicroDuration,   // µs -> INTERVAL
  kIsoInterval,     // "PnYnMnDTnHnMnS" -> INTERVAL
  kPoint,           // {x, y, wkb, srid}
  kArray,           // JSON array of the element's encoding
  kJsonText,        // a JSON object/array kept as its text (Connect map)
  kInferred,        // no schema (schemas.enable=false): by the JSON value's kind
};

/// A field's column type and how its values are read.
struct FieldDecoding {
  ColumnType type = ColumnType::kText;
  Encoding encoding = Encoding::kPlain;
  int scale = 0;
  bool to_double = false;  // decimals: wide numerics as doubles (lossy)
  // decimals of a negative PostgreSQL scale (PostgresNegativeScale, read
  // once per field, not per value): their fraction, all zeros, is dropped
  bool whole = false;
  std::shared_ptr<FieldDecoding> element;
};

/// A decoding of `type` values carried as `encoding`.
FieldDecoding Decoding(ColumnType type, Encoding encoding = Encoding::kPlain);

/// The string at `key` of the object `e`, or `fallback` (absent, not a string).
std::string_view StringOr(simdjson::dom::element e, std::string_view key, std::string_view fallback = {});

/// How values of the Connect schema field `field` are read; sets `col`'s
/// type (and precision, scale, list). `wide_as_double`: numerics DECIMAL(38)
/// cannot hold become doubles instead of exact text.
FieldDecoding MapField(simdjson::dom::element field, WarehouseColumn& col, bool wide_as_double);

/// Without a schema, a column's type: the kind of its first non-null JSON
/// value (docs/debezium-compatibility.md, "Without schemas").
ColumnType InferredType(simdjson::dom::element v);

/// What DecodeValue needs besides the field: the unchanged-TOAST
/// placeholder and where lossy conversions are counted.
struct DecodeContext {
  std::string_view placeholder;
  std::string_view placeholder_base64;  // how a bytes column carries it
  std::atomic<uint64_t>* lossy;
  void Lossy() const {
    if (lossy) lossy->fetch_add(1, std::memory_order_relaxed);
  }
};

/// The JSON value `v` of a field decoded as `f`. The unchanged-TOAST
/// placeholder decodes to Value::Unchanged().
absl::StatusOr<Value> DecodeValue(simdjson::dom::element v, const FieldDecoding& f, const DecodeContext& ctx);

}  // namespace cdc::debezium
