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

// avro: each character Avro does not allow becomes '_'; avro_unicode: it
// becomes _uXXXX, '_' included.
TEST(NameAdjustment, AvroModesReplaceEachCharacterAvroDoesNotAllow) {
  struct Case {
    const char* name;
    const char* avro;
    const char* unicode;
  };
  const Case fields[] = {
      {"1st", "_1st", "_u0031st"},  // avro keeps the digit, after '_'
      {"Order Date", "Order_Date", "Order_u0020Date"},
      {"naïve", "na_ve", "na_u00efve"},  // one character, two UTF-8 bytes
      {"user-id", "user_id", "user_u002did"},
      {"日本", "__", "_u65e5_u672c"},
      {"😀x", "__x", "_ud83d_ude00x"},  // outside the BMP: two UTF-16 units
      {"a.b", "a_b", "a_u002eb"},       // no dots in a field name
      {"_lead", "_lead", "_u005flead"},
      {"x", "x", "x"},
      // Java's Integer.toHexString, padded only below 0x100 (by the code, not
      // seen from Debezium: PostgreSQL names rarely hold these).
      {"a\x07", "a_", "a_u007"},
      {"aα", "a_", "a_u3b1"},
  };
  for (const Case& c : fields) {
    EXPECT_EQ(AdjustFieldName(c.name, NameAdjustment::kAvro), c.avro) << c.name;
    EXPECT_EQ(AdjustFieldName(c.name, NameAdjustment::kAvroUnicode), c.unicode) << c.name;
  }
  const Case schemas[] = {
      {"A.public.odd-Names_1.Value", "A.public.odd_Names_1.Value", "A.public.odd_u002dNames_u005f1.Value"},
      {"A.public.tbl__.Key", "A.public.tbl__.Key", "A.public.tbl_u005f_u005f.Key"},
  };
  for (const Case& c : schemas) {
    EXPECT_EQ(AdjustSchemaName(c.name, NameAdjustment::kAvro), c.avro) << c.name;
    EXPECT_EQ(AdjustSchemaName(c.name, NameAdjustment::kAvroUnicode), c.unicode) << c.name;
  }
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
