#include <gtest/gtest.h>
#include <simdjson.h>

#include <set>

#include "core/strings.h"
#include "format/avro/connect_avro.h"
#include "format/avro/debezium_avro_decoder.h"
#include "format/avro/debezium_avro_serializer.h"
#include "format/debezium_json/debezium_json_decoder.h"
#include "format/debezium_json/debezium_json_serializer.h"
#include "format/debezium_json/type_mapping.h"
#include "nlohmann/json.hpp"
#include "registry/memory/in_memory_registry.h"

namespace cdc::avro {
namespace {

using nlohmann::json;
namespace oid = debezium::oid;

// A table with a column of each Connect shape capture writes: integers of
// every width, floats, both decimal forms (fixed scale: bytes; no typmod:
// a VariableScaleDecimal struct), strings, bytes, time types, an array, a
// point (a struct of doubles and optional bytes).
std::shared_ptr<SourceTable> EveryShape() {
  auto t = std::make_shared<SourceTable>();
  t->relation_id = 1;
  t->id = {"public", "every_shape"};
  t->columns = {{"id", oid::kInt8, -1, true},       {"small", oid::kInt2, -1, false},
                {"medium", oid::kInt4, -1, false},   {"real_v", oid::kFloat4, -1, false},
                {"double_v", oid::kFloat8, -1, false}, {"amount", oid::kNumeric, ((12 << 16) | 2) + 4, false},
                {"any_numeric", oid::kNumeric, -1, false}, {"note", oid::kText, -1, false},
                {"blob", oid::kBytea, -1, false},    {"placed", oid::kTimestampTz, -1, false},
                {"day", oid::kDate, -1, false},      {"at", oid::kTime, -1, false},
                {"span", oid::kInterval, -1, false}, {"flag", oid::kBool, -1, false},
                {"tags", 1007, -1, false},           {"spot", oid::kPoint, -1, false},
                {"doc", oid::kJsonb, -1, false},     {"uid", oid::kUuid, -1, false}};
  return t;
}

std::vector<OutgoingMessage> SerializeJson(const Row& row) {
  debezium::DebeziumJsonSerializer ser({"shop", "app"});
  ChangeEvent e;
  e.op = Op::kCreate;
  e.table = EveryShape();
  e.after = row;
  e.version = {Lsn{0x200}, Lsn{0x100}};
  e.xid = 750;
  e.commit_time_us = 1705320000512345;
  std::vector<OutgoingMessage> out;
  EXPECT_TRUE(ser.Serialize(e, out).ok());
  return out;
}

Row FullRow() {
  return Row{Datum::Text("7"), Datum::Text("-32768"), Datum::Text("2147483647"), Datum::Text("1.5"),
             Datum::Text("-0.1"), Datum::Text("-123.45"), Datum::Text("3.14159"), Datum::Text("hi \"there\" ü"),
             Datum::Text("\\x00ff10"), Datum::Text("2024-01-15 12:00:00.5+00"), Datum::Text("2024-01-15"),
             Datum::Text("13:45:01.25"), Datum::Text("1 day 02:00:00"), Datum::Text("t"),
             Datum::Text("{1,NULL,3}"), Datum::Text("(1.5,-2)"), Datum::Text("{\"a\": [1, 2]}"),
             Datum::Text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")};
}

// The JsonConverter document's schema and payload through Avro and back.
void ExpectRoundTrip(const std::string& document) {
  const json doc = json::parse(document);
  auto schema = ConnectAvroSchema::FromConnect(doc["schema"].dump());
  ASSERT_TRUE(schema.ok()) << schema.status();

  simdjson::dom::parser parser;
  const std::string payload_text = doc["payload"].dump();
  simdjson::dom::element payload = parser.parse(payload_text);
  std::string datum;
  ASSERT_TRUE(schema->Encode(payload, datum).ok());
  EXPECT_LT(datum.size(), payload_text.size());

  // A reader knows only the registered Avro schema.
  auto registered = ConnectAvroSchema::FromAvro(schema->avro_json());
  ASSERT_TRUE(registered.ok()) << registered.status();
  std::string decoded;
  ASSERT_TRUE(registered->Decode(datum, decoded).ok());
  EXPECT_EQ(json::parse(decoded), doc["payload"]);
  EXPECT_EQ(json::parse(registered->connect_json()), doc["schema"]);
}

TEST(ConnectAvro, KeyAndValueOfEveryShapeRoundTripThroughTheRegisteredSchema) {
  const auto out = SerializeJson(FullRow());
  ASSERT_EQ(out.size(), 1u);
  ExpectRoundTrip(*out[0].key);
  ExpectRoundTrip(*out[0].value);
}

TEST(ConnectAvro, NullsRoundTripToo) {
  Row row(EveryShape()->columns.size(), Datum::Null());
  row[0] = Datum::Text("8");
  const auto out = SerializeJson(row);
  ASSERT_EQ(out.size(), 1u);
  ExpectRoundTrip(*out[0].value);
}

TEST(ConnectAvro, AvroSchemaIsWhatAvroConverterRegisters) {
  const auto out = SerializeJson(FullRow());
  const json doc = json::parse(*out[0].value);
  auto schema = ConnectAvroSchema::FromConnect(doc["schema"].dump());
  ASSERT_TRUE(schema.ok()) << schema.status();
  const json avro = json::parse(schema->avro_json());
  EXPECT_EQ(avro["type"], "record");
  EXPECT_EQ(avro["name"], "Envelope");
  EXPECT_EQ(avro["namespace"], "shop.public.every_shape");
  EXPECT_EQ(avro["connect.name"], "shop.public.every_shape.Envelope");
  // before: ["null", Value record] with default null; after: the same record by name.
  const json& before = avro["fields"][0];
  EXPECT_EQ(before["name"], "before");
  EXPECT_EQ(before["type"][0], "null");
  EXPECT_EQ(before["type"][1]["name"], "Value");
  EXPECT_TRUE(before["default"].is_null() && before.contains("default"));
  EXPECT_EQ(avro["fields"][1]["type"], json::array({"null", "shop.public.every_shape.Value"}));
  std::map<std::string, json> columns;
  for (const json& f : before["type"][1]["fields"]) columns[f["name"]] = f["type"];
  EXPECT_EQ(columns["id"], "long");
  EXPECT_EQ(columns["small"][1], (json{{"type", "int"}, {"connect.type", "int16"}}));
  const json& amount = columns["amount"][1];
  EXPECT_EQ(amount["logicalType"], "decimal");
  EXPECT_EQ(amount["precision"], 12);
  EXPECT_EQ(amount["scale"], 2);
  EXPECT_EQ(amount["connect.name"], "org.apache.kafka.connect.data.Decimal");
  EXPECT_EQ(columns["placed"][1]["connect.name"], "io.debezium.time.ZonedTimestamp");
  EXPECT_EQ(columns["tags"][1]["type"], "array");
  // source.snapshot: optional with a default, so [T, "null"] with that default.
  for (const json& f : avro["fields"]) {
    if (f["name"] != "source") continue;
    for (const json& s : f["type"]["fields"]) {
      if (s["name"] != "snapshot") continue;
      EXPECT_EQ(s["type"][1], "null");
      EXPECT_EQ(s["default"], "false");
    }
  }
}

TEST(ConnectAvro, FrameIsMagicZeroAndBigEndianId) {
  // spec/03 §4: key {id: 1} as schema id 7 is 00 00 00 00 07 02.
  auto schema = ConnectAvroSchema::FromConnect(
      R"({"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false,"name":"shop.public.users.Key"})");
  ASSERT_TRUE(schema.ok());
  simdjson::dom::parser parser;
  std::string framed;
  AppendFrameHeader(framed, 7);
  ASSERT_TRUE(schema->Encode(parser.parse(std::string(R"({"id":1})")), framed).ok());
  EXPECT_EQ(framed, std::string("\x00\x00\x00\x00\x07\x02", 6));
  auto id = FrameSchemaId(framed);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, 7);
  EXPECT_FALSE(FrameSchemaId(std::string("\x01\x00\x00\x00\x07\x02", 6)).ok());
  EXPECT_FALSE(FrameSchemaId("\x00\x00").ok());
}

TEST(ConnectAvro, ReadsDebeziumAvroConverterSchema) {
  // The shape AvroConverter registers for a Debezium table (spec/03 §6),
  // including the props order and source.snapshot's Enum with a default.
  const std::string avro = R"({"type":"record","name":"Envelope","namespace":"shop.public.users","fields":[
    {"name":"before","type":["null",{"type":"record","name":"Value","fields":[
      {"name":"id","type":"int"},
      {"name":"name","type":["null","string"],"default":null},
      {"name":"balance","type":["null",{"type":"bytes","scale":2,"precision":10,"connect.version":1,
         "connect.parameters":{"scale":"2","connect.decimal.precision":"10"},
         "connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"}],"default":null}],
      "connect.name":"shop.public.users.Value"}],"default":null},
    {"name":"after","type":["null","Value"],"default":null},
    {"name":"source","type":{"type":"record","name":"Source","namespace":"io.debezium.connector.postgresql","fields":[
      {"name":"snapshot","type":[{"type":"string","connect.version":1,"connect.parameters":{"allowed":"true,last,false"},
        "connect.default":"false","connect.name":"io.debezium.data.Enum"},"null"],"default":"false"},
      {"name":"lsn","type":["null","long"],"default":null}],
      "connect.name":"io.debezium.connector.postgresql.Source"}},
    {"name":"op","type":"string"},
    {"name":"ts_ms","type":["null","long"],"default":null}],
   "connect.version":2,"connect.name":"shop.public.users.Envelope"})";
  auto schema = ConnectAvroSchema::FromAvro(avro);
  ASSERT_TRUE(schema.ok()) << schema.status();
  const json connect = json::parse(schema->connect_json());
  EXPECT_EQ(connect["name"], "shop.public.users.Envelope");
  EXPECT_EQ(connect["version"], 2);
  EXPECT_EQ(connect["fields"][1]["name"], "shop.public.users.Value");
  EXPECT_EQ(connect["fields"][1]["optional"], true);
  EXPECT_EQ(connect["fields"][1]["fields"][2]["parameters"]["scale"], "2");
  EXPECT_EQ(connect["fields"][2]["fields"][0]["default"], "false");

  // after = {id 5, name null, balance 12.34 (unscaled 1234 = 04 d2)}, source, op "c", ts_ms null.
  static constexpr char kDatum[] = "\x00" "\x02" "\x0a" "\x00" "\x02" "\x04\x04\xd2"
                                   "\x00" "\x0a" "false" "\x02" "\x02" "\x02" "c" "\x00";
  const std::string datum(kDatum, sizeof kDatum - 1);
  std::string payload;
  ASSERT_TRUE(schema->Decode(datum, payload).ok()) << payload;
  const json p = json::parse(payload);
  EXPECT_TRUE(p["before"].is_null());
  EXPECT_EQ(p["after"]["id"], 5);
  EXPECT_EQ(p["after"]["balance"], "BNI=");
  EXPECT_EQ(p["source"]["snapshot"], "false");
  EXPECT_EQ(p["source"]["lsn"], 1);
  EXPECT_EQ(p["op"], "c");
  // A datum cut short, or with bytes left over, is an error.
  EXPECT_FALSE(schema->Decode(datum.substr(0, datum.size() - 2), payload).ok());
  EXPECT_FALSE(schema->Decode(datum + "x", payload).ok());
}

