#include "format/debezium_json/decimal.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <vector>

#include "core/strings.h"

namespace cdc::debezium {
namespace {

absl::Status Bad(std::string_view what, std::string_view text) {
  return absl::InvalidArgumentError(StrCat("cannot parse ", what, " from '", text.substr(0, 64), "'"));
}

// Decimal digits <-> the magnitude's bytes (big-endian, no leading zero
// byte; "" for zero), through base-2^32 limbs and 9 decimal digits at a
// time: a numeric of ~2,000 digits converts in tens of microseconds.
std::string MagnitudeFromDigits(std::string_view digits) {
  std::vector<uint32_t> limbs;  // little-endian
  size_t len = digits.size() % 9 == 0 ? 9 : digits.size() % 9;
  for (size_t pos = 0; pos < digits.size(); pos += len, len = 9) {
    uint32_t chunk = 0, factor = 1;
    for (size_t i = pos; i < pos + len; ++i) {
      chunk = chunk * 10 + static_cast<uint32_t>(digits[i] - '0');
      factor *= 10;
    }
    uint64_t carry = chunk;
    for (uint32_t& limb : limbs) {
      const uint64_t cur = uint64_t{limb} * factor + carry;
      limb = static_cast<uint32_t>(cur);
      carry = cur >> 32;
    }
    if (carry != 0) limbs.push_back(static_cast<uint32_t>(carry));
  }
  std::string bytes;
  for (size_t i = limbs.size(); i-- > 0;) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>(limbs[i] >> shift));
  }
  bytes.erase(0, std::min(bytes.find_first_not_of('\0'), bytes.size()));
  return bytes;
}

std::string DigitsFromMagnitude(std::string_view bytes) {
  std::vector<uint32_t> limbs;  // little-endian
  for (size_t end = bytes.size(); end > 0; end -= std::min<size_t>(end, 4)) {
    uint32_t limb = 0;
    for (size_t i = end - std::min<size_t>(end, 4); i < end; ++i) limb = (limb << 8) | static_cast<uint8_t>(bytes[i]);
    limbs.push_back(limb);
  }
  while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
  std::string digits;  // least significant first
  while (!limbs.empty()) {
    uint64_t rem = 0;
    for (size_t i = limbs.size(); i-- > 0;) {
      const uint64_t cur = (rem << 32) | limbs[i];
      limbs[i] = static_cast<uint32_t>(cur / 1000000000);
      rem = cur % 1000000000;
    }
    while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
    for (int k = 0; k < 9; ++k, rem /= 10) digits.push_back(static_cast<char>('0' + rem % 10));
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  if (digits.empty()) return "0";
  std::reverse(digits.begin(), digits.end());
  return digits;
}

// Two's complement negation in place, big-endian: a magnitude becomes its
// negative, and the bytes of a negative value its magnitude.
void Negate(std::string& bytes) {
  for (char& b : bytes) b = static_cast<char>(~static_cast<uint8_t>(b));
  for (size_t i = bytes.size(); i-- > 0;) {
    bytes[i] = static_cast<char>(static_cast<uint8_t>(bytes[i]) + 1);
    if (bytes[i] != 0) break;
  }
}

// The decimal digits of the magnitude of the unscaled `bytes` (big-endian);
// `negative` from their sign bit.
std::string MagnitudeDigits(std::string_view bytes, bool& negative) {
  negative = (static_cast<uint8_t>(bytes[0]) & 0x80) != 0;
  if (bytes.size() <= 8) {
    // Fast path (every numeric(p<=18) value): the value fits in 64 bits.
    uint64_t v = negative ? ~uint64_t{0} : 0;  // sign-extended
    for (char b : bytes) v = (v << 8) | static_cast<uint8_t>(b);
    if (negative) v = ~v + 1;  // the magnitude, INT64_MIN's too
    char buf[20];
    return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  }
  if (!negative) return DigitsFromMagnitude(bytes);
  std::string magnitude(bytes);
  Negate(magnitude);
  return DigitsFromMagnitude(magnitude);
}

}  // namespace

absl::StatusOr<DecimalDigits> ParseDecimalText(std::string_view text, int scale) {
  DecimalDigits d;
  size_t pos = 0;
  if (pos < text.size() && (text[pos] == '-' || text[pos] == '+')) d.negative = text[pos++] == '-';
  bool point = false;
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (c == '.' && !point) {
      point = true;
      continue;
    }
    if (c < '0' || c > '9') return Bad("decimal", text);
    d.digits.push_back(c);
    if (point) ++d.fraction;
  }
  if (d.digits.empty()) return Bad("decimal", text);
  if (scale < 0) return d;
  // Only zeros may be dropped; anything else would round.
  for (; d.fraction > scale; --d.fraction) {
    if (d.digits.back() != '0') return Bad(StrCat("decimal with scale ", scale), text);
    d.digits.pop_back();
  }
  for (; d.fraction < scale; ++d.fraction) d.digits.push_back('0');
  return d;
}

absl::StatusOr<std::string> UnscaledDecimalBytes(std::string_view text, int scale) {
  CDC_ASSIGN_OR_RETURN(DecimalDigits parsed, ParseDecimalText(text, std::max(scale, 0)));
  const bool negative = parsed.negative;
  const std::string& digits = parsed.digits;
  std::string bytes;  // the magnitude, big-endian, no leading zero byte
  if (digits.size() <= 18) {
    // Fast path (every numeric(p<=18) value): the magnitude fits in 63 bits
    // and its bytes in the string's own buffer; no base conversion.
    uint64_t v = 0;
    for (char c : digits) v = v * 10 + static_cast<uint64_t>(c - '0');
    for (int shift = 56; shift >= 0; shift -= 8) {
      if (!bytes.empty() || (v >> shift) != 0) bytes.push_back(static_cast<char>(v >> shift));
    }
  } else {
    bytes = MagnitudeFromDigits(digits);
  }
  if (bytes.empty()) return std::string(1, '\0');
  // A sign byte where the top bit would say the other sign.
  if (!negative) {
    if (static_cast<uint8_t>(bytes[0]) & 0x80) bytes.insert(bytes.begin(), '\0');
  } else {
    Negate(bytes);
    if (!(static_cast<uint8_t>(bytes[0]) & 0x80)) bytes.insert(bytes.begin(), static_cast<char>(0xff));
  }
  return bytes;
}

std::string DecimalTextFromUnscaled(std::string_view bytes, int scale) {
  if (bytes.empty()) return "0";
  bool negative;
  std::string digits = MagnitudeDigits(bytes, negative);
  if (scale > 0) {
    if (static_cast<int>(digits.size()) <= scale) digits.insert(0, static_cast<size_t>(scale) + 1 - digits.size(), '0');
    digits.insert(digits.end() - scale, '.');
  } else if (scale < 0 && digits != "0") {
    digits.append(static_cast<size_t>(-scale), '0');  // unscaled x 10^-scale
  }
  if (negative) digits.insert(digits.begin(), '-');
  return digits;
}

std::optional<int> PostgresNegativeScale(int64_t connect_scale) {
  if (connect_scale < 2048 - 1000 || connect_scale > 2047) return std::nullopt;
  return static_cast<int>(connect_scale - 2048);
}

void DropZeroFraction(std::string& text) {
  const size_t point = text.find('.');
  if (point == std::string::npos || text.find_first_not_of('0', point + 1) != std::string::npos) return;
  text.erase(point);
}

}  // namespace cdc::debezium
