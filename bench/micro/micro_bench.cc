// Micro-benchmarks of the per-row hot paths: pgoutput decoding, Debezium
// JSON encoding and decoding, and batch collapsing. Inputs are a realistic
// 10-column row (the bench/run `orders` table plus four more typed columns).
// Real figures come from a release build via bench/run; CTest runs each once
// (label bench-smoke) only so that they keep compiling and running.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "format/avro/debezium_avro_decoder.h"
#include "format/avro/debezium_avro_serializer.h"
#include "format/debezium_json/debezium_json_decoder.h"
#include "format/debezium_json/debezium_json_serializer.h"
#include "format/debezium_json/type_mapping.h"
#include "pipeline/batch.h"
#include "registry/memory/in_memory_registry.h"
#include "source/postgres/pgoutput_decoder.h"

namespace cdc {
namespace {

// Big-endian protocol bytes (PostgreSQL docs, "Logical Replication Message
// Formats"), as the unit tests build them.
struct Bytes {
  std::string b;
  Bytes& u8(uint8_t v) { b.push_back(static_cast<char>(v)); return *this; }
  Bytes& u16(uint16_t v) { return u8(v >> 8).u8(v & 0xff); }
  Bytes& u32(uint32_t v) { return u16(v >> 16).u16(v & 0xffff); }
  Bytes& u64(uint64_t v) { return u32(static_cast<uint32_t>(v >> 32)).u32(static_cast<uint32_t>(v)); }
  Bytes& str(const std::string& s) { b += s; b.push_back('\0'); return *this; }
  Bytes& text(const std::string& s) { u8('t').u32(static_cast<uint32_t>(s.size())); b += s; return *this; }
};

constexpr uint32_t kRelationId = 16385;

std::shared_ptr<const SourceTable> OrdersTable() {
  namespace oid = debezium::oid;
  auto t = std::make_shared<SourceTable>();
  t->relation_id = kRelationId;
  t->id = {"public", "orders"};
  t->columns = {{"id", oid::kInt8, -1, true},
                {"customer_id", oid::kInt4, -1, false},
                {"amount", oid::kNumeric, ((12 << 16) | 2) + 4, false},
                {"status", oid::kText, -1, false},
                {"created_at", oid::kTimestampTz, -1, false},
                {"note", oid::kText, -1, false},
                {"quantity", oid::kInt2, -1, false},
                {"weight", oid::kFloat8, -1, false},
                {"ship_date", oid::kDate, -1, false},
                {"paid", oid::kBool, -1, false}};
  return t;
}

// The text values of row `i`, as pgoutput sends them.
std::vector<std::string> OrderValues(int64_t i) {
  static const char* kStatus[] = {"new", "paid", "shipped", "cancelled"};
  return {std::to_string(i),
          std::to_string((i * 7919) % 100000),
          std::to_string((i * 31) % 100000 / 100) + "." + std::to_string(10 + i % 90),
          kStatus[i % 4],
          "2026-11-24 03:46:51.123456+00",
          "order note 0cc175b9c0f1b6a831c399e269772661",
          std::to_string(1 + i % 20),
          "12.75",
          "2026-11-30",
          (i % 2) ? "t" : "f"};
}

Row OrderRow(int64_t i) {
  Row r;
  for (auto& v : OrderValues(i)) r.push_back(Datum::Text(std::move(v)));
  return r;
}

std::string InsertPayload(int64_t i) {
  Bytes b;
  b.u8('I').u32(kRelationId).u8('N').u16(10);
  for (const auto& v : OrderValues(i)) b.text(v);
  return b.b;
}

// An XLogData frame ('w') around a payload, as START_REPLICATION sends it.
std::string Frame(const std::string& payload) {
  Bytes b;
  b.u8('w').u64(0x16B3780).u64(0x16B37B0).u64(0x0002B1F9859C3000ULL);
  b.b += payload;
  return b.b;
}

void BM_PgOutputDecodeInsert(benchmark::State& state) {
  const std::string frame = Frame(InsertPayload(123456));
  for (auto _ : state) {
    auto f = pg::DecodeReplicationFrame(frame);
    auto m = pg::DecodePgOutput(std::get<pg::XLogData>(*f).payload);
    benchmark::DoNotOptimize(m);
    if (!m.ok()) state.SkipWithError("decode failed");
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(frame.size()));
}
BENCHMARK(BM_PgOutputDecodeInsert);

// An UPDATE whose 20 KB TOASTed column did not change: 'u' instead of its value.
void BM_PgOutputDecodeUpdateUnchangedToast(benchmark::State& state) {
  Bytes b;
  b.u8('U').u32(kRelationId).u8('N').u16(10);
  auto v = OrderValues(42);
  for (int c = 0; c < 10; ++c) {
    if (c == 5) b.u8('u'); else b.text(v[c]);
  }
  for (auto _ : state) {
    auto m = pg::DecodePgOutput(b.b);
    benchmark::DoNotOptimize(m);
    if (!m.ok()) state.SkipWithError("decode failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PgOutputDecodeUpdateUnchangedToast);

void BM_PgOutputDecodeRelation(benchmark::State& state) {
  Bytes b;
  b.u8('R').u32(kRelationId).str("public").str("orders").u8('d').u16(10);
  const auto table = OrdersTable();
  for (const auto& c : table->columns) b.u8(c.key ? 1 : 0).str(c.name).u32(c.type_oid).u32(c.type_modifier);
  for (auto _ : state) {
    auto m = pg::DecodePgOutput(b.b);
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PgOutputDecodeRelation);

ChangeEvent InsertEvent(const std::shared_ptr<const SourceTable>& table, int64_t i) {
  ChangeEvent e;
  e.op = Op::kCreate;
  e.table = table;
  e.after = OrderRow(i);
  e.version = {Lsn{0x16B3780}, Lsn{0x16B3700 + static_cast<uint64_t>(i)}};
  e.xid = 750;
  e.commit_time_us = 1795578411123456;
  return e;
}

// The insert event serialized by `ser` once per iteration; bytes are the
// key's and value's.
void SerializeInsertLoop(benchmark::State& state, EventSerializer& ser) {
  const ChangeEvent e = InsertEvent(OrdersTable(), 123456);
  std::vector<OutgoingMessage> out;
  int64_t bytes = 0;
  for (auto _ : state) {
    out.clear();
    if (!ser.Serialize(e, out).ok()) state.SkipWithError("serialize failed");
    bytes += static_cast<int64_t>(out[0].value->size() + out[0].key->size());
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
}

void BM_DebeziumJsonSerializeInsert(benchmark::State& state) {
  debezium::DebeziumJsonSerializer ser({"bench", "postgres"});
  SerializeInsertLoop(state, ser);
}
BENCHMARK(BM_DebeziumJsonSerializeInsert);

void BM_DebeziumAvroSerializeInsert(benchmark::State& state) {
  avro::DebeziumAvroSerializer ser({"bench", "postgres"},
                                   std::make_shared<registry::InMemorySchemaRegistry>());  // measures encoding, not HTTP
  SerializeInsertLoop(state, ser);
}
BENCHMARK(BM_DebeziumAvroSerializeInsert);

// UPDATE with the old key (replica identity default) and an unchanged TOAST column.
void BM_DebeziumJsonSerializeUpdateUnchangedToast(benchmark::State& state) {
  debezium::DebeziumJsonSerializer ser({"bench", "postgres"});
  ChangeEvent e = InsertEvent(OrdersTable(), 42);
  e.op = Op::kUpdate;
  (*e.after)[5] = Datum::UnchangedToast();
  e.before = Row{Datum::Text("42"), Datum::Null(), Datum::Null(), Datum::Null(), Datum::Null(),
                 Datum::Null(), Datum::Null(), Datum::Null(), Datum::Null(), Datum::Null()};
  std::vector<OutgoingMessage> out;
  for (auto _ : state) {
    out.clear();
    if (!ser.Serialize(e, out).ok()) state.SkipWithError("serialize failed");
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DebeziumJsonSerializeUpdateUnchangedToast);

// The insert event serialized by `ser` once, then decoded by `dec` once per
// iteration; bytes are the value's.
void DecodeInsertLoop(benchmark::State& state, EventSerializer& ser, EventDecoder& dec) {
  std::vector<OutgoingMessage> out;
  if (!ser.Serialize(InsertEvent(OrdersTable(), 123456), out).ok()) {
    state.SkipWithError("serialize failed");
    return;
  }
  const IncomingMessage in = AsIncoming(out[0], 0, 1);
  for (auto _ : state) {
    auto c = dec.Decode(in);
    benchmark::DoNotOptimize(c);
    if (!c.ok()) state.SkipWithError("decode failed");
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(in.value->size()));
}

void BM_DebeziumJsonDecodeInsert(benchmark::State& state) {
  debezium::DebeziumJsonSerializer ser({"bench", "postgres"});
  debezium::DebeziumJsonDecoder dec;
  DecodeInsertLoop(state, ser, dec);
}
BENCHMARK(BM_DebeziumJsonDecodeInsert);

void BM_DebeziumAvroDecodeInsert(benchmark::State& state) {
  auto registry = std::make_shared<registry::InMemorySchemaRegistry>();  // measures decoding, not HTTP
  avro::DebeziumAvroSerializer ser({"bench", "postgres"}, registry);
  avro::DebeziumAvroDecoder dec({}, registry);
  DecodeInsertLoop(state, ser, dec);
}
BENCHMARK(BM_DebeziumAvroDecodeInsert);

// Batch::Add + Take of range(0) decoded changes over range(1) distinct keys
// (20000 of 20000: every row new; 20000 of 2000: ten updates per key).
void BM_BatchCollapse(benchmark::State& state) {
  const int64_t n = state.range(0), keys = state.range(1);
  debezium::DebeziumJsonSerializer ser({"bench", "postgres"});
  debezium::DebeziumJsonDecoder dec;
  std::vector<RowChange> changes;
  auto table = OrdersTable();
  for (int64_t i = 0; i < n; ++i) {
    std::vector<OutgoingMessage> out;
    ChangeEvent e = InsertEvent(table, i % keys);
    e.version = {Lsn{static_cast<uint64_t>(0x1000000 + i)}, Lsn{static_cast<uint64_t>(0x1000000 + i)}};
    if (!ser.Serialize(e, out).ok()) { state.SkipWithError("serialize failed"); return; }
    auto c = dec.Decode(AsIncoming(out[0], 0, i));
    if (!c.ok() || !c->has_value()) { state.SkipWithError("decode failed"); return; }
    changes.push_back(std::move(**c));
  }
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<RowChange> copy = changes;
    state.ResumeTiming();
    Batch b;
    for (auto& c : copy) b.Add(std::move(c));
    auto tables = b.Take();
    benchmark::DoNotOptimize(tables);
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_BatchCollapse)->Args({122880, 122880})->Args({122880, 12288})->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cdc

BENCHMARK_MAIN();