TEST(ConnectAvro, ErrorsNameTheField) {
  auto bad_name = ConnectAvroSchema::FromConnect(
      R"({"type":"struct","fields":[{"type":"int32","optional":false,"field":"order-id"}],"optional":false,"name":"a.b.Key"})");
  ASSERT_FALSE(bad_name.ok());
  EXPECT_NE(bad_name.status().message().find("order-id"), std::string::npos);

  auto schema = ConnectAvroSchema::FromConnect(
      R"({"type":"struct","fields":[{"type":"int16","optional":false,"field":"n"}],"optional":false,"name":"a.b.Key"})");
  ASSERT_TRUE(schema.ok());
  simdjson::dom::parser parser;
  std::string out;
  auto too_big = schema->Encode(parser.parse(std::string(R"({"n":"x"})")), out);
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.message().find("'n'"), std::string::npos);
  auto missing = schema->Encode(parser.parse(std::string(R"({})")), out);
  EXPECT_FALSE(missing.ok());
  EXPECT_FALSE(ConnectAvroSchema::FromAvro(R"({"type":"enum","name":"E","symbols":["A"]})").ok());
  EXPECT_FALSE(ConnectAvroSchema::FromAvro(R"(["int","string"])").ok());
}

using MemoryRegistry = registry::InMemorySchemaRegistry;

