#include "format/debezium_json/pg_text.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace cdc::debezium {
namespace {

// A reader's result at the end of `text`; nullopt when it refused the text
// or stopped short of its end.
template <typename Reader>
std::optional<int64_t> ReadAll(Reader read, std::string_view text) {
  size_t pos = 0;
  int64_t out = 0;
  if (!read(text, pos, out) || pos != text.size()) return std::nullopt;
  return out;
}

std::optional<int64_t> Date(std::string_view t) {
  return ReadAll([](std::string_view s, size_t& p, int64_t& o) { return ParseDate(s, p, o); }, t);
}
std::optional<int64_t> Time(std::string_view t) { return ReadAll(ParseTime, t); }
std::optional<int64_t> Offset(std::string_view t) { return ReadAll(ParseOffset, t); }

TEST(PgText, CalendarDaysRoundTripAndNormalizeAsCivilDay) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(2000, 2, 30), DaysFromCivil(2000, 3, 1));  // past the month's end
  for (int64_t days : {int64_t{-2440588}, int64_t{-1}, int64_t{0}, int64_t{11016}, int64_t{106751991}}) {
    const YearMonthDay d = CivilFromDays(days);
    EXPECT_EQ(DaysFromCivil(d.year, d.month, d.day), days) << days;
  }
  const YearMonthDay leap = CivilFromDays(DaysFromCivil(2024, 2, 29));
  EXPECT_EQ(leap.year, 2024);
  EXPECT_EQ(leap.month, 2);
  EXPECT_EQ(leap.day, 29);
}

TEST(PgText, DatesReadIsoWithLongYearsAndTheBcSuffix) {
  EXPECT_EQ(Date("1970-01-02"), 1);
  EXPECT_EQ(Date("10000-01-01"), DaysFromCivil(10000, 1, 1));
  std::string_view bc = "0001-01-01 BC";
  EXPECT_TRUE(StripBc(bc));
  EXPECT_EQ(bc, "0001-01-01");
  size_t pos = 0;
  int64_t days = 0;
  ASSERT_TRUE(ParseDate(bc, pos, days, /*bc=*/true));
  EXPECT_EQ(days, DaysFromCivil(0, 1, 1));  // 1 BC is year 0
  std::string_view ad = "2024-01-01";
  EXPECT_FALSE(StripBc(ad));
  for (const char* bad : {"24-01-01", "2024-13-01", "2024-01-32", "2024/01/01", "2024-1-01", ""}) {
    EXPECT_EQ(Date(bad), std::nullopt) << bad;
  }
  // A reader stops after its part, where the caller reads on.
  pos = 0;
  ASSERT_TRUE(ParseDate("2024-05-06 07:08:09", pos, days));
  EXPECT_EQ(pos, 10u);
}

TEST(PgText, TimesKeepMicrosecondsAndPostgresEndOfDay) {
  EXPECT_EQ(Time("00:00:01"), 1000000);
  EXPECT_EQ(Time("12:34:56.5"), ((12 * 60 + 34) * 60 + 56) * int64_t{1000000} + 500000);
  EXPECT_EQ(Time("00:00:00.1234567"), 123456);  // past µs: dropped
  EXPECT_EQ(Time("24:00:00"), int64_t{86400} * 1000000);
  for (const char* bad : {"12:34", "12:60:00", "25:00:00", "12:34:56.", "1:02:03"}) {
    EXPECT_EQ(Time(bad), std::nullopt) << bad;
  }
}

TEST(PgText, OffsetsAreSecondsEastOfUtc) {
  EXPECT_EQ(Offset("+00"), 0);
  EXPECT_EQ(Offset("-03"), -3 * 3600);
  EXPECT_EQ(Offset("+05:30"), 5 * 3600 + 30 * 60);
  EXPECT_EQ(Offset("-00:19:32"), -(19 * 60 + 32));  // LMT offsets have seconds
  for (const char* bad : {"Z", "+5", "05:00", "+05:3"}) EXPECT_EQ(Offset(bad), std::nullopt) << bad;
}

