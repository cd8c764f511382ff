#pragma once
// Kafka Connect Decimal values: the unscaled integer as two's-complement
// big-endian bytes (Java BigInteger.toByteArray), converted exactly from and
// to decimal text of any length.
#include <string>
#include <string_view>

#include "core/status.h"

namespace cdc::debezium {

/// Bytes of the decimal `text` scaled by 10^scale. InvalidArgument when the
/// text is not a decimal or would need rounding to fit the scale.
absl::StatusOr<std::string> UnscaledDecimalBytes(std::string_view text, int scale);

/// Text of the decimal whose unscaled bytes are `bytes`, with `scale`
/// fraction digits.
std::string DecimalTextFromUnscaled(std::string_view bytes, int scale);

}  // namespace cdc::debezium