// Each Avro record (framed, its schema in `registry`) decodes to the
// payload of the JSON record at the same place, with the same topic and
// headers; processing times aside. Returns the topics seen.
std::set<std::string> ExpectSamePayloads(MemoryRegistry& registry, const std::vector<OutgoingMessage>& avro_out,
                                         const std::vector<OutgoingMessage>& json_out) {
  std::set<std::string> topics;
  EXPECT_EQ(avro_out.size(), json_out.size());
  for (size_t i = 0; i < std::min(avro_out.size(), json_out.size()); ++i) {
    SCOPED_TRACE(StrCat("record ", i, " on ", avro_out[i].topic));
    topics.insert(avro_out[i].topic);
    EXPECT_EQ(avro_out[i].topic, json_out[i].topic);
    EXPECT_EQ(avro_out[i].headers, json_out[i].headers);
    for (auto [avro_part, json_part] : {std::pair{&avro_out[i].key, &json_out[i].key}, std::pair{&avro_out[i].value, &json_out[i].value}}) {
      EXPECT_EQ(avro_part->has_value(), json_part->has_value());
      if (!avro_part->has_value() || !json_part->has_value()) continue;
      auto id = FrameSchemaId(**avro_part);
      EXPECT_TRUE(id.ok()) << id.status();
      if (!id.ok()) continue;
      auto schema = ConnectAvroSchema::FromAvro(*registry.SchemaById(*id));
      EXPECT_TRUE(schema.ok()) << schema.status();
      if (!schema.ok()) continue;
      std::string payload;
      const absl::Status decoded = schema->Decode(std::string_view(**avro_part).substr(kFrameHeaderSize), payload);
      EXPECT_TRUE(decoded.ok()) << decoded;
      if (!decoded.ok()) continue;
      json from_avro = json::parse(payload), from_json = json::parse(**json_part)["payload"];
      for (const char* now : {"ts_ms", "ts_us", "ts_ns"}) {  // processing time: when each was built
        if (avro_out[i].topic != "__debezium-heartbeat.shop" && avro_part == &avro_out[i].value) {
          from_avro.erase(now);
          from_json.erase(now);
        }
      }
      EXPECT_EQ(from_avro, from_json);
    }
  }
  return topics;
}