TEST(PgText, IntervalsInBothStylesGivePgIntervalFields) {
  auto fields = [](std::string_view text) {
    absl::StatusOr<IntervalFields> f = ParseInterval(text);
    if (!f.ok()) return std::string(f.status().message());
    return absl::StrCat(f->years, "y ", f->months, "m ", f->days, "d ", f->hours, "h ", f->minutes, "min ", f->seconds,
                        "s");
  };
  EXPECT_EQ(fields("1 year 2 mons 3 days -04:05:06.5"), "1y 2m 3d -4h -5min -06.5s");
  EXPECT_EQ(fields("-1 days +02:00:00"), "0y 0m -1d 2h 0min 00s");
  EXPECT_EQ(fields("00:00:00"), "0y 0m 0d 0h 0min 00s");
  EXPECT_EQ(fields("P1Y2M3DT-4H-5M-6.5S"), "1y 2m 3d -4h -5min -6.5s");
  EXPECT_EQ(fields("P2W"), "0y 0m 14d 0h 0min 0s");
  EXPECT_EQ(fields("3 fortnights"), "cannot parse interval from '3 fortnights'");
  EXPECT_EQ(fields("P1X"), "cannot parse interval from 'P1X'");
}

TEST(PgText, MoneyBecomesPlainDecimalText) {
  EXPECT_EQ(*MoneyDecimal("$1,234.56"), "1234.56");
  EXPECT_EQ(*MoneyDecimal("-$1,234.56"), "-1234.56");
  EXPECT_EQ(*MoneyDecimal("($5.00)"), "-5.00");  // some locales' negative form
  EXPECT_FALSE(MoneyDecimal("$").ok());
  EXPECT_FALSE(MoneyDecimal("$1.2.3").ok());
}

TEST(PgText, ArraysKeepQuotingEscapesAndNulls) {
  std::vector<std::optional<std::string>> items;
  ASSERT_TRUE(ParseArray(R"({1,NULL,"a,b","NULL",x\"y, z })", items).ok());
  const std::vector<std::optional<std::string>> want = {"1", std::nullopt, "a,b", "NULL", "x\"y", "z"};
  EXPECT_EQ(items, want);
  items.clear();
  ASSERT_TRUE(ParseArray("[0:1]={7,8}", items).ok());  // explicit lower bound
  EXPECT_EQ(items, (std::vector<std::optional<std::string>>{"7", "8"}));
  items.clear();
  ASSERT_TRUE(ParseArray("{}", items).ok());
  EXPECT_TRUE(items.empty());
  const absl::Status nested = ParseArray("{{1,2},{3,4}}", items);
  EXPECT_NE(nested.message().find("multidimensional arrays are not supported"), std::string_view::npos);
  EXPECT_FALSE(ParseArray(R"({"open})", items).ok());
  EXPECT_FALSE(ParseArray("1,2", items).ok());
}

TEST(PgText, HstorePairsInOutputOrder) {
  std::vector<std::pair<std::string, std::optional<std::string>>> pairs;
  ASSERT_TRUE(ParseHstore(R"("b"=>"1", "a"=>NULL, "q\"k"=>"v\\w")", pairs).ok());
  ASSERT_EQ(pairs.size(), 3u);
  EXPECT_EQ(pairs[0], (std::pair<std::string, std::optional<std::string>>{"b", "1"}));
  EXPECT_EQ(pairs[1].first, "a");
  EXPECT_EQ(pairs[1].second, std::nullopt);
  EXPECT_EQ(pairs[2], (std::pair<std::string, std::optional<std::string>>{"q\"k", "v\\w"}));
  pairs.clear();
  EXPECT_TRUE(ParseHstore("", pairs).ok());
  EXPECT_TRUE(pairs.empty());
  EXPECT_FALSE(ParseHstore("a=>1", pairs).ok());
  EXPECT_FALSE(ParseHstore(R"("a"=>"1)", pairs).ok());
}

TEST(PgText, ByteaReadsTheHexFormatOnly) {
  EXPECT_EQ(*ByteaBytes("\\x0a1B"), std::string("\x0a\x1b"));
  EXPECT_EQ(*ByteaBytes("\\x"), "");
  for (const char* bad : {"\\x0", "\\xzz", "\\001", "abc"}) {
    const absl::StatusOr<std::string> b = ByteaBytes(bad);
    ASSERT_FALSE(b.ok()) << bad;
    EXPECT_EQ(b.status().message(), absl::StrCat("cannot parse bytea (hex format) from '", bad, "'"));
  }
}

TEST(PgText, ErrorsQuoteAtMost64BytesOfTheValue) {
  const std::string huge(1000, '7');
  const absl::Status st = CannotParse("date", huge);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), absl::StrCat("cannot parse date from '", huge.substr(0, 64), "'"));
}

}  // namespace
}  // namespace cdc::debezium
