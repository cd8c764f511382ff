#include "pipeline/load_loop.h"

#include <gtest/gtest.h>

#include <deque>

#include "format/debezium_json/debezium_json_decoder.h"

namespace cdc {
namespace {

// Hands out a fixed list of messages, then asks the loop to stop.
class FakeSubscriber final : public Subscriber {
 public:
  FakeSubscriber(std::deque<IncomingMessage> messages, std::atomic<bool>& stop)
      : messages_(std::move(messages)), stop_(stop) {}
  absl::Status Subscribe(const std::vector<std::string>&, AssignHandler on_assign, RevokeHandler) override {
    std::vector<TopicPartition> parts;
    for (const auto& m : messages_) parts.push_back(m.source);
    return on_assign(parts).status();
  }
  absl::StatusOr<std::optional<IncomingMessage>> Poll(int) override {
    if (messages_.empty()) {
      stop_ = true;
      return std::optional<IncomingMessage>();
    }
    IncomingMessage m = std::move(messages_.front());
    messages_.pop_front();
    return std::optional<IncomingMessage>(std::move(m));
  }
  void CommitInformational(const std::map<TopicPartition, int64_t>&) override {}
  absl::StatusOr<int64_t> EndOffset(const TopicPartition&) override { return 0; }
  void Close() override {}
  absl::StatusOr<std::vector<TopicPartition>> SubscribedPartitions() override { return std::vector<TopicPartition>{}; }

 private:
  std::deque<IncomingMessage> messages_;
  std::atomic<bool>& stop_;
};

class FakeSink final : public Sink {
 public:
  absl::Status Apply(std::span<const TableBatch> batches, const std::string&, const OffsetMap& next) override {
    for (const auto& b : batches) rows += b.rows.size();
    for (const auto& [tp, off] : next) offsets[tp] = off;
    return absl::OkStatus();
  }
  absl::StatusOr<OffsetMap> CommittedOffsets(const std::string&) override { return OffsetMap{}; }
  size_t rows = 0;
  OffsetMap offsets;
};

IncomingMessage Message(std::string topic, int64_t offset, std::optional<std::string> value) {
  IncomingMessage m;
  m.source = {std::move(topic), 0};
  m.offset = offset;
  m.value = std::move(value);
  return m;
}

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

}  // namespace
}  // namespace cdc
