#include "pipeline/load_loop.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

#include "format/debezium_json/debezium_json_decoder.h"

namespace cdc {
namespace {

// Hands out a fixed list of messages, then asks the loop to stop (once
// `done` holds, if given: the warehouse applies on a thread of its own).
class FakeSubscriber final : public Subscriber {
 public:
  FakeSubscriber(std::deque<IncomingMessage> messages, std::atomic<bool>& stop, std::function<bool()> done = nullptr)
      : messages_(std::move(messages)), log_(messages_.begin(), messages_.end()), stop_(stop),
        done_(std::move(done)) {}
  absl::Status Subscribe(const std::vector<std::string>&, AssignHandler on_assign, RevokeHandler) override {
    std::vector<TopicPartition> parts;
    for (const auto& m : messages_) parts.push_back(m.source);
    return on_assign(parts).status();
  }
  absl::StatusOr<std::optional<IncomingMessage>> Poll(int timeout_ms) override {
    if (messages_.empty()) {
      if (!done_ || done_()) stop_ = true;
      absl::SleepFor(absl::Milliseconds(1));
      return std::optional<IncomingMessage>();
    }
    IncomingMessage m = std::move(messages_.front());
    messages_.pop_front();
    if (m.source.topic.empty()) {  // Gap(): nothing arrives within the timeout, as a consumer would
      absl::SleepFor(absl::Milliseconds(timeout_ms));
      return std::optional<IncomingMessage>();
    }
    return std::optional<IncomingMessage>(std::move(m));
  }
  void CommitInformational(const std::map<TopicPartition, int64_t>&) override {}
  // Kafka holds the whole list from the start, and the ends of `unowned`.
  absl::StatusOr<int64_t> EndOffset(const TopicPartition& tp) override {
    if (auto it = unowned.find(tp); it != unowned.end()) return it->second;
    return LastKnownEndOffset(tp).value_or(0);
  }
  // Partitions of subscribed topics that other group members own, with their ends.
  OffsetMap unowned;
  // Kafka holds the whole list from the start, and `produced_later` more.
  std::optional<int64_t> LastKnownEndOffset(const TopicPartition& tp) override {
    std::optional<int64_t> end;
    for (const IncomingMessage& m : log_) {
      if (m.source == tp) end = std::max(end.value_or(0), m.offset + 1 + produced_later);
    }
    return end;
  }
  int64_t produced_later = 0;
  // What Kafka holds beyond the last message handed out: the rest of the list.
  int64_t Backlog() override {
    return std::count_if(messages_.begin(), messages_.end(), [](const auto& m) { return !m.source.topic.empty(); });
  }
  void Close() override {}
  absl::StatusOr<std::vector<TopicPartition>> SubscribedPartitions() override {
    std::set<TopicPartition> all;
    for (const IncomingMessage& m : log_) {
      if (!m.source.topic.empty()) all.insert(m.source);
    }
    for (const auto& [tp, end] : unowned) all.insert(tp);
    return std::vector<TopicPartition>(all.begin(), all.end());
  }
  absl::StatusOr<std::vector<IncomingMessage>> ReadAgain(const TopicPartition& tp,
                                                         const std::vector<int64_t>& offsets) override {
    std::vector<IncomingMessage> out;
    for (const IncomingMessage& m : log_) {
      if (m.source == tp && std::find(offsets.begin(), offsets.end(), m.offset) != offsets.end()) out.push_back(m);
    }
    return out;
  }

