#include "format/debezium_json/pg_text.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/strings.h"

namespace cdc::debezium {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at `pos`.
bool Digits(std::string_view s, size_t& pos, size_t n, int64_t& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (!IsDigit(c)) return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

}  // namespace

absl::Status CannotParse(std::string_view what, std::string_view text) {
  return absl::InvalidArgumentError(StrCat("cannot parse ", what, " from '", text.substr(0, 64), "'"));
}

bool StripBc(std::string_view& text) {
  if (!text.ends_with(" BC")) return false;
  text.remove_suffix(3);
  return true;
}

// H. Hinnant's days_from_civil / civil_from_days: the same results as
// absl::CivilDay, which normalizes through cctz at a cost that showed in
// snapshot profiles (a timestamptz in every row).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

YearMonthDay CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (month <= 2), month, day};
}

bool ParseDate(std::string_view s, size_t& pos, int64_t& days, bool bc) {
  size_t y_end = pos;
  while (y_end < s.size() && IsDigit(s[y_end])) ++y_end;
  if (y_end - pos < 4) return false;
  int64_t y, m, d;
  if (!Digits(s, pos, y_end - pos, y) || pos >= s.size() || s[pos++] != '-' || !Digits(s, pos, 2, m) ||
      pos >= s.size() || s[pos++] != '-' || !Digits(s, pos, 2, d)) {
    return false;
  }
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  if (bc) y = 1 - y;
  days = DaysFromCivil(y, m, d);
  return true;
}

bool ParseTime(std::string_view s, size_t& pos, int64_t& micros) {
  int64_t h, mi, se;
  if (!Digits(s, pos, 2, h) || pos >= s.size() || s[pos++] != ':' || !Digits(s, pos, 2, mi) ||
      pos >= s.size() || s[pos++] != ':' || !Digits(s, pos, 2, se)) {
    return false;
  }
  int64_t frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int n = 0;
    while (pos < s.size() && IsDigit(s[pos])) {
      if (n < 6) frac = frac * 10 + (s[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0) return false;
    for (; n < 6; ++n) frac *= 10;
  }
  if (h > 24 || mi > 59 || se > 60) return false;
  micros = ((h * 60 + mi) * 60 + se) * 1000000 + frac;
  return true;
}

bool ParseOffset(std::string_view s, size_t& pos, int64_t& seconds) {
  if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-')) return false;
  const int sign = s[pos++] == '-' ? -1 : 1;
  int64_t oh = 0, om = 0, os = 0;
  if (!Digits(s, pos, 2, oh)) return false;
  if (pos < s.size() && s[pos] == ':') { ++pos; if (!Digits(s, pos, 2, om)) return false; }
  if (pos < s.size() && s[pos] == ':') { ++pos; if (!Digits(s, pos, 2, os)) return false; }
  seconds = sign * (oh * 3600 + om * 60 + os);
  return true;
}

// IntervalStyle postgres ("1 year 2 mons 3 days -04:05:06.5") or iso_8601
// ("P1Y2M3DT-4H-5M-6.5S").
absl::StatusOr<IntervalFields> ParseInterval(std::string_view text) {
  IntervalFields f;
  auto number = [](std::string_view s, size_t& pos, std::string& out) {
    const size_t start = pos;
    if (pos < s.size() && (s[pos] == '-' || s[pos] == '+')) ++pos;
    while (pos < s.size() && (IsDigit(s[pos]) || s[pos] == '.')) ++pos;
    out = std::string(s.substr(start, pos - start));
    if (!out.empty() && out[0] == '+') out.erase(0, 1);
    return !out.empty() && out != "-";
  };
  if (!text.empty() && text[0] == 'P') {
    size_t pos = 1;
    bool time = false;
    while (pos < text.size()) {
      if (text[pos] == 'T') { time = true; ++pos; continue; }
      std::string n;
      if (!number(text, pos, n) || pos >= text.size()) return CannotParse("interval", text);
      const char unit = text[pos++];
      int64_t v = 0;
      if (unit != 'S' && !absl::SimpleAtoi(n, &v)) return CannotParse("interval", text);
      if (!time && unit == 'Y') f.years = v;
      else if (!time && unit == 'M') f.months = v;
      else if (!time && unit == 'D') f.days = v;
      else if (!time && unit == 'W') f.days += 7 * v;
      else if (time && unit == 'H') f.hours = v;
      else if (time && unit == 'M') f.minutes = v;
      else if (time && unit == 'S') f.seconds = n;
      else return CannotParse("interval", text);
    }
    return f;
  }
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    if (pos == text.size()) break;
    std::string n;
    const size_t start = pos;
    if (!number(text, pos, n)) return CannotParse("interval", text);
    if (pos < text.size() && text[pos] == ':') {
      // [-]HH:MM:SS[.f]: the sign applies to every part (as pgjdbc reads it).
      pos = start;
      const bool negative = text[pos] == '-';
      if (text[pos] == '-' || text[pos] == '+') ++pos;
      const size_t colon = text.find(':', pos);
      const size_t colon2 = colon == std::string_view::npos ? colon : text.find(':', colon + 1);
      if (colon2 == std::string_view::npos) return CannotParse("interval", text);
      size_t end = text.find(' ', colon2);
      if (end == std::string_view::npos) end = text.size();
      int64_t h = 0, m = 0;
      if (!absl::SimpleAtoi(Piece(text.substr(pos, colon - pos)), &h) ||
          !absl::SimpleAtoi(Piece(text.substr(colon + 1, colon2 - colon - 1)), &m)) {
        return CannotParse("interval", text);
      }
      std::string s(text.substr(colon2 + 1, end - colon2 - 1));
      if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return IsDigit(c) || c == '.'; })) {
        return CannotParse("interval", text);
      }
      f.hours = negative ? -h : h;
      f.minutes = negative ? -m : m;
      f.seconds = negative ? "-" + s : s;
      pos = end;
      continue;
    }
    while (pos < text.size() && text[pos] == ' ') ++pos;
    const size_t unit_start = pos;
    while (pos < text.size() && absl::ascii_isalpha(static_cast<unsigned char>(text[pos]))) ++pos;
    const std::string_view unit = text.substr(unit_start, pos - unit_start);
    int64_t v = 0;
    if (!absl::SimpleAtoi(n, &v)) return CannotParse("interval", text);
    if (unit.starts_with("year")) f.years = v;
    else if (unit.starts_with("mon")) f.months = v;
    else if (unit.starts_with("day")) f.days = v;
    else return CannotParse("interval", text);
  }
  return f;
}

