#include "core/strings.h"
#include "format/debezium_json/type_mapping.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "format/debezium_json/decimal.h"
#include "format/debezium_json/pg_text.h"
#include "core/json_writer.h"

namespace cdc::debezium {

using namespace std::string_view_literals;  // "..."sv: no strlen per append
namespace {

using Writer = ColumnMapping::Writer;

std::string Schema(std::string_view type, bool optional, std::string_view name = {},
                   std::string_view extra = {}) {
  std::string s = StrCat("{\"type\":\"", type, "\",\"optional\":", optional ? "true" : "false");
  if (!name.empty()) StrAppend(&s, ",\"name\":\"", name, "\"");
  StrAppend(&s, extra);
  return s;
}

std::string Parameters(std::string_view key, std::string_view value) {
  std::string s = ",\"version\":1,\"parameters\":{";
  json::AppendKey(s, key);
  json::AppendEscaped(s, value);
  s += "}"sv;
  return s;
}

// pgjdbc's representation of ±infinity timestamps (µs), which Debezium keeps.
constexpr int64_t kPositiveInfinityMicros = 9223372036825200000LL;
constexpr int64_t kNegativeInfinityMicros = -9223372036832400000LL;
constexpr int64_t kMicrosPerDay = 86400000000LL;

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

absl::StatusOr<int64_t> TimestampMicros(std::string_view text) {
  if (text == "infinity") return kPositiveInfinityMicros;
  if (text == "-infinity") return kNegativeInfinityMicros;
  const std::string_view original = text;
  const bool bc = StripBc(text);
  size_t pos = 0;
  int64_t days, micros;
  if (!ParseDate(text, pos, days, bc) || pos >= text.size() || text[pos++] != ' ' || !ParseTime(text, pos, micros) ||
      pos != text.size()) {
    return CannotParse("timestamp", original);
  }
  return days * kMicrosPerDay + micros;
}

// Zero-padded decimal of a non-negative value, at least `width` digits.
// Hot path (every timestamptz of every row): no format-string parsing.
void AppendPadded(std::string& out, int64_t v, int width) {
  char buf[24];
  char* const end = buf + sizeof(buf);
  char* p = end;
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v > 0);
  while (end - p < width) *--p = '0';
  out.append(p, static_cast<size_t>(end - p));  // one append, not one push_back per digit
}

// "HH:MM:SS"
void AppendHms(std::string& out, int64_t sec) {
  AppendPadded(out, sec / 3600, 2);
  out.push_back(':');
  AppendPadded(out, (sec / 60) % 60, 2);
  out.push_back(':');
  AppendPadded(out, sec % 60, 2);
}

// ".ffffff" with the trailing zeros dropped; nothing when frac is 0.
void AppendTrimmedFraction(std::string& out, int64_t frac) {
  if (frac == 0) return;
  int digits = 6;
  while (frac % 10 == 0) {
    frac /= 10;
    --digits;
  }
  out.push_back('.');
  AppendPadded(out, frac, digits);
}

// "HH:MM:SS[.ffffff]" with the fraction's trailing zeros dropped, as
// java.time's ISO formatters print it.
std::string IsoTime(int64_t micros_in_day) {
  const int64_t sec = micros_in_day / 1000000, frac = micros_in_day % 1000000;
  std::string out;
  AppendHms(out, sec);
  AppendTrimmedFraction(out, frac);
  return out;
}

void AppendIsoDate(std::string& out, int64_t days) {
  const YearMonthDay cd = CivilFromDays(days);
  const int64_t year = cd.year;
  if (year < 0 || year > 9999) {
    // java.time: years outside 0000-9999 carry a sign.
    out.push_back(year < 0 ? '-' : '+');
  }
  AppendPadded(out, year < 0 ? -year : year, 4);
  out.push_back('-');
  AppendPadded(out, cd.month, 2);
  out.push_back('-');
  AppendPadded(out, cd.day, 2);
}

// Appends the JSON string of a timestamptz as io.debezium.time.ZonedTimestamp
// (ISO at UTC), without a temporary string per value.
absl::Status AppendZonedTimestamp(std::string& out, std::string_view text, int fraction_digits) {
  if (text == "infinity" || text == "-infinity") {
    json::AppendEscaped(out, text);
    return absl::OkStatus();
  }
  const std::string_view original = text;
  const bool bc = StripBc(text);
  size_t pos = 0;
  int64_t days, micros, offset_seconds = 0;
  if (!ParseDate(text, pos, days, bc) || pos >= text.size() || text[pos++] != ' ' || !ParseTime(text, pos, micros)) {
    return CannotParse("timestamptz", original);
  }
  if (pos < text.size() && !ParseOffset(text, pos, offset_seconds)) return CannotParse("timestamptz", original);
  if (pos != text.size()) return CannotParse("timestamptz", original);
  const int64_t utc = days * kMicrosPerDay + micros - offset_seconds * 1000000;
  const int64_t day = FloorDiv(utc, kMicrosPerDay);
  const int64_t in_day = utc - day * kMicrosPerDay;
  const int64_t sec = in_day / 1000000, frac = in_day % 1000000;
  out.push_back('"');
  AppendIsoDate(out, day);
  out.push_back('T');
  AppendHms(out, sec);
  if (fraction_digits > 0) {
    // Debezium formats with exactly the column's fraction width.
    const int width = std::min(fraction_digits, 6);
    int64_t f = frac;
    for (int n = width; n < 6; ++n) f /= 10;
    out.push_back('.');
    AppendPadded(out, f, width);
  } else {
    AppendTrimmedFraction(out, frac);
  }
  out += "Z\""sv;
  return absl::OkStatus();
}

// timetz text -> io.debezium.time.ZonedTime: the time at UTC, ISO_OFFSET_TIME.
absl::StatusOr<std::string> ZonedTime(std::string_view text) {
  size_t pos = 0;
  int64_t micros, offset_seconds = 0;
  if (!ParseTime(text, pos, micros) || !ParseOffset(text, pos, offset_seconds) || pos != text.size()) {
    return CannotParse("timetz", text);
  }
  // PostgreSQL's end-of-day boundary stays 24:00 at UTC (Debezium's
  // PostgresTimeBoundary); other values wrap around the day.
  if (micros == kMicrosPerDay && offset_seconds == 0) return std::string("24:00:00Z");
  int64_t utc = (micros - offset_seconds * 1000000) % kMicrosPerDay;
  if (utc < 0) utc += kMicrosPerDay;
  return StrCat(IsoTime(utc), "Z");
}

// io.debezium.time.MicroDuration: Debezium's formula, in the same double
// arithmetic, so the value is bit for bit Debezium's (365.25/12 days per
// month, truncated toward zero).
int64_t MicroDurationOf(const IntervalFields& f) {
  const double kDaysPerMonthAvg = 365.25 / 12.0;
  const double seconds = std::strtod(f.seconds.c_str(), nullptr);
  const double number_of_days = static_cast<double>(f.years * 12 + f.months) * kDaysPerMonthAvg + static_cast<double>(f.days);
  const double number_of_seconds =
      ((number_of_days * 24 + static_cast<double>(f.hours)) * 60 + static_cast<double>(f.minutes)) * 60 + seconds;
  return static_cast<int64_t>(number_of_seconds * 1e6);
}

// Plain decimal text without leading zeros or trailing fraction zeros
// ("0" for zero), as BigDecimal.stripTrailingZeros().toPlainString().
std::string StripDecimalZeros(std::string s) {
  const bool negative = !s.empty() && s[0] == '-';
  if (negative || (!s.empty() && s[0] == '+')) s.erase(0, 1);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  const size_t first = s.find_first_not_of('0');
  if (first == std::string::npos) return "0";
  s.erase(0, s[first] == '.' ? first - 1 : first);
  if (s.empty() || s == "0") return "0";
  return negative ? "-" + s : s;
}

// io.debezium.time.Interval: PnYnMnDTnHnMnS, seconds to at most 6 places.
std::string IsoInterval(const IntervalFields& f) {
  return StrCat("P", f.years, "Y", f.months, "M", f.days, "DT", f.hours, "H", f.minutes, "M",
                StripDecimalZeros(f.seconds), "S");
}

// `plain` rounded half-up to `scale` fraction digits.
std::string RoundHalfUp(std::string_view plain, int scale) {
  bool negative = !plain.empty() && plain[0] == '-';
  if (negative) plain.remove_prefix(1);
  const size_t dot = plain.find('.');
  std::string int_part(plain.substr(0, dot));
  std::string frac(dot == std::string_view::npos ? "" : plain.substr(dot + 1));
  if (int_part.empty()) int_part = "0";
  bool round_up = static_cast<int>(frac.size()) > scale && frac[static_cast<size_t>(scale)] >= '5';
  frac.resize(static_cast<size_t>(scale), '0');
  std::string all = int_part + frac;
  if (round_up) {
    size_t i = all.size();
    while (i > 0) {
      if (all[i - 1] == '9') { all[i - 1] = '0'; --i; continue; }
      ++all[i - 1];
      break;
    }
    if (i == 0) all.insert(all.begin(), '1');
  }
  std::string out = scale > 0 ? all.substr(0, all.size() - static_cast<size_t>(scale)) + "." + all.substr(all.size() - static_cast<size_t>(scale)) : all;
  if (negative && out.find_first_not_of("0.") != std::string::npos) out.insert(out.begin(), '-');
  return out;
}

bool IsSpecialNumber(std::string_view text) { return text == "NaN" || text == "Infinity" || text == "-Infinity"; }

void AppendDouble(std::string& out, double v) {
  // JSON has no NaN/Infinity; Jackson (Kafka's JsonConverter) quotes them.
  if (std::isnan(v)) out += "\"NaN\""sv;
  else if (std::isinf(v)) out += v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  else out += DoubleText(v);
}

void AppendBytes(std::string& out, std::string_view bytes, BinaryHandling mode) {
  switch (mode) {
    case BinaryHandling::kBytes:
    case BinaryHandling::kBase64:
      json::AppendEscaped(out, Base64(bytes));
      return;
    case BinaryHandling::kBase64UrlSafe: {
      // java.util.Base64.getUrlEncoder(): URL alphabet, with padding.
      std::string b = Base64(bytes);
      for (char& c : b) c = c == '+' ? '-' : c == '/' ? '_' : c;
      json::AppendEscaped(out, b);
      return;
    }
    case BinaryHandling::kHex:
      json::AppendEscaped(out, absl::BytesToHexString(Piece(bytes)));
      return;
  }
}

}  // namespace

