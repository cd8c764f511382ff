#pragma once
// Kafka Connect Decimal values: the unscaled integer as two's-complement
// big-endian bytes (Java BigInteger.toByteArray), converted exactly from and
// to decimal text of any length.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace cdc::debezium {

/// A decimal literal's sign and digits (no point), `fraction` of them after
/// the point.
struct DecimalDigits {
  bool negative = false;
  std::string digits;
  int fraction = 0;
};

/// Parses a plain decimal literal ([+-]digits[.digits]) and rescales it to
/// `scale` fraction digits (scale < 0: as written). InvalidArgument when the
/// text is not one, or when rescaling would drop a non-zero digit.
absl::StatusOr<DecimalDigits> ParseDecimalText(std::string_view text, int scale);

/// Bytes of the decimal `text` scaled by 10^scale. InvalidArgument when the
/// text is not a decimal or would need rounding to fit the scale.
absl::StatusOr<std::string> UnscaledDecimalBytes(std::string_view text, int scale);

/// Text of the decimal whose unscaled bytes are `bytes`, with `scale`
/// fraction digits.
std::string DecimalTextFromUnscaled(std::string_view bytes, int scale);

/// PostgreSQL 15 allows numeric(p, s) with s from -1000 to -1 (rounding
/// before the point). Its typmod keeps s in 11 bits that pgjdbc, and so
/// Debezium, read unsigned: s arrives as the Connect scale s + 2048, with
/// the unscaled value scaled to match. This gives s back for such a scale
/// (1048 to 2047: PostgreSQL's scales end at 1000), or nothing.
std::optional<int> PostgresNegativeScale(int64_t connect_scale);

/// Drops the fraction of `text` when every digit of it is zero ("12300.000"
/// -> "12300"); any other text stays as it is.
void DropZeroFraction(std::string& text);

}  // namespace cdc::debezium
