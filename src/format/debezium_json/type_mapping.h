#pragma once
// PostgreSQL column types -> Kafka Connect schemas and JSON values, as the
// Debezium PostgreSQL connector maps them (spec/02 §5; decimal.handling.mode
// precise, time.precision.mode adaptive, binary.handling.mode bytes).
#include <cstdint>
#include <string>
#include <string_view>

#include "core/change_event.h"
#include "core/status.h"
#include "format/debezium_json/decimal.h"

namespace cdc::debezium {

namespace oid {
constexpr uint32_t kBool = 16, kBytea = 17, kInt8 = 20, kInt2 = 21, kInt4 = 23, kText = 25,
                   kOid = 26, kJson = 114, kFloat4 = 700, kFloat8 = 701, kBpchar = 1042,
                   kVarchar = 1043, kDate = 1082, kTime = 1083, kTimestamp = 1114,
                   kTimestampTz = 1184, kNumeric = 1700, kUuid = 2950, kJsonb = 3802;
}

/// How one column travels: its Connect schema (as JSON text, without the
/// "field" key) and how values are written.
struct ColumnMapping {
  enum class Writer : uint8_t {
    kBoolean, kInteger, kFloat, kString, kDecimal, kVariableDecimal, kDate, kTimeMicros,
    kTimestampMillis, kTimestampMicros, kZonedTimestamp, kBytes,
  };
  Writer writer = Writer::kString;
  std::string schema_json;  // e.g. {"type":"int32","optional":false
  int scale = 0;            // decimals
  int fraction_digits = 6;  // zoned timestamps
  bool fallback = false;    // an unknown type sent as its text form
};

/// Maps a column; unknown types fall back to their text form (flagged).
ColumnMapping MapColumn(const SourceColumn& column, bool optional);

/// Appends the JSON value of `text` (PostgreSQL text output) for `mapping`.
/// InvalidArgument when the text does not parse as the column's type.
absl::Status AppendValue(std::string& out, const ColumnMapping& mapping, std::string_view text);

std::string Base64(std::string_view bytes);

}  // namespace cdc::debezium