 private:
  std::deque<IncomingMessage> messages_;
  const std::vector<IncomingMessage> log_;  // every message, as the topic keeps it
  std::atomic<bool>& stop_;
  std::function<bool()> done_;
};

class FakeSink final : public Sink {
 public:
  absl::Status Apply(std::span<const TableBatch> batches, const std::string&, const OffsetMap& next,
                     const PausedTables& newly_paused) override {
    ++calls;
    if (fail) {
      absl::Status st = fail(batches);
      if (!st.ok()) return st;
    }
    size_t batch_rows = 0;
    offsets_per_call.push_back(next);
    last_swept_rows = 0;
    for (const auto& b : batches) {
      if (b.swept_at) sweeps.push_back({b.table->id, *b.swept_at, calls});
      if (b.swept_at) last_swept_rows += 5;  // each sweep removes five rows here
      batch_rows += b.rows.size();
      for (const auto& r : b.rows) applied_ids.push_back(r.values[0].integer);
    }
    rows += batch_rows;
    rows_per_call.push_back(batch_rows);
    for (const auto& [tp, off] : next) offsets[tp] = off;
    paused.insert(newly_paused.begin(), newly_paused.end());
    return absl::OkStatus();
  }
  absl::StatusOr<OffsetMap> CommittedOffsets(const std::string&) override {
    OffsetMap all = stored_by_others;
    all.insert(offsets.begin(), offsets.end());
    return all;
  }
  absl::StatusOr<PausedTables> Paused() override { return paused; }
  int64_t LastSweptRows() const override { return last_swept_rows; }
  int64_t last_swept_rows = 0;
  std::function<absl::Status(std::span<const TableBatch>)> fail;  // consulted before applying
  std::atomic<int> calls{0};
  std::atomic<size_t> rows{0};
  std::vector<int64_t> applied_ids;
  std::vector<size_t> rows_per_call;
  std::vector<OffsetMap> offsets_per_call;
  struct Sweep {
    TableId table;
    Version version;
    int call;  // 1: the first Apply
    bool operator==(const Sweep&) const = default;
  };
  std::vector<Sweep> sweeps;
  OffsetMap offsets;
  OffsetMap stored_by_others;  // what other loaders committed
  PausedTables paused;
};

// Keeps what is published; every delivery succeeds.
class FakePublisher final : public Publisher {
 public:
  absl::Status Publish(const OutgoingMessage& m, uint64_t) override {
    published.push_back(m);
    return absl::OkStatus();
  }
  void Poll(int) override {}
  int64_t InFlight() const override { return 0; }
  absl::Status Flush(int) override { return absl::OkStatus(); }
  std::vector<OutgoingMessage> published;
};

std::string Header(const OutgoingMessage& m, const std::string& name) {
  for (const auto& [k, v] : m.headers) {
    if (k == name) return v;
  }
  return "";
}

IncomingMessage Message(std::string topic, int64_t offset, std::optional<std::string> value, int32_t partition = 0) {
  IncomingMessage m;
  m.source = {std::move(topic), partition};
  m.offset = offset;
  m.value = std::move(value);
  return m;
}

// A poll that returns nothing (the consumer had nothing buffered).
IncomingMessage Gap() { return IncomingMessage{}; }

std::deque<IncomingMessage> Messages() {
  return {
      // A dead letter: the original bytes, which did not decode.
      Message("shop.dlq", 7, "not json"),
      Message("__debezium-heartbeat.shop", 3, R"({"ts_ms":1})"),
      Message("shop.public.t", 0,
              R"({"before":null,"after":{"id":1},"source":{"schema":"public","table":"t","lsn":10},"op":"c"})"),
  };
}

// A regex subscription (e.g. ^shop\..*) also matches load's own dead-letter
// topic: its records are skipped, never decoded and dead-lettered again.
TEST(LoadLoop, SkipsIgnoredTopicsAndHeartbeatsButCoversTheirOffsets) {
  std::atomic<bool> stop{false};
  FakeSubscriber sub(Messages(), stop);
  debezium::DebeziumJsonDecoder decoder;
  FakeSink sink;
  LoadStats stats;
  LoadOptions options;
  options.ignored_topics = {"shop.dlq"};
  options.batch_max_ms = 0;
  LoadLoop loop(sub, decoder, sink, nullptr, options, stats);
  ASSERT_TRUE(loop.Run(stop).ok());
  EXPECT_EQ(sink.rows, 1u);
  EXPECT_EQ(sink.offsets[(TopicPartition{"shop.dlq", 0})], 8);
  EXPECT_EQ(sink.offsets[(TopicPartition{"__debezium-heartbeat.shop", 0})], 4);
  EXPECT_EQ(sink.offsets[(TopicPartition{"shop.public.t", 0})], 1);
}

TEST(LoadLoop, UndecodableRecordsStopTheLoopWithoutADeadLetterQueue) {
  std::atomic<bool> stop{false};
  FakeSubscriber sub(Messages(), stop);
  debezium::DebeziumJsonDecoder decoder;
  FakeSink sink;
  LoadStats stats;
  LoadLoop loop(sub, decoder, sink, nullptr, LoadOptions{}, stats);
  auto st = loop.Run(stop);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(std::string(st.message()).find("shop.dlq"), std::string::npos) << st;
}

std::string Row(const std::string& table, int id) {
  return absl::StrCat(R"({"before":null,"after":{"id":)", id, R"(},"source":{"schema":"public","table":")", table,
                      R"(","lsn":)", 10 + id, R"(},"op":"c"})");
}

