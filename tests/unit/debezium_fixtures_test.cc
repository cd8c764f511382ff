// Records shaped as Debezium's PostgreSQL connector writes them through
// Kafka's JsonConverter (spec/02: envelope, TOAST placeholder, truncate,
// heartbeat, transaction metadata, tombstones), for the cases a live run of
// tests/compat rarely produces. Sequences and LSNs of the ordering test are
// the values Debezium 3.4.3 wrote for tests/compat/workload.sql's txorder.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "absl/strings/escaping.h"
#include "format/debezium_json/debezium_json_decoder.h"
#include "pipeline/batch.h"

namespace cdc::debezium {
namespace {

constexpr const char* kPlaceholder = "__debezium_unavailable_value";

// public.docs(id int4 PRIMARY KEY, body text, blob bytea, tags text[]).
constexpr const char* kRowSchema =
    R"({"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},)"
    R"({"type":"string","optional":true,"field":"body"},{"type":"bytes","optional":true,"field":"blob"},)"
    R"({"type":"array","items":{"type":"string","optional":true},"optional":true,"field":"tags"}],)"
    R"("optional":true,"name":"dbserver1.public.docs.Value")";

std::string ValueSchema(const std::string& field) {
  return std::string(R"({"type":"struct","fields":[)") + kRowSchema + R"(,"field":"before"},)" + kRowSchema +
         R"(,"field":"after"},{"type":"struct","fields":[{"type":"string","optional":false,"field":"version"},)"
         R"({"type":"string","optional":false,"field":"connector"},{"type":"string","optional":false,"field":"name"},)"
         R"({"type":"int64","optional":false,"field":"ts_ms"},{"type":"string","optional":true,"field":"sequence"},)"
         R"({"type":"string","optional":false,"field":"schema"},{"type":"string","optional":false,"field":"table"},)"
         R"({"type":"int64","optional":true,"field":"txId"},{"type":"int64","optional":true,"field":"lsn"}],)"
         R"("optional":false,"name":"io.debezium.connector.postgresql.Source","version":1,"field":"source"},)"
         R"({"type":"string","optional":false,"field":"op"},{"type":"int64","optional":true,"field":"ts_ms"}],)"
         R"("optional":false,"name":"dbserver1.public.docs.Envelope","version":2)" +
         field + "}";
}

constexpr const char* kKeySchema =
    R"({"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false,)"
    R"("name":"dbserver1.public.docs.Key"})";

std::string Source(const std::string& sequence, int64_t lsn, int64_t tx) {
  return R"({"version":"3.4.3.Final","connector":"postgresql","name":"dbserver1","ts_ms":1705320000512,)"
         R"("sequence":")" + sequence + R"(","schema":"public","table":"docs","txId":)" + std::to_string(tx) +
         R"(,"lsn":)" + std::to_string(lsn) + "}";
}

IncomingMessage Record(int id, const std::string& op, const std::string& before, const std::string& after,
                       const std::string& source) {
  IncomingMessage m;
  m.source = {"dbserver1.public.docs", 0};
  m.key = std::string(R"({"schema":)") + kKeySchema + R"(,"payload":{"id":)" + std::to_string(id) + "}}";
  m.value = R"({"schema":)" + ValueSchema("") + R"(,"payload":{"before":)" + before + R"(,"after":)" + after +
            R"(,"source":)" + source + R"(,"op":")" + op + R"(","ts_ms":1705320000600}})";
  return m;
}

const std::string kSeq1 = R"([\"22769664\",\"22769744\"])";

