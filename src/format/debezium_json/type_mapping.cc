#include "core/strings.h"
#include "format/debezium_json/type_mapping.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "format/debezium_json/json_writer.h"

namespace cdc::debezium {
namespace {

using Writer = ColumnMapping::Writer;

std::string Schema(std::string_view type, bool optional, std::string_view name = {},
                   std::string_view extra = {}) {
  std::string s = StrCat("{\"type\":\"", type, "\",\"optional\":", optional ? "true" : "false");
  if (!name.empty()) StrAppend(&s, ",\"name\":\"", name, "\"");
  StrAppend(&s, extra);
  return s;
}

absl::Status Bad(std::string_view what, std::string_view text) {
  return absl::InvalidArgumentError(StrCat("cannot parse ", what, " from '", text.substr(0, 64), "'"));
}

// Reads exactly `n` digits at `pos`.
bool Digits(std::string_view s, size_t& pos, size_t n, int64_t& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

// "YYYY-MM-DD" (years may have more than 4 digits) -> days since 1970-01-01.
bool ParseDate(std::string_view s, size_t& pos, int64_t& days) {
  size_t y_end = pos;
  while (y_end < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[y_end]))) ++y_end;
  if (y_end - pos < 4) return false;
  int64_t y, m, d;
  if (!Digits(s, pos, y_end - pos, y) || pos >= s.size() || s[pos++] != '-' || !Digits(s, pos, 2, m) ||
      pos >= s.size() || s[pos++] != '-' || !Digits(s, pos, 2, d)) {
    return false;
  }
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  days = absl::CivilDay(y, static_cast<int>(m), static_cast<int>(d)) - absl::CivilDay(1970, 1, 1);
  return true;
}

// "HH:MM:SS[.ffffff]" -> µs since midnight; `digits` gets the fraction width.
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
    while (pos < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[pos]))) {
      if (n < 6) frac = frac * 10 + (s[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0) return false;
    for (; n < 6; ++n) frac *= 10;
  }
  micros = ((h * 60 + mi) * 60 + se) * 1000000 + frac;
  return true;
}

// pgjdbc's representation of ±infinity timestamps, which Debezium keeps.
constexpr int64_t kPositiveInfinityMicros = 9223372036825200000LL;
constexpr int64_t kNegativeInfinityMicros = -9223372036832400000LL;

absl::StatusOr<int64_t> TimestampMicros(std::string_view text) {
  if (text == "infinity") return kPositiveInfinityMicros;
  if (text == "-infinity") return kNegativeInfinityMicros;
  size_t pos = 0;
  int64_t days, micros;
  if (!ParseDate(text, pos, days) || pos >= text.size() || text[pos++] != ' ' || !ParseTime(text, pos, micros)) {
    return Bad("timestamp", text);
  }
  if (pos != text.size()) return Bad("timestamp", text);  // e.g. " BC"
  return days * 86400000000LL + micros;
}

absl::StatusOr<std::string> ZonedTimestamp(std::string_view text, int fraction_digits) {
  if (text == "infinity" || text == "-infinity") return std::string(text);
  size_t pos = 0;
  int64_t days, micros;
  if (!ParseDate(text, pos, days) || pos >= text.size() || text[pos++] != ' ' || !ParseTime(text, pos, micros)) {
    return Bad("timestamptz", text);
  }
  int64_t offset_seconds = 0;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos++] == '-' ? -1 : 1;
    int64_t oh = 0, om = 0, os = 0;
    if (!Digits(text, pos, 2, oh)) return Bad("timestamptz", text);
    if (pos < text.size() && text[pos] == ':') { ++pos; if (!Digits(text, pos, 2, om)) return Bad("timestamptz", text); }
    if (pos < text.size() && text[pos] == ':') { ++pos; if (!Digits(text, pos, 2, os)) return Bad("timestamptz", text); }
    offset_seconds = sign * (oh * 3600 + om * 60 + os);
  }
  if (pos != text.size()) return Bad("timestamptz", text);
  const int64_t utc = days * 86400000000LL + micros - offset_seconds * 1000000;
  int64_t day = utc >= 0 ? utc / 86400000000LL : -((-utc + 86399999999LL) / 86400000000LL);
  int64_t in_day = utc - day * 86400000000LL;
  const absl::CivilDay cd = absl::CivilDay(1970, 1, 1) + day;
  const int64_t sec = in_day / 1000000, frac = in_day % 1000000;
  std::string out = absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d", cd.year(), cd.month(), cd.day(),
                                    sec / 3600, (sec / 60) % 60, sec % 60);
  if (fraction_digits > 0) {
    std::string f = absl::StrFormat("%06d", frac);
    StrAppend(&out, ".", f.substr(0, static_cast<size_t>(fraction_digits)));
  }
  out.push_back('Z');
  return out;
}

}  // namespace

