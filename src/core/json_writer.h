#pragma once
// Minimal append-only JSON writer for the hot path (no DOM, no allocation
// per value beyond the output string).
#include <charconv>
#include <climits>
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

/// The decimal digits of an instant in microseconds, from which those of
/// the same instant in milli- and nanoseconds follow without converting
/// again (Debezium writes ts_ms, ts_us and ts_ns of each instant). Each
/// Append writes what AppendInt of micros / 1000, micros and micros * 1000
/// would.
class MicrosDigits {
 public:
  explicit MicrosDigits(int64_t micros) : micros_(micros) {
    len_ = static_cast<size_t>(std::to_chars(buf_, buf_ + sizeof(buf_), micros).ptr - buf_);
  }
  void AppendMillis(std::string& out) const {
    // Truncated toward zero, as the division: the last three digits go.
    if (micros_ > -1000 && micros_ < 1000) out.push_back('0');
    else out.append(buf_, len_ - 3);
  }
  void AppendMicros(std::string& out) const { out.append(buf_, len_); }
  void AppendNanos(std::string& out) const {
    if (micros_ == 0) {
      out.push_back('0');
    } else if (micros_ > kMaxExactNanos || micros_ < -kMaxExactNanos) {
      // Past year 2262 the product wraps around, as int64 arithmetic does.
      AppendInt(out, static_cast<int64_t>(static_cast<uint64_t>(micros_) * 1000u));
    } else {
      out.append(buf_, len_);
      out.append("000", 3);
    }
  }

 private:
  static constexpr int64_t kMaxExactNanos = INT64_MAX / 1000;
  int64_t micros_;
  char buf_[24];
  size_t len_;
};

inline void AppendKey(std::string& out, std::string_view key) {
  AppendEscaped(out, key);
  out.push_back(':');
}

}  // namespace cdc::json