TEST(LoadLoop, KafkaLagCountsWhatTheWarehouseDoesNotHoldYet) {
  std::atomic<bool> stop{false};
  FakeSubscriber sub({Message("shop.public.t", 0, Row("t", 1)), Message("shop.public.t", 1, Row("t", 2))}, stop);
  sub.produced_later = 5;  // arrived after the loop stopped reading
  debezium::DebeziumJsonDecoder decoder;
  FakeSink sink;
  LoadStats stats;
  LoadOptions options;
  options.batch_max_ms = 0;
  LoadLoop loop(sub, decoder, sink, nullptr, options, stats);
  EXPECT_EQ(loop.KafkaLag(), 0);  // owns no partition yet
  ASSERT_TRUE(loop.Run(stop).ok());
  ASSERT_EQ(sink.rows, 2u);
  EXPECT_EQ(loop.KafkaLag(), 5);
  sub.produced_later = 0;
  EXPECT_EQ(loop.KafkaLag(), 0);
}

TEST(LoadLoop, TransientWarehouseErrorsAreRetriedThroughAnOpenCircuitWithoutLosingTheBatch) {
  std::atomic<bool> stop{false};
  FakeSink sink;
  FakeSubscriber sub({Message("shop.public.t", 0, Row("t", 1)), Message("shop.public.t", 1, Row("t", 2))}, stop,
                     [&] { return sink.rows == 2; });
  debezium::DebeziumJsonDecoder decoder;
  LoadStats stats;
  bool saw_open = false;
  sink.fail = [&](std::span<const TableBatch>) {
    saw_open = saw_open || stats.circuit_open;
    return sink.calls <= 5 ? absl::UnavailableError("warehouse down") : absl::OkStatus();
  };
  LoadOptions options;
  options.batch_max_rows = 2;
  options.retry_initial = absl::Milliseconds(1);
  options.retries_before_open = 2;
  options.circuit_probe = absl::Milliseconds(5);
  LoadLoop loop(sub, decoder, sink, nullptr, options, stats);
  ASSERT_TRUE(loop.Run(stop).ok());
  EXPECT_EQ(sink.calls, 6);
  EXPECT_TRUE(saw_open);
  EXPECT_FALSE(stats.circuit_open);
  EXPECT_EQ(sink.rows, 2u);
  EXPECT_EQ(sink.offsets[(TopicPartition{"shop.public.t", 0})], 2);
}