TEST(DebeziumFixtures, ToastPlaceholderInTextBytesAndArraysIsUnchanged) {
  DebeziumJsonDecoder dec;
  const std::string b64 = absl::Base64Escape(kPlaceholder);
  auto r = dec.Decode(Record(1, "u", "null",
                             std::string(R"({"id":1,"body":")") + kPlaceholder + R"(","blob":")" + b64 +
                                 R"(","tags":[")" + kPlaceholder + R"("]})",
                             Source(kSeq1, 22769744, 765)));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->has_value());
  const auto& v = (*r)->values;
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].integer, 1);
  EXPECT_EQ(v[1].kind, Value::Kind::kUnchanged);
  EXPECT_EQ(v[2].kind, Value::Kind::kUnchanged);
  EXPECT_EQ(v[3].kind, Value::Kind::kUnchanged);

  // Real bytes decode as bytes.
  auto real = dec.Decode(Record(1, "u", "null", R"({"id":1,"body":"b","blob":"3q2+7w==","tags":["x"]})",
                                Source(kSeq1, 22769744, 765)));
  ASSERT_TRUE(real.ok()) << real.status();
  EXPECT_EQ((*real)->values[2].kind, Value::Kind::kText);
  EXPECT_EQ((*real)->values[2].text, "\xde\xad\xbe\xef");
}

TEST(DebeziumFixtures, BatchKeepsTheEarlierValueOfUnchangedTextAndBytes) {
  DebeziumJsonDecoder dec;
  const std::string b64 = absl::Base64Escape(kPlaceholder);
  auto first = dec.Decode(Record(1, "c", "null", R"({"id":1,"body":"long text","blob":"3q2+7w==","tags":["a"]})",
                                 Source(R"([\"100\",\"100\"])", 100, 700)));
  auto second = dec.Decode(Record(1, "u", "null",
                                  std::string(R"({"id":1,"body":")") + kPlaceholder + R"(","blob":")" + b64 +
                                      R"(","tags":["b"]})",
                                  Source(R"([\"200\",\"200\"])", 200, 701)));
  ASSERT_TRUE(first.ok() && second.ok());
  Batch batch;
  batch.Add(std::move(**first));
  batch.Add(std::move(**second));
  auto out = batch.Take();
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].rows.size(), 1u);
  const auto& v = out[0].rows[0].values;
  EXPECT_EQ(v[1].text, "long text");
  EXPECT_EQ(v[2].kind, Value::Kind::kText);
  EXPECT_EQ(v[2].text, "\xde\xad\xbe\xef");
  ASSERT_EQ(v[3].items.size(), 1u);
  EXPECT_EQ(v[3].items[0].text, "b");
  EXPECT_EQ(out[0].rows[0].version.commit_lsn, Lsn{200});
}

// txorder in tests/compat/workload.sql: T2 (txId 764) writes key 1 at LSN
// 22769664, T1 (765) then writes key 2 and commits, T2 writes key 2 and
// commits. Debezium's sequence[0] is the end LSN of the transaction
// committed before: 22769664 for T1, 22769872 for T2.
TEST(DebeziumFixtures, InterleavedTransactionsAreOrderedByCommit) {
  DebeziumJsonDecoder dec;
  auto t1 = dec.Decode(Record(2, "u", "null", R"({"id":2,"body":"T1","blob":null,"tags":null})",
                              Source(R"([\"22769664\",\"22769744\"])", 22769744, 765)));
  auto t2_first = dec.Decode(Record(1, "u", "null", R"({"id":1,"body":"T2 first","blob":null,"tags":null})",
                                    Source(R"([\"22769872\",\"22769664\"])", 22769664, 764)));
  auto t2_last = dec.Decode(Record(2, "u", "null", R"({"id":2,"body":"T2 last","blob":null,"tags":null})",
                                   Source(R"([\"22769872\",\"22769872\"])", 22769872, 764)));
  ASSERT_TRUE(t1.ok() && t2_first.ok() && t2_last.ok());
  EXPECT_LT((*t1)->version, (*t2_first)->version);  // committed first, though written later
  EXPECT_LT((*t2_first)->version, (*t2_last)->version);
  // Replayed in any order, key 2 keeps T2's value.
  Batch batch;
  batch.Add(**t2_last);
  batch.Add(**t1);
  auto out = batch.Take();
  ASSERT_EQ(out[0].rows.size(), 1u);
  EXPECT_EQ(out[0].rows[0].values[1].text, "T2 last");
}

