#include "format/debezium_json/type_mapping.h"

#include <gtest/gtest.h>

#include "absl/time/civil_time.h"

#include "format/debezium_json/debezium_json_decoder.h"
#include "format/debezium_json/decimal.h"

namespace cdc::debezium {
namespace {

std::string Render(uint32_t oid, int32_t typmod, std::string_view text, const TypeMappingOptions& o = {},
                   std::shared_ptr<const SourceType> type = nullptr) {
  SourceColumn c{"c", oid, typmod, false, std::move(type)};
  std::string out;
  absl::Status st = AppendValue(out, MapColumn(c, true, o), text);
  return st.ok() ? out : "ERROR: " + std::string(st.message());
}

std::string SchemaOf(uint32_t oid, int32_t typmod, const TypeMappingOptions& o = {},
                     std::shared_ptr<const SourceType> type = nullptr) {
  SourceColumn c{"c", oid, typmod, false, std::move(type)};
  return MapColumn(c, true, o).schema_json + "}";
}

TypeMappingOptions Decimal(DecimalHandling d) {
  TypeMappingOptions o;
  o.decimal = d;
  return o;
}

int32_t NumericTypmod(int p, int s) { return ((p << 16) | s) + 4; }

// Java's BigInteger.toByteArray(): minimal big-endian two's complement.
std::string JavaBytes(int64_t x) {
  size_t n = 1;
  while (n < 8 && !(x >= -(int64_t{1} << (8 * n - 1)) && x < (int64_t{1} << (8 * n - 1)))) ++n;
  std::string out;
  for (size_t i = n; i-- > 0;) out.push_back(static_cast<char>(static_cast<uint64_t>(x) >> (8 * i)));
  return out;
}

TEST(Decimal, UnscaledBytesMatchJavaBigIntegerOnBothPaths) {
  std::vector<int64_t> values = {0, 1, -1, 127, 128, -128, -129, 255, 256, -256, -257, 32767, 32768, -32768,
                                 -32769, 8388607, 8388608, 999999999999999999LL, -999999999999999999LL};
  for (int64_t v = 1; v < 1000000000000000000LL / 7; v = v * 7 + 3) {
    values.push_back(v);
    values.push_back(-v);
  }
  for (int64_t v : values) {
    const std::string text = std::to_string(v);
    auto fast = UnscaledDecimalBytes(text, 0);
    ASSERT_TRUE(fast.ok()) << text;
    EXPECT_EQ(*fast, JavaBytes(v)) << text;
    // Same value with 20 leading zeros: more than 18 digits, the general path.
    const std::string padded = (v < 0 ? "-" : "") + std::string(20, '0') + std::to_string(v < 0 ? -v : v);
    auto slow = UnscaledDecimalBytes(padded, 0);
    ASSERT_TRUE(slow.ok()) << padded;
    EXPECT_EQ(*slow, *fast) << padded;
  }
  EXPECT_EQ(*UnscaledDecimalBytes("-0.00", 2), std::string(1, '\0'));
  EXPECT_EQ(*UnscaledDecimalBytes("12.5", 2), JavaBytes(1250));
}

TEST(TypeMapping, DecimalsMatchDebeziumWorkedExamples) {
  EXPECT_EQ(Render(oid::kNumeric, NumericTypmod(10, 2), "123.45"), "\"MDk=\"");
  EXPECT_EQ(Render(oid::kNumeric, NumericTypmod(10, 2), "-123.45"), "\"z8c=\"");
  EXPECT_EQ(Render(oid::kNumeric, NumericTypmod(10, 2), "0.00"), "\"AA==\"");
  EXPECT_EQ(Render(oid::kNumeric, NumericTypmod(10, 2), "1.28"), "\"AIA=\"");  // 128 needs a sign byte
  EXPECT_EQ(Render(oid::kNumeric, NumericTypmod(10, 2), "-1.28"), "\"gA==\"");
  EXPECT_EQ(Render(oid::kNumeric, NumericTypmod(10, 2), "-1.29"), "\"/38=\"");
}

TEST(TypeMapping, DecimalRoundTripsThroughTheDecoderExactly) {
  for (const char* v : {"0", "1", "-1", "127", "128", "-128", "-129", "255", "256", "-256",
                        "99999999999999999999999999999999999999", "-170141183460469231731687303715884105728"}) {
    auto bytes = UnscaledDecimalBytes(v, 0);
    ASSERT_TRUE(bytes.ok()) << v;
    EXPECT_EQ(DecimalTextFromUnscaled(*bytes, 0), v);
  }
  // Past 64 bits, against bytes known by heart: 2^128 and -2^127.
  EXPECT_EQ(*UnscaledDecimalBytes("340282366920938463463374607431768211456", 0), "\x01" + std::string(16, '\0'));
  EXPECT_EQ(*UnscaledDecimalBytes("-170141183460469231731687303715884105728", 0), "\x80" + std::string(15, '\0'));
  EXPECT_EQ(DecimalTextFromUnscaled("\x01" + std::string(16, '\0'), 0), "340282366920938463463374607431768211456");
  EXPECT_EQ(DecimalTextFromUnscaled("\xff\x80" + std::string(15, '\0'), 0), "-170141183460469231731687303715884105728");
  // A thousand digits, and numeric(5,-2)'s 12300 at Debezium's scale 2046.
  std::string thousand;
  for (int i = 0; i < 1000; ++i) thousand.push_back(static_cast<char>('1' + i % 9));
  for (const std::string& v : {thousand, "-" + thousand}) {
    auto bytes = UnscaledDecimalBytes(v, 0);
    ASSERT_TRUE(bytes.ok());
    EXPECT_EQ(DecimalTextFromUnscaled(*bytes, 0), v);
  }
  auto hundreds = UnscaledDecimalBytes("-12300", 2046);
  ASSERT_TRUE(hundreds.ok());
  EXPECT_EQ(DecimalTextFromUnscaled(*hundreds, 2046), "-12300." + std::string(2046, '0'));
  auto scaled = UnscaledDecimalBytes("-0.05", 3);
  ASSERT_TRUE(scaled.ok());
  EXPECT_EQ(DecimalTextFromUnscaled(*scaled, 3), "-0.050");
}

// The decimal `v` / 10^scale (v x 10^-scale for a negative scale), written
// out digit by digit: the reference for DecimalTextFromUnscaled.
std::string ScaledText(int64_t v, int scale) {
  std::string digits = std::to_string(v);
  const bool negative = v < 0;
  if (negative) digits.erase(0, 1);
  if (scale < 0) {
    if (v != 0) digits += std::string(static_cast<size_t>(-scale), '0');
  } else if (scale > 0) {
    while (static_cast<int>(digits.size()) <= scale) digits.insert(0, "0");
    digits.insert(digits.size() - static_cast<size_t>(scale), ".");
  }
  return (negative ? "-" : "") + digits;
}

TEST(Decimal, TextFromUnscaledBytesIsTheSameOnBothPaths) {
  std::vector<int64_t> values = {0, 1, -1, 5, -5, 127, 128, -128, -129, 32768, -32769, INT64_MAX, INT64_MIN,
                                 INT64_MIN + 1};
  for (int64_t v = 1; v < INT64_MAX / 7; v = v * 7 + 3) {
    values.push_back(v);
    values.push_back(-v);
  }
  for (int64_t v : values) {
    // Up to 8 bytes: the 64-bit path; with a redundant sign byte in front
    // (9 bytes, as another producer may write them): the general one.
    const std::string bytes = JavaBytes(v);
    const std::string nine = std::string(9 - bytes.size(), v < 0 ? '\xff' : '\0') + bytes;
    for (int scale : {0, 1, 2, 5, 19, 25, -2}) {
      EXPECT_EQ(DecimalTextFromUnscaled(bytes, scale), ScaledText(v, scale)) << v << " scale " << scale;
      EXPECT_EQ(DecimalTextFromUnscaled(nine, scale), ScaledText(v, scale)) << v << " scale " << scale;
    }
  }
  // A negative scale multiplies: numeric(5,-2) holds 12300 as 123.
  EXPECT_EQ(DecimalTextFromUnscaled(JavaBytes(123), -2), "12300");
}

TEST(TypeMapping, RejectsDecimalThatWouldRound) {
  EXPECT_FALSE(UnscaledDecimalBytes("1.234", 2).ok());
  EXPECT_TRUE(UnscaledDecimalBytes("1.230", 2).ok());
  EXPECT_FALSE(UnscaledDecimalBytes("1.2.3", 2).ok());
  EXPECT_FALSE(UnscaledDecimalBytes("", 2).ok());
  EXPECT_EQ(Render(oid::kNumeric, NumericTypmod(10, 2), "NaN").substr(0, 6), "ERROR:");
}

TEST(TypeMapping, TimesFollowDebeziumAdaptiveMode) {
  EXPECT_EQ(Render(oid::kDate, -1, "2024-01-15"), "19737");
  EXPECT_EQ(Render(oid::kDate, -1, "1969-12-31"), "-1");
  EXPECT_EQ(Render(oid::kTime, -1, "12:34:56.789"), "45296789000");
  EXPECT_EQ(Render(oid::kTimestamp, -1, "2024-01-15 12:00:00.5"), "1705320000500000");
  EXPECT_EQ(Render(oid::kTimestamp, 3, "2024-01-15 12:00:00.5"), "1705320000500");
  EXPECT_EQ(Render(oid::kTimestamp, -1, "infinity"), "9223372036825200000");
  EXPECT_EQ(Render(oid::kTimestampTz, -1, "2024-01-15 12:00:00.5+00"), "\"2024-01-15T12:00:00.500000Z\"");
  EXPECT_EQ(Render(oid::kTimestampTz, -1, "2024-01-15 14:30:00+02:30"), "\"2024-01-15T12:00:00.000000Z\"");
  EXPECT_EQ(Render(oid::kTimestampTz, 0, "2024-01-01 00:00:00-01"), "\"2024-01-01T01:00:00Z\"");
  // Years BC are astronomical years (1 BC = year 0), as java.time counts.
  EXPECT_EQ(Render(oid::kDate, -1, "0001-01-01 BC"), Render(oid::kDate, -1, "0000-01-01"));
  EXPECT_EQ(Render(oid::kTimestamp, -1, "2024-01-15 12:00:00 junk").substr(0, 6), "ERROR:");
  EXPECT_EQ(Render(oid::kDate, -1, "2024-13-01").substr(0, 6), "ERROR:");
}

TEST(TypeMapping, ScalarsAndFallback) {
  EXPECT_EQ(Render(oid::kBool, -1, "t"), "true");
  EXPECT_EQ(Render(oid::kBool, -1, "f"), "false");
  EXPECT_EQ(Render(oid::kBool, -1, "x").substr(0, 6), "ERROR:");
  EXPECT_EQ(Render(oid::kInt8, -1, "-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(Render(oid::kInt4, -1, "12a").substr(0, 6), "ERROR:");
  EXPECT_EQ(Render(oid::kText, -1, "a\"b\n"), "\"a\\\"b\\n\"");
  EXPECT_EQ(Render(oid::kBytea, -1, "\\x0102ff"), "\"AQL/\"");
  SourceColumn unknown{"c", 628 /* line: no Debezium mapping here */, -1, false};
  EXPECT_TRUE(MapColumn(unknown, true).fallback);
  EXPECT_EQ(Render(628, -1, "{1,-1,0}"), "\"{1,-1,0}\"");
}

TEST(TypeMapping, FloatsKeepSpecialValuesAsJacksonWritesThem) {
  EXPECT_EQ(Render(oid::kFloat8, -1, "1e+20"), "1e+20");
  EXPECT_EQ(Render(oid::kFloat8, -1, "NaN"), "\"NaN\"");
  EXPECT_EQ(Render(oid::kFloat4, -1, "-Infinity"), "\"-Infinity\"");
  EXPECT_EQ(Render(oid::kFloat4, -1, "x1").substr(0, 6), "ERROR:");
  EXPECT_EQ(Render(oid::kFloat8, -1, "1.5x").substr(0, 6), "ERROR:");
  EXPECT_EQ(Render(oid::kFloat8, -1, "").substr(0, 6), "ERROR:");
  // The extremes PostgreSQL prints pass as they are, subnormals too.
  EXPECT_EQ(Render(oid::kFloat8, -1, "1.7976931348623157e+308"), "1.7976931348623157e+308");
  EXPECT_EQ(Render(oid::kFloat8, -1, "5e-324"), "5e-324");
  EXPECT_EQ(Render(oid::kFloat4, -1, "1e-45"), "1e-45");
  EXPECT_EQ(Render(oid::kFloat8, -1, "-0"), "-0");
  EXPECT_EQ(SchemaOf(oid::kFloat4, -1), R"({"type":"float","optional":true})");
}

TEST(TypeMapping, UnconstrainedNumericIsVariableScaleDecimalWithTrailingZerosStripped) {
  // Debezium: BigDecimal.stripTrailingZeros, never below scale 0.
  EXPECT_EQ(Render(oid::kNumeric, -1, "1.500"), R"({"scale":1,"value":"Dw=="})");
  EXPECT_EQ(Render(oid::kNumeric, -1, "100"), R"({"scale":0,"value":"ZA=="})");
  EXPECT_EQ(Render(oid::kNumeric, -1, "0.000"), R"({"scale":0,"value":"AA=="})");
  EXPECT_EQ(SchemaOf(oid::kNumeric, -1),
            R"({"type":"struct","fields":[{"type":"int32","optional":false,"field":"scale"},)"
            R"({"type":"bytes","optional":false,"field":"value"}],"optional":true,)"
            R"("name":"io.debezium.data.VariableScaleDecimal","version":1,"doc":"Variable scaled decimal"})");
  EXPECT_NE(Render(oid::kNumeric, -1, "NaN").find("decimal_handling_mode"), std::string::npos);
}

TEST(TypeMapping, DecimalHandlingDoubleAndString) {
  const auto dbl = Decimal(DecimalHandling::kDouble);
  const auto str = Decimal(DecimalHandling::kString);
  EXPECT_EQ(Render(oid::kNumeric, NumericTypmod(10, 2), "123.45", dbl), "123.45");
  EXPECT_EQ(Render(oid::kNumeric, -1, "NaN", dbl), "\"NaN\"");
  EXPECT_EQ(Render(oid::kNumeric, -1, "-Infinity", dbl), "\"-Infinity\"");
  EXPECT_EQ(SchemaOf(oid::kNumeric, NumericTypmod(10, 2), dbl), R"({"type":"double","optional":true})");
  // BigDecimal.toString(): scientific below an adjusted exponent of -6.
  EXPECT_EQ(Render(oid::kNumeric, NumericTypmod(10, 2), "123.45", str), "\"123.45\"");
  EXPECT_EQ(Render(oid::kNumeric, NumericTypmod(20, 10), "0.0000000001", str), "\"1E-10\"");
  EXPECT_EQ(Render(oid::kNumeric, NumericTypmod(10, 2), "0.00", str), "\"0.00\"");
  EXPECT_EQ(Render(oid::kNumeric, -1, "-0.000001", str), "\"-0.000001\"");
  EXPECT_EQ(Render(oid::kNumeric, -1, "0.0000001", str), "\"1E-7\"");
  EXPECT_EQ(Render(oid::kNumeric, -1, "NaN", str), "\"NAN\"");
  EXPECT_EQ(Render(oid::kNumeric, -1, "Infinity", str), "\"POSITIVE_INFINITY\"");
  EXPECT_EQ(Render(oid::kNumeric, -1, "-Infinity", str), "\"NEGATIVE_INFINITY\"");
  EXPECT_EQ(SchemaOf(oid::kNumeric, -1, str), R"({"type":"string","optional":true})");
  EXPECT_EQ(SchemaOf(oid::kNumeric, NumericTypmod(10, 2)),
            R"({"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,)"
            R"("parameters":{"scale":"2","connect.decimal.precision":"10"}})");
}

TEST(TypeMapping, MoneyIsADecimalWithMoneyFractionDigits) {
  EXPECT_EQ(Render(oid::kMoney, -1, "$1,234.56"), "\"AeJA\"");  // 123456
  EXPECT_EQ(Render(oid::kMoney, -1, "-$1.00"), "\"nA==\"");     // -100
  EXPECT_EQ(SchemaOf(oid::kMoney, -1),
            R"({"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,)"
            R"("parameters":{"scale":"2"}})");
  TypeMappingOptions three;
  three.money_fraction_digits = 3;
  EXPECT_EQ(Render(oid::kMoney, -1, "$1.50", three), "\"Bdw=\"");  // 1500
  EXPECT_EQ(Render(oid::kMoney, -1, "$1,234.56", Decimal(DecimalHandling::kDouble)), "1234.56");
  EXPECT_EQ(Render(oid::kMoney, -1, "-$1,234.56", Decimal(DecimalHandling::kString)), "\"-1234.56\"");
}

TEST(TypeMapping, TimePrecisionModes) {
  TypeMappingOptions micro, connect;
  micro.time = TimePrecision::kAdaptiveTimeMicroseconds;
  connect.time = TimePrecision::kConnect;
  EXPECT_EQ(Render(oid::kTime, 3, "12:34:56.789"), "45296789");  // io.debezium.time.Time, ms
  EXPECT_NE(SchemaOf(oid::kTime, 3).find("io.debezium.time.Time\""), std::string::npos);
  EXPECT_EQ(Render(oid::kTime, 3, "12:34:56.789", micro), "45296789000");
  EXPECT_NE(SchemaOf(oid::kTime, 3, micro).find("io.debezium.time.MicroTime"), std::string::npos);
  EXPECT_EQ(Render(oid::kTime, -1, "24:00:00"), "86400000000");
  EXPECT_EQ(Render(oid::kTime, -1, "12:34:56.789", connect), "45296789");
  EXPECT_NE(SchemaOf(oid::kTime, -1, connect).find("org.apache.kafka.connect.data.Time"), std::string::npos);
  EXPECT_EQ(Render(oid::kTimestamp, -1, "2024-01-15 12:00:00.5", connect), "1705320000500");
  EXPECT_NE(SchemaOf(oid::kTimestamp, -1, connect).find("org.apache.kafka.connect.data.Timestamp"), std::string::npos);
  EXPECT_NE(SchemaOf(oid::kDate, -1, connect).find("org.apache.kafka.connect.data.Date"), std::string::npos);
  EXPECT_EQ(Render(oid::kTimestamp, -1, "-infinity"), "-9223372036832400000");
  EXPECT_EQ(Render(oid::kTimestamp, 3, "infinity"), "9223372036825200");
  EXPECT_EQ(Render(oid::kTimestampTz, -1, "infinity"), "\"infinity\"");
  EXPECT_EQ(Render(oid::kTimestampTz, 3, "2024-01-15 12:00:00.5+00"), "\"2024-01-15T12:00:00.500Z\"");
  EXPECT_EQ(Render(oid::kDate, -1, "infinity"), std::to_string(DateInfinityDays(true)));
}

TEST(TypeMapping, TimeTzIsZonedTimeAtUtc) {
  EXPECT_EQ(Render(oid::kTimeTz, -1, "10:15:30.5+02"), "\"08:15:30.5Z\"");
  EXPECT_EQ(Render(oid::kTimeTz, -1, "00:30:00-01:30"), "\"02:00:00Z\"");
  EXPECT_EQ(Render(oid::kTimeTz, -1, "01:00:00+02"), "\"23:00:00Z\"");
  EXPECT_EQ(Render(oid::kTimeTz, -1, "24:00:00+00"), "\"24:00:00Z\"");
  EXPECT_NE(SchemaOf(oid::kTimeTz, -1).find("io.debezium.time.ZonedTime"), std::string::npos);
}

TEST(TypeMapping, IntervalAsMicroDurationOrIsoString) {
  // MicroDuration: 365.25/12 days a month, in Debezium's double arithmetic.
  EXPECT_EQ(Render(oid::kInterval, -1, "P1Y2M3DT4H5M6.78S"), "37091106780000");
  EXPECT_EQ(Render(oid::kInterval, -1, "1 year 2 mons 3 days 04:05:06.78"), "37091106780000");
  EXPECT_EQ(Render(oid::kInterval, -1, "-04:05:06"), "-14706000000");
  EXPECT_EQ(Render(oid::kInterval, -1, "1 mon"), "2629800000000");
  EXPECT_NE(SchemaOf(oid::kInterval, -1).find(R"("type":"int64","optional":true,"name":"io.debezium.time.MicroDuration")"),
            std::string::npos);
  TypeMappingOptions str;
  str.interval = IntervalHandling::kString;
  EXPECT_EQ(Render(oid::kInterval, -1, "P1Y2M3DT4H5M6.78S", str), "\"P1Y2M3DT4H5M6.78S\"");
  EXPECT_EQ(Render(oid::kInterval, -1, "-04:05:06", str), "\"P0Y0M0DT-4H-5M-6S\"");
  EXPECT_EQ(Render(oid::kInterval, -1, "PT0S", str), "\"P0Y0M0DT0H0M0S\"");
  EXPECT_NE(SchemaOf(oid::kInterval, -1, str).find("io.debezium.time.Interval"), std::string::npos);
}

TEST(TypeMapping, BinaryHandlingModes) {
  TypeMappingOptions o;
  EXPECT_EQ(Render(oid::kBytea, -1, "\\xfbff"), "\"+/8=\"");
  o.binary = BinaryHandling::kBase64;
  EXPECT_EQ(Render(oid::kBytea, -1, "\\xfbff", o), "\"+/8=\"");
  EXPECT_EQ(SchemaOf(oid::kBytea, -1, o), R"({"type":"string","optional":true})");
  o.binary = BinaryHandling::kBase64UrlSafe;
  EXPECT_EQ(Render(oid::kBytea, -1, "\\xfbff", o), "\"-_8=\"");
  o.binary = BinaryHandling::kHex;
  EXPECT_EQ(Render(oid::kBytea, -1, "\\xfbff", o), "\"fbff\"");
}

TEST(TypeMapping, BitsAndPoint) {
  EXPECT_EQ(Render(oid::kBit, 1, "1"), "true");
  EXPECT_EQ(Render(oid::kVarbit, 1, "0"), "false");
  // io.debezium.data.Bits: little-endian bytes of the bit string's value.
  EXPECT_EQ(Render(oid::kBit, 10, "0000000101"), "\"BQ==\"");
  EXPECT_EQ(Render(oid::kBit, 10, "1000000001"), "\"AQI=\"");
  EXPECT_EQ(SchemaOf(oid::kBit, 10),
            R"({"type":"bytes","optional":true,"name":"io.debezium.data.Bits","version":1,"parameters":{"length":"10"}})");
  EXPECT_EQ(Render(oid::kPoint, -1, "(1.5,2.5)"), R"({"x":1.5,"y":2.5,"wkb":"AQEAAAAAAAAAAAD4PwAAAAAAAARA","srid":null})");
  EXPECT_NE(SchemaOf(oid::kPoint, -1).find(R"x("name":"io.debezium.data.geometry.Point","version":1,"doc":"Geometry (POINT)")x"),
            std::string::npos);
}

TEST(TypeMapping, CatalogTypesEnumsDomainsHstoreArrays) {
  auto mood = std::make_shared<SourceType>();
  mood->oid = 16500;
  mood->name = "mood";
  mood->kind = 'e';
  mood->enum_labels = {"sad", "ok", "happy"};
  EXPECT_EQ(SchemaOf(16500, -1, {}, mood),
            R"({"type":"string","optional":true,"name":"io.debezium.data.Enum","version":1,"parameters":{"allowed":"sad,ok,happy"}})");
  EXPECT_EQ(Render(16500, -1, "happy", {}, mood), "\"happy\"");

  auto price = std::make_shared<SourceType>();  // a domain over numeric(10,2)
  price->oid = oid::kNumeric;
  price->modifier = NumericTypmod(10, 2);
  price->name = "numeric";
  EXPECT_EQ(Render(16501, -1, "123.45", {}, price), "\"MDk=\"");

  auto hstore = std::make_shared<SourceType>();
  hstore->oid = 16600;
  hstore->name = "hstore";
  EXPECT_EQ(Render(16600, -1, R"("a"=>"1", "b\"c"=>NULL)", {}, hstore), R"("{\"a\":\"1\",\"b\\\"c\":null}")");
  EXPECT_NE(SchemaOf(16600, -1, {}, hstore).find("io.debezium.data.Json"), std::string::npos);
  TypeMappingOptions map;
  map.hstore = HstoreHandling::kMap;
  EXPECT_EQ(Render(16600, -1, R"("a"=>"1")", map, hstore), R"({"a":"1"})");

  auto moods = std::make_shared<SourceType>();
  moods->oid = 16499;
  moods->name = "_mood";
  moods->element = mood;
  EXPECT_EQ(Render(16499, -1, "{sad,NULL,happy}", {}, moods), R"(["sad",null,"happy"])");
  EXPECT_NE(SchemaOf(16499, -1, {}, moods).find(R"({"type":"array","items":{"type":"string","optional":true,"name":"io.debezium.data.Enum")"),
            std::string::npos);
}

TEST(TypeMapping, BuiltinArraysMapTheirElements) {
  EXPECT_EQ(Render(1007, -1, "{1,2,NULL}"), "[1,2,null]");
  EXPECT_EQ(SchemaOf(1007, -1), R"({"type":"array","items":{"type":"int32","optional":true},"optional":true})");
  EXPECT_EQ(Render(1009, -1, R"({a,"b c","d\"e",NULL,"NULL"})"), R"(["a","b c","d\"e",null,"NULL"])");
  EXPECT_EQ(Render(1231, NumericTypmod(10, 2), "{1.50}"), R"(["AJY="])");
  EXPECT_EQ(Render(1182, -1, "{2024-01-15}"), "[19737]");
  EXPECT_EQ(Render(1007, -1, "{}"), "[]");
  EXPECT_EQ(Render(1007, -1, "[0:1]={1,2}"), "[1,2]");
  EXPECT_NE(Render(1007, -1, "{{1,2},{3,4}}").find("multidimensional"), std::string::npos);
}

TEST(TypeMapping, JavaBigDecimalStringMatchesToString) {
  EXPECT_EQ(*JavaBigDecimalString("123.4500", -1), "123.4500");
  EXPECT_EQ(*JavaBigDecimalString("0.000001", -1), "0.000001");
  EXPECT_EQ(*JavaBigDecimalString("0.00000012", -1), "1.2E-7");
  EXPECT_EQ(*JavaBigDecimalString("-0.0000000", -1), "0E-7");
  EXPECT_EQ(*JavaBigDecimalString("42", 2), "42.00");
}

TEST(TypeMapping, OptionsFromConfigSpellings) {
  EXPECT_TRUE(MakeTypeMappingOptions("precise", "adaptive", "bytes", "numeric", "json", 2).ok());
  EXPECT_TRUE(MakeTypeMappingOptions("string", "connect", "base64-url-safe", "string", "map", 4).ok());
  EXPECT_FALSE(MakeTypeMappingOptions("exact", "adaptive", "bytes", "numeric", "json", 2).ok());
  EXPECT_FALSE(MakeTypeMappingOptions("precise", "micro", "bytes", "numeric", "json", 2).ok());
}

// Dates are computed without absl::CivilDay (hot path); they must agree with
// it across PostgreSQL's range, BC years and past-month-end days included.
TEST(TypeMapping, DatesAgreeWithCivilDayArithmetic) {
  for (int64_t y = -4712; y <= 294276; y += (y > 3000 ? 997 : 7)) {
    for (int m = 1; m <= 12; ++m) {
      for (int d : {1, 15, 28, 29, 30, 31}) {
        const int64_t want = absl::CivilDay(y, m, d) - absl::CivilDay(1970, 1, 1);
        char year[32];
        std::snprintf(year, sizeof(year), "%04lld", static_cast<long long>(y > 0 ? y : 1 - y));
        char text[64];
        std::snprintf(text, sizeof(text), "%s-%02d-%02d%s", year, m, d, y > 0 ? "" : " BC");
        ASSERT_EQ(Render(oid::kDate, -1, text), std::to_string(want)) << text;
        // And back: midnight UTC prints the normalized civil date.
        const absl::CivilDay norm = absl::CivilDay(1970, 1, 1) + want;
        if (norm.year() < 0 || norm.year() > 9999) continue;
        char iso[64];
        std::snprintf(iso, sizeof(iso), "\"%04lld-%02d-%02dT00:00:00Z\"", static_cast<long long>(norm.year()),
                      norm.month(), norm.day());
        ASSERT_EQ(Render(oid::kTimestampTz, 0, std::string(text).substr(0, std::string(text).find(' ')) +
                                                   " 00:00:00+00" + (y > 0 ? "" : " BC")), iso) << text;
      }
    }
  }
}

}  // namespace
}  // namespace cdc::debezium