TEST(LoadLoop, ATableThatCannotTakeItsSchemaIsPausedAndItsEventsAreDeadLettered) {
  std::atomic<bool> stop{false};
  // The second batch (after the pause) also carries the paused table.
  FakeSubscriber sub({Message("shop.public.bad", 0, Row("bad", 1)), Message("shop.public.t", 0, Row("t", 2)),
                      Message("shop.public.bad", 1, Row("bad", 3)), Message("shop.public.t", 1, Row("t", 4))},
                     stop);
  debezium::DebeziumJsonDecoder decoder;
  FakeSink sink;
  sink.fail = [](std::span<const TableBatch> batches) {
    for (const auto& b : batches) {
      if (b.table->id.table == "bad") {
        return TableDataError(absl::FailedPreconditionError("column n changed from BIGINT to INTEGER"), b.table->id);
      }
    }
    return absl::OkStatus();
  };
  FakePublisher publisher;
  DeadLetterQueue dlq(publisher, "shop.dlq");
  LoadStats stats;
  LoadOptions options;
  options.batch_max_rows = 2;
  LoadLoop loop(sub, decoder, sink, &dlq, options, stats);
  ASSERT_TRUE(loop.Run(stop).ok());
  EXPECT_EQ(sink.applied_ids, (std::vector<int64_t>{2, 4}));
  ASSERT_EQ(publisher.published.size(), 2u);
  EXPECT_EQ(Header(publisher.published[0], kDeadLetterOffsetHeader), "0");
  EXPECT_NE(Header(publisher.published[0], kDeadLetterErrorHeader).find("BIGINT to INTEGER"), std::string::npos);
  EXPECT_EQ(Header(publisher.published[1], kDeadLetterOffsetHeader), "1");
  EXPECT_NE(Header(publisher.published[1], kDeadLetterErrorHeader).find("paused"), std::string::npos);
  EXPECT_EQ(sink.paused.count(TableId{"public", "bad"}), 1u);
  EXPECT_EQ(stats.paused_tables, 1u);
  EXPECT_EQ(stats.dead_letters, 2u);
  EXPECT_EQ(sink.offsets[(TopicPartition{"shop.public.bad", 0})], 2);
}

// After a restart a table paused before is known from the start: its events
// are parked as they are read, never applied.
TEST(LoadLoop, ATablePausedBeforeTheStartHasItsEventsParkedAsTheyAreRead) {
  std::atomic<bool> stop{false};
  FakeSubscriber sub({Message("shop.public.bad", 0, Row("bad", 1)), Message("shop.public.t", 0, Row("t", 2)),
                      Message("shop.public.bad", 1, Row("bad", 3))},
                     stop);
  debezium::DebeziumJsonDecoder decoder;
  FakeSink sink;
  sink.paused[TableId{"public", "bad"}] = "column n changed from BIGINT to INTEGER";
  FakePublisher publisher;
  DeadLetterQueue dlq(publisher, "shop.dlq");
  LoadStats stats;
  LoadLoop loop(sub, decoder, sink, &dlq, LoadOptions(), stats);
  ASSERT_TRUE(loop.Run(stop).ok());
  EXPECT_EQ(sink.applied_ids, (std::vector<int64_t>{2}));
  ASSERT_EQ(publisher.published.size(), 2u);
  EXPECT_EQ(Header(publisher.published[0], kDeadLetterOffsetHeader), "0");
  EXPECT_EQ(Header(publisher.published[1], kDeadLetterOffsetHeader), "1");
  EXPECT_NE(Header(publisher.published[1], kDeadLetterErrorHeader).find("paused"), std::string::npos);
  EXPECT_EQ(stats.dead_letters, 2u);
  EXPECT_EQ(stats.paused_tables, 1u);
  EXPECT_EQ(sink.offsets[(TopicPartition{"shop.public.bad", 0})], 2);
}

TEST(LoadLoop, ARowWithAValueTheTableRefusesIsDeadLetteredAndTheRestLoads) {
  std::atomic<bool> stop{false};
  FakeSubscriber sub({Message("shop.public.t", 0, Row("t", 1)), Message("shop.public.t", 1, Row("t", 2)),
                      Message("shop.public.t", 2, Row("t", 3))},
                     stop);
  debezium::DebeziumJsonDecoder decoder;
  FakeSink sink;
  sink.fail = [](std::span<const TableBatch> batches) {
    for (const auto& b : batches) {
      for (size_t i = 0; i < b.rows.size(); ++i) {
        if (b.rows[i].values[0].integer == 2) {
          return TableDataError(absl::InvalidArgumentError("value out of range"), b.table->id, i);
        }
      }
    }
    return absl::OkStatus();
  };
  FakePublisher publisher;
  DeadLetterQueue dlq(publisher, "shop.dlq");
  LoadStats stats;
  LoadOptions options;
  options.batch_max_rows = 10;
  LoadLoop loop(sub, decoder, sink, &dlq, options, stats);
  ASSERT_TRUE(loop.Run(stop).ok());
  EXPECT_EQ(sink.applied_ids, (std::vector<int64_t>{1, 3}));
  ASSERT_EQ(publisher.published.size(), 1u);
  EXPECT_EQ(Header(publisher.published[0], kDeadLetterOffsetHeader), "1");
  EXPECT_TRUE(sink.paused.empty());
  EXPECT_EQ(sink.offsets[(TopicPartition{"shop.public.t", 0})], 3);
}