absl::StatusOr<std::string> MoneyDecimal(std::string_view text) {
  bool negative = false;
  std::string digits;
  for (char c : text) {
    if (IsDigit(c) || c == '.') digits.push_back(c);
    else if (c == '-' || c == '(') negative = true;
  }
  if (digits.empty() || std::count(digits.begin(), digits.end(), '.') > 1) return CannotParse("money", text);
  return negative ? "-" + digits : digits;
}

absl::Status ParseArray(std::string_view text, std::vector<std::optional<std::string>>& out) {
  size_t pos = 0;
  if (!text.empty() && text[0] == '[') {  // explicit bounds: "[0:1]={...}"
    pos = text.find('=');
    if (pos == std::string_view::npos) return CannotParse("array", text);
    ++pos;
  }
  if (pos >= text.size() || text[pos] != '{' || text.back() != '}') return CannotParse("array", text);
  ++pos;
  const size_t end = text.size() - 1;
  if (pos == end) return absl::OkStatus();
  while (pos <= end) {
    while (pos < end && text[pos] == ' ') ++pos;
    if (text[pos] == '{') {
      return absl::InvalidArgumentError(StrCat("multidimensional arrays are not supported ('", text.substr(0, 64), "')"));
    }
    std::string item;
    bool quoted = false;
    if (text[pos] == '"') {
      quoted = true;
      ++pos;
      while (pos < end && text[pos] != '"') {
        if (text[pos] == '\\' && pos + 1 < end) ++pos;
        item.push_back(text[pos++]);
      }
      if (pos >= end) return CannotParse("array", text);
      ++pos;
    } else {
      while (pos < end && text[pos] != ',') {
        if (text[pos] == '\\' && pos + 1 < end) ++pos;
        item.push_back(text[pos++]);
      }
      while (!item.empty() && item.back() == ' ') item.pop_back();
    }
    if (!quoted && absl::AsciiStrToUpper(item) == "NULL") out.emplace_back(std::nullopt);
    else out.emplace_back(std::move(item));
    while (pos < end && text[pos] == ' ') ++pos;
    if (pos == end) break;
    if (text[pos] != ',') return CannotParse("array", text);
    ++pos;
  }
  return absl::OkStatus();
}

absl::Status ParseHstore(std::string_view text, std::vector<std::pair<std::string, std::optional<std::string>>>& out) {
  size_t pos = 0;
  auto skip = [&] { while (pos < text.size() && (text[pos] == ' ' || text[pos] == ',')) ++pos; };
  auto quoted = [&](std::string& s) -> bool {
    if (pos >= text.size() || text[pos] != '"') return false;
    ++pos;
    while (pos < text.size() && text[pos] != '"') {
      if (text[pos] == '\\' && pos + 1 < text.size()) ++pos;
      s.push_back(text[pos++]);
    }
    if (pos >= text.size()) return false;
    ++pos;
    return true;
  };
  skip();
  while (pos < text.size()) {
    std::string key, value;
    if (!quoted(key) || text.substr(pos, 2) != "=>") return CannotParse("hstore", text);
    pos += 2;
    if (text.substr(pos, 4) == "NULL") {
      pos += 4;
      out.emplace_back(std::move(key), std::nullopt);
    } else {
      if (!quoted(value)) return CannotParse("hstore", text);
      out.emplace_back(std::move(key), std::move(value));
    }
    skip();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ByteaBytes(std::string_view text) {
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x') return CannotParse("bytea (hex format)", text);
  const std::string_view hex = text.substr(2);
  if (hex.size() % 2 != 0 ||
      !std::all_of(hex.begin(), hex.end(), [](char c) { return absl::ascii_isxdigit(static_cast<unsigned char>(c)); })) {
    return CannotParse("bytea (hex format)", text);
  }
  return absl::HexStringToBytes(Piece(hex));
}

}  // namespace cdc::debezium
