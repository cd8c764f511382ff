#include "format/debezium_json/name_adjustment.h"

#include <cstdint>

#include "absl/strings/str_format.h"
#include "core/strings.h"

namespace cdc::debezium {

namespace {

bool IsLetter(uint16_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(uint16_t c) { return c >= '0' && c <= '9'; }

// Calls `fn(unit)` for each UTF-16 unit of UTF-8 `s`, as Java sees a string
// that came from PostgreSQL: a code point above U+FFFF is a surrogate pair;
// a byte that does not decode is U+FFFD.
template <typename Fn>
void ForEachUtf16Unit(std::string_view s, Fn&& fn) {
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<uint8_t>(s[i]);
    const size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    uint32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    bool valid = len != 0 && i + len <= s.size();
    for (size_t k = 1; valid && k < len; ++k) {
      const auto cont = static_cast<uint8_t>(s[i + k]);
      valid = (cont & 0xC0) == 0x80;
      cp = (cp << 6) | (cont & 0x3F);
    }
    if (!valid) {
      fn(uint16_t{0xFFFD});
      ++i;
      continue;
    }
    if (cp > 0xFFFF) {
      cp -= 0x10000;
      fn(static_cast<uint16_t>(0xD800 + (cp >> 10)));
      fn(static_cast<uint16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      fn(static_cast<uint16_t>(cp));
    }
    i += len;
  }
}

// Debezium's SchemaNameAdjuster.validFullname with one of its replacement
// functions; `dots` says whether '.' may follow the first character.
std::string Adjust(std::string_view name, NameAdjustment mode, bool dots) {
  if (mode == NameAdjustment::kNone || name.empty()) return std::string(name);
  const bool unicode = mode == NameAdjustment::kAvroUnicode;
  // The unicode mode escapes with '_', so '_' itself is escaped too.
  auto valid_first = [&](uint16_t c) { return IsLetter(c) || (!unicode && c == '_'); };
  auto valid_next = [&](uint16_t c) { return valid_first(c) || IsDigit(c) || (dots && c == '.'); };
  auto replace = [&](std::string& out, uint16_t c) {
    if (!unicode) {
      out.push_back('_');
      return;
    }
    // Java's Integer.toHexString, widened to four digits only below 0x100.
    std::string hex = absl::StrFormat("%x", c);
    if (hex.size() <= 2) hex = "00" + hex;
    out += "_u";
    out += hex;
  };
  std::string out;
  bool first = true, changed = false;
  ForEachUtf16Unit(name, [&](uint16_t c) {
    // Every valid character is ASCII, so a kept unit is one byte.
    if (first ? valid_first(c) : valid_next(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      replace(out, c);
      // "1st" -> "_1st" keeps the digit, so "1a" and "2a" stay apart.
      if (first && !unicode && IsDigit(c)) out.push_back(static_cast<char>(c));
      changed = true;
    }
    first = false;
  });
  return changed ? out : std::string(name);
}

}  // namespace

absl::StatusOr<NameAdjustment> ParseNameAdjustment(std::string_view option, std::string_view mode) {
  if (mode == "none") return NameAdjustment::kNone;
  if (mode == "avro") return NameAdjustment::kAvro;
  if (mode == "avro_unicode") return NameAdjustment::kAvroUnicode;
  return absl::InvalidArgumentError(StrCat(option, ": '", mode, "' is not none, avro or avro_unicode"));
}

std::string AdjustFieldName(std::string_view name, NameAdjustment mode) { return Adjust(name, mode, false); }

std::string AdjustSchemaName(std::string_view full_name, NameAdjustment mode) { return Adjust(full_name, mode, true); }

std::string SanitizeTopicName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  ForEachUtf16Unit(name, [&](uint16_t c) {
    const bool ok = IsLetter(c) || IsDigit(c) || c == '.' || c == '_' || c == '-';
    out.push_back(ok ? static_cast<char>(c) : '_');
  });
  return out;
}

}  // namespace cdc::debezium