TEST(DebeziumFixtures, TruncateHasNoKeyAndNamesTheTable) {
  DebeziumJsonDecoder dec;
  IncomingMessage m = Record(0, "t", "null", "null", Source(R"([\"22766040\",\"22768952\"])", 22768952, 762));
  m.key.reset();  // Debezium's truncate record has a null key
  auto r = dec.Decode(m);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->op, Op::kTruncate);
  EXPECT_EQ((*r)->table->id, (TableId{"public", "docs"}));
  EXPECT_EQ((*r)->version, (Version{Lsn{22766040}, Lsn{22768952}}));
}

TEST(DebeziumFixtures, TombstonesHeartbeatsAndTransactionMetadataCarryNoRow) {
  DebeziumJsonDecoder dec;
  IncomingMessage tombstone = Record(1, "d", "null", "null", Source(kSeq1, 1, 1));
  tombstone.value.reset();
  auto r = dec.Decode(tombstone);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->has_value());

  // spec/02 §7: key io.debezium.connector.common.ServerNameKey, value Heartbeat.
  IncomingMessage beat;
  beat.key = R"({"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"serverName"}],)"
             R"("optional":false,"name":"io.debezium.connector.common.ServerNameKey","version":1},)"
             R"("payload":{"serverName":"dbserver1"}})";
  beat.value = R"({"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"ts_ms"}],)"
               R"("optional":false,"name":"io.debezium.connector.common.Heartbeat","version":1},)"
               R"("payload":{"ts_ms":1705320000000}})";
  for (const char* topic : {"__debezium-heartbeat.dbserver1", "beats"}) {  // default name, or any listed topic
    beat.source = {topic, 0};
    r = dec.Decode(beat);
    ASSERT_TRUE(r.ok()) << topic << ": " << r.status();
    EXPECT_FALSE(r->has_value()) << topic;
  }
  beat.source = {"beats", 0};
  beat.key = R"({"serverName":"dbserver1"})";
  beat.value = R"({"ts_ms":1705320000000})";  // schemas.enable=false
  r = dec.Decode(beat);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->has_value());

  // spec/02 §8, on <prefix>.transaction.
  IncomingMessage tx;
  tx.source = {"dbserver1.transaction", 0};
  tx.value = R"({"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"status"},)"
             R"({"type":"string","optional":false,"field":"id"}],"optional":false,)"
             R"("name":"io.debezium.connector.common.TransactionMetadataValue","version":1},)"
             R"("payload":{"status":"BEGIN","id":"571:53195829","event_count":null,"data_collections":null,"ts_ms":1}})";
  r = dec.Decode(tx);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->has_value());
  tx.value = R"({"status":"END","id":"571:53195829","event_count":2,"data_collections":[],"ts_ms":1})";
  r = dec.Decode(tx);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->has_value());

  // Anything else without 'op' is still an error (dead-lettered).
  IncomingMessage odd;
  odd.source = {"dbserver1.public.docs", 0};
  odd.value = R"({"hello":"world"})";
  EXPECT_FALSE(dec.Decode(odd).ok());
}

