#include "format/debezium_json/type_mapping.h"

#include <gtest/gtest.h>

#include "format/debezium_json/debezium_json_decoder.h"

namespace cdc::debezium {
namespace {

std::string Render(uint32_t oid, int32_t typmod, std::string_view text) {
  SourceColumn c{"c", oid, typmod, false};
  std::string out;
  absl::Status st = AppendValue(out, MapColumn(c, true), text);
  return st.ok() ? out : "ERROR: " + std::string(st.message());
}

int32_t NumericTypmod(int p, int s) { return ((p << 16) | s) + 4; }

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
  auto scaled = UnscaledDecimalBytes("-0.05", 3);
  ASSERT_TRUE(scaled.ok());
  EXPECT_EQ(DecimalTextFromUnscaled(*scaled, 3), "-0.050");
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
  EXPECT_EQ(Render(oid::kTimestamp, -1, "2024-01-15 12:00:00 BC").substr(0, 6), "ERROR:");
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
  SourceColumn unknown{"c", 600 /* point */, -1, false};
  EXPECT_TRUE(MapColumn(unknown, true).fallback);
  EXPECT_EQ(Render(600, -1, "(1,2)"), "\"(1,2)\"");
}

}  // namespace
}  // namespace cdc::debezium
