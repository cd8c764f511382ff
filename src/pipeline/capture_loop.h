#pragma once
#include <atomic>
#include <deque>
#include <limits>
#include <memory>
#include <optional>

#include "core/change_source.h"
#include "core/event_serializer.h"
#include "core/publisher.h"
#include "pipeline/checkpoint_coordinator.h"
#include "pipeline/column_filter.h"
#include "pipeline/serializer_pool.h"

namespace cdc {

struct CaptureStats {
  std::atomic<uint64_t> events{0};
  std::atomic<uint64_t> transactions{0};
  std::atomic<uint64_t> confirmed_lsn{0};
  // The slot's WAL at the last heartbeat (SlotWal), kUnknown until read
  // (safe_wal_size goes below 0 once the slot is past the limit).
  static constexpr int64_t kUnknown = std::numeric_limits<int64_t>::min();
  std::atomic<int64_t> slot_retained_wal_bytes{kUnknown};
  std::atomic<int64_t> slot_lag_bytes{kUnknown};
  std::atomic<int64_t> slot_safe_wal_bytes{kUnknown};
};

/// Moves changes from a source to a publisher, confirming positions to the
/// source as the coordinator allows. Single-threaded; stops when `stop` is
/// set or on the first error (which it returns). Memory stays bounded: while
/// the publisher's queue is full, or (kWarehouse) a partition has more than
/// `max_uncommitted_partition_bytes` not yet in the warehouse, it stops
/// reading the source.
class CaptureLoop {
 public:
  /// `columns` (may be null) excludes and masks columns before serializing.
  CaptureLoop(ChangeSource& source, EventSerializer& serializer, Publisher& publisher,
              CheckpointCoordinator& coordinator, CaptureStats& stats,
              size_t max_uncommitted_partition_bytes, ColumnFilter* columns = nullptr)
      : source_(source), serializer_(serializer), publisher_(publisher), coordinator_(coordinator),
        stats_(stats), max_uncommitted_bytes_(max_uncommitted_partition_bytes), columns_(columns) {}

  /// Serializes snapshot rows on `threads` workers, each with a serializer
  /// from `factory`, instead of on this loop's thread (SerializerPool).
  void SerializeSnapshotInParallel(SerializerPool::Factory factory, int threads) {
    pool_factory_ = std::move(factory);
    pool_threads_ = threads;
  }

  /// Publishes a TableSnapshotMarker per table to `control_topic` once a
  /// snapshot's rows are durable, before the snapshot is recorded as such.
  /// `again_at_each_start`: also those of the last durable snapshot at each
  /// start (they are idempotent), for a broker that may have lost them (the
  /// embedded one keeps nothing across a crash).
  void PublishSnapshotMarkersTo(std::string control_topic, bool again_at_each_start) {
    marker_topic_ = std::move(control_topic);
    markers_again_ = again_at_each_start;
  }

  absl::Status Run(const std::atomic<bool>& stop);

 private:
  absl::Status Handle(SourceRecord& record);
  /// Publishes the pool's serialized batches: all of them when `all`, else
  /// those already done (and the oldest ones while too many are pending).
  absl::Status PublishPooled(bool all);
  absl::Status PublishAll(std::vector<OutgoingMessage>& messages, const std::atomic<bool>& stop);
  absl::Status Confirm();
  /// Publishes the markers of `snapshot` and waits until Kafka has them.
  absl::Status PublishSnapshotMarkers(const SnapshotEnd& snapshot);

  ChangeSource& source_;
  EventSerializer& serializer_;
  Publisher& publisher_;
  CheckpointCoordinator& coordinator_;
  CaptureStats& stats_;
  size_t max_uncommitted_bytes_;
  ColumnFilter* columns_;
  std::vector<OutgoingMessage> scratch_;
  SerializerPool::Factory pool_factory_;
  int pool_threads_ = 0;
  std::unique_ptr<SerializerPool> pool_;  // while a snapshot is read
  const std::atomic<bool>* stop_ = nullptr;
  bool in_transaction_ = false;  // between a Begin and its Commit
  // Snapshot progress waiting to become durable: (coordinator transaction,
  // chunk; nullopt for the whole snapshot).
  std::deque<std::pair<uint64_t, std::optional<uint64_t>>> snapshot_progress_;
  std::string marker_topic_;  // empty: no snapshot markers
  bool markers_again_ = false;
  std::optional<SnapshotEnd> snapshot_end_;  // of the snapshot being delivered
};

}  // namespace cdc
