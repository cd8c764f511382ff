#include <gtest/gtest.h>

#include <cmath>

#include "format/debezium_json/debezium_json_decoder.h"
#include "format/debezium_json/debezium_json_serializer.h"
#include "core/json_writer.h"
#include "format/debezium_json/type_mapping.h"
#include "nlohmann/json.hpp"
#include "source/postgres/copy_text.h"

namespace cdc::debezium {
namespace {

std::shared_ptr<SourceTable> Orders() {
  auto t = std::make_shared<SourceTable>();
  t->relation_id = 1;
  t->id = {"public", "orders"};
  t->columns = {{"id", oid::kInt8, -1, true},
                {"amount", oid::kNumeric, ((12 << 16) | 2) + 4, false},
                {"note", oid::kText, -1, false},
                {"placed", oid::kTimestampTz, -1, false},
                {"day", oid::kDate, -1, false},
                {"flag", oid::kBool, -1, false}};
  return t;
}

TEST(DebeziumJson, InsertHasDebeziumShapeAndRoundTrips) {
  DebeziumJsonSerializer ser({"shop", "app"});
  ChangeEvent e;
  e.op = Op::kCreate;
  e.table = Orders();
  e.after = Row{Datum::Text("7"), Datum::Text("-123.45"), Datum::Text("hi \"there\""),
                Datum::Text("2024-01-15 12:00:00.5+00"), Datum::Text("2024-01-15"), Datum::Null()};
  e.version = {Lsn{0x200}, Lsn{0x100}};
  e.xid = 750;
  e.commit_time_us = 1705320000512345;
  std::vector<OutgoingMessage> out;
  ASSERT_TRUE(ser.Serialize(e, out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].topic, "shop.public.orders");

  auto key = nlohmann::json::parse(*out[0].key);
  EXPECT_EQ(key["schema"]["name"], "shop.public.orders.Key");
  EXPECT_EQ(key["payload"]["id"], 7);
  auto value = nlohmann::json::parse(*out[0].value);
  EXPECT_EQ(value["schema"]["name"], "shop.public.orders.Envelope");
  const auto& p = value["payload"];
  EXPECT_TRUE(p["before"].is_null());
  EXPECT_EQ(p["after"]["amount"], "z8c=");
  EXPECT_EQ(p["after"]["placed"], "2024-01-15T12:00:00.500000Z");
  EXPECT_EQ(p["after"]["day"], 19737);
  EXPECT_EQ(p["op"], "c");
  EXPECT_EQ(p["source"]["db"], "app");
  EXPECT_EQ(p["source"]["txId"], 750);
  EXPECT_EQ(p["source"]["lsn"], 0x100);
  EXPECT_EQ(p["source"]["ts_ms"], 1705320000512);
  EXPECT_EQ(p["source"]["sequence"], "[\"512\",\"256\"]");
  auto amount_schema = value["schema"]["fields"][1]["fields"][1];
  EXPECT_EQ(amount_schema["name"], "org.apache.kafka.connect.data.Decimal");
  EXPECT_EQ(amount_schema["parameters"]["scale"], "2");
  EXPECT_EQ(amount_schema["parameters"]["connect.decimal.precision"], "12");

  DebeziumJsonDecoder dec;
  auto change = dec.Decode(AsIncoming(out[0]));
  ASSERT_TRUE(change.ok()) << change.status();
  ASSERT_TRUE(change->has_value());
  const RowChange& rc = **change;
  EXPECT_EQ(rc.table->id.ToString(), "public.orders");
  EXPECT_TRUE(rc.table->columns[0].key);
  EXPECT_EQ(rc.table->columns[1].type, ColumnType::kDecimal);
  EXPECT_EQ(rc.table->columns[1].precision, 12);
  EXPECT_EQ(rc.values[1].text, "-123.45");
  EXPECT_EQ(rc.values[2].text, "hi \"there\"");
  EXPECT_EQ(rc.values[3].text, "2024-01-15T12:00:00.500000Z");
  EXPECT_EQ(rc.values[4].integer, 19737);
  EXPECT_EQ(rc.values[5].kind, Value::Kind::kNull);
  EXPECT_EQ(rc.version.commit_lsn, Lsn{0x200});
  EXPECT_EQ(rc.version.change_lsn, Lsn{0x100});
}

TEST(DebeziumJson, KeyChangeBecomesDeleteTombstoneCreate) {
  DebeziumJsonSerializer ser({"shop", "app"});
  ChangeEvent e;
  e.op = Op::kUpdate;
  e.table = Orders();
  e.before = Row{Datum::Text("1"), Datum::Null(), Datum::Null(), Datum::Null(), Datum::Null(), Datum::Null()};
  e.after = Row{Datum::Text("2"), Datum::Text("1.00"), Datum::UnchangedToast(), Datum::Null(), Datum::Null(), Datum::Text("t")};
  std::vector<OutgoingMessage> out;
  ASSERT_TRUE(ser.Serialize(e, out).ok());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(nlohmann::json::parse(*out[0].value)["payload"]["op"], "d");
  EXPECT_EQ(nlohmann::json::parse(*out[0].key)["payload"]["id"], 1);
  EXPECT_FALSE(out[1].value.has_value());  // tombstone
  EXPECT_EQ(*out[1].key, *out[0].key);
  EXPECT_EQ(nlohmann::json::parse(*out[2].value)["payload"]["op"], "c");
  EXPECT_EQ(nlohmann::json::parse(*out[2].value)["payload"]["after"]["note"], "__debezium_unavailable_value");
  // Debezium's key-change headers carry the other key's payload.
  ASSERT_EQ(out[0].headers.size(), 1u);
  EXPECT_EQ(out[0].headers[0], (std::pair<std::string, std::string>{"__debezium.newkey", "{\"id\":2}"}));
  EXPECT_EQ(out[1].headers, out[0].headers);
  ASSERT_EQ(out[2].headers.size(), 2u);
  EXPECT_EQ(out[2].headers[0], (std::pair<std::string, std::string>{"__debezium.oldkey", "{\"id\":1}"}));
  EXPECT_EQ(out[2].headers[1], (std::pair<std::string, std::string>{kUnchangedColumnsHeader, "note"}));

  DebeziumJsonDecoder dec;
  auto del = dec.Decode(AsIncoming(out[0]));
  ASSERT_TRUE(del.ok() && del->has_value());
  EXPECT_EQ((*del)->op, Op::kDelete);
  EXPECT_EQ((*del)->values[0].integer, 1);
  auto tomb = dec.Decode(AsIncoming(out[1]));
  ASSERT_TRUE(tomb.ok());
  EXPECT_FALSE(tomb->has_value());
  auto create = dec.Decode(AsIncoming(out[2]));
  ASSERT_TRUE(create.ok() && create->has_value());
  EXPECT_EQ((*create)->values[2].kind, Value::Kind::kUnchanged);
}

TEST(DebeziumJson, SnapshotSequenceFullIdentityAndToastedBytesAsDebeziumWritesThem) {
  DebeziumJsonSerializer ser({"shop", "app"});
  auto table = Orders();
  // FULL: the source keys events by the primary key (id) all the same.
  table->replica_identity = 'f';
  table->columns.push_back({"blob", oid::kBytea, -1, false});
  ChangeEvent e;
  e.op = Op::kRead;
  e.snapshot = true;
  e.table = table;
  e.after = Row{Datum::Text("7"), Datum::Null(), Datum::Null(), Datum::Null(), Datum::Null(), Datum::Null(),
                Datum::UnchangedToast()};
  e.version = {Lsn{0x200}, Lsn{0}};
  std::vector<OutgoingMessage> out;
  ASSERT_TRUE(ser.Serialize(e, out).ok());
  auto value = nlohmann::json::parse(*out[0].value);
  EXPECT_EQ(value["payload"]["source"]["sequence"], "[null,\"512\"]");
  EXPECT_EQ(value["schema"]["fields"][2]["version"], 1);  // the source block
  for (const auto& f : value["schema"]["fields"][1]["fields"]) EXPECT_EQ(f["optional"], f["field"] != "id") << f;
  ASSERT_TRUE(out[0].key.has_value());
  EXPECT_EQ(nlohmann::json::parse(*out[0].key)["payload"], nlohmann::json::parse(R"({"id":7})"));
  EXPECT_EQ(value["payload"]["after"]["blob"], Base64("__debezium_unavailable_value"));

  DebeziumJsonDecoder dec;
  auto r = dec.Decode(AsIncoming(out[0]));
  ASSERT_TRUE(r.ok() && r->has_value()) << r.status();
  EXPECT_EQ((*r)->version.commit_lsn, Lsn{0x200});
  EXPECT_EQ((*r)->values[6].kind, Value::Kind::kUnchanged);
}

TEST(JsonWriter, MicrosDigitsWriteWhatEachConversionWould) {
  const int64_t kMax = INT64_MAX / 1000;
  std::vector<int64_t> values = {0, 1, -1, 999, -999, 1000, -1000, 1001, -1001, 1500, -1500, 999999, 1000000,
                                 1705320000512345, -1705320000512345, kMax, -kMax, kMax + 1, -kMax - 1,
                                 INT64_MAX, INT64_MIN + 1};
  for (int64_t v = -20000; v <= 20000; v += 7) values.push_back(v);
  for (int64_t v : values) {
    const json::MicrosDigits d(v);
    std::string millis, micros, nanos, want_millis, want_micros, want_nanos;
    d.AppendMillis(millis);
    d.AppendMicros(micros);
    d.AppendNanos(nanos);
    json::AppendInt(want_millis, v / 1000);
    json::AppendInt(want_micros, v);
    // The product as int64 arithmetic wraps it (defined here through uint64).
    json::AppendInt(want_nanos, static_cast<int64_t>(static_cast<uint64_t>(v) * 1000u));
    EXPECT_EQ(millis, want_millis) << v;
    EXPECT_EQ(micros, want_micros) << v;
    EXPECT_EQ(nanos, want_nanos) << v;
  }
}

TEST(DebeziumJson, SnapshotRowsOfOneTableShareTheirSourceBlockButTheMarker) {
  DebeziumJsonSerializer ser({"shop", "app"}), fresh({"shop", "app"});
  auto orders = Orders();
  auto other = Orders();
  other->id = {"public", "other"};
  auto source_of = [](const OutgoingMessage& m) { return nlohmann::json::parse(*m.value)["payload"]["source"]; };
  const SnapshotMarker markers[] = {SnapshotMarker::kFirst, SnapshotMarker::kTrue, SnapshotMarker::kTrue,
                                    SnapshotMarker::kLastInTable, SnapshotMarker::kFirstInTable, SnapshotMarker::kLast,
                                    SnapshotMarker::kIncremental};
  const char* texts[] = {"first", "true", "true", "last_in_data_collection", "first_in_data_collection", "last",
                         "incremental"};
  for (int i = 0; i < 7; ++i) {
    ChangeEvent e;
    e.op = Op::kRead;
    e.snapshot = true;
    e.snapshot_marker = markers[i];
    e.table = i < 4 ? orders : other;
    e.after = Row{Datum::Text(std::to_string(i)), Datum::Null(), Datum::Null(), Datum::Null(), Datum::Null(),
                  Datum::Null()};
    e.version = {Lsn{0x300 + static_cast<uint64_t>(i / 3)}, Lsn{0}};
    e.commit_time_us = 1705320000512345 + i / 2;
    std::vector<OutgoingMessage> a, b;
    ASSERT_TRUE(ser.Serialize(e, a).ok());
    // A serializer that has seen no other row formats the block afresh.
    DebeziumJsonSerializer once({"shop", "app"});
    ASSERT_TRUE(once.Serialize(e, b).ok());
    EXPECT_EQ(source_of(a[0]), source_of(b[0])) << i;
    EXPECT_EQ(source_of(a[0])["table"], i < 4 ? "orders" : "other");
    EXPECT_EQ(source_of(a[0])["ts_us"], 1705320000512345 + i / 2);
    EXPECT_EQ(source_of(a[0])["sequence"], "[null,\"" + std::to_string(0x300 + i / 3) + "\"]");
    EXPECT_EQ(source_of(a[0])["snapshot"], texts[i]);
  }
}

TEST(DebeziumJson, ValuesBuiltInReusedBuffersAreTheSameBytes) {
  SerializerOptions pooled_options{"shop", "app"};
  pooled_options.value_buffers = std::make_shared<BufferPool>(1 << 20, 1 << 16);
  DebeziumJsonSerializer plain({"shop", "app"}), pooled(pooled_options);
  ChangeEvent e;
  e.op = Op::kRead;
  e.snapshot = true;
  e.table = Orders();
  e.version = {Lsn{0x200}, Lsn{0}};
  e.commit_time_us = 1705320000512345;
  // Buffers given back held longer values than the rows that reuse them.
  std::vector<std::string> delivered;
  for (int i = 0; i < 3; ++i) delivered.push_back(std::string(5000, 'x'));
  pooled_options.value_buffers->GiveAll(delivered);
  for (int i = 0; i < 3; ++i) {
    e.after = Row{Datum::Text(std::to_string(i)), Datum::Text("1.5"), Datum::Text("n"),
                  Datum::Text("2024-01-15 12:00:00+00"), Datum::Null(), Datum::Text("t")};
    std::vector<OutgoingMessage> a, b;
    ASSERT_TRUE(plain.Serialize(e, a).ok());
    ASSERT_TRUE(pooled.Serialize(e, b).ok());
    ASSERT_EQ(a.size(), 1u);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(a[0].key, b[0].key);
    // Up to the envelope's ts_ms, which is the time of serializing.
    const std::string& va = *a[0].value;
    const std::string& vb = *b[0].value;
    EXPECT_EQ(va.substr(0, va.rfind(",\"ts_ms\":")), vb.substr(0, vb.rfind(",\"ts_ms\":")));
    EXPECT_GE(vb.capacity(), 5000u);  // built in a buffer given back
  }
}

// A table whose names Avro does not allow, as Debezium names it with both
// adjustment modes at avro: the topic keeps '-' (Kafka allows it), the
// schemas named after the topic do not, and the columns' fields are
// adjusted in schemas, payloads and the unchanged-TOAST header alike.
std::shared_ptr<SourceTable> OddNames() {
  auto t = std::make_shared<SourceTable>();
  t->relation_id = 9;
  t->id = {"public", "odd-Names ü"};
  t->columns = {{"1st", oid::kInt4, -1, true}, {"Order Date", oid::kText, -1, false}, {"naïve", oid::kText, -1, false}};
  return t;
}

TEST(DebeziumJson, AdjustedNamesReachSchemasPayloadsAndTheUnchangedColumnsHeader) {
  SerializerOptions options{"shop", "app"};
  options.field_names = NameAdjustment::kAvro;
  options.schema_names = NameAdjustment::kAvro;
  DebeziumJsonSerializer ser(options);
  ChangeEvent e;
  e.op = Op::kUpdate;
  e.table = OddNames();
  e.after = Row{Datum::Text("1"), Datum::Text("d"), Datum::UnchangedToast()};
  e.version = {Lsn{0x200}, Lsn{0x100}};
  std::vector<OutgoingMessage> out;
  ASSERT_TRUE(ser.Serialize(e, out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].topic, "shop.public.odd-Names__");
  auto key = nlohmann::json::parse(*out[0].key);
  EXPECT_EQ(key["schema"]["name"], "shop.public.odd_Names__.Key");
  EXPECT_EQ(key["schema"]["fields"][0]["field"], "_1st");
  EXPECT_EQ(key["payload"], nlohmann::json::parse(R"({"_1st":1})"));
  auto value = nlohmann::json::parse(*out[0].value);
  EXPECT_EQ(value["schema"]["name"], "shop.public.odd_Names__.Envelope");
  const auto& after_schema = value["schema"]["fields"][1];
  EXPECT_EQ(after_schema["name"], "shop.public.odd_Names__.Value");
  std::vector<std::string> fields;
  for (const auto& f : after_schema["fields"]) fields.push_back(f["field"]);
  EXPECT_EQ(fields, (std::vector<std::string>{"_1st", "Order_Date", "na_ve"}));
  EXPECT_EQ(value["payload"]["after"]["Order_Date"], "d");
  EXPECT_EQ(value["payload"]["source"]["table"], "odd-Names ü");  // the source's own name
  ASSERT_EQ(out[0].headers.size(), 1u);
  EXPECT_EQ(out[0].headers[0], std::make_pair(std::string(kUnchangedColumnsHeader), std::string("na_ve")));

  // Without adjustment the names stay, but the topic is Kafka's anyway.
  DebeziumJsonSerializer plain({"shop", "app"});
  out.clear();
  ASSERT_TRUE(plain.Serialize(e, out).ok());
  EXPECT_EQ(nlohmann::json::parse(*out[0].key)["schema"]["name"], "shop.public.odd-Names__.Key");
  EXPECT_EQ(nlohmann::json::parse(*out[0].value)["payload"]["after"]["Order Date"], "d");
}

TEST(DebeziumJson, ColumnsThatAdjustToOneFieldAreRefusedNamingBoth) {
  SerializerOptions options{"shop", "app"};
  options.field_names = NameAdjustment::kAvro;
  DebeziumJsonSerializer ser(options);
  auto t = std::make_shared<SourceTable>();
  t->id = {"public", "t"};
  t->columns = {{"id", oid::kInt4, -1, true}, {"a-b", oid::kInt4, -1, false}, {"a b", oid::kInt4, -1, false}};
  ChangeEvent e;
  e.op = Op::kCreate;
  e.table = t;
  e.after = Row{Datum::Text("1"), Datum::Text("2"), Datum::Text("3")};
  std::vector<OutgoingMessage> out;
  const absl::Status st = ser.Serialize(e, out);
  ASSERT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
  for (const char* part : {"public.t", "'a-b'", "'a b'", "'a_b'", "field_name_adjustment_mode"}) {
    EXPECT_NE(st.message().find(part), std::string::npos) << part << " in " << st;
  }
  EXPECT_TRUE(out.empty());
  // avro_unicode keeps them apart.
  options.field_names = NameAdjustment::kAvroUnicode;
  DebeziumJsonSerializer unicode(options);
  EXPECT_TRUE(unicode.Serialize(e, out).ok());
}

TEST(DebeziumJson, TransactionMetadataFramesEventsWithBeginAndEnd) {
  SerializerOptions options{"shop", "app"};
  options.transaction_metadata = true;
  DebeziumJsonSerializer ser(options);
  auto orders = Orders();
  std::vector<OutgoingMessage> out;
  // A transaction without events writes nothing.
  ser.BeginTransaction(TransactionBegin{7, Lsn{900}, 1'000'000, Lsn{800}});
  (void)ser.EndTransaction(TransactionCommit{Lsn{900}, Lsn{950}, 1'000'000}, out);
  EXPECT_TRUE(out.empty());

  ser.BeginTransaction(TransactionBegin{8, Lsn{2000}, 5'000'000, Lsn{1000}});
  for (int i = 0; i < 2; ++i) {
    ChangeEvent e;
    e.op = Op::kCreate;
    e.table = orders;
    e.after = Row{Datum::Text(std::to_string(i)), Datum::Text("1.50"), Datum::Null(), Datum::Null(), Datum::Null(),
                  Datum::Text("t")};
    e.version = {Lsn{2000}, Lsn{1000 + static_cast<uint64_t>(i) * 100}};
    e.xid = 8;
    ASSERT_TRUE(ser.Serialize(e, out).ok());
  }
  (void)ser.EndTransaction(TransactionCommit{Lsn{2000}, Lsn{2050}, 5'000'000}, out);
  ASSERT_EQ(out.size(), 4u);  // BEGIN, two events, END
  EXPECT_EQ(out[0].topic, "shop.transaction");
  auto begin = nlohmann::json::parse(*out[0].value)["payload"];
  EXPECT_EQ(begin["status"], "BEGIN");
  EXPECT_EQ(begin["id"], "8:1000");
  auto second = nlohmann::json::parse(*out[2].value)["payload"]["transaction"];
  EXPECT_EQ(second["id"], "8:1100");  // Debezium: the event's own LSN
  EXPECT_EQ(second["total_order"], 2);
  EXPECT_EQ(second["data_collection_order"], 2);
  auto end = nlohmann::json::parse(*out[3].value)["payload"];
  EXPECT_EQ(end["status"], "END");
  EXPECT_EQ(end["event_count"], 2);
  EXPECT_EQ(end["data_collections"][0]["data_collection"], orders->id.ToString());
  EXPECT_EQ(end["ts_ms"], 5000);
}

// The records of one serializer per JsonConverter setting, for the same
// events: an insert, a key change (delete, tombstone, create), a truncate, a
// logical decoding message and a heartbeat, inside transaction metadata.
std::vector<OutgoingMessage> RecordsOfEveryKind(bool schemas) {
  SerializerOptions options{"shop", "app"};
  options.transaction_metadata = true;
  options.schemas = schemas;
  // decimal_handling_mode string: without a schema a precise decimal's scale is lost.
  auto types = MakeTypeMappingOptions("string", "adaptive", "bytes", "numeric", "json", 2);
  EXPECT_TRUE(types.ok()) << types.status();
  options.types = *types;
  DebeziumJsonSerializer ser(options);
  auto orders = Orders();
  std::vector<OutgoingMessage> out;
  ser.BeginTransaction(TransactionBegin{8, Lsn{2000}, 5'000'000, Lsn{1000}});
  ChangeEvent insert;
  insert.op = Op::kCreate;
  insert.table = orders;
  insert.after = Row{Datum::Text("7"), Datum::Text("-123.45"), Datum::Text("hi"), Datum::Text("2024-01-15 12:00:00.5+00"),
                     Datum::Text("2024-01-15"), Datum::Text("t")};
  insert.version = {Lsn{2000}, Lsn{1000}};
  insert.xid = 8;
  insert.commit_time_us = 5'000'000;
  EXPECT_TRUE(ser.Serialize(insert, out).ok());
  ChangeEvent key_change = insert;
  key_change.op = Op::kUpdate;
  key_change.before = Row{Datum::Text("7"), Datum::Null(), Datum::Null(), Datum::Null(), Datum::Null(), Datum::Null()};
  (*key_change.after)[0] = Datum::Text("8");
  (*key_change.after)[2] = Datum::UnchangedToast();
  key_change.version.change_lsn = Lsn{1100};
  EXPECT_TRUE(ser.Serialize(key_change, out).ok());
  ChangeEvent truncate = insert;
  truncate.op = Op::kTruncate;
  truncate.after.reset();
  truncate.version.change_lsn = Lsn{1200};
  EXPECT_TRUE(ser.Serialize(truncate, out).ok());
  EXPECT_TRUE(ser.SerializeMessage(DatabaseMessage{true, "audit", "who", {Lsn{2000}, Lsn{1300}}, 8, 5'000'000}, out).ok());
  (void)ser.EndTransaction(TransactionCommit{Lsn{2000}, Lsn{2050}, 5'000'000}, out);
  out.push_back(*ser.Heartbeat(1'234));
  return out;
}

// A document without the fields of the moment it was written (ts_ms, ts_us
// and ts_ns of the envelope and of a message are the serializer's clock).
nlohmann::json WithoutClock(nlohmann::json doc) {
  if (doc.is_object() && doc.contains("op")) {
    for (const char* f : {"ts_ms", "ts_us", "ts_ns"}) doc.erase(f);
  }
  return doc;
}

TEST(DebeziumJson, SchemalessRecordsAreThePayloadsOfTheRecordsWithSchemas) {
  const std::vector<OutgoingMessage> with = RecordsOfEveryKind(true);
  const std::vector<OutgoingMessage> without = RecordsOfEveryKind(false);
  // BEGIN, insert, delete, tombstone, create, truncate, message, END, heartbeat.
  ASSERT_EQ(with.size(), 9u);
  ASSERT_EQ(without.size(), with.size());
  for (size_t i = 0; i < with.size(); ++i) {
    SCOPED_TRACE(with[i].topic + " record " + std::to_string(i));
    EXPECT_EQ(without[i].topic, with[i].topic);
    EXPECT_EQ(without[i].headers, with[i].headers);
    ASSERT_EQ(without[i].key.has_value(), with[i].key.has_value());
    if (with[i].key) {
      auto key = nlohmann::json::parse(*with[i].key);
      ASSERT_TRUE(key.contains("schema"));
      EXPECT_EQ(nlohmann::json::parse(*without[i].key), key["payload"]);
    }
    ASSERT_EQ(without[i].value.has_value(), with[i].value.has_value());
    if (with[i].value) {
      auto value = nlohmann::json::parse(*with[i].value);
      ASSERT_TRUE(value.contains("schema"));
      auto bare = nlohmann::json::parse(*without[i].value);
      EXPECT_FALSE(bare.contains("schema"));
      EXPECT_EQ(WithoutClock(bare), WithoutClock(value["payload"]));
    }
  }
  // What the setting is for: the insert's value is a fraction of its size.
  EXPECT_LT(without[1].value->size() * 3, with[1].value->size());

  // load reads the schemaless insert with inferred types, the decimal exact.
  DebeziumJsonDecoder dec;
  auto change = dec.Decode(AsIncoming(without[1]));
  ASSERT_TRUE(change.ok()) << change.status();
  ASSERT_TRUE(change->has_value());
  EXPECT_EQ((*change)->table->id.ToString(), "public.orders");
  EXPECT_TRUE((*change)->table->columns[0].key);
  EXPECT_EQ((*change)->values[0].integer, 7);
  EXPECT_EQ((*change)->values[1].text, "-123.45");
  EXPECT_EQ((*change)->version.commit_lsn, Lsn{2000});
}

TEST(DebeziumJson, KeylessAndRepeatedMessagesDecodeTheSame) {
  DebeziumJsonSerializer ser({"shop", "app"});
  auto table = Orders();
  table->replica_identity = 'f';  // FULL without a primary key -> null Kafka key
  for (auto& c : table->columns) c.key = false;
  ChangeEvent e;
  e.op = Op::kCreate;
  e.table = table;
  e.after = Row{Datum::Text("7"), Datum::Text("1.50"), Datum::Null(), Datum::Null(), Datum::Null(), Datum::Text("t")};
  std::vector<OutgoingMessage> out;
  ASSERT_TRUE(ser.Serialize(e, out).ok());
  ASSERT_FALSE(out[0].key.has_value());
  DebeziumJsonDecoder dec;
  for (int i = 0; i < 3; ++i) {  // the first decodes the schema, the rest reuse it
    auto r = dec.Decode(AsIncoming(out[0]));
    ASSERT_TRUE(r.ok() && r->has_value()) << r.status();
    EXPECT_EQ((*r)->values[1].text, "1.50");
    EXPECT_EQ((*r)->values[5].kind, Value::Kind::kBool);
    EXPECT_FALSE((*r)->table->HasKey());
  }
}

// The same value with and without its key, in turn: the decoder's shortcut
// for a message shaped like the one before must not carry a key over.
TEST(DebeziumJson, MessagesWithAndWithoutAKeyInTurnKeepTheirOwnKeys) {
  DebeziumJsonSerializer ser({"shop", "app"});
  ChangeEvent e;
  e.op = Op::kCreate;
  e.table = Orders();
  e.after = Row{Datum::Text("7"), Datum::Text("1.50"), Datum::Null(), Datum::Null(), Datum::Null(), Datum::Text("t")};
  std::vector<OutgoingMessage> out;
  ASSERT_TRUE(ser.Serialize(e, out).ok());
  OutgoingMessage without_key = out.at(0);
  without_key.key.reset();
  DebeziumJsonDecoder dec;
  for (int i = 0; i < 6; ++i) {
    const bool keyed = i % 3 != 2;  // keyed, keyed (the shortcut), without, ...
    auto r = dec.Decode(AsIncoming(keyed ? out.at(0) : without_key));
    ASSERT_TRUE(r.ok() && r->has_value()) << r.status();
    EXPECT_EQ((*r)->table->HasKey(), keyed) << i;
  }
}

// Snapshot rows of tables load keeps as change logs (keyless ones, and
// those sink.append_tables names) say which chunk read they come from;
// load reads it back. Keyed tables' and streamed rows carry nothing.
TEST(DebeziumJson, SnapshotRowsOfChangeLogsNameTheirChunkRead) {
  auto keyless = Orders();
  keyless->id = {"public", "keyless"};
  for (auto& c : keyless->columns) c.key = false;
  auto appended = Orders();
  appended->id = {"public", "appended"};
  SerializerOptions options{"shop", "app"};
  options.change_logs = TableModes({"public\\.appended"});
  DebeziumJsonSerializer ser(options);
  auto header_of = [&](std::shared_ptr<SourceTable> table, bool snapshot) -> std::optional<std::string> {
    ChangeEvent e;
    e.op = snapshot ? Op::kRead : Op::kCreate;
    e.table = table;
    e.after = Row{Datum::Text("7"), Datum::Null(), Datum::Null(), Datum::Null(), Datum::Null(), Datum::Null()};
    e.snapshot = snapshot;
    if (snapshot) e.snapshot_chunk = 12;
    e.commit_time_us = 1705320000512345;
    std::vector<OutgoingMessage> out;
    EXPECT_TRUE(ser.Serialize(e, out).ok());
    for (const auto& [k, v] : out.at(0).headers)
      if (k == kSnapshotChunkHeader) return v;
    return std::nullopt;
  };
  EXPECT_EQ(header_of(keyless, true), "12@1705320000512345");
  EXPECT_EQ(header_of(appended, true), "12@1705320000512345");
  EXPECT_EQ(header_of(Orders(), true), std::nullopt);
  EXPECT_EQ(header_of(keyless, false), std::nullopt);

  ChangeEvent e;
  e.op = Op::kRead;
  e.table = keyless;
  e.after = Row{Datum::Text("7"), Datum::Null(), Datum::Null(), Datum::Null(), Datum::Null(), Datum::Null()};
  e.snapshot = true;
  e.snapshot_chunk = 12;
  e.commit_time_us = 1705320000512345;
  std::vector<OutgoingMessage> out;
  ASSERT_TRUE(ser.Serialize(e, out).ok());
  DebeziumJsonDecoder dec;
  auto r = dec.Decode(AsIncoming(out[0]));
  ASSERT_TRUE(r.ok() && r->has_value()) << r.status();
  EXPECT_EQ((*r)->snapshot_chunk, (SnapshotChunkRead{12, 1705320000512345}));
  out[0].headers = {{kSnapshotChunkHeader, "12"}};
  auto bad = dec.Decode(AsIncoming(out[0]));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(kSnapshotChunkHeader), std::string::npos) << bad.status();
}

// The decoder tries each column's field at its schema position first;
// another producer's field order, missing fields and a row that is not an
// object still decode by name, as nulls, and as an error.
TEST(DebeziumJson, RowFieldsDecodeByNameInAnyOrder) {
  DebeziumJsonSerializer ser({"shop", "app"});
  ChangeEvent e;
  e.op = Op::kCreate;
  e.table = Orders();
  e.after = Row{Datum::Text("7"), Datum::Text("1.50"), Datum::Text("n"), Datum::Null(), Datum::Null(), Datum::Text("t")};
  std::vector<OutgoingMessage> out;
  ASSERT_TRUE(ser.Serialize(e, out).ok());
  auto doc = nlohmann::ordered_json::parse(*out[0].value);
  auto& after = doc["payload"]["after"];
  nlohmann::ordered_json reordered = nlohmann::ordered_json::object();
  for (const char* name : {"flag", "note", "id", "amount"}) reordered[name] = after[name];  // no placed, no day
  DebeziumJsonDecoder dec;
  for (int i = 0; i < 2; ++i) {  // the second with the schema cached
    OutgoingMessage m = out[0];
    doc["payload"]["after"] = reordered;
    m.value = doc.dump();
    auto r = dec.Decode(AsIncoming(m));
    ASSERT_TRUE(r.ok() && r->has_value()) << r.status();
    const auto& v = (*r)->values;
    ASSERT_EQ(v.size(), 6u);
    EXPECT_EQ(v[0].integer, 7);
    EXPECT_EQ(v[1].text, "1.50");
    EXPECT_EQ(v[2].text, "n");
    EXPECT_EQ(v[3].kind, Value::Kind::kNull);
    EXPECT_EQ(v[4].kind, Value::Kind::kNull);
    EXPECT_EQ(v[5].kind, Value::Kind::kBool);
  }
  doc["payload"]["after"] = 5;
  OutgoingMessage m = out[0];
  m.value = doc.dump();
  auto r = dec.Decode(AsIncoming(m));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.status().message()).find("not an object"), std::string::npos) << r.status();
}

TEST(DebeziumJson, DecoderRejectsBadMessagesNamingTheirPosition) {
  DebeziumJsonDecoder dec;
  IncomingMessage m;
  m.source = {"shop.public.orders", 3};
  m.offset = 42;
  for (const char* bad : {"not json", "{\"payload\":{}}", "{\"schema\":{},\"payload\":{\"op\":\"c\"}}",
                          "{\"schema\":{\"fields\":[]},\"payload\":{\"op\":\"c\",\"source\":{\"schema\":\"s\",\"table\":\"t\"}}}"}) {
    m.value = bad;
    auto r = dec.Decode(m);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(std::string(r.status().message()).find("partition 3 offset 42"), std::string::npos) << r.status();
  }
}

// interval.handling.mode string: io.debezium.time.Interval's ISO text back
// into months, days and µs, negative parts and fractions of a second exact.
TEST(DebeziumJson, DecoderReadsIsoIntervalsExactly) {
  auto t = std::make_shared<SourceTable>();
  t->relation_id = 10;
  t->id = {"public", "spans"};
  t->columns = {{"id", oid::kInt4, -1, true}, {"iv", oid::kInterval, -1, false}};
  SerializerOptions options{"x", "db"};
  options.types.interval = IntervalHandling::kString;
  DebeziumJsonSerializer ser(options);
  DebeziumJsonDecoder dec;
  struct Case {
    const char* pg;  // PostgreSQL's output in IntervalStyle iso_8601
    int32_t months, days;
    int64_t micros;
  };
  for (const Case& c : {Case{"P1Y2M3DT-4H-5M-6.5S", 14, 3, -((4 * 3600 + 5 * 60 + 6) * 1000000LL + 500000)},
                        Case{"PT0.000001S", 0, 0, 1}, Case{"P-1D", 0, -1, 0}, Case{"PT-0.25S", 0, 0, -250000}}) {
    ChangeEvent e;
    e.op = Op::kCreate;
    e.table = t;
    e.after = Row{Datum::Text("1"), Datum::Text(c.pg)};
    std::vector<OutgoingMessage> out;
    ASSERT_TRUE(ser.Serialize(e, out).ok()) << c.pg;
    auto change = dec.Decode(AsIncoming(out[0]));
    ASSERT_TRUE(change.ok()) << change.status();
    const Value& v = (**change).values[1];
    EXPECT_EQ(v.kind, Value::Kind::kInterval) << c.pg;
    EXPECT_EQ(v.months, c.months) << c.pg;
    EXPECT_EQ(v.days, c.days) << c.pg;
    EXPECT_EQ(v.integer, c.micros) << c.pg;
  }
}

// Every type the capture side maps, serialized then decoded: the warehouse
// column types and values the loader derives from Debezium's encodings.
TEST(DebeziumJson, DecoderMapsEveryDebeziumEncodingToWarehouseTypes) {
  auto t = std::make_shared<SourceTable>();
  t->relation_id = 9;
  t->id = {"public", "all_types"};
  auto mood = std::make_shared<SourceType>();
  mood->oid = 16500;
  mood->name = "mood";
  mood->kind = 'e';
  mood->enum_labels = {"sad", "happy"};
  t->columns = {{"id", oid::kInt4, -1, true},
                {"wide", oid::kNumeric, ((40 << 16) | 2) + 4, false},
                {"free", oid::kNumeric, -1, false},
                {"tt", oid::kTimeTz, -1, false},
                {"iv", oid::kInterval, -1, false},
                {"ts", oid::kTimestamp, -1, false},
                {"d", oid::kDate, -1, false},
                {"bits", oid::kBit, 10, false},
                {"p", oid::kPoint, -1, false},
                {"ints", 1007, -1, false},
                {"m", 16500, -1, false, mood},
                {"f", oid::kFloat8, -1, false},
                {"money", oid::kMoney, -1, false}};
  DebeziumJsonSerializer ser({"x", "db"});
  ChangeEvent e;
  e.op = Op::kCreate;
  e.table = t;
  e.after = Row{Datum::Text("1"), Datum::Text("12345678901234567890123456789012345678.91"), Datum::Text("1.500"),
                Datum::Text("10:15:30+02"), Datum::Text("P1D"), Datum::Text("infinity"), Datum::Text("-infinity"),
                Datum::Text("0000000101"), Datum::Text("(1.5,2.5)"), Datum::Text("{1,NULL,3}"), Datum::Text("happy"),
                Datum::Text("NaN"), Datum::Text("$1,234.56")};
  std::vector<OutgoingMessage> out;
  ASSERT_TRUE(ser.Serialize(e, out).ok());
  std::atomic<uint64_t> lossy{0};
  DecoderOptions exact_options;
  exact_options.lossy_values = &lossy;
  DebeziumJsonDecoder exact(exact_options);
  auto change = exact.Decode(AsIncoming(out[0]));
  ASSERT_TRUE(change.ok()) << change.status();
  const auto& cols = (*change)->table->columns;
  const auto& v = (*change)->values;
  EXPECT_EQ(cols[1].type, ColumnType::kText);  // 40 digits: exact text
  EXPECT_EQ(v[1].text, "12345678901234567890123456789012345678.91");
  EXPECT_EQ(cols[2].type, ColumnType::kText);
  EXPECT_EQ(v[2].text, "1.5");
  EXPECT_EQ(cols[3].type, ColumnType::kTimeTz);
  EXPECT_EQ(v[3].text, "08:15:30+00");
  EXPECT_EQ(cols[4].type, ColumnType::kInterval);
  EXPECT_EQ(v[4].integer, 86400000000);
  EXPECT_EQ(v[5].integer, kInfinityMicros);
  EXPECT_EQ(v[6].integer, -kInfinityDays);
  EXPECT_EQ(cols[7].type, ColumnType::kBlob);
  EXPECT_EQ(v[7].text, std::string("\x05", 1));
  EXPECT_EQ(cols[8].type, ColumnType::kPoint);
  ASSERT_EQ(v[8].items.size(), 4u);
  EXPECT_EQ(v[8].items[0].real, 1.5);
  EXPECT_TRUE(cols[9].list);
  EXPECT_EQ(cols[9].type, ColumnType::kInt32);
  ASSERT_EQ(v[9].items.size(), 3u);
  EXPECT_EQ(v[9].items[1].kind, Value::Kind::kNull);
  EXPECT_EQ(cols[10].type, ColumnType::kText);
  EXPECT_EQ(v[10].text, "happy");
  EXPECT_EQ(v[11].kind, Value::Kind::kDouble);
  EXPECT_TRUE(std::isnan(v[11].real));
  EXPECT_EQ(cols[12].type, ColumnType::kDecimal);
  EXPECT_EQ(v[12].text, "1234.56");
  EXPECT_EQ(lossy.load(), 0u);

  DecoderOptions double_options;
  double_options.wide_numeric_as_double = true;
  double_options.lossy_values = &lossy;
  DebeziumJsonDecoder approx(double_options);
  auto rounded = approx.Decode(AsIncoming(out[0]));
  ASSERT_TRUE(rounded.ok()) << rounded.status();
  EXPECT_EQ((*rounded)->table->columns[1].type, ColumnType::kDouble);
  EXPECT_EQ((*rounded)->values[2].real, 1.5);
  EXPECT_EQ(lossy.load(), 2u);  // each converted value counted
}

TEST(CopyText, ParsesEscapesAndNulls) {
  auto row = pg::ParseCopyTextRow("1\t\\N\ta\\tb\\\\c\\n\t\\x41\\101\n", 4);
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ((*row)[0], Datum::Text("1"));
  EXPECT_EQ((*row)[1], Datum::Null());
  EXPECT_EQ((*row)[2], Datum::Text("a\tb\\c\n"));
  EXPECT_EQ((*row)[3], Datum::Text("AA"));
  EXPECT_FALSE(pg::ParseCopyTextRow("1\t2", 3).ok());
}

}  // namespace
}  // namespace cdc::debezium