TEST(LoadLoop, AStopWhileTheWarehouseIsDownLeavesTheOffsetsWhereTheyWere) {
  std::atomic<bool> stop{false};
  FakeSubscriber sub({Message("shop.public.t", 0, Row("t", 1)), Message("shop.public.t", 1, Row("t", 2))}, stop);
  debezium::DebeziumJsonDecoder decoder;
  FakeSink sink;
  sink.fail = [&](std::span<const TableBatch>) {
    if (sink.calls == 3) stop = true;
    return absl::UnavailableError("warehouse down");
  };
  LoadStats stats;
  LoadOptions options;
  options.batch_max_rows = 2;
  options.retry_initial = absl::Milliseconds(1);
  options.retries_before_open = 2;
  options.circuit_probe = absl::Milliseconds(5);
  LoadLoop loop(sub, decoder, sink, nullptr, options, stats);
  EXPECT_TRUE(absl::IsUnavailable(loop.Run(stop)));
  EXPECT_TRUE(sink.offsets.empty());
  EXPECT_EQ(sink.rows, 0u);
}


// Rows are not held for the batch timer once the consumer runs dry: that
// would only add latency (issue 5: end-to-end p99 at 5,000 rows/s).
TEST(LoadLoop, ABatchIsAppliedOnceTheConsumerHasNothingNew) {
  for (const bool early : {true, false}) {
    std::atomic<bool> stop{false};
    FakeSubscriber sub({Message("shop.public.t", 0, Row("t", 1)), Gap(), Message("shop.public.t", 1, Row("t", 2))},
                       stop);
    debezium::DebeziumJsonDecoder decoder;
    FakeSink sink;
    LoadStats stats;
    LoadOptions options;
    options.batch_max_ms = 3600000;
    options.batch_linger_ms = early ? 5 : 3600000;  // >= max_ms: only the timer and sizes count
    LoadLoop loop(sub, decoder, sink, nullptr, options, stats);
    ASSERT_TRUE(loop.Run(stop).ok());
    EXPECT_EQ(sink.calls, early ? 2 : 1);
    EXPECT_EQ(sink.rows, 2u);
    EXPECT_EQ(sink.offsets[(TopicPartition{"shop.public.t", 0})], 2);
  }
}

// A backlog is applied in full batches: neither a pause between fetches nor
// the batch timer cuts a batch that Kafka is known to hold enough messages
// to fill (DuckDB writes a batch of a row group straight to its file,
// smaller ones twice). A backlog too small to fill it is cut as before.
TEST(LoadLoop, ABatchThatTheBacklogCanFillIsNotCutByTheTimerOrAPause) {
  for (const size_t max_rows : {2, 10}) {
    std::atomic<bool> stop{false};
    FakeSubscriber sub({Message("shop.public.t", 0, Row("t", 1)), Gap(), Gap(), Message("shop.public.t", 1, Row("t", 2)),
                        Message("shop.public.t", 2, Row("t", 3))},
                       stop);
    debezium::DebeziumJsonDecoder decoder;
    FakeSink sink;
    LoadStats stats;
    LoadOptions options;
    options.batch_max_rows = max_rows;
    options.batch_max_ms = 1;
    options.batch_linger_ms = 1;
    LoadLoop loop(sub, decoder, sink, nullptr, options, stats);
    ASSERT_TRUE(loop.Run(stop).ok());
    EXPECT_EQ(sink.rows, 3u);
    ASSERT_FALSE(sink.rows_per_call.empty());
    // Two rows follow the first: enough to fill a batch of 2, not one of 10.
    EXPECT_EQ(sink.rows_per_call.front(), max_rows == 2 ? 2u : 1u) << max_rows;
  }
}

