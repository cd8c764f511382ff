#include "pipeline/serializer_pool.h"
#include "pipeline/snapshot_marker.h"

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "core/thread_name.h"
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
  std::string TopicFor(const TableId& table) const override { return "t." + table.ToString(); }

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

// How many of this process's threads carry `name` (/proc/self/task/*/comm).
int ThreadsNamed(const std::string& name) {
  int n = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string line;
    if (std::getline(comm, line) && line == name) ++n;
  }
  return n;
}

TEST(SerializerPool, NamesItsThreadsSoThatTheirCpuCanBeToldApart) {
  SerializerPool pool([] { return std::make_unique<XidSerializer>(); }, 3, 7);
  // Each thread names itself as it starts.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (ThreadsNamed("cdc-serialize") < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(ThreadsNamed("cdc-serialize"), 3);
}

TEST(NameThisThread, CutsANameToTheKernelsFifteenBytes) {
  std::string seen;
  std::thread([&] {
    NameThisThread("cdc-a-name-longer-than-fifteen");
    char buf[64] = {};
    pthread_getname_np(pthread_self(), buf, sizeof(buf));
    seen = buf;
  }).join();
  EXPECT_EQ(seen, "cdc-a-name-long");
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
  FakeSnapshotSource(const std::vector<int>& chunk_rows, const int64_t& delivered, std::vector<TableId> tables = {})
      : delivered_(delivered) {
    records_.push_back(SnapshotBegin{Lsn{100}});
    uint32_t xid = 0;
    for (size_t c = 0; c < chunk_rows.size(); ++c) {
      for (int r = 0; r < chunk_rows[c]; ++r) records_.push_back(SnapshotRow(++xid));
      records_.push_back(SnapshotChunkEnd{c});
      rows_through_.push_back(xid);
    }
    records_.push_back(SnapshotEnd{Lsn{100}, std::move(tables)});
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
    if (on_durable) on_durable();
    finished_ = true;
    return absl::OkStatus();
  }
  bool Finished() const override { return finished_; }
  std::optional<SnapshotEnd> LastDurableSnapshot() const override { return last_durable; }

  std::vector<uint64_t> durable_chunks;
  std::function<void()> on_durable;
  std::optional<SnapshotEnd> last_durable;

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
    if (m.topic == kMarkerTopic) {
      if (markers.empty()) delivered_before_markers = delivered;
      markers.push_back(m);
    } else {
      keys.push_back(*m.key);
    }
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
  absl::Status Flush(int) override {
    while (!queued_.empty()) Poll(0);
    return absl::OkStatus();
  }

  static constexpr const char* kMarkerTopic = "t.cdcpipe-snapshots";
  std::vector<std::string> keys;  // of the events
  std::vector<OutgoingMessage> markers;
  int64_t delivered = 0;
  int64_t delivered_before_markers = -1;  // when the first marker was published

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

// Load takes a marker's table as loaded once it has consumed up to the
// partitions' ends as they were when it read the marker: so markers follow
// the acknowledged rows, and the snapshot is recorded only after them.
TEST(CaptureLoop, SnapshotMarkersFollowTheAcknowledgedRowsAndPrecedeTheSnapshotsRecord) {
  CheckpointCoordinator coordinator(CheckpointCoordinator::AckStage::kBroker);
  SlowAckPublisher publisher(coordinator);
  const std::vector<TableId> tables = {{"public", "a"}, {"public", "empty"}};
  FakeSnapshotSource source({300, 0, 17}, publisher.delivered, tables);
  size_t markers_when_recorded = 0;
  source.on_durable = [&] { markers_when_recorded = publisher.markers.size(); };
  XidSerializer serializer;
  CaptureStats stats;
  CaptureLoop loop(source, serializer, publisher, coordinator, stats, 0);
  loop.SerializeSnapshotInParallel([] { return std::make_unique<XidSerializer>(); }, 2);
  loop.PublishSnapshotMarkersTo(SlowAckPublisher::kMarkerTopic, /*again_at_each_start=*/false);
  std::atomic<bool> stop{false};
  ASSERT_TRUE(loop.Run(stop).ok());
  ASSERT_EQ(publisher.keys.size(), 317u);
  EXPECT_EQ(publisher.delivered_before_markers, 317);
  EXPECT_EQ(markers_when_recorded, 2u);
  ASSERT_EQ(publisher.markers.size(), 2u);
  for (size_t i = 0; i < tables.size(); ++i) {
    auto marker = DecodeTableSnapshotMarker(AsIncoming(publisher.markers[i]));
    ASSERT_TRUE(marker.ok()) << marker.status();
    EXPECT_EQ(*marker, (TableSnapshotMarker{tables[i], "t." + tables[i].ToString(), Lsn{100}}));
    EXPECT_EQ(*publisher.markers[i].key, "t." + tables[i].ToString());  // a table's markers keep their order
  }
}

// A crash after the snapshot was recorded may have lost its markers with
// the embedded broker, which keeps nothing: each start publishes them again.
TEST(CaptureLoop, TheLastDurableSnapshotsMarkersArePublishedAgainAtEachStart) {
  CheckpointCoordinator coordinator(CheckpointCoordinator::AckStage::kBroker);
  SlowAckPublisher publisher(coordinator);
  FakeSnapshotSource source({}, publisher.delivered, {{"s", "u"}});
  source.last_durable = SnapshotEnd{Lsn{77}, {{"s", "t"}}};
  XidSerializer serializer;
  CaptureStats stats;
  {
    // A durable broker has them already.
    CaptureLoop loop(source, serializer, publisher, coordinator, stats, 0);
    loop.PublishSnapshotMarkersTo(SlowAckPublisher::kMarkerTopic, /*again_at_each_start=*/false);
    std::atomic<bool> stop{true};
    ASSERT_TRUE(loop.Run(stop).ok());
    EXPECT_TRUE(publisher.markers.empty());
  }
  CaptureLoop loop(source, serializer, publisher, coordinator, stats, 0);
  loop.PublishSnapshotMarkersTo(SlowAckPublisher::kMarkerTopic, /*again_at_each_start=*/true);
  std::atomic<bool> stop{false};
  ASSERT_TRUE(loop.Run(stop).ok());  // the fake's own empty snapshot ends the run
  ASSERT_EQ(publisher.markers.size(), 2u);
  auto again = DecodeTableSnapshotMarker(AsIncoming(publisher.markers[0]));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, (TableSnapshotMarker{{"s", "t"}, "t.s.t", Lsn{77}}));
  auto own = DecodeTableSnapshotMarker(AsIncoming(publisher.markers[1]));
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(own->snapshot_lsn, Lsn{100});
}