bool Same(const Value& a, const Value& b) {
  if (a.kind != b.kind || a.integer != b.integer || a.text != b.text || a.months != b.months || a.days != b.days ||
      a.items.size() != b.items.size() || !(a.real == b.real || (a.real != a.real && b.real != b.real))) {
    return false;
  }
  for (size_t i = 0; i < a.items.size(); ++i)
    if (!Same(a.items[i], b.items[i])) return false;
  return true;
}

TEST(DebeziumAvro, EventsDecodeToTheSameRowChangesAsTheirJson) {
  auto registry = std::make_shared<MemoryRegistry>();
  DebeziumAvroSerializer avro_ser({"shop", "app"}, registry);
  debezium::DebeziumJsonSerializer json_ser({"shop", "app"});
  std::vector<OutgoingMessage> avro_out, json_out;
  ChangeEvent e;
  e.table = EveryShape();
  e.version = {Lsn{0x200}, Lsn{0x100}};
  e.xid = 750;
  e.commit_time_us = 1705320000512345;
  e.op = Op::kCreate;
  e.after = FullRow();
  for (auto* ser : std::initializer_list<EventSerializer*>{&avro_ser, &json_ser}) {
    auto& out = ser == &avro_ser ? avro_out : json_out;
    { auto st = ser->Serialize(e, out); ASSERT_TRUE(st.ok()) << st; }
    ChangeEvent d = e;
    d.op = Op::kDelete;
    d.before = d.after;
    d.after.reset();
    ASSERT_TRUE(ser->Serialize(d, out).ok());
  }
  ASSERT_EQ(avro_out.size(), 3u);  // create, delete, tombstone
  EXPECT_FALSE(avro_out[2].value.has_value());
  EXPECT_EQ(registry->subjects(), (std::set<std::string>{"shop.public.every_shape-key", "shop.public.every_shape-value"}));
  EXPECT_EQ(registry->size(), 2u);  // one key and one value schema, registered once
  EXPECT_EQ(avro_out[0].value->at(0), '\0');
  EXPECT_LT(avro_out[0].value->size() * 4, json_out[0].value->size());

  DebeziumAvroDecoder avro_dec({}, registry);
  debezium::DebeziumJsonDecoder json_dec;
  for (size_t i = 0; i < avro_out.size(); ++i) {
    auto from_avro = avro_dec.Decode(AsIncoming(avro_out[i], 0, static_cast<int64_t>(i)));
    auto from_json = json_dec.Decode(AsIncoming(json_out[i], 0, static_cast<int64_t>(i)));
    ASSERT_TRUE(from_avro.ok()) << from_avro.status();
    ASSERT_TRUE(from_json.ok()) << from_json.status();
    ASSERT_EQ(from_avro->has_value(), from_json->has_value());
    if (!from_avro->has_value()) continue;
    const RowChange& a = **from_avro;
    const RowChange& j = **from_json;
    EXPECT_EQ(a.op, j.op);
    EXPECT_EQ(a.version, j.version);
    ASSERT_EQ(a.table->columns.size(), j.table->columns.size());
    for (size_t c = 0; c < a.table->columns.size(); ++c) {
      EXPECT_EQ(a.table->columns[c].name, j.table->columns[c].name);
      EXPECT_EQ(a.table->columns[c].type, j.table->columns[c].type) << a.table->columns[c].name;
      EXPECT_EQ(a.table->columns[c].key, j.table->columns[c].key);
    }
    ASSERT_EQ(a.values.size(), j.values.size());
    for (size_t c = 0; c < a.values.size(); ++c) EXPECT_TRUE(Same(a.values[c], j.values[c])) << a.table->columns[c].name;
    EXPECT_EQ(a.source_ts_ms, j.source_ts_ms);
  }
}

