#include <gtest/gtest.h>

#include "format/debezium_json/name_adjustment.h"

namespace cdc::debezium {
namespace {

// Expected names are what Debezium 3.4.3 wrote for these columns and tables
// (a PostgreSQL table "odd-Names_1" and one named "tbl ü", captured with
// field.name.adjustment.mode and schema.name.adjustment.mode set to avro,
// then to avro_unicode); debezium_compat.py compares the whole events.

TEST(NameAdjustment, NoneKeepsEveryName) {
  for (const char* name : {"1st", "Order Date", "naïve", "a_b", "😀x", ""}) {
    EXPECT_EQ(AdjustFieldName(name, NameAdjustment::kNone), name);
    EXPECT_EQ(AdjustSchemaName(name, NameAdjustment::kNone), name);
  }
}

TEST(NameAdjustment, AvroReplacesEachCharacterAvroDoesNotAllowWithAnUnderscore) {
  const auto avro = NameAdjustment::kAvro;
  EXPECT_EQ(AdjustFieldName("1st", avro), "_1st");  // the digit stays, after '_'
  EXPECT_EQ(AdjustFieldName("Order Date", avro), "Order_Date");
  EXPECT_EQ(AdjustFieldName("naïve", avro), "na_ve");  // one character, two UTF-8 bytes: one '_'
  EXPECT_EQ(AdjustFieldName("user-id", avro), "user_id");
  EXPECT_EQ(AdjustFieldName("日本", avro), "__");
  EXPECT_EQ(AdjustFieldName("😀x", avro), "__x");  // outside the BMP: two UTF-16 units
  EXPECT_EQ(AdjustFieldName("a.b", avro), "a_b");  // no dots in a field name
  EXPECT_EQ(AdjustFieldName("_lead", avro), "_lead");
  EXPECT_EQ(AdjustFieldName("x", avro), "x");
  EXPECT_EQ(AdjustSchemaName("A.public.odd-Names_1.Value", avro), "A.public.odd_Names_1.Value");
  EXPECT_EQ(AdjustSchemaName("A.public.tbl__.Key", avro), "A.public.tbl__.Key");
}

TEST(NameAdjustment, AvroUnicodeEscapesEachCharacterUnderscoreIncluded) {
  const auto unicode = NameAdjustment::kAvroUnicode;
  EXPECT_EQ(AdjustFieldName("1st", unicode), "_u0031st");
  EXPECT_EQ(AdjustFieldName("Order Date", unicode), "Order_u0020Date");
  EXPECT_EQ(AdjustFieldName("naïve", unicode), "na_u00efve");
  EXPECT_EQ(AdjustFieldName("user-id", unicode), "user_u002did");
  EXPECT_EQ(AdjustFieldName("日本", unicode), "_u65e5_u672c");
  EXPECT_EQ(AdjustFieldName("😀x", unicode), "_ud83d_ude00x");
  EXPECT_EQ(AdjustFieldName("a.b", unicode), "a_u002eb");
  EXPECT_EQ(AdjustFieldName("_lead", unicode), "_u005flead");
  EXPECT_EQ(AdjustFieldName("x", unicode), "x");
  EXPECT_EQ(AdjustSchemaName("A.public.odd-Names_1.Value", unicode), "A.public.odd_u002dNames_u005f1.Value");
  EXPECT_EQ(AdjustSchemaName("A.public.tbl__.Envelope", unicode), "A.public.tbl_u005f_u005f.Envelope");
  // Java's Integer.toHexString, padded only below 0x100: "_u" + "00" + "7".
  EXPECT_EQ(AdjustFieldName("a\x07", unicode), "a_u007");
  EXPECT_EQ(AdjustFieldName("aα", unicode), "a_u3b1");
}

TEST(NameAdjustment, TopicNamesReplaceEachCharacterOnce) {
  EXPECT_EQ(SanitizeTopicName("A.public.tbl ü"), "A.public.tbl__");
  EXPECT_EQ(SanitizeTopicName("A.public.odd-Names_1"), "A.public.odd-Names_1");
  EXPECT_EQ(SanitizeTopicName("p.s.😀"), "p.s.__");
}

TEST(NameAdjustment, BytesThatAreNotUtf8BecomeOneReplacementEach) {
  EXPECT_EQ(AdjustFieldName("a\xff" "b", NameAdjustment::kAvroUnicode), "a_ufffdb");
  EXPECT_EQ(AdjustFieldName("a\xe6\x97", NameAdjustment::kAvro), "a__");  // cut short: each byte
  EXPECT_EQ(SanitizeTopicName("t\xc3"), "t_");
}

TEST(NameAdjustment, ParsesDebeziumsSpellingsAndNamesTheOptionOtherwise) {
  EXPECT_EQ(*ParseNameAdjustment("k", "none"), NameAdjustment::kNone);
  EXPECT_EQ(*ParseNameAdjustment("k", "avro"), NameAdjustment::kAvro);
  EXPECT_EQ(*ParseNameAdjustment("k", "avro_unicode"), NameAdjustment::kAvroUnicode);
  auto bad = ParseNameAdjustment("source.postgres.field_name_adjustment_mode", "AVRO");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("source.postgres.field_name_adjustment_mode"), std::string::npos);
}

}  // namespace
}  // namespace cdc::debezium
