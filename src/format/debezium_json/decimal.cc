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

// Big-endian digits in base `from` -> little-endian digits in base `to`, by
// repeated division (schoolbook; numeric values are at most ~1000 digits).
std::vector<uint8_t> ConvertBase(std::vector<uint8_t> digits, int from, int to) {
  std::vector<uint8_t> out;
  while (!digits.empty() && !(digits.size() == 1 && digits[0] == 0)) {
    int rem = 0;
    std::vector<uint8_t> next;
    for (uint8_t d : digits) {
      const int cur = rem * from + d;
      const int q = cur / to;
      rem = cur % to;
      if (!next.empty() || q != 0) next.push_back(static_cast<uint8_t>(q));
    }
    out.push_back(static_cast<uint8_t>(rem));
    digits.swap(next);
  }
  return out;
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
  if (digits.size() <= 18) {
    // Fast path (every numeric(p<=18) value): the magnitude fits in 63 bits,
    // so no base conversion and no allocation beyond the result. Same bytes
    // as the general path below.
    uint64_t v = 0;
    for (char c : digits) v = v * 10 + static_cast<uint64_t>(c - '0');
    if (v == 0) return std::string(1, '\0');
    uint8_t mag[9];
    size_t n = 0;
    for (uint64_t t = v; t != 0; t >>= 8) ++n;
    for (size_t i = 0; i < n; ++i) mag[n - 1 - i] = static_cast<uint8_t>(v >> (8 * i));
    std::string out;
    out.reserve(n + 1);
    if (!negative) {
      if (mag[0] & 0x80) out.push_back('\0');
    } else {
      for (size_t i = 0; i < n; ++i) mag[i] = static_cast<uint8_t>(~mag[i]);
      for (size_t i = n; i-- > 0;) {
        if (++mag[i] != 0) break;
      }
      if (!(mag[0] & 0x80)) out.push_back(static_cast<char>(0xff));
    }
    out.append(reinterpret_cast<const char*>(mag), n);
    return out;
  }
  std::vector<uint8_t> dec;
  for (char c : digits) dec.push_back(static_cast<uint8_t>(c - '0'));
  std::vector<uint8_t> mag = ConvertBase(std::move(dec), 10, 256);
  if (mag.empty()) return std::string(1, '\0');
  std::reverse(mag.begin(), mag.end());
  if (!negative) {
    if (mag[0] & 0x80) mag.insert(mag.begin(), 0);
  } else {
    for (auto& b : mag) b = static_cast<uint8_t>(~b);
    for (size_t i = mag.size(); i-- > 0;) {
      if (++mag[i] != 0) break;
    }
    if (!(mag[0] & 0x80)) mag.insert(mag.begin(), 0xff);
  }
  return std::string(mag.begin(), mag.end());
}

namespace {

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
  std::vector<uint8_t> mag(bytes.begin(), bytes.end());
  if (negative) {  // two's complement -> magnitude
    for (auto& b : mag) b = static_cast<uint8_t>(~b);
    for (size_t i = mag.size(); i-- > 0;)
      if (++mag[i] != 0) break;
  }
  std::string digits;  // little-endian from ConvertBase
  for (uint8_t d : ConvertBase(std::move(mag), 256, 10)) digits.push_back(static_cast<char>('0' + d));
  if (digits.empty()) return "0";
  std::reverse(digits.begin(), digits.end());
  return digits;
}

}  // namespace

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

}  // namespace cdc::debezium