// Events of several tables, interleaved, each decode to their own table:
// the decoder keeps a table per pair of key and value schema ids, and a
// keyless table's events (no key, hence no key schema) have a pair too.
TEST(DebeziumAvro, InterleavedTablesDecodeEachToTheirOwnTable) {
  auto registry = std::make_shared<MemoryRegistry>();
  DebeziumAvroSerializer avro_ser({"shop", "app"}, registry);
  debezium::DebeziumJsonSerializer json_ser({"shop", "app"});
  auto items = std::make_shared<SourceTable>();
  items->relation_id = 2;
  items->id = {"public", "items"};
  items->columns = {{"sku", oid::kText, -1, true}, {"qty", oid::kInt4, -1, false}};
  auto log = std::make_shared<SourceTable>();
  log->relation_id = 3;
  log->id = {"public", "log"};
  log->columns = {{"line", oid::kText, -1, false}};
  std::vector<OutgoingMessage> avro_out, json_out;
  for (int round = 0; round < 2; ++round) {
    for (const auto& [table, row] : {std::pair{EveryShape(), FullRow()},
                                     std::pair{items, Row{Datum::Text(StrCat("sku-", round)), Datum::Text("3")}},
                                     std::pair{log, Row{Datum::Text(StrCat("line ", round))}}}) {
      ChangeEvent e;
      e.op = Op::kCreate;
      e.table = table;
      e.after = row;
      e.version = {Lsn{0x200}, Lsn{0x100}};
      ASSERT_TRUE(avro_ser.Serialize(e, avro_out).ok());
      ASSERT_TRUE(json_ser.Serialize(e, json_out).ok());
    }
  }
  ASSERT_EQ(avro_out.size(), 6u);
  EXPECT_FALSE(avro_out[2].key.has_value());  // the keyless table's

  DebeziumAvroDecoder avro_dec({}, registry);
  debezium::DebeziumJsonDecoder json_dec;
  const std::vector<std::string> names = {"every_shape", "items", "log", "every_shape", "items", "log"};
  for (size_t i = 0; i < avro_out.size(); ++i) {
    auto a = avro_dec.Decode(AsIncoming(avro_out[i], 0, static_cast<int64_t>(i)));
    auto j = json_dec.Decode(AsIncoming(json_out[i], 0, static_cast<int64_t>(i)));
    ASSERT_TRUE(a.ok() && a->has_value()) << a.status();
    ASSERT_TRUE(j.ok() && j->has_value()) << j.status();
    EXPECT_EQ((*a)->table->id.table, names[i]);
    EXPECT_TRUE((*a)->table->id == (*j)->table->id && (*a)->table->columns == (*j)->table->columns) << names[i];
    ASSERT_EQ((*a)->values.size(), (*j)->values.size());
    for (size_t c = 0; c < (*a)->values.size(); ++c) EXPECT_TRUE(Same((*a)->values[c], (*j)->values[c])) << names[i];
  }
}