std::string Base64(std::string_view bytes) { return absl::Base64Escape(Piece(bytes)); }

std::string DoubleText(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

int32_t DateInfinityDays(bool positive) {
  // PostgresValueConverter's POSITIVE/NEGATIVE_INFINITY_LOCAL_DATE
  // (-5877611-06-21 and -5877611-06-22), which Debezium turns into epoch days.
  return static_cast<int32_t>(DaysFromCivil(-5877611, 6, positive ? 21 : 22));
}

absl::StatusOr<std::string> JavaBigDecimalString(std::string_view text, int scale) {
  CDC_ASSIGN_OR_RETURN(DecimalDigits parsed, ParseDecimalText(text, scale));
  bool negative = parsed.negative;
  const std::string& digits = parsed.digits;
  const int fraction = parsed.fraction;
  const size_t nz = digits.find_first_not_of('0');
  std::string coeff = nz == std::string::npos ? "0" : digits.substr(nz);
  if (coeff == "0") negative = false;
  const int64_t adjusted = -static_cast<int64_t>(fraction) + static_cast<int64_t>(coeff.size()) - 1;
  std::string out = negative ? "-" : "";
  if (adjusted >= -6) {  // fraction >= 0 always here
    if (fraction == 0) {
      out += coeff;
    } else if (static_cast<int>(coeff.size()) > fraction) {
      out += coeff.substr(0, coeff.size() - static_cast<size_t>(fraction)) + "." + coeff.substr(coeff.size() - static_cast<size_t>(fraction));
    } else {
      out += "0." + std::string(static_cast<size_t>(fraction) - coeff.size(), '0') + coeff;
    }
  } else {
    out += coeff.substr(0, 1);
    if (coeff.size() > 1) out += "." + coeff.substr(1);
    StrAppend(&out, "E", adjusted);
  }
  return out;
}

absl::StatusOr<TypeMappingOptions> MakeTypeMappingOptions(std::string_view decimal, std::string_view time,
                                                          std::string_view binary, std::string_view interval,
                                                          std::string_view hstore, int money_fraction_digits) {
  TypeMappingOptions o;
  if (decimal == "precise") o.decimal = DecimalHandling::kPrecise;
  else if (decimal == "double") o.decimal = DecimalHandling::kDouble;
  else if (decimal == "string") o.decimal = DecimalHandling::kString;
  else return absl::InvalidArgumentError(StrCat("decimal handling mode '", decimal, "' is not precise, double or string"));
  if (time == "adaptive") o.time = TimePrecision::kAdaptive;
  else if (time == "adaptive_time_microseconds") o.time = TimePrecision::kAdaptiveTimeMicroseconds;
  else if (time == "connect") o.time = TimePrecision::kConnect;
  else return absl::InvalidArgumentError(StrCat("time precision mode '", time, "' is not adaptive, adaptive_time_microseconds or connect"));
  if (binary == "bytes") o.binary = BinaryHandling::kBytes;
  else if (binary == "base64") o.binary = BinaryHandling::kBase64;
  else if (binary == "base64-url-safe") o.binary = BinaryHandling::kBase64UrlSafe;
  else if (binary == "hex") o.binary = BinaryHandling::kHex;
  else return absl::InvalidArgumentError(StrCat("binary handling mode '", binary, "' is not bytes, base64, base64-url-safe or hex"));
  if (interval == "numeric") o.interval = IntervalHandling::kNumeric;
  else if (interval == "string") o.interval = IntervalHandling::kString;
  else return absl::InvalidArgumentError(StrCat("interval handling mode '", interval, "' is not numeric or string"));
  if (hstore == "json") o.hstore = HstoreHandling::kJson;
  else if (hstore == "map") o.hstore = HstoreHandling::kMap;
  else return absl::InvalidArgumentError(StrCat("hstore handling mode '", hstore, "' is not json or map"));
  if (money_fraction_digits < 0 || money_fraction_digits > 20) {
    return absl::InvalidArgumentError("money fraction digits must be between 0 and 20");
  }
  o.money_fraction_digits = money_fraction_digits;
  return o;
}

namespace {

// Element OIDs of built-in array types (pg_type.typelem), for columns whose
// type was not looked up in the catalog.
uint32_t BuiltinArrayElement(uint32_t array_oid) {
  switch (array_oid) {
    case 1000: return oid::kBool;      case 1001: return oid::kBytea;    case 1002: return oid::kChar;
    case 1003: return oid::kName;      case 1005: return oid::kInt2;     case 1007: return oid::kInt4;
    case 1016: return oid::kInt8;      case 1009: return oid::kText;     case 1028: return oid::kOid;
    case 1015: return oid::kVarchar;   case 1014: return oid::kBpchar;   case 1021: return oid::kFloat4;
    case 1022: return oid::kFloat8;    case 1231: return oid::kNumeric;  case 1182: return oid::kDate;
    case 1183: return oid::kTime;      case 1115: return oid::kTimestamp; case 1185: return oid::kTimestampTz;
    case 1270: return oid::kTimeTz;    case 1187: return oid::kInterval; case 2951: return oid::kUuid;
    case 199: return oid::kJson;       case 3807: return oid::kJsonb;    case 143: return oid::kXml;
    case 1041: return oid::kInet;      case 651: return oid::kCidr;      case 1040: return oid::kMacaddr;
    case 775: return oid::kMacaddr8;   case 791: return oid::kMoney;     case 1561: return oid::kBit;
    case 1563: return oid::kVarbit;    case 1017: return oid::kPoint;    case 3905: return oid::kInt4Range;
    case 3907: return oid::kNumRange;  case 3909: return oid::kTsRange;  case 3911: return oid::kTsTzRange;
    case 3913: return oid::kDateRange; case 3927: return oid::kInt8Range;
    default: return 0;
  }
}

ColumnMapping MapType(uint32_t type_oid, int32_t mod, const SourceType* type, bool optional,
                      const TypeMappingOptions& o);

ColumnMapping MapArray(const ColumnMapping& element, bool optional) {
  ColumnMapping m;
  m.writer = Writer::kArray;
  m.fallback = element.fallback;
  m.schema_json = StrCat("{\"type\":\"array\",\"items\":", element.schema_json, "},\"optional\":",
                         optional ? "true" : "false");
  m.element = std::make_shared<const ColumnMapping>(element);
  m.type_name = element.type_name + "[]";
  return m;
}

ColumnMapping MapType(uint32_t type_oid, int32_t mod, const SourceType* type, bool optional,
                      const TypeMappingOptions& o) {
  ColumnMapping m;
  if (type && type->element) {
    // Connect ARRAY of the element's (optional) schema; the column's typmod
    // is its elements' (numeric(10,2)[] carries numeric(10,2)'s).
    return MapArray(MapType(type->element->oid, mod >= 0 ? mod : type->element->modifier, type->element.get(), true, o),
                    optional);
  }
  if (!type) {
    if (const uint32_t elem = BuiltinArrayElement(type_oid); elem != 0) {
      return MapArray(MapType(elem, mod, nullptr, true, o), optional);
    }
  }
  // Most types are a writer and a schema: plain Connect, or a named
  // (logical) one of version 1.
  auto mapped = [&m](Writer writer, std::string schema) {
    m.writer = writer;
    m.schema_json = std::move(schema);
    return m;
  };
  auto plain = [optional](std::string_view connect_type) { return Schema(connect_type, optional); };
  auto logical = [optional](std::string_view connect_type, std::string_view name) {
    return Schema(connect_type, optional, name, ",\"version\":1");
  };
  if (type && type->kind == 'e') {
    m.type_name = type->name;
    return mapped(Writer::kString, Schema("string", optional, "io.debezium.data.Enum",
                                          Parameters("allowed", absl::StrJoin(type->enum_labels, ","))));
  }
  const std::string_view name = type ? std::string_view(type->name) : std::string_view();
  m.type_name = name.empty() ? StrCat("oid ", type_oid) : std::string(name);
  auto decimal_schema = [&](int scale, std::optional<int> precision) {
    switch (o.decimal) {
      case DecimalHandling::kPrecise: {
        std::string params = StrCat(",\"version\":1,\"parameters\":{\"scale\":\"", scale, "\"");
        if (precision) StrAppend(&params, ",\"connect.decimal.precision\":\"", *precision, "\"");
        params += "}"sv;
        m.writer = Writer::kDecimal;
        return Schema("bytes", optional, "org.apache.kafka.connect.data.Decimal", params);
      }
      case DecimalHandling::kDouble:
        m.writer = Writer::kDecimalDouble;
        return plain("double");
      case DecimalHandling::kString:
        m.writer = Writer::kDecimalString;
        return plain("string");
    }
    return std::string();
  };
  const bool micro_time = o.time == TimePrecision::kAdaptiveTimeMicroseconds;
  const bool connect_time = o.time == TimePrecision::kConnect;
  const int precision = mod >= 0 && mod <= 6 ? mod : 6;  // pgjdbc: 6 when the column has none
  switch (type_oid) {
    case oid::kBool:
      return mapped(Writer::kBoolean, plain("boolean"));
    case oid::kInt2:
      return mapped(Writer::kInteger, plain("int16"));
    case oid::kInt4:
      return mapped(Writer::kInteger, plain("int32"));
    case oid::kInt8:
    case oid::kOid:
      return mapped(Writer::kInteger, plain("int64"));
    case oid::kFloat4:
      return mapped(Writer::kFloat, plain("float"));
    case oid::kFloat8:
      return mapped(Writer::kFloat, plain("double"));
    case oid::kText:
    case oid::kVarchar:
    case oid::kBpchar:
    case oid::kChar:
    case oid::kName:
    case oid::kInet:
    case oid::kCidr:
    case oid::kMacaddr:
    case oid::kMacaddr8:
    case oid::kInt4Range:
    case oid::kNumRange:
    case oid::kTsRange:
    case oid::kTsTzRange:
    case oid::kDateRange:
    case oid::kInt8Range:
      return mapped(Writer::kString, plain("string"));
    case oid::kJson:
    case oid::kJsonb:
      return mapped(Writer::kString, logical("string", "io.debezium.data.Json"));
    case oid::kXml:
      return mapped(Writer::kString, logical("string", "io.debezium.data.Xml"));
    case oid::kTsvector:
      return mapped(Writer::kString, logical("string", "io.debezium.data.Tsvector"));
    case oid::kUuid:
      return mapped(Writer::kString, logical("string", "io.debezium.data.Uuid"));
    case oid::kBytea:
      m.binary = o.binary;
      return mapped(Writer::kBytes, plain(o.binary == BinaryHandling::kBytes ? "bytes" : "string"));
    case oid::kNumeric:
      if (mod >= 4) {
        m.scale = (mod - 4) & 0x7ff;
        m.schema_json = decimal_schema(m.scale, ((mod - 4) >> 16) & 0xffff);
      } else if (o.decimal == DecimalHandling::kPrecise) {
        m.writer = Writer::kVariableDecimal;
        m.schema_json = StrCat("{\"type\":\"struct\",\"fields\":["
                               "{\"type\":\"int32\",\"optional\":false,\"field\":\"scale\"},"
                               "{\"type\":\"bytes\",\"optional\":false,\"field\":\"value\"}],\"optional\":",
                               optional ? "true" : "false",
                               ",\"name\":\"io.debezium.data.VariableScaleDecimal\",\"version\":1,"
                               "\"doc\":\"Variable scaled decimal\"");
      } else {
        m.scale = -1;  // the value's own scale
        m.schema_json = decimal_schema(0, 0);
      }
      return m;
    case oid::kMoney:
      m.money = true;
      m.scale = o.money_fraction_digits;
      m.schema_json = decimal_schema(m.scale, std::nullopt);  // Debezium: Decimal.builder(scale), no precision
      return m;
    case oid::kDate:
      return mapped(Writer::kDate, logical("int32", connect_time ? "org.apache.kafka.connect.data.Date"
                                                                 : "io.debezium.time.Date"));
    case oid::kTime:
      if (connect_time) return mapped(Writer::kTimeMillis, logical("int32", "org.apache.kafka.connect.data.Time"));
      if (precision <= 3 && !micro_time) return mapped(Writer::kTimeMillis, logical("int32", "io.debezium.time.Time"));
      return mapped(Writer::kTimeMicros, logical("int64", "io.debezium.time.MicroTime"));
    case oid::kTimestamp:
      if (connect_time) {
        return mapped(Writer::kTimestampMillis, logical("int64", "org.apache.kafka.connect.data.Timestamp"));
      }
      if (precision <= 3) return mapped(Writer::kTimestampMillis, logical("int64", "io.debezium.time.Timestamp"));
      return mapped(Writer::kTimestampMicros, logical("int64", "io.debezium.time.MicroTimestamp"));
    case oid::kTimestampTz:
      m.fraction_digits = precision;
      return mapped(Writer::kZonedTimestamp, logical("string", "io.debezium.time.ZonedTimestamp"));
    case oid::kTimeTz:
      return mapped(Writer::kZonedTime, logical("string", "io.debezium.time.ZonedTime"));
    case oid::kInterval:
      if (o.interval == IntervalHandling::kString) {
        return mapped(Writer::kIntervalString, logical("string", "io.debezium.time.Interval"));
      }
      return mapped(Writer::kIntervalMicros, logical("int64", "io.debezium.time.MicroDuration"));
    case oid::kBit:
    case oid::kVarbit: {
      // bit(n)/varbit(n): atttypmod is n; an unbounded varbit has none.
      const int64_t length = mod > 0 ? mod : 2147483647;
      if (length == 1) return mapped(Writer::kBitBoolean, plain("boolean"));
      return mapped(Writer::kBits,
                    Schema("bytes", optional, "io.debezium.data.Bits", Parameters("length", StrCat(length))));
    }
    case oid::kPoint:
      return mapped(Writer::kPoint,
                    StrCat("{\"type\":\"struct\",\"fields\":["
                           "{\"type\":\"double\",\"optional\":false,\"field\":\"x\"},"
                           "{\"type\":\"double\",\"optional\":false,\"field\":\"y\"},"
                           "{\"type\":\"bytes\",\"optional\":true,\"field\":\"wkb\"},"
                           "{\"type\":\"int32\",\"optional\":true,\"field\":\"srid\"}],\"optional\":",
                           optional ? "true" : "false",
                           ",\"name\":\"io.debezium.data.geometry.Point\",\"version\":1,\"doc\":\"Geometry (POINT)\""));
    default:
      break;
  }
  // Extension types have no fixed OID: Debezium recognizes them by name.
  if (name == "hstore") {
    if (o.hstore == HstoreHandling::kMap) {
      return mapped(Writer::kHstoreMap, StrCat("{\"type\":\"map\",\"keys\":{\"type\":\"string\",\"optional\":false},"
                                               "\"values\":{\"type\":\"string\",\"optional\":true},\"optional\":",
                                               optional ? "true" : "false"));
    }
    return mapped(Writer::kHstoreJson, logical("string", "io.debezium.data.Json"));
  }
  if (name == "citext" || name == "isbn") return mapped(Writer::kString, plain("string"));
  if (name == "ltree") return mapped(Writer::kString, logical("string", "io.debezium.data.Ltree"));
  if (type && (type->kind == 'r' || type->kind == 'm')) {  // user-defined ranges: text, like built-in ones
    return mapped(Writer::kString, plain("string"));
  }
  m.fallback = true;
  return mapped(Writer::kString, plain("string"));
}

}  // namespace

ColumnMapping MapColumn(const SourceColumn& c, bool optional, const TypeMappingOptions& options) {
  const SourceType* type = c.type.get();
  const uint32_t type_oid = type ? type->oid : c.type_oid;
  // A domain column has no typmod of its own; its domain's applies.
  const int32_t mod = c.type_modifier >= 0 ? c.type_modifier : (type ? type->modifier : -1);
  return MapType(type_oid, mod, type, optional, options);
}

absl::Status AppendValue(std::string& out, const ColumnMapping& m, std::string_view text) {
  switch (m.writer) {
    case Writer::kBoolean:
      if (text == "t") out += "true"sv;
      else if (text == "f") out += "false"sv;
      else return CannotParse("boolean", text);
      return absl::OkStatus();
    case Writer::kInteger: {
      size_t i = (!text.empty() && text[0] == '-') ? 1 : 0;
      if (i == text.size()) return CannotParse("integer", text);
      for (; i < text.size(); ++i)
        if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return CannotParse("integer", text);
      out += text;
      return absl::OkStatus();
    }
    case Writer::kFloat:
      // JSON has no NaN/Infinity; Jackson writes them as strings.
      if (IsSpecialNumber(text)) {
        json::AppendEscaped(out, text);
      } else {
        double parsed;
        const char* const end = text.data() + text.size();
        if (const auto [stop, error] = std::from_chars(text.data(), end, parsed); error != std::errc() || stop != end) {
          return CannotParse("float", text);
        }
        out += text;
      }
      return absl::OkStatus();
    case Writer::kString:
      json::AppendEscaped(out, text);
      return absl::OkStatus();
    case Writer::kDecimal:
    case Writer::kDecimalDouble:
    case Writer::kDecimalString: {
      std::string plain(text);
      if (m.money) {
        CDC_ASSIGN_OR_RETURN(plain, MoneyDecimal(text));
        plain = RoundHalfUp(plain, m.scale);
      }
      if (IsSpecialNumber(plain)) {
        if (m.writer == Writer::kDecimalDouble) {
          json::AppendEscaped(out, plain);  // Double.NaN / ±Infinity through Jackson
        } else if (m.writer == Writer::kDecimalString) {
          // SpecialValueDecimal's names.
          json::AppendEscaped(out, plain == "NaN" ? "NAN" : plain == "Infinity" ? "POSITIVE_INFINITY" : "NEGATIVE_INFINITY");
        } else {
          return absl::InvalidArgumentError(StrCat(
              "numeric special value '", plain, "' has no Connect Decimal form (Debezium fails here too); set "
              "source.postgres.decimal_handling_mode to string or double to capture it"));
        }
        return absl::OkStatus();
      }
      if (m.writer == Writer::kDecimalDouble) {
        char* end = nullptr;
        const double d = std::strtod(plain.c_str(), &end);
        if (plain.empty() || end != plain.c_str() + plain.size()) return CannotParse("decimal", text);
        AppendDouble(out, d);
      } else if (m.writer == Writer::kDecimalString) {
        CDC_ASSIGN_OR_RETURN(std::string s, JavaBigDecimalString(plain, m.scale));
        json::AppendEscaped(out, s);
      } else {
        CDC_ASSIGN_OR_RETURN(std::string bytes, UnscaledDecimalBytes(plain, m.scale));
        json::AppendEscaped(out, Base64(bytes));
      }
      return absl::OkStatus();
    }
    case Writer::kVariableDecimal: {
      if (IsSpecialNumber(text)) {
        return absl::InvalidArgumentError(StrCat(
            "numeric special value '", text, "' has no VariableScaleDecimal form (Debezium fails here too); set "
            "source.postgres.decimal_handling_mode to string or double to capture it"));
      }
      // Debezium strips trailing zeros (never below scale 0).
      std::string plain = StripDecimalZeros(std::string(text));
      const size_t dot = plain.find('.');
      const int scale = dot == std::string::npos ? 0 : static_cast<int>(plain.size() - dot - 1);
      CDC_ASSIGN_OR_RETURN(std::string bytes, UnscaledDecimalBytes(plain, scale));
      StrAppend(&out, "{\"scale\":", scale, ",\"value\":");
      json::AppendEscaped(out, Base64(bytes));
      out.push_back('}');
      return absl::OkStatus();
    }
    case Writer::kDate: {
      if (text == "infinity" || text == "-infinity") {
        json::AppendInt(out, DateInfinityDays(text == "infinity"));
        return absl::OkStatus();
      }
      std::string_view t = text;
      const bool bc = StripBc(t);
      size_t pos = 0;
      int64_t days;
      if (!ParseDate(t, pos, days, bc) || pos != t.size()) return CannotParse("date", text);
      json::AppendInt(out, days);
      return absl::OkStatus();
    }
    case Writer::kTimeMillis:
    case Writer::kTimeMicros: {
      size_t pos = 0;
      int64_t micros;
      if (!ParseTime(text, pos, micros) || pos != text.size()) return CannotParse("time", text);
      json::AppendInt(out, m.writer == Writer::kTimeMillis ? micros / 1000 : micros);
      return absl::OkStatus();
    }
    case Writer::kTimestampMillis:
    case Writer::kTimestampMicros: {
      CDC_ASSIGN_OR_RETURN(int64_t micros, TimestampMicros(text));
      json::AppendInt(out, m.writer == Writer::kTimestampMillis ? FloorDiv(micros, 1000) : micros);
      return absl::OkStatus();
    }
    case Writer::kZonedTimestamp: {
      return AppendZonedTimestamp(out, text, m.fraction_digits);
    }
    case Writer::kZonedTime: {
      CDC_ASSIGN_OR_RETURN(std::string iso, ZonedTime(text));
      json::AppendEscaped(out, iso);
      return absl::OkStatus();
    }
    case Writer::kIntervalMicros:
    case Writer::kIntervalString: {
      CDC_ASSIGN_OR_RETURN(IntervalFields f, ParseInterval(text));
      if (m.writer == Writer::kIntervalString) json::AppendEscaped(out, IsoInterval(f));
      else json::AppendInt(out, MicroDurationOf(f));
      return absl::OkStatus();
    }
    case Writer::kBytes: {
      CDC_ASSIGN_OR_RETURN(std::string bytes, ByteaBytes(text));
      AppendBytes(out, bytes, m.binary);
      return absl::OkStatus();
    }
    case Writer::kBitBoolean:
      if (text == "1") out += "true"sv;
      else if (text == "0") out += "false"sv;
      else return CannotParse("bit(1)", text);
      return absl::OkStatus();
    case Writer::kBits: {
      // Debezium: a java.util.BitSet with bit i = the i-th character from the
      // right, as little-endian bytes as long as the highest set bit needs.
      std::string bytes;
      for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[text.size() - 1 - i];
        if (c != '0' && c != '1') return CannotParse("bit string", text);
        if (c == '1') {
          if (bytes.size() <= i / 8) bytes.resize(i / 8 + 1, '\0');
          bytes[i / 8] = static_cast<char>(static_cast<unsigned char>(bytes[i / 8]) | (1u << (i % 8)));
        }
      }
      json::AppendEscaped(out, Base64(bytes));
      return absl::OkStatus();
    }
    case Writer::kPoint: {
      // "(x,y)" -> {x, y, wkb: OGC WKB little-endian point, srid: null}.
      const size_t comma = text.find(',');
      if (text.size() < 5 || text.front() != '(' || text.back() != ')' || comma == std::string_view::npos) {
        return CannotParse("point", text);
      }
      const std::string xs(text.substr(1, comma - 1)), ys(text.substr(comma + 1, text.size() - comma - 2));
      char* xe = nullptr;
      char* ye = nullptr;
      const double x = std::strtod(xs.c_str(), &xe), y = std::strtod(ys.c_str(), &ye);
      if (xe != xs.c_str() + xs.size() || ye != ys.c_str() + ys.size() || xs.empty() || ys.empty()) return CannotParse("point", text);
      std::string wkb(1, '\x01');
      const uint32_t kWkbPoint = 1;
      for (int i = 0; i < 4; ++i) wkb.push_back(static_cast<char>((kWkbPoint >> (8 * i)) & 0xff));
      for (double d : {x, y}) {
        uint64_t bits;
        std::memcpy(&bits, &d, sizeof bits);
        for (int i = 0; i < 8; ++i) wkb.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
      }
      out += "{\"x\":"sv;
      AppendDouble(out, x);
      out += ",\"y\":"sv;
      AppendDouble(out, y);
      out += ",\"wkb\":"sv;
      json::AppendEscaped(out, Base64(wkb));
      out += ",\"srid\":null}"sv;
      return absl::OkStatus();
    }
    case Writer::kHstoreJson:
    case Writer::kHstoreMap: {
      std::vector<std::pair<std::string, std::optional<std::string>>> pairs;
      CDC_RETURN_IF_ERROR(ParseHstore(text, pairs));
      std::string obj = "{";
      for (size_t i = 0; i < pairs.size(); ++i) {
        if (i) obj.push_back(',');
        json::AppendKey(obj, pairs[i].first);
        if (pairs[i].second) json::AppendEscaped(obj, *pairs[i].second);
        else obj += "null"sv;
      }
      obj.push_back('}');
      if (m.writer == Writer::kHstoreMap) out += obj;  // a Connect map is a JSON object
      else json::AppendEscaped(out, obj);              // io.debezium.data.Json: the object's text
      return absl::OkStatus();
    }
    case Writer::kArray: {
      std::vector<std::optional<std::string>> items;
      CDC_RETURN_IF_ERROR(ParseArray(text, items));
      out.push_back('[');
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out.push_back(',');
        if (!items[i]) {
          out += "null"sv;
        } else {
          CDC_RETURN_IF_ERROR(AppendValue(out, *m.element, *items[i]));
        }
      }
      out.push_back(']');
      return absl::OkStatus();
    }
  }
  return absl::InternalError("unhandled column writer");
}

}  // namespace cdc::debezium
