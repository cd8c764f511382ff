#include "pipeline/serializer_pool.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <thread>

#include "pipeline/capture_loop.h"

namespace cdc {
namespace {

// One message per event, keyed by the event's xid; events of odd xid take
// longer, so that the threads finish their batches out of order.
class XidSerializer final : public EventSerializer {
 public:
  explicit XidSerializer(uint32_t fail_xid = 0) : fail_xid_(fail_xid) {}
  absl::Status Serialize(const ChangeEvent& e, std::vector<OutgoingMessage>& out) override {
    if (fail_xid_ != 0 && e.xid == fail_xid_) return absl::InvalidArgumentError("bad row");
    if (e.xid % 2 == 1) std::this_thread::yield();
    out.push_back(OutgoingMessage{"t", std::to_string(e.xid), "v", {}});
    return absl::OkStatus();
  }
  void BeginTransaction(const TransactionBegin&) override {}
  absl::Status EndTransaction(const TransactionCommit&, std::vector<OutgoingMessage>&) override { return absl::OkStatus(); }
  absl::Status SerializeMessage(const DatabaseMessage&, std::vector<OutgoingMessage>&) override {
    return absl::OkStatus();
  }
  absl::StatusOr<OutgoingMessage> Heartbeat(int64_t) override { return OutgoingMessage{}; }

 private:
  uint32_t fail_xid_;
};

ChangeEvent SnapshotRow(uint32_t xid) {
  ChangeEvent e;
  e.op = Op::kRead;
  e.xid = xid;
  e.snapshot = true;
  return e;
}

TEST(SerializerPool, GivesMessagesBackInTheOrderEventsWereAdded) {
  SerializerPool pool([] { return std::make_unique<XidSerializer>(); }, 3, 7);
  std::vector<std::string> keys;
  for (uint32_t i = 1; i <= 1000; ++i) {
    pool.Add(SnapshotRow(i));
    while (auto batch = pool.Take(false)) {
      ASSERT_TRUE(batch->ok());
      for (auto& m : **batch) keys.push_back(*m.key);
    }
  }
  pool.Seal();
  while (auto batch = pool.Take(true)) {
    ASSERT_TRUE(batch->ok());
    for (auto& m : **batch) keys.push_back(*m.key);
  }
  ASSERT_EQ(keys.size(), 1000u);
  for (uint32_t i = 1; i <= 1000; ++i) EXPECT_EQ(keys[i - 1], std::to_string(i));
  EXPECT_EQ(pool.Outstanding(), 0u);
}

TEST(SerializerPool, ReportsTheBatchWhoseEventFailed) {
  SerializerPool pool([] { return std::make_unique<XidSerializer>(5); }, 2, 4);
  for (uint32_t i = 1; i <= 8; ++i) pool.Add(SnapshotRow(i));
  auto first = pool.Take(true);  // events 1-4
  ASSERT_TRUE(first && first->ok());
  EXPECT_EQ((*first)->size(), 4u);
  auto second = pool.Take(true);  // events 5-8
  ASSERT_TRUE(second.has_value());
  EXPECT_TRUE(absl::IsInvalidArgument(second->status()));
  EXPECT_FALSE(pool.Take(true).has_value());
}

// A snapshot source: SnapshotBegin, the given chunks of rows each followed
// by its SnapshotChunkEnd, SnapshotEnd; finished once the snapshot is durable.
class FakeSnapshotSource final : public ChangeSource {
 public:
  FakeSnapshotSource(const std::vector<int>& chunk_rows, const int64_t& delivered) : delivered_(delivered) {
    records_.push_back(SnapshotBegin{Lsn{100}});
    uint32_t xid = 0;
    for (size_t c = 0; c < chunk_rows.size(); ++c) {
      for (int r = 0; r < chunk_rows[c]; ++r) records_.push_back(SnapshotRow(++xid));
      records_.push_back(SnapshotChunkEnd{c});
      rows_through_.push_back(xid);
    }
    records_.push_back(SnapshotEnd{Lsn{100}});
  }
  absl::Status Start() override { return absl::OkStatus(); }
  absl::StatusOr<std::optional<SourceRecord>> Next(absl::Duration) override {
    if (records_.empty()) return std::nullopt;
    SourceRecord r = std::move(records_.front());
    records_.pop_front();
    return std::optional<SourceRecord>(std::move(r));
  }
  absl::Status Acknowledge(Lsn) override { return absl::OkStatus(); }
  absl::Status SnapshotChunkDurable(uint64_t chunk) override {
    // Every row of this chunk and the ones before must be acknowledged.
    EXPECT_GE(delivered_, static_cast<int64_t>(rows_through_[chunk])) << "chunk " << chunk;
    durable_chunks.push_back(chunk);
    return absl::OkStatus();
  }
  absl::Status SnapshotDurable() override {
    finished_ = true;
    return absl::OkStatus();
  }
  bool Finished() const override { return finished_; }

  std::vector<uint64_t> durable_chunks;

 private:
  const int64_t& delivered_;
  std::deque<SourceRecord> records_;
  std::vector<uint32_t> rows_through_;
  bool finished_ = false;
};

// Acknowledges what was published only on every third Poll, so that the
// loop runs ahead of the acknowledgements.
class SlowAckPublisher final : public Publisher {
 public:
  explicit SlowAckPublisher(CheckpointCoordinator& coordinator) : coordinator_(coordinator) {}
  absl::Status Publish(const OutgoingMessage& m, uint64_t ticket) override {
    keys.push_back(*m.key);
    queued_.push_back(ticket);
    return absl::OkStatus();
  }
  void Poll(int) override {
    if (++polls_ % 3 != 0) return;
    for (uint64_t t : queued_) {
      coordinator_.OnDelivered(Delivery{t, absl::OkStatus(), {"t", 0}, delivered, 10});
      ++delivered;
    }
    queued_.clear();
  }
  int64_t InFlight() const override { return static_cast<int64_t>(queued_.size()); }
  absl::Status Flush(int) override { return absl::OkStatus(); }

  std::vector<std::string> keys;
  int64_t delivered = 0;

 private:
  CheckpointCoordinator& coordinator_;
  std::vector<uint64_t> queued_;
  int polls_ = 0;
};

TEST(CaptureLoop, PooledSnapshotKeepsRowOrderAndMarksChunksDurableOnlyWhenDelivered) {
  CheckpointCoordinator coordinator(CheckpointCoordinator::AckStage::kBroker);
  SlowAckPublisher publisher(coordinator);
  FakeSnapshotSource source({300, 1, 0, 517}, publisher.delivered);
  XidSerializer unused;
  CaptureStats stats;
  CaptureLoop loop(source, unused, publisher, coordinator, stats, 0);
  loop.SerializeSnapshotInParallel([] { return std::make_unique<XidSerializer>(); }, 2);
  std::atomic<bool> stop{false};
  ASSERT_TRUE(loop.Run(stop).ok());
  ASSERT_EQ(publisher.keys.size(), 818u);
  for (size_t i = 0; i < publisher.keys.size(); ++i) EXPECT_EQ(publisher.keys[i], std::to_string(i + 1));
  EXPECT_EQ(source.durable_chunks, (std::vector<uint64_t>{0, 1, 2, 3}));
  EXPECT_EQ(stats.events.load(), 818u);
}

}  // namespace
}  // namespace cdc