// DecodePayload trusts the caller's id for a pair of schemas, but not for
// the table: a payload whose source block names another table than the one
// decoded last under that id decodes as its own table.
TEST(DebeziumAvro, ASchemasIdSeenWithAnotherTableDecodesTheTableThePayloadNames) {
  debezium::DebeziumJsonSerializer json_ser({"shop", "app"});
  auto other = EveryShape();
  other->id = {"public", "every_shape_copy"};
  std::vector<OutgoingMessage> out;
  for (const auto& table : {EveryShape(), other}) {
    ChangeEvent e;
    e.op = Op::kCreate;
    e.table = table;
    e.after = FullRow();
    e.version = {Lsn{0x200}, Lsn{0x100}};
    ASSERT_TRUE(json_ser.Serialize(e, out).ok());
  }
  debezium::DebeziumJsonDecoder dec;
  for (size_t i = 0; i < out.size(); ++i) {
    const json key = json::parse(*out[i].key), value = json::parse(*out[i].value);
    auto c = dec.DecodePayload(AsIncoming(out[i], 0, static_cast<int64_t>(i)), 42, key["schema"].dump(),
                               value["schema"].dump(), value["payload"].dump());
    ASSERT_TRUE(c.ok() && c->has_value()) << c.status();
    EXPECT_EQ((*c)->table->id.table, i == 0 ? "every_shape" : "every_shape_copy");
    EXPECT_EQ((*c)->values.size(), EveryShape()->columns.size());
  }
}

