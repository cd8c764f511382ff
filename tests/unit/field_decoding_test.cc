#include "format/debezium_json/field_decoding.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>

#include "absl/strings/escaping.h"
#include "format/debezium_json/decimal.h"

namespace cdc::debezium {
namespace {

// Parses `json` and keeps its document alive for the elements read from it.
class Json {
 public:
  explicit Json(std::string_view json) : text_(json) {}
  simdjson::dom::element Root() { return parser_.parse(text_).value(); }

 private:
  std::string text_;
  simdjson::dom::parser parser_;
};

// The decoding MapField chooses for one Connect schema field, and its column.
struct Mapped {
  FieldDecoding decoding;
  WarehouseColumn column;
};

Mapped Map(std::string_view field_schema, bool wide_as_double = false) {
  Json json(field_schema);
  Mapped m;
  m.decoding = MapField(json.Root(), m.column, wide_as_double);
  return m;
}

constexpr std::string_view kPlaceholder = "__debezium_unavailable_value";
constexpr std::string_view kPlaceholderBase64 = "X19kZWJleml1bV91bmF2YWlsYWJsZV92YWx1ZQ==";

absl::StatusOr<Value> Decode(std::string_view value_json, const FieldDecoding& f, std::atomic<uint64_t>* lossy = nullptr) {
  Json json(value_json);
  return DecodeValue(json.Root(), f, DecodeContext{kPlaceholder, kPlaceholderBase64, lossy});
}

TEST(FieldDecoding, DecimalsKeepTheirPrecisionOrStayExactAsTextWhenTooWide) {
  const Mapped money = Map(R"({"type":"bytes","name":"org.apache.kafka.connect.data.Decimal",
                                "parameters":{"scale":"2","connect.decimal.precision":"12"}})");
  EXPECT_EQ(money.column.type, ColumnType::kDecimal);
  EXPECT_EQ(money.column.precision, 12);
  EXPECT_EQ(money.column.scale, 2);
  // 0x3039 = 12345 unscaled, scale 2.
  auto v = Decode(R"("MDk=")", money.decoding);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->text, "123.45");

  const std::string wide = R"({"type":"bytes","name":"org.apache.kafka.connect.data.Decimal",
                               "parameters":{"scale":"2","connect.decimal.precision":"50"}})";
  EXPECT_EQ(Map(wide).column.type, ColumnType::kText);
  std::atomic<uint64_t> lossy{0};
  const Mapped as_double = Map(wide, /*wide_as_double=*/true);
  EXPECT_EQ(as_double.column.type, ColumnType::kDouble);
  v = Decode(R"("MDk=")", as_double.decoding, &lossy);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->kind, Value::Kind::kDouble);
  EXPECT_DOUBLE_EQ(v->real, 123.45);
  EXPECT_EQ(lossy.load(), 1u);  // the trade is counted
}

// numeric(5,-2) as Debezium sends it (and cdcpipe, to match): pgjdbc reads
// the scale -2 as 2046, so 12300 arrives as 12300 x 10^2046 with scale 2046.
TEST(FieldDecoding, NegativePostgresScalesBecomeWholeDecimals) {
  const Mapped hundreds = Map(R"({"type":"bytes","name":"org.apache.kafka.connect.data.Decimal",
                                   "parameters":{"scale":"2046","connect.decimal.precision":"5"}})");
  EXPECT_EQ(hundreds.column.type, ColumnType::kDecimal);
  EXPECT_EQ(hundreds.column.precision, 7);  // 5 digits, then 2 zeros
  EXPECT_EQ(hundreds.column.scale, 0);
  for (const char* value : {"12300", "-9999900", "0"}) {
    auto bytes = UnscaledDecimalBytes(value, 2046);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    auto v = Decode("\"" + absl::Base64Escape(*bytes) + "\"", hundreds.decoding);
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_EQ(v->text, value);
  }
  // Too many digits for DuckDB's DECIMAL: exact text, still whole.
  const Mapped wide = Map(R"({"type":"bytes","name":"org.apache.kafka.connect.data.Decimal",
                              "parameters":{"scale":"1048","connect.decimal.precision":"30"}})");
  EXPECT_EQ(wide.column.type, ColumnType::kText);
  auto bytes = UnscaledDecimalBytes("12" + std::string(1000, '0'), 1048);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  auto v = Decode("\"" + absl::Base64Escape(*bytes) + "\"", wide.decoding);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->text, "12" + std::string(1000, '0'));
  // PostgreSQL's scales end at 1000: a scale of 1000 is a scale of 1000.
  EXPECT_EQ(Map(R"({"type":"bytes","name":"org.apache.kafka.connect.data.Decimal",
                    "parameters":{"scale":"1000","connect.decimal.precision":"1000"}})").column.type,
            ColumnType::kText);
  auto thousandth = UnscaledDecimalBytes("0.5", 1000);
  ASSERT_TRUE(thousandth.ok());
  EXPECT_EQ(Decode("\"" + absl::Base64Escape(*thousandth) + "\"",
                   Map(R"({"type":"bytes","name":"org.apache.kafka.connect.data.Decimal",
                           "parameters":{"scale":"1000","connect.decimal.precision":"1000"}})").decoding)->text,
            "0.5" + std::string(999, '0'));
}

