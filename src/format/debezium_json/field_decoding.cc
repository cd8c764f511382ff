#include "core/strings.h"
#include "format/debezium_json/field_decoding.h"

#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "format/debezium_json/decimal.h"
#include "format/debezium_json/pg_text.h"
#include "format/debezium_json/type_mapping.h"

namespace cdc::debezium {

using simdjson::dom::element;

namespace {

// pgjdbc's ±infinity timestamps (µs) as Debezium sends them.
constexpr int64_t kPgjdbcInfinityMicros = 9223372036825200000LL;
constexpr int64_t kPgjdbcNegInfinityMicros = -9223372036832400000LL;

// Decimal seconds text ("-6.5") -> µs, exactly; digits past the sixth
// fraction digit are dropped.
absl::StatusOr<int64_t> SecondsMicros(std::string_view text) {
  const bool negative = !text.empty() && text[0] == '-';
  if (negative || (!text.empty() && text[0] == '+')) text.remove_prefix(1);
  const size_t dot = text.find('.');
  int64_t whole = 0, frac = 0;
  if (!absl::SimpleAtoi(Piece(text.substr(0, dot)), &whole)) return absl::InvalidArgumentError("malformed Interval seconds");
  if (dot != std::string_view::npos) {
    std::string f(text.substr(dot + 1));
    f.resize(6, '0');
    if (!absl::SimpleAtoi(f, &frac)) return absl::InvalidArgumentError("malformed Interval seconds");
  }
  return (negative ? -1 : 1) * (whole * 1000000 + frac);
}

// "PnYnMnDTnHnMnS" (io.debezium.time.Interval) -> months, days, µs. The
// ISO form capture reads from PostgreSQL (IntervalStyle iso_8601), so
// pg_text's reader serves both.
absl::StatusOr<Value> IsoIntervalValue(std::string_view s) {
  if (s.empty() || s[0] != 'P') return absl::InvalidArgumentError("Interval is not ISO 8601");
  CDC_ASSIGN_OR_RETURN(IntervalFields f, ParseInterval(s));
  CDC_ASSIGN_OR_RETURN(int64_t seconds_us, SecondsMicros(f.seconds));
  return Value::Interval(static_cast<int32_t>(f.years * 12 + f.months), static_cast<int32_t>(f.days),
                         (f.hours * 60 + f.minutes) * 60000000LL + seconds_us);
}

// Connect's and Debezium's logical types whose name alone says how their
// values are read (Decimal and VariableScaleDecimal need their parameters).
struct NamedDecoding {
  std::string_view name;
  ColumnType type;
  Encoding encoding;
};
constexpr NamedDecoding kNamedDecodings[] = {
    {"io.debezium.time.Date", ColumnType::kDate, Encoding::kDays},
    {"org.apache.kafka.connect.data.Date", ColumnType::kDate, Encoding::kDays},
    {"io.debezium.time.MicroTimestamp", ColumnType::kTimestamp, Encoding::kMicros},
    {"io.debezium.time.Timestamp", ColumnType::kTimestamp, Encoding::kMillisToMicros},
    {"org.apache.kafka.connect.data.Timestamp", ColumnType::kTimestamp, Encoding::kMillisToMicros},
    {"io.debezium.time.NanoTimestamp", ColumnType::kTimestamp, Encoding::kNanosToMicros},
    {"io.debezium.time.ZonedTimestamp", ColumnType::kTimestampTz, Encoding::kPlain},
    {"io.debezium.time.MicroTime", ColumnType::kTime, Encoding::kPlain},
    {"io.debezium.time.Time", ColumnType::kTime, Encoding::kMillisToMicros},
    {"org.apache.kafka.connect.data.Time", ColumnType::kTime, Encoding::kMillisToMicros},
    {"io.debezium.time.NanoTime", ColumnType::kTime, Encoding::kNanosToMicros},
    {"io.debezium.time.ZonedTime", ColumnType::kTimeTz, Encoding::kZonedTime},
    {"io.debezium.time.MicroDuration", ColumnType::kInterval, Encoding::kMicroDuration},
    {"io.debezium.time.Interval", ColumnType::kInterval, Encoding::kIsoInterval},
    {"io.debezium.data.Json", ColumnType::kJson, Encoding::kPlain},
    {"io.debezium.data.Uuid", ColumnType::kUuid, Encoding::kPlain},
    {"io.debezium.data.Bits", ColumnType::kBlob, Encoding::kBase64},
    {"io.debezium.data.geometry.Point", ColumnType::kPoint, Encoding::kPoint},
};

const NamedDecoding* FindNamedDecoding(std::string_view name) {
  if (name.empty()) return nullptr;
  for (const NamedDecoding& d : kNamedDecodings) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

// A string in a float column: Jackson's quoted NaN and ±Infinity as
// doubles; any other text is kept as it is.
Value TextOrSpecialDouble(std::string_view str) {
  if (str == "NaN") return Value::Double(std::numeric_limits<double>::quiet_NaN());
  if (str == "Infinity") return Value::Double(std::numeric_limits<double>::infinity());
  if (str == "-Infinity") return Value::Double(-std::numeric_limits<double>::infinity());
  return Value::Text(std::string(str));
}

// Debezium's unchanged-TOAST placeholder in an array column
// (UnchangedToastedPlaceholder, spec/02 §6): a one-element array of the
// placeholder (text-like and bytea arrays), or the placeholder's bytes as
// numbers (int4[], int8[], date[]).
bool IsPlaceholderArray(simdjson::dom::array items, const DecodeContext& ctx) {
  const size_t n = items.size();
  if (n == 1) {
    std::string_view s;
    if (items.at(0).get(s) == simdjson::SUCCESS) return s == ctx.placeholder || s == ctx.placeholder_base64;
  }
  if (n != ctx.placeholder.size()) return false;
  size_t i = 0;
  for (element item : items) {
    int64_t b;
    if (item.get(b) != simdjson::SUCCESS || b != static_cast<unsigned char>(ctx.placeholder[i++])) return false;
  }
  return true;
}

Value WideDecimal(std::string text, const FieldDecoding& f, const DecodeContext& ctx) {
  if (!f.to_double) return Value::Text(std::move(text));
  ctx.Lossy();
  return Value::Double(std::strtod(text.c_str(), nullptr));
}

bool IsVariableScaleDecimal(element v) {
  int64_t scale;
  std::string_view b64;
  return v.is_object() && v.get_object().value_unsafe().size() == 2 && v["scale"].get(scale) == simdjson::SUCCESS &&
         v["value"].get(b64) == simdjson::SUCCESS;
}

// A schemaless value as a value of the column's inferred type.
absl::StatusOr<Value> InferredValue(element v, ColumnType type, const DecodeContext& ctx) {
  switch (v.type()) {
    case simdjson::dom::element_type::BOOL: {
      const bool b = v.get_bool().value_unsafe();
      return type == ColumnType::kText ? Value::Text(b ? "true" : "false") : Value::Bool(b);
    }
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64: {
      const int64_t n = v.type() == simdjson::dom::element_type::INT64
                            ? v.get_int64().value_unsafe()
                            : static_cast<int64_t>(v.get_uint64().value_unsafe());
      if (type == ColumnType::kDouble) return Value::Double(static_cast<double>(n));
      if (type == ColumnType::kText || type == ColumnType::kJson) return Value::Text(StrCat(n));
      return Value::Int(n);
    }
    case simdjson::dom::element_type::DOUBLE:
      if (type == ColumnType::kText || type == ColumnType::kJson) return Value::Text(simdjson::minify(v));
      return Value::Double(v.get_double().value_unsafe());
    case simdjson::dom::element_type::STRING: {
      const std::string_view str = v.get_string().value_unsafe();
      if (type == ColumnType::kDouble) return TextOrSpecialDouble(str);
      return Value::Text(std::string(str));
    }
    case simdjson::dom::element_type::OBJECT:
      if (IsVariableScaleDecimal(v)) {
        // {scale, value}: Debezium's VariableScaleDecimal, exact as text.
        int64_t scale = v["scale"].get_int64().value_unsafe();
        std::string raw;
        if (scale >= 0 && scale <= 1000 && absl::Base64Unescape(Piece(v["value"].get_string().value_unsafe()), &raw)) {
          return Value::Text(DecimalTextFromUnscaled(raw, static_cast<int>(scale)));
        }
      }
      return Value::Text(simdjson::minify(v));
    case simdjson::dom::element_type::ARRAY:
      if (IsPlaceholderArray(v.get_array().value_unsafe(), ctx)) return Value::Unchanged();
      return Value::Text(simdjson::minify(v));
    default:
      return Value::Null();
  }
}

}  // namespace

FieldDecoding Decoding(ColumnType type, Encoding encoding) {
  FieldDecoding d;
  d.type = type;
  d.encoding = encoding;
  return d;
}

std::string_view StringOr(element e, std::string_view key, std::string_view fallback) {
  std::string_view out;
  if (e[key].get(out) == simdjson::SUCCESS) return out;
  return fallback;
}

FieldDecoding MapField(element field, WarehouseColumn& col, bool wide_as_double) {
  const std::string_view type = StringOr(field, "type");
  const std::string_view name = StringOr(field, "name");
  FieldDecoding d = Decoding(ColumnType::kText);
  auto wide = [&] {
    // DuckDB's DECIMAL holds 38 digits; wider values stay exact as text
    // unless the configuration trades exactness for a DOUBLE.
    d.type = wide_as_double ? ColumnType::kDouble : ColumnType::kText;
    d.to_double = wide_as_double;
  };
  if (name == "org.apache.kafka.connect.data.Decimal") {
    int64_t scale = 0, precision = 0;
    absl::SimpleAtoi(Piece(StringOr(field["parameters"], "scale", "0")), &scale);
    const bool has_precision =
        absl::SimpleAtoi(Piece(StringOr(field["parameters"], "connect.decimal.precision")), &precision);
    d.encoding = Encoding::kDecimal;
    d.scale = static_cast<int>(scale);
    if (const std::optional<int> negative = PostgresNegativeScale(scale)) {
      // numeric(p, s < 0): whole numbers of up to p - s digits.
      d.whole = true;
      if (has_precision && precision >= 1 && precision - *negative <= 38) {
        d.type = ColumnType::kDecimal;
        col.precision = static_cast<int>(precision - *negative);
        col.scale = 0;
      } else {
        wide();
      }
    } else if (has_precision && precision >= 1 && precision <= 38 && scale >= 0 && scale <= precision) {
      d.type = ColumnType::kDecimal;
      col.precision = static_cast<int>(precision);
      col.scale = static_cast<int>(scale);
    } else if (!has_precision && scale >= 0 && scale <= 38) {
      // Decimal without precision (money; other producers): the widest DECIMAL.
      d.type = ColumnType::kDecimal;
      col.precision = 38;
      col.scale = static_cast<int>(scale);
    } else {
      wide();
    }
  } else if (name == "io.debezium.data.VariableScaleDecimal") {
    d.encoding = Encoding::kVariableDecimal;
    wide();
  } else if (const NamedDecoding* named = FindNamedDecoding(name)) {
    d = Decoding(named->type, named->encoding);
  } else if (type == "array") {
    element items;
    WarehouseColumn elem;
    if (field["items"].get(items) == simdjson::SUCCESS && items.is_object()) {
      auto e = std::make_shared<FieldDecoding>(MapField(items, elem, wide_as_double));
      if (!elem.list && e->type != ColumnType::kPoint) {
        d = Decoding(e->type, Encoding::kArray);
        d.element = std::move(e);
        col.type = elem.type;
        col.precision = elem.precision;
        col.scale = elem.scale;
        col.list = true;
        return d;
      }
    }
    d = Decoding(ColumnType::kText, Encoding::kJsonText);  // nested or odd arrays: their JSON text
  } else if (type == "map") {
    d = Decoding(ColumnType::kJson, Encoding::kJsonText);
  } else if (type == "boolean") {
    d.type = ColumnType::kBoolean;
  } else if (type == "int8" || type == "int16") {
    d.type = ColumnType::kInt16;
  } else if (type == "int32") {
    d.type = ColumnType::kInt32;
  } else if (type == "int64") {
    d.type = ColumnType::kInt64;
  } else if (type == "float") {
    d.type = ColumnType::kFloat;
  } else if (type == "double") {
    d.type = ColumnType::kDouble;
  } else if (type == "bytes") {
    d = Decoding(ColumnType::kBlob, Encoding::kBase64);
  } else {
    d.type = ColumnType::kText;  // strings (enums too); other structs kept as JSON text
  }
  col.type = d.type;
  return d;
}

ColumnType InferredType(element v) {
  switch (v.type()) {
    case simdjson::dom::element_type::BOOL: return ColumnType::kBoolean;
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64: return ColumnType::kInt64;
    case simdjson::dom::element_type::DOUBLE: return ColumnType::kDouble;
    case simdjson::dom::element_type::OBJECT: return IsVariableScaleDecimal(v) ? ColumnType::kText : ColumnType::kJson;
    case simdjson::dom::element_type::ARRAY: return ColumnType::kJson;
    default: return ColumnType::kText;  // strings, and columns seen only as null
  }
}

absl::StatusOr<Value> DecodeValue(element v, const FieldDecoding& f, const DecodeContext& ctx) {
  if (v.is_null()) return Value::Null();
  std::string_view str;
  const bool is_string = v.get(str) == simdjson::SUCCESS;
  // The placeholder of unchanged TOAST: as text in string-typed columns, as
  // its bytes (base64) in bytes columns. A stored value equal to it is
  // indistinguishable, in Debezium's format as for any Debezium consumer.
  if (is_string && (str == ctx.placeholder ||
                    ((f.encoding == Encoding::kBase64 || f.encoding == Encoding::kInferred) && str == ctx.placeholder_base64))) {
    return Value::Unchanged();
  }
  switch (f.encoding) {
    case Encoding::kDecimal: {
      std::string raw;
      if (!is_string) return absl::InvalidArgumentError("decimal is not a base64 string");
      if (!absl::Base64Unescape(Piece(str), &raw)) return absl::InvalidArgumentError("decimal is not valid base64");
      std::string text = DecimalTextFromUnscaled(raw, f.scale);
      if (f.whole) DropZeroFraction(text);
      if (f.type == ColumnType::kDecimal) return Value::Text(std::move(text));
      return WideDecimal(std::move(text), f, ctx);
    }
    case Encoding::kVariableDecimal: {
      int64_t scale;
      std::string_view b64;
      std::string raw;
      if (v["scale"].get(scale) != simdjson::SUCCESS || v["value"].get(b64) != simdjson::SUCCESS ||
          !absl::Base64Unescape(Piece(b64), &raw) || scale < 0 || scale > 1000) {
        return absl::InvalidArgumentError("malformed VariableScaleDecimal");
      }
      return WideDecimal(DecimalTextFromUnscaled(raw, static_cast<int>(scale)), f, ctx);
    }
    case Encoding::kMillisToMicros:
    case Encoding::kNanosToMicros:
    case Encoding::kMicros:
    case Encoding::kDays: {
      int64_t n;
      if (v.get(n) != simdjson::SUCCESS) return absl::InvalidArgumentError("time value is not an integer");
      switch (f.encoding) {
        case Encoding::kMillisToMicros:
          if (f.type == ColumnType::kTimestamp && n == kPgjdbcInfinityMicros / 1000) return Value::Int(kInfinityMicros);
          if (f.type == ColumnType::kTimestamp && n == kPgjdbcNegInfinityMicros / 1000) return Value::Int(-kInfinityMicros);
          return Value::Int(n * 1000);
        case Encoding::kNanosToMicros:
          if (n == INT64_MAX) return Value::Int(kInfinityMicros);   // NanoTimestamp's ±infinity
          if (n == INT64_MIN) return Value::Int(-kInfinityMicros);
          if (n % 1000 != 0) ctx.Lossy();
          return Value::Int(n / 1000);
        case Encoding::kMicros:
          if (n == kPgjdbcInfinityMicros) return Value::Int(kInfinityMicros);
          if (n == kPgjdbcNegInfinityMicros) return Value::Int(-kInfinityMicros);
          return Value::Int(n);
        default:
          if (n == DateInfinityDays(true)) return Value::Int(kInfinityDays);
          if (n == DateInfinityDays(false)) return Value::Int(-kInfinityDays);
          return Value::Int(n);
      }
    }
    case Encoding::kBase64: {
      std::string raw;
      if (!is_string || !absl::Base64Unescape(Piece(str), &raw)) {
        return absl::InvalidArgumentError("bytes value is not base64");
      }
      return Value::Text(std::move(raw));
    }
    case Encoding::kZonedTime: {
      if (!is_string || str.empty()) return absl::InvalidArgumentError("ZonedTime is not a string");
      std::string t(str);
      if (t.back() == 'Z') t = t.substr(0, t.size() - 1) + "+00";
      return Value::Text(std::move(t));
    }
    case Encoding::kMicroDuration: {
      int64_t n;
      if (v.get(n) != simdjson::SUCCESS) return absl::InvalidArgumentError("MicroDuration is not an integer");
      return Value::Interval(0, 0, n);
    }
    case Encoding::kIsoInterval:
      if (!is_string) return absl::InvalidArgumentError("Interval is not a string");
      return IsoIntervalValue(str);
    case Encoding::kPoint: {
      double x, y;
      if (v["x"].get(x) != simdjson::SUCCESS || v["y"].get(y) != simdjson::SUCCESS) {
        return absl::InvalidArgumentError("Point without x/y");
      }
      std::vector<Value> fields{Value::Double(x), Value::Double(y), Value::Null(), Value::Null()};
      std::string_view wkb;
      std::string raw;
      if (v["wkb"].get(wkb) == simdjson::SUCCESS && absl::Base64Unescape(Piece(wkb), &raw)) fields[2] = Value::Text(std::move(raw));
      int64_t srid;
      if (v["srid"].get(srid) == simdjson::SUCCESS) fields[3] = Value::Int(srid);
      return Value::List(std::move(fields));
    }
    case Encoding::kArray: {
      simdjson::dom::array items;
      if (v.get(items) != simdjson::SUCCESS) return absl::InvalidArgumentError("array value is not a JSON array");
      if (IsPlaceholderArray(items, ctx)) return Value::Unchanged();
      std::vector<Value> out;
      for (element item : items) {
        CDC_ASSIGN_OR_RETURN(Value e, DecodeValue(item, *f.element, ctx));
        if (e.kind == Value::Kind::kUnchanged) e = Value::Text(std::string(ctx.placeholder));
        out.push_back(std::move(e));
      }
      return Value::List(std::move(out));
    }
    case Encoding::kJsonText:
      return Value::Text(simdjson::minify(v));
    case Encoding::kInferred:
      return InferredValue(v, f.type, ctx);
    case Encoding::kPlain:
      break;
  }
  switch (v.type()) {
    case simdjson::dom::element_type::BOOL:
      return Value::Bool(v.get_bool().value_unsafe());
    case simdjson::dom::element_type::INT64:
      return Value::Int(v.get_int64().value_unsafe());
    case simdjson::dom::element_type::UINT64:
      return Value::Int(static_cast<int64_t>(v.get_uint64().value_unsafe()));
    case simdjson::dom::element_type::DOUBLE:
      return Value::Double(v.get_double().value_unsafe());
    case simdjson::dom::element_type::STRING:
      if (f.type == ColumnType::kFloat || f.type == ColumnType::kDouble) return TextOrSpecialDouble(str);
      return Value::Text(std::string(str));
    default:
      return Value::Text(simdjson::minify(v));
  }
}

}  // namespace cdc::debezium