// Debezium's own records go through the converter too: transaction BEGIN
// and END, heartbeats and logical decoding messages are framed Avro that
// decodes back to their JSON payloads.
TEST(DebeziumAvro, DebeziumsOwnRecordsAreAvroToo) {
  auto registry = std::make_shared<MemoryRegistry>();
  debezium::SerializerOptions options{"shop", "app"};
  options.transaction_metadata = true;
  DebeziumAvroSerializer avro_ser(options, registry);
  debezium::DebeziumJsonSerializer json_ser(options);
  std::vector<OutgoingMessage> avro_out, json_out;
  ChangeEvent e;
  e.table = EveryShape();
  e.op = Op::kCreate;
  e.after = FullRow();
  e.version = {Lsn{0x200}, Lsn{0x100}};
  e.xid = 750;
  DatabaseMessage message{true, "audit", "hello", {Lsn{0x200}, Lsn{0x180}}, 750, 1705320000512345};
  for (EventSerializer* ser : std::initializer_list<EventSerializer*>{&avro_ser, &json_ser}) {
    auto& out = ser == &avro_ser ? avro_out : json_out;
    ser->BeginTransaction(TransactionBegin{750, Lsn{0x200}, 1705320000512345, Lsn{0x100}});
    ASSERT_TRUE(ser->Serialize(e, out).ok());
    ASSERT_TRUE(ser->SerializeMessage(message, out).ok());
    ASSERT_TRUE(ser->EndTransaction(TransactionCommit{Lsn{0x200}, Lsn{0x210}, 1705320000512345}, out).ok());
    auto beat = ser->Heartbeat(1'234);
    ASSERT_TRUE(beat.ok());
    out.push_back(*beat);
  }
  const std::set<std::string> topics = ExpectSamePayloads(*registry, avro_out, json_out);
  EXPECT_EQ(topics, (std::set<std::string>{"shop.transaction", "shop.public.every_shape", "shop.message",
                                           "__debezium-heartbeat.shop"}));
}

// Change events are written in Avro straight from their rows. Every kind of
// them decodes to what the JSON serializer writes: snapshot rows with their
// markers, nulls, values that take the JSON parser's path (escaped text,
// NaN and infinities, arrays, structs), unchanged TOAST placeholders, key
// changes with their headers, deletes, tombstones and truncates, each with
// its transaction block.
TEST(DebeziumAvro, ChangeEventsOfEveryKindDecodeToTheirJsonPayloads) {
  auto registry = std::make_shared<MemoryRegistry>();
  debezium::SerializerOptions options{"shop", "app"};
  options.transaction_metadata = true;
  DebeziumAvroSerializer avro_ser(options, registry);
  debezium::DebeziumJsonSerializer json_ser(options);
  const auto table = EveryShape();
  auto event = [&](Op op, std::optional<Row> before, std::optional<Row> after) {
    ChangeEvent e;
    e.table = table;
    e.op = op;
    e.before = std::move(before);
    e.after = std::move(after);
    e.version = {Lsn{0x200}, Lsn{0x100}};
    e.xid = 750;
    e.commit_time_us = 1705320000512345;
    return e;
  };
  std::vector<ChangeEvent> snapshot;
  for (SnapshotMarker marker : {SnapshotMarker::kFirst, SnapshotMarker::kTrue, SnapshotMarker::kLast}) {
    ChangeEvent e = event(Op::kRead, std::nullopt, FullRow());
    e.snapshot = true;
    e.snapshot_marker = marker;
    snapshot.push_back(std::move(e));
  }
  Row nulls(table->columns.size(), Datum::Null());
  nulls[0] = Datum::Text("8");
  Row specials = FullRow();
  specials[3] = Datum::Text("-Infinity");
  specials[4] = Datum::Text("NaN");
  specials[7] = Datum::Text("line\nbreak \\ and a tab\t");
  Row unchanged = FullRow();
  for (size_t c : {7, 8, 14}) unchanged[c] = Datum::UnchangedToast();  // text, bytea, array
  Row moved = FullRow();
  moved[0] = Datum::Text("9");
  const std::vector<ChangeEvent> streamed = {
      event(Op::kCreate, std::nullopt, nulls),         event(Op::kCreate, std::nullopt, specials),
      event(Op::kUpdate, FullRow(), unchanged),         event(Op::kUpdate, FullRow(), moved),
      event(Op::kDelete, moved, std::nullopt),          event(Op::kTruncate, std::nullopt, std::nullopt)};

  std::vector<OutgoingMessage> avro_out, json_out;
  for (EventSerializer* ser : std::initializer_list<EventSerializer*>{&avro_ser, &json_ser}) {
    auto& out = ser == &avro_ser ? avro_out : json_out;
    for (const ChangeEvent& e : snapshot) ASSERT_TRUE(ser->Serialize(e, out).ok());
    ser->BeginTransaction(TransactionBegin{750, Lsn{0x200}, 1705320000512345, Lsn{0x100}});
    for (const ChangeEvent& e : streamed) {
      const absl::Status st = ser->Serialize(e, out);
      ASSERT_TRUE(st.ok()) << st;
    }
    ASSERT_TRUE(ser->EndTransaction(TransactionCommit{Lsn{0x200}, Lsn{0x210}, 1705320000512345}, out).ok());
  }
  // 3 reads; BEGIN, 2 creates, an update, a key change (delete, tombstone,
  // create), a delete and its tombstone, a truncate; END.
  ASSERT_EQ(json_out.size(), 14u);
  ExpectSamePayloads(*registry, avro_out, json_out);
  EXPECT_EQ(registry->subjects(),
            (std::set<std::string>{"shop.public.every_shape-key", "shop.public.every_shape-value",
                                   "shop.transaction-key", "shop.transaction-value"}));
}

// A value the Avro schema cannot hold stops the event with an error that
// names the subject and the field.
TEST(DebeziumAvro, AValueAvroCannotHoldNamesItsSubjectAndField) {
  auto registry = std::make_shared<MemoryRegistry>();
  DebeziumAvroSerializer avro_ser({"shop", "app"}, registry);
  ChangeEvent e;
  e.table = EveryShape();
  e.op = Op::kCreate;
  e.after = FullRow();
  (*e.after)[2] = Datum::Text("2147483648");  // int4 column, one past int's range
  std::vector<OutgoingMessage> out;
  const absl::Status st = avro_ser.Serialize(e, out);
  ASSERT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
  EXPECT_NE(st.message().find("shop.public.every_shape-value"), std::string::npos) << st;
  EXPECT_NE(st.message().find("after.medium"), std::string::npos) << st;
}

// Names Avro does not allow stop an Avro capture with an error that says
// which setting helps; with both adjustment modes at avro the same table is
// written, registered and decoded back under its adjusted names.
TEST(DebeziumAvro, NamesAvroDoesNotAllowNeedTheAdjustmentModes) {
  auto table = std::make_shared<SourceTable>();
  table->id = {"public", "odd-names"};
  table->columns = {{"1st", debezium::oid::kInt4, -1, true}, {"Order Date", debezium::oid::kText, -1, false}};
  ChangeEvent e;
  e.table = table;
  e.op = Op::kCreate;
  e.after = Row{Datum::Text("1"), Datum::Text("d")};
  std::vector<OutgoingMessage> out;

  auto registry = std::make_shared<MemoryRegistry>();
  DebeziumAvroSerializer plain({"shop", "app"}, registry);
  const absl::Status refused = plain.Serialize(e, out);
  ASSERT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << refused;
  EXPECT_NE(refused.message().find("1st"), std::string::npos) << refused;
  EXPECT_NE(refused.message().find("field_name_adjustment_mode"), std::string::npos) << refused;

  debezium::SerializerOptions options{"shop", "app"};
  options.field_names = debezium::NameAdjustment::kAvro;
  options.schema_names = debezium::NameAdjustment::kAvro;
  DebeziumAvroSerializer adjusted(options, registry);
  out.clear();
  const absl::Status st = adjusted.Serialize(e, out);
  ASSERT_TRUE(st.ok()) << st;
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].topic, "shop.public.odd-names");
  DebeziumAvroDecoder dec({}, registry);
  auto change = dec.Decode(AsIncoming(out[0], 0, 0));
  ASSERT_TRUE(change.ok() && change->has_value()) << change.status();
  ASSERT_EQ((*change)->table->columns.size(), 2u);
  EXPECT_EQ((*change)->table->columns[0].name, "_1st");
  EXPECT_EQ((*change)->table->columns[1].name, "Order_Date");
  EXPECT_EQ((*change)->table->id.table, "odd-names");
}

TEST(DebeziumAvro, UndecodableMessagesAreInvalidArgumentNamingTheirPosition) {
  auto registry = std::make_shared<MemoryRegistry>();
  DebeziumAvroDecoder dec({}, registry);
  IncomingMessage m;
  m.source = {"shop.public.t", 3};
  m.offset = 42;
  m.value = std::string("{\"schema\":{}}");  // JSON where Avro was expected
  auto json_value = dec.Decode(m);
  ASSERT_EQ(json_value.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(json_value.status().message().find("shop.public.t[3]@42 value"), std::string::npos) << json_value.status();
  m.value = std::string("\0\0\0\0\x09\x02", 6);  // an id the registry does not have
  auto unknown_id = dec.Decode(m);
  ASSERT_EQ(unknown_id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unknown_id.status().message().find("9"), std::string::npos);
}

}  // namespace
}  // namespace cdc::avro
