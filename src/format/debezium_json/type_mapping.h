#pragma once
// PostgreSQL column types -> Kafka Connect schemas and JSON values, as the
// Debezium PostgreSQL connector maps them (spec/02 §5, Debezium's
// PostgresValueConverter), in every mode of decimal.handling.mode,
// time.precision.mode (adaptive, adaptive_time_microseconds, connect),
// binary.handling.mode, interval.handling.mode and hstore.handling.mode.
// docs/types.md is the table; deviations are listed there.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/change_event.h"
#include "core/status.h"
#include "format/debezium_json/decimal.h"

namespace cdc::debezium {

namespace oid {
constexpr uint32_t kBool = 16, kBytea = 17, kChar = 18, kName = 19, kInt8 = 20, kInt2 = 21, kInt4 = 23,
                   kText = 25, kOid = 26, kJson = 114, kXml = 142, kPoint = 600, kCidr = 650,
                   kFloat4 = 700, kFloat8 = 701, kMacaddr8 = 774, kMoney = 790, kMacaddr = 829,
                   kInet = 869, kBpchar = 1042, kVarchar = 1043, kDate = 1082, kTime = 1083,
                   kTimestamp = 1114, kTimestampTz = 1184, kInterval = 1186, kTimeTz = 1266, kBit = 1560,
                   kVarbit = 1562, kNumeric = 1700, kUuid = 2950, kTsvector = 3614, kJsonb = 3802,
                   kInt4Range = 3904, kNumRange = 3906, kTsRange = 3908, kTsTzRange = 3910,
                   kDateRange = 3912, kInt8Range = 3926;
}

enum class DecimalHandling : uint8_t { kPrecise, kDouble, kString };
enum class TimePrecision : uint8_t { kAdaptive, kAdaptiveTimeMicroseconds, kConnect };
enum class BinaryHandling : uint8_t { kBytes, kBase64, kBase64UrlSafe, kHex };
enum class IntervalHandling : uint8_t { kNumeric, kString };
enum class HstoreHandling : uint8_t { kJson, kMap };

/// Debezium's connector options that change types (names as in Debezium).
struct TypeMappingOptions {
  DecimalHandling decimal = DecimalHandling::kPrecise;
  TimePrecision time = TimePrecision::kAdaptive;
  BinaryHandling binary = BinaryHandling::kBytes;
  IntervalHandling interval = IntervalHandling::kNumeric;
  HstoreHandling hstore = HstoreHandling::kJson;
  int money_fraction_digits = 2;
};

/// Options from their configuration spellings (the values Debezium accepts);
/// InvalidArgument naming the option otherwise.
absl::StatusOr<TypeMappingOptions> MakeTypeMappingOptions(std::string_view decimal, std::string_view time,
                                                          std::string_view binary, std::string_view interval,
                                                          std::string_view hstore, int money_fraction_digits);

/// How one column (or array element) travels: its Connect schema (as JSON
/// text, without the closing brace so a "field" key can follow) and how
/// values are written.
struct ColumnMapping {
  enum class Writer : uint8_t {
    kBoolean, kInteger, kFloat, kString, kDecimal, kVariableDecimal, kDecimalDouble, kDecimalString,
    kDate, kTimeMillis, kTimeMicros, kTimestampMillis, kTimestampMicros, kZonedTimestamp, kZonedTime,
    kIntervalMicros, kIntervalString, kBytes, kBitBoolean, kBits, kPoint, kHstoreJson, kHstoreMap, kArray,
  };
  Writer writer = Writer::kString;
  std::string schema_json;  // e.g. {"type":"int32","optional":false
  int scale = 0;            // decimals (fixed scale), money
  bool money = false;       // decimals: the text is PostgreSQL money output
  int fraction_digits = 6;  // zoned timestamps
  BinaryHandling binary = BinaryHandling::kBytes;
  std::shared_ptr<const ColumnMapping> element;  // arrays
  bool fallback = false;    // an unknown type sent as its text form
  std::string type_name;    // for messages: the PostgreSQL type
};

/// Maps a column; unknown types fall back to their text form (flagged).
ColumnMapping MapColumn(const SourceColumn& column, bool optional, const TypeMappingOptions& options = {});

/// Appends the JSON value of `text` (PostgreSQL text output) for `mapping`.
/// InvalidArgument when the text does not parse as the column's type, or
/// when the mode has no form for the value (NaN in a precise decimal, as
/// Debezium, which fails the connector there).
absl::Status AppendValue(std::string& out, const ColumnMapping& mapping, std::string_view text);

std::string Base64(std::string_view bytes);

/// Java's BigDecimal.toString() of the decimal `text` (what Debezium's
/// decimal.handling.mode=string emits): plain, or scientific when the
/// adjusted exponent is below -6. `scale` < 0 keeps the text's own scale.
absl::StatusOr<std::string> JavaBigDecimalString(std::string_view text, int scale);

/// Shortest text that reads back as the same double (a JSON number).
std::string DoubleText(double v);

/// Debezium's io.debezium.time.Date values for PostgreSQL's ±infinity dates.
int32_t DateInfinityDays(bool positive);

}  // namespace cdc::debezium