TEST(TableSnapshotMarker, RoundTripsAndNamesWhatIsWrong) {
  const TableSnapshotMarker marker{{"public", "odd \"name\""}, "shop.public.odd__name_", Lsn{0x16B3748}};
  const OutgoingMessage m = EncodeTableSnapshotMarker(SnapshotMarkerTopic("shop"), marker);
  EXPECT_EQ(m.topic, "shop.cdcpipe-snapshots");
  auto back = DecodeTableSnapshotMarker(AsIncoming(m));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, marker);
  for (const char* bad : {"not json", "[]", R"({"schema":"s","table":"t","topic":"x"})",
                          R"({"schema":"s","table":"t","topic":"x","snapshot_lsn":"zz"})",
                          R"({"schema":"s","table":"","topic":"x","snapshot_lsn":"0/1"})",
                          R"({"schema":"s","table":1,"topic":"x","snapshot_lsn":"0/1"})"}) {
    IncomingMessage in{{"shop.cdcpipe-snapshots", 2}, 41, 0, std::nullopt, std::string(bad), {}};
    auto decoded = DecodeTableSnapshotMarker(in);
    EXPECT_TRUE(absl::IsInvalidArgument(decoded.status())) << bad;
    EXPECT_NE(std::string(decoded.status().message()).find("shop.cdcpipe-snapshots/2@41"), std::string::npos)
        << decoded.status();
  }
  IncomingMessage tombstone{{"shop.cdcpipe-snapshots", 0}, 1, 0, std::nullopt, std::nullopt, {}};
  EXPECT_TRUE(absl::IsInvalidArgument(DecodeTableSnapshotMarker(tombstone).status()));
}

}  // namespace
}  // namespace cdc
