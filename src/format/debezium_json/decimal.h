#pragma once
// Kafka Connect Decimal values: the unscaled integer as two's-complement
// big-endian bytes (Java BigInteger.toByteArray), converted exactly from and
// to decimal text of any length.
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

}  // namespace cdc::debezium