std::string Base64(std::string_view bytes) { return absl::Base64Escape(Piece(bytes)); }

ColumnMapping MapColumn(const SourceColumn& c, bool optional) {
  ColumnMapping m;
  const int32_t mod = c.type_modifier;
  switch (c.type_oid) {
    case oid::kBool:
      m.writer = Writer::kBoolean;
      m.schema_json = Schema("boolean", optional);
      break;
    case oid::kInt2:
      m.writer = Writer::kInteger;
      m.schema_json = Schema("int16", optional);
      break;
    case oid::kInt4:
      m.writer = Writer::kInteger;
      m.schema_json = Schema("int32", optional);
      break;
    case oid::kInt8:
    case oid::kOid:
      m.writer = Writer::kInteger;
      m.schema_json = Schema("int64", optional);
      break;
    case oid::kFloat4:
      m.writer = Writer::kFloat;
      m.schema_json = Schema("float", optional);
      break;
    case oid::kFloat8:
      m.writer = Writer::kFloat;
      m.schema_json = Schema("double", optional);
      break;
    case oid::kText:
    case oid::kVarchar:
    case oid::kBpchar:
      m.writer = Writer::kString;
      m.schema_json = Schema("string", optional);
      break;
    case oid::kJson:
    case oid::kJsonb:
      m.writer = Writer::kString;
      m.schema_json = Schema("string", optional, "io.debezium.data.Json", ",\"version\":1");
      break;
    case oid::kUuid:
      m.writer = Writer::kString;
      m.schema_json = Schema("string", optional, "io.debezium.data.Uuid", ",\"version\":1");
      break;
    case oid::kBytea:
      m.writer = Writer::kBytes;
      m.schema_json = Schema("bytes", optional);
      break;
    case oid::kNumeric:
      if (mod >= 4) {
        const int precision = ((mod - 4) >> 16) & 0xffff;
        m.scale = (mod - 4) & 0x7ff;
        m.writer = Writer::kDecimal;
        m.schema_json = Schema("bytes", optional, "org.apache.kafka.connect.data.Decimal",
                               StrCat(",\"version\":1,\"parameters\":{\"scale\":\"", m.scale,
                                            "\",\"connect.decimal.precision\":\"", precision, "\"}"));
      } else {
        m.writer = Writer::kVariableDecimal;
        m.schema_json = Schema("struct", optional, "io.debezium.data.VariableScaleDecimal",
                               ",\"version\":1,\"doc\":\"Variable scaled decimal\",\"fields\":["
                               "{\"type\":\"int32\",\"optional\":false,\"field\":\"scale\"},"
                               "{\"type\":\"bytes\",\"optional\":false,\"field\":\"value\"}]");
      }
      break;
    case oid::kDate:
      m.writer = Writer::kDate;
      m.schema_json = Schema("int32", optional, "io.debezium.time.Date", ",\"version\":1");
      break;
    case oid::kTime:
      m.writer = Writer::kTimeMicros;
      m.schema_json = Schema("int64", optional, "io.debezium.time.MicroTime", ",\"version\":1");
      break;
    case oid::kTimestamp:
      if (mod >= 0 && mod <= 3) {
        m.writer = Writer::kTimestampMillis;
        m.schema_json = Schema("int64", optional, "io.debezium.time.Timestamp", ",\"version\":1");
      } else {
        m.writer = Writer::kTimestampMicros;
        m.schema_json = Schema("int64", optional, "io.debezium.time.MicroTimestamp", ",\"version\":1");
      }
      break;
    case oid::kTimestampTz:
      m.writer = Writer::kZonedTimestamp;
      m.fraction_digits = mod >= 0 && mod <= 6 ? mod : 6;
      m.schema_json = Schema("string", optional, "io.debezium.time.ZonedTimestamp", ",\"version\":1");
      break;
    default:
      m.writer = Writer::kString;
      m.fallback = true;
      m.schema_json = Schema("string", optional);
  }
  return m;
}