// spec/02 §2's example record with schemas.enable=false: types come from the
// JSON values (docs/debezium-compatibility.md, "Without schemas").
TEST(DebeziumFixtures, SchemalessEnvelopesInferColumnTypesFromValues) {
  DebeziumJsonDecoder dec;
  IncomingMessage m;
  m.source = {"shop.public.users", 0};
  m.key = R"({"id": 1})";
  m.value = R"({"before": null,
    "after": {"id": 1, "name": "alice", "balance": "MDk=", "created_at": 1705320000500000,
              "updated_at": "2024-01-15T12:00:00.500000Z", "score": 1.5, "ok": true, "note": null,
              "free": {"scale": 3, "value": "AeI="}, "doc": {"a": [1, 2]}},
    "source": {"version": "3.5.0.Final", "connector": "postgresql", "name": "shop",
               "ts_ms": 1705320000512, "snapshot": "false", "db": "app",
               "sequence": "[\"24023119\",\"24023128\"]", "schema": "public", "table": "users",
               "txId": 750, "lsn": 24023128, "xmin": null},
    "transaction": null, "op": "c", "ts_ms": 1705320000600})";
  auto r = dec.Decode(m);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->has_value());
  const auto& cols = (*r)->table->columns;
  const auto& v = (*r)->values;
  ASSERT_EQ(cols.size(), 10u);
  EXPECT_EQ((*r)->table->id, (TableId{"public", "users"}));
  EXPECT_TRUE(cols[0].key);
  EXPECT_FALSE(cols[1].key);
  EXPECT_EQ(cols[0].type, ColumnType::kInt64);
  EXPECT_EQ(cols[1].type, ColumnType::kText);
  EXPECT_EQ(cols[2].type, ColumnType::kText);  // a Decimal's base64: its scale is in the schema only
  EXPECT_EQ(v[2].text, "MDk=");
  EXPECT_EQ(cols[3].type, ColumnType::kInt64);  // MicroTimestamp: the number
  EXPECT_EQ(cols[4].type, ColumnType::kText);
  EXPECT_EQ(cols[5].type, ColumnType::kDouble);
  EXPECT_EQ(cols[6].type, ColumnType::kBoolean);
  EXPECT_EQ(cols[7].type, ColumnType::kText);  // only null so far
  EXPECT_EQ(v[7].kind, Value::Kind::kNull);
  EXPECT_EQ(cols[8].type, ColumnType::kText);  // VariableScaleDecimal, exact
  EXPECT_EQ(v[8].text, "0.482");
  EXPECT_EQ(cols[9].type, ColumnType::kJson);
  EXPECT_EQ(v[9].text, R"({"a":[1,2]})");
  EXPECT_EQ((*r)->version, (Version{Lsn{24023119}, Lsn{24023128}}));

  // The next record keeps the table's types: NaN in a double column, a
  // number in the column first seen null, the placeholders.
  m.value = std::string(R"({"before":null,"after":{"id":1,"name":")") + kPlaceholder +
            R"(","balance":"MDk=","created_at":1,"updated_at":null,"score":"NaN","ok":false,"note":7,)"
            R"("free":null,"doc":null},"source":{"schema":"public","table":"users","lsn":24023200,)"
            R"("sequence":"[\"24023190\",\"24023200\"]"},"op":"u"})";
  auto next = dec.Decode(m);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ((*next)->table, (*r)->table);
  EXPECT_EQ((*next)->values[1].kind, Value::Kind::kUnchanged);
  EXPECT_TRUE(std::isnan((*next)->values[5].real));
  EXPECT_EQ((*next)->values[7].text, "7");

  // A column added at the source extends the table; a delete without
  // schema reads `before`; a schemaless tombstone is a tombstone.
  m.value = R"({"before":{"id":1,"name":null,"balance":null,"created_at":null,"updated_at":null,"score":null,)"
            R"("ok":null,"note":null,"free":null,"doc":null,"extra":null},"after":null,)"
            R"("source":{"schema":"public","table":"users","lsn":24023300},"op":"d"})";
  auto del = dec.Decode(m);
  ASSERT_TRUE(del.ok()) << del.status();
  EXPECT_EQ((*del)->op, Op::kDelete);
  EXPECT_EQ((*del)->table->columns.size(), 11u);
  EXPECT_EQ((*del)->table->columns[2].type, ColumnType::kText);
  EXPECT_EQ((*del)->values[0].integer, 1);
}

TEST(DebeziumFixtures, SchemalessRecordsWithoutSourceAreNamedByTheirTopic) {
  DebeziumJsonDecoder dec;
  IncomingMessage m;
  m.source = {"shop.sales.orders", 0};
  m.key = R"({"id": 5})";
  m.value = R"({"before":null,"after":{"id":5},"op":"c"})";
  auto r = dec.Decode(m);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)->table->id, (TableId{"sales", "orders"}));
}

}  // namespace
}  // namespace cdc::debezium