// sink.batch.max_mb bounds the memory a batch holds: its decoded rows, not
// its messages. Messages padded with 60 KB of JSON whitespace hold small
// rows and share one batch; rows with a 60 KB text value fill a 100 KB batch
// every second row.
TEST(LoadLoop, BatchesAreCutByTheMemoryOfTheirRowsNotTheBytesOfTheirMessages) {
  for (const bool big_rows : {false, true}) {
    const std::string pad(60000, big_rows ? 'x' : ' ');
    std::deque<IncomingMessage> messages;
    for (int id = 1; id <= 5; ++id) {
      const std::string note = big_rows ? absl::StrCat(R"(,"note":")", pad, R"(")") : R"(,"note":"n")";
      messages.push_back(Message("shop.public.t", id - 1,
                                 absl::StrCat(R"({"before":null,"after":{"id":)", id, note,
                                              R"(},"source":{"schema":"public","table":"t","lsn":)", 10 + id,
                                              R"(},"op":"c")", big_rows ? "" : pad, "}")));
    }
    std::atomic<bool> stop{false};
    FakeSubscriber sub(std::move(messages), stop);
    debezium::DebeziumJsonDecoder decoder;
    FakeSink sink;
    LoadStats stats;
    LoadOptions options;
    options.batch_max_ms = 3600000;
    options.batch_linger_ms = 3600000;  // only the sizes cut batches
    options.batch_max_bytes = 100000;
    LoadLoop loop(sub, decoder, sink, nullptr, options, stats);
    ASSERT_TRUE(loop.Run(stop).ok());
    EXPECT_EQ(sink.rows, 5u) << big_rows;
    EXPECT_EQ(sink.calls, big_rows ? 3 : 1) << big_rows;
  }
}

constexpr const char* kMarkerTopic = "shop.cdcpipe-snapshots";
std::string Marker(const std::string& table, const std::string& lsn = "0/64") {
  return absl::StrCat(R"({"schema":"public","table":")", table, R"(","topic":"shop.public.)", table,
                      R"(","snapshot_lsn":")", lsn, R"("})");
}

// A marker says the snapshot's rows lie below the ends its table's
// partitions had when it was read. The sweep comes with the batch that
// reaches them, in its transaction, and the marker's offset is committed
// only with the sweep: a crash before it reads the marker again.
TEST(LoadLoop, ASnapshotMarkerSweepsItsTableInTheBatchThatReachesItsPartitionsEnds) {
  std::atomic<bool> stop{false};
  FakeSubscriber sub({Message("shop.public.t", 0, Row("t", 1), 0), Message("shop.public.t", 0, Row("t", 2), 1),
                      Message(kMarkerTopic, 0, Marker("t")), Message("shop.public.t", 1, Row("t", 3), 0),
                      Message("shop.public.t", 1, Row("t", 4), 1)},
                     stop);
  debezium::DebeziumJsonDecoder decoder;
  FakeSink sink;
  LoadStats stats;
  LoadOptions options;
  options.snapshot_marker_topic = kMarkerTopic;
  options.batch_max_rows = 1;
  LoadLoop loop(sub, decoder, sink, nullptr, options, stats);
  ASSERT_TRUE(loop.Run(stop).ok());
  EXPECT_EQ(sink.rows, 4u);
  ASSERT_EQ(sink.calls, 4);
  EXPECT_EQ(sink.sweeps, (std::vector<FakeSink::Sweep>{{{"public", "t"}, Version{Lsn{100}, Lsn{0}}, 4}}));
  const TopicPartition marker{kMarkerTopic, 0};
  EXPECT_EQ(sink.offsets_per_call[2].at(marker), 0);  // read, not swept yet
  EXPECT_EQ(sink.offsets_per_call[3].at(marker), 1);
  EXPECT_EQ(stats.swept_rows, 5u);
}

