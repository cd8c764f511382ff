#include "registry/confluent/avro_compatibility.h"

#include <gtest/gtest.h>

namespace cdc::registry {
namespace {

using nlohmann::json;

// A Debezium-shaped envelope: the row record is defined under `before` and
// referenced by name under `after`, as AvroConverter writes it.
json Envelope(const json& row_fields) {
  json envelope = json::parse(R"({"type":"record","name":"Envelope","namespace":"shop.public.t","fields":[
    {"name":"before","type":["null",{"type":"record","name":"Value","fields":[]}],"default":null},
    {"name":"after","type":["null","Value"],"default":null},
    {"name":"op","type":"string"}]})");
  envelope["fields"][0]["type"][1]["fields"] = row_fields;
  return envelope;
}

std::string Joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

TEST(AvroCompatibility, PromotionsReadButNarrowingsDoNot) {
  EXPECT_TRUE(ReadProblems("long", "int").empty());
  EXPECT_TRUE(ReadProblems("double", "float").empty());
  EXPECT_TRUE(ReadProblems("bytes", "string").empty());
  EXPECT_TRUE(ReadProblems("string", "bytes").empty());
  const auto narrowing = ReadProblems("int", "long");
  ASSERT_EQ(narrowing.size(), 1u);
  EXPECT_NE(narrowing[0].find("the reader's int cannot read the writer's long"), std::string::npos) << narrowing[0];
  EXPECT_FALSE(ReadProblems("string", "int").empty());
}

TEST(AvroCompatibility, ARecordReadsAWriterThatLacksAFieldOnlyThroughItsDefault) {
  const json old_row = Envelope(json::parse(R"([{"name":"id","type":"int"}])"));
  const json added = Envelope(json::parse(R"([{"name":"id","type":"int"},{"name":"qty","type":"int"}])"));
  const json added_optional =
      Envelope(json::parse(R"([{"name":"id","type":"int"},{"name":"qty","type":["null","int"],"default":null}])"));
  const auto problems = ReadProblems(added, old_row);
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(Joined(problems).find("'before.qty': a field the writer lacks, without a default"), std::string::npos)
      << Joined(problems);
  EXPECT_TRUE(ReadProblems(added_optional, old_row).empty()) << Joined(ReadProblems(added_optional, old_row));
  // The writer's extra fields are skipped.
  EXPECT_TRUE(ReadProblems(old_row, added).empty());
}

TEST(AvroCompatibility, ATypeChangeIsFoundThroughANamedReference) {
  const json ints = Envelope(json::parse(R"([{"name":"x","type":"int"}])"));
  const json strings = Envelope(json::parse(R"([{"name":"x","type":"string"}])"));
  const std::string problems = Joined(ReadProblems(strings, ints));
  EXPECT_NE(problems.find("'before.x'"), std::string::npos) << problems;
  EXPECT_NE(problems.find("'after.x'"), std::string::npos) << problems;  // "Value", by name
}

TEST(AvroCompatibility, UnionsEnumsArraysAndMaps) {
  EXPECT_TRUE(ReadProblems(json::parse(R"(["null","int"])"), "int").empty());
  EXPECT_FALSE(ReadProblems("int", json::parse(R"(["null","int"])")).empty());  // the null branch
  const json abc = json::parse(R"({"type":"enum","name":"E","symbols":["A","B","C"]})");
  const json ab = json::parse(R"({"type":"enum","name":"E","symbols":["A","B"]})");
  EXPECT_TRUE(ReadProblems(abc, ab).empty());
  EXPECT_NE(Joined(ReadProblems(ab, abc)).find("\"C\""), std::string::npos);
  EXPECT_TRUE(ReadProblems(json::parse(R"({"type":"array","items":"long"})"), json::parse(R"({"type":"array","items":"int"})")).empty());
  EXPECT_FALSE(ReadProblems(json::parse(R"({"type":"map","values":"int"})"), json::parse(R"({"type":"map","values":"long"})")).empty());
  const json other = json::parse(R"({"type":"record","name":"Other","fields":[]})");
  const json value = json::parse(R"({"type":"record","name":"Value","fields":[]})");
  EXPECT_FALSE(ReadProblems(other, value).empty());  // another record's name
}

TEST(AvroCompatibility, LevelsSayWhoReadsWhomAndHowFarBack) {
  const json v1 = Envelope(json::parse(R"([{"name":"id","type":"int"},{"name":"x","type":"int"}])"));
  const json v2 = Envelope(json::parse(R"([{"name":"id","type":"int"}])"));
  // x again, now text: readable from v2 (default), not from v1's ints.
  const json candidate =
      Envelope(json::parse(R"([{"name":"id","type":"int"},{"name":"x","type":["null","string"],"default":null}])"));
  EXPECT_TRUE(CompatibilityProblems(Compatibility::kBackward, candidate, {v1, v2}).empty());
  EXPECT_FALSE(CompatibilityProblems(Compatibility::kBackwardTransitive, candidate, {v1, v2}).empty());
  EXPECT_TRUE(CompatibilityProblems(Compatibility::kNone, json("string"), {v1, v2}).empty());
  // A required field added: the new schema cannot read old data, but old
  // readers skip it.
  const json required = Envelope(json::parse(R"([{"name":"id","type":"int"},{"name":"q","type":"int"}])"));
  EXPECT_FALSE(CompatibilityProblems(Compatibility::kBackward, required, {v2}).empty());
  EXPECT_TRUE(CompatibilityProblems(Compatibility::kForward, required, {v2}).empty());
  EXPECT_FALSE(CompatibilityProblems(Compatibility::kFull, required, {v2}).empty());
  for (const char* name : {"NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL",
                           "FULL_TRANSITIVE"}) {
    ASSERT_TRUE(CompatibilityFromString(name).has_value()) << name;
    EXPECT_STREQ(CompatibilityName(*CompatibilityFromString(name)), name);
  }
  EXPECT_FALSE(CompatibilityFromString("backward").has_value());
}

}  // namespace
}  // namespace cdc::registry
