#pragma once
// Minimal append-only JSON writer for the hot path (no DOM, no allocation
// per value beyond the output string).
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace cdc::json {

constexpr bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

// NeedsEscape as a table: one load per byte in the scanning loop below.
inline constexpr struct EscapeTable {
  bool needs[256];
  constexpr EscapeTable() : needs() {
    for (int c = 0; c < 256; ++c) needs[c] = NeedsEscape(static_cast<unsigned char>(c));
  }
} kEscapeTable;

// Hot path: runs of plain characters are appended in bulk.
inline void AppendEscaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (!kEscapeTable.needs[c]) [[likely]] continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xf]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

template <typename Int>
inline void AppendInt(std::string& out, Int v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  // (pointer, length): the iterator-pair overload goes through _M_replace.
  out.append(buf, static_cast<size_t>(r.ptr - buf));
}

inline void AppendKey(std::string& out, std::string_view key) {
  AppendEscaped(out, key);
  out.push_back(':');
}

}  // namespace cdc::json