// A table without rows has no topic: its sweep waits for nothing. One whose
// partition another loader owns waits for that loader's commits.
TEST(LoadLoop, ASweepWaitsForPartitionsOtherLoadersOwnAndNotForATableWithoutRows) {
  std::atomic<bool> stop{false};
  FakeSink sink;
  const TopicPartition theirs{"shop.public.u", 0};
  int polls = 0;
  FakeSubscriber sub({Message(kMarkerTopic, 0, Marker("u")), Message(kMarkerTopic, 1, Marker("empty"))}, stop, [&] {
    if (++polls == 200) sink.stored_by_others[theirs] = 5;  // the other loader gets there, after the first batch
    return sink.sweeps.size() == 2;
  });
  sub.unowned[theirs] = 5;
  sink.stored_by_others[theirs] = 3;
  debezium::DebeziumJsonDecoder decoder;
  LoadStats stats;
  LoadOptions options;
  options.snapshot_marker_topic = kMarkerTopic;
  LoadLoop loop(sub, decoder, sink, nullptr, options, stats);
  ASSERT_TRUE(loop.Run(stop).ok());
  ASSERT_EQ(sink.sweeps.size(), 2u);
  EXPECT_EQ(sink.sweeps[0].table, (TableId{"public", "empty"}));
  EXPECT_EQ(sink.sweeps[1].table, (TableId{"public", "u"}));
  EXPECT_GT(sink.sweeps[1].call, sink.sweeps[0].call);
  // Held at the marker of u until its sweep, which comes later.
  EXPECT_EQ(sink.offsets_per_call[sink.sweeps[0].call - 1].at({kMarkerTopic, 0}), 0);
  EXPECT_EQ(sink.offsets.at({kMarkerTopic, 0}), 2);
}

TEST(LoadLoop, AMalformedMarkerIsDeadLetteredAndTheRestLoads) {
  std::atomic<bool> stop{false};
  FakeSubscriber sub({Message(kMarkerTopic, 0, "not a marker"), Message("shop.public.t", 0, Row("t", 1))}, stop);
  debezium::DebeziumJsonDecoder decoder;
  FakeSink sink;
  FakePublisher publisher;
  DeadLetterQueue dlq(publisher, "shop.dlq");
  LoadStats stats;
  LoadOptions options;
  options.snapshot_marker_topic = kMarkerTopic;
  LoadLoop loop(sub, decoder, sink, &dlq, options, stats);
  ASSERT_TRUE(loop.Run(stop).ok());
  EXPECT_EQ(sink.rows, 1u);
  ASSERT_EQ(publisher.published.size(), 1u);
  EXPECT_NE(Header(publisher.published[0], kDeadLetterErrorHeader).find("snapshot marker at shop.cdcpipe-snapshots/0@0"),
            std::string::npos);
  EXPECT_TRUE(sink.sweeps.empty());
  EXPECT_EQ(sink.offsets.at({kMarkerTopic, 0}), 1);
}

TEST(HeldBytes, CountsTextOutsideTheValueAndListItems) {
  auto table = std::make_shared<WarehouseTable>();
  RowChange small{table, Op::kCreate, {Value::Int(1), Value::Text("short")}, {}, 0};
  RowChange text{table, Op::kCreate, {Value::Int(1), Value::Text(std::string(1000, 'x'))}, {}, 0};
  RowChange list{table, Op::kCreate, {Value::Int(1), Value::List({Value::Text(std::string(1000, 'x'))})}, {}, 0};
  EXPECT_GE(HeldBytes(small), 2 * sizeof(Value));
  EXPECT_GE(HeldBytes(text), HeldBytes(small) + 1000);
  EXPECT_GE(HeldBytes(list), HeldBytes(small) + 1000 + sizeof(Value));
}

}  // namespace
}  // namespace cdc