TEST(FieldDecoding, TimesBecomeMicrosecondsWithInfinitiesMapped) {
  const Mapped ts = Map(R"({"type":"int64","name":"io.debezium.time.Timestamp"})");
  EXPECT_EQ(ts.column.type, ColumnType::kTimestamp);
  EXPECT_EQ(Decode("1500", ts.decoding)->integer, 1500000);
  // pgjdbc's +infinity in milliseconds.
  EXPECT_EQ(Decode("9223372036825200", ts.decoding)->integer, kInfinityMicros);

  const Mapped nanos = Map(R"({"type":"int64","name":"io.debezium.time.NanoTime"})");
  std::atomic<uint64_t> lossy{0};
  EXPECT_EQ(Decode("1000", nanos.decoding, &lossy)->integer, 1);
  EXPECT_EQ(lossy.load(), 0u);
  EXPECT_EQ(Decode("1999", nanos.decoding, &lossy)->integer, 1);
  EXPECT_EQ(lossy.load(), 1u);  // the nanoseconds below 1 µs are cut, and counted

  const Mapped interval = Map(R"({"type":"string","name":"io.debezium.time.Interval"})");
  auto v = Decode(R"("P1Y2M3DT4H5M-6.5S")", interval.decoding);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->months, 14);
  EXPECT_EQ(v->days, 3);
  EXPECT_EQ(v->integer, (4 * 60 + 5) * 60000000LL - 6500000);
}

TEST(FieldDecoding, TheToastPlaceholderIsUnchangedInTextBytesAndArrays) {
  const Mapped text = Map(R"({"type":"string"})");
  EXPECT_EQ(Decode(R"("__debezium_unavailable_value")", text.decoding)->kind, Value::Kind::kUnchanged);
  EXPECT_EQ(Decode(R"("other")", text.decoding)->kind, Value::Kind::kText);

  const Mapped bytes = Map(R"({"type":"bytes"})");
  EXPECT_EQ(bytes.column.type, ColumnType::kBlob);
  EXPECT_EQ(Decode(R"("X19kZWJleml1bV91bmF2YWlsYWJsZV92YWx1ZQ==")", bytes.decoding)->kind, Value::Kind::kUnchanged);
  auto raw = Decode(R"("AAE=")", bytes.decoding);
  ASSERT_TRUE(raw.ok()) << raw.status();
  EXPECT_EQ(raw->text, std::string("\0\1", 2));

  const Mapped ints = Map(R"({"type":"array","items":{"type":"int32","optional":true}})");
  EXPECT_TRUE(ints.column.list);
  EXPECT_EQ(ints.column.type, ColumnType::kInt32);
  // int4[]: the placeholder's bytes as numbers.
  std::string bytes_as_numbers = "[";
  for (char c : kPlaceholder) bytes_as_numbers += std::to_string(static_cast<unsigned char>(c)) + ",";
  bytes_as_numbers.back() = ']';
  EXPECT_EQ(Decode(bytes_as_numbers, ints.decoding)->kind, Value::Kind::kUnchanged);
  auto list = Decode("[1,null,3]", ints.decoding);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->items.size(), 3u);
  EXPECT_EQ(list->items[0].integer, 1);
  EXPECT_EQ(list->items[1].kind, Value::Kind::kNull);
}

TEST(FieldDecoding, FloatsReadJacksonsQuotedSpecialValues) {
  const Mapped real = Map(R"({"type":"double"})");
  EXPECT_EQ(real.column.type, ColumnType::kDouble);
  EXPECT_TRUE(std::isnan(Decode(R"("NaN")", real.decoding)->real));
  EXPECT_EQ(Decode(R"("-Infinity")", real.decoding)->real, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(Decode("2.5", real.decoding)->real, 2.5);
  // Without a schema, only in a column inferred as double.
  const FieldDecoding inferred_double = Decoding(ColumnType::kDouble, Encoding::kInferred);
  EXPECT_EQ(Decode(R"("Infinity")", inferred_double)->real, std::numeric_limits<double>::infinity());
  EXPECT_EQ(Decode(R"("Infinity")", Decoding(ColumnType::kText, Encoding::kInferred))->text, "Infinity");
}

TEST(FieldDecoding, MalformedValuesAreRefusedWithWhatIsWrong) {
  const Mapped decimal = Map(R"({"type":"bytes","name":"org.apache.kafka.connect.data.Decimal",
                                  "parameters":{"scale":"2","connect.decimal.precision":"12"}})");
  auto v = Decode("12", decimal.decoding);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("base64"), std::string_view::npos) << v.status();
  v = Decode(R"("1.5")", Map(R"({"type":"int32","name":"io.debezium.time.Date"})").decoding);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("not an integer"), std::string_view::npos) << v.status();
  v = Decode(R"("1 day")", Map(R"({"type":"string","name":"io.debezium.time.Interval"})").decoding);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("ISO 8601"), std::string_view::npos) << v.status();
}

TEST(FieldDecoding, WithoutASchemaTheFirstValueSetsTheType) {
  Json number("42"), text(R"("x")"), decimal(R"({"scale":2,"value":"MDk="})"), object(R"({"a":1})");
  EXPECT_EQ(InferredType(number.Root()), ColumnType::kInt64);
  EXPECT_EQ(InferredType(text.Root()), ColumnType::kText);
  EXPECT_EQ(InferredType(decimal.Root()), ColumnType::kText);  // VariableScaleDecimal: exact text
  EXPECT_EQ(InferredType(object.Root()), ColumnType::kJson);

  const FieldDecoding inferred = Decoding(ColumnType::kText, Encoding::kInferred);
  auto v = Decode(R"({"scale":2,"value":"MDk="})", inferred);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->text, "123.45");
  // A number in a column first seen as text stays text.
  EXPECT_EQ(Decode("7", inferred)->text, "7");
}

}  // namespace
}  // namespace cdc::debezium