absl::Status AppendValue(std::string& out, const ColumnMapping& m, std::string_view text) {
  switch (m.writer) {
    case Writer::kBoolean:
      if (text == "t") out += "true";
      else if (text == "f") out += "false";
      else return Bad("boolean", text);
      return absl::OkStatus();
    case Writer::kInteger: {
      size_t i = (!text.empty() && text[0] == '-') ? 1 : 0;
      if (i == text.size()) return Bad("integer", text);
      for (; i < text.size(); ++i)
        if (text[i] < '0' || text[i] > '9') return Bad("integer", text);
      out += text;
      return absl::OkStatus();
    }
    case Writer::kFloat:
      // JSON has no NaN/Infinity; Jackson writes them as strings.
      if (text == "NaN" || text == "Infinity" || text == "-Infinity") {
        json::AppendEscaped(out, text);
      } else {
        out += text;
      }
      return absl::OkStatus();
    case Writer::kString:
      json::AppendEscaped(out, text);
      return absl::OkStatus();
    case Writer::kDecimal: {
      if (text == "NaN" || text == "Infinity" || text == "-Infinity") {
        return absl::InvalidArgumentError(StrCat(
            "numeric special value '", text, "' has no Connect Decimal form"));
      }
      CDC_ASSIGN_OR_RETURN(std::string bytes, UnscaledDecimalBytes(text, m.scale));
      json::AppendEscaped(out, Base64(bytes));
      return absl::OkStatus();
    }
    case Writer::kVariableDecimal: {
      if (text == "NaN" || text == "Infinity" || text == "-Infinity") {
        return absl::InvalidArgumentError(StrCat(
            "numeric special value '", text, "' has no VariableScaleDecimal form"));
      }
      const size_t dot = text.find('.');
      const int scale = dot == std::string_view::npos ? 0 : static_cast<int>(text.size() - dot - 1);
      CDC_ASSIGN_OR_RETURN(std::string bytes, UnscaledDecimalBytes(text, scale));
      StrAppend(&out, "{\"scale\":", scale, ",\"value\":");
      json::AppendEscaped(out, Base64(bytes));
      out.push_back('}');
      return absl::OkStatus();
    }
    case Writer::kDate: {
      size_t pos = 0;
      int64_t days;
      if (!ParseDate(text, pos, days) || pos != text.size()) return Bad("date", text);
      json::AppendInt(out, days);
      return absl::OkStatus();
    }
    case Writer::kTimeMicros: {
      size_t pos = 0;
      int64_t micros;
      if (!ParseTime(text, pos, micros) || pos != text.size()) return Bad("time", text);
      json::AppendInt(out, micros);
      return absl::OkStatus();
    }
    case Writer::kTimestampMillis:
    case Writer::kTimestampMicros: {
      CDC_ASSIGN_OR_RETURN(int64_t micros, TimestampMicros(text));
      const bool special = micros == kPositiveInfinityMicros || micros == kNegativeInfinityMicros;
      json::AppendInt(out, m.writer == Writer::kTimestampMillis && !special ? micros / 1000 : micros);
      return absl::OkStatus();
    }
    case Writer::kZonedTimestamp: {
      CDC_ASSIGN_OR_RETURN(std::string iso, ZonedTimestamp(text, m.fraction_digits));
      json::AppendEscaped(out, iso);
      return absl::OkStatus();
    }
    case Writer::kBytes: {
      if (text.size() < 2 || text[0] != '\\' || text[1] != 'x') return Bad("bytea (hex format)", text);
      const std::string_view hex = text.substr(2);
      if (hex.size() % 2 != 0 ||
          !std::all_of(hex.begin(), hex.end(), [](char c) { return absl::ascii_isxdigit(static_cast<unsigned char>(c)); })) {
        return Bad("bytea (hex format)", text);
      }
      json::AppendEscaped(out, Base64(absl::HexStringToBytes(Piece(hex))));
      return absl::OkStatus();
    }
  }
  return absl::InternalError("unhandled column writer");
}

}  // namespace cdc::debezium
