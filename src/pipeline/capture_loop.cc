#include "pipeline/capture_loop.h"

#include <variant>

#include "core/log.h"
#include "pipeline/snapshot_marker.h"

namespace cdc {

absl::Status CaptureLoop::Confirm() {
  CDC_RETURN_IF_ERROR(coordinator_.Error());
  if (auto lsn = coordinator_.TakeConfirmable()) {
    CDC_RETURN_IF_ERROR(source_.Acknowledge(*lsn));
    stats_.confirmed_lsn = lsn->value;
  }
  const uint64_t done = coordinator_.DoneThrough();
  while (!snapshot_progress_.empty() && snapshot_progress_.front().first <= done) {
    const std::optional<uint64_t> chunk = snapshot_progress_.front().second;
    snapshot_progress_.pop_front();
    if (chunk) {
      CDC_RETURN_IF_ERROR(source_.SnapshotChunkDurable(*chunk));
      continue;
    }
    // Markers before the record: a crash in between leaves the snapshot
    // unrecorded, and the next start, finding every chunk durable, ends it
    // again and publishes them.
    if (snapshot_end_) CDC_RETURN_IF_ERROR(PublishSnapshotMarkers(*snapshot_end_));
    snapshot_end_.reset();
    CDC_RETURN_IF_ERROR(source_.SnapshotDurable());
  }
  return absl::OkStatus();
}

absl::Status CaptureLoop::PublishSnapshotMarkers(const SnapshotEnd& snapshot) {
  if (marker_topic_.empty()) return absl::OkStatus();
  for (const TableId& table : snapshot.tables) {
    const OutgoingMessage marker =
        EncodeTableSnapshotMarker(marker_topic_, {table, serializer_.TopicFor(table), snapshot.consistent_point});
    // Ticket 0: not part of any transaction, so it confirms no position.
    for (absl::Status st = publisher_.Publish(marker, 0); !st.ok(); st = publisher_.Publish(marker, 0)) {
      if (!absl::IsUnavailable(st) || *stop_) return st;
      publisher_.Poll(50);  // queue full
    }
  }
  // Load takes the topic's end offsets when it reads a marker as where the
  // snapshot's rows end, so a marker must not overtake them: it goes out
  // only once they are acknowledged, and the record of the snapshot waits
  // for it.
  CDC_RETURN_IF_ERROR(publisher_.Flush(60000));
  log::Info("capture", "snapshot markers published",
            {{"topic", marker_topic_}, {"tables", snapshot.tables.size()},
             {"snapshot_lsn", snapshot.consistent_point.ToString()}});
  return absl::OkStatus();
}

absl::Status CaptureLoop::PublishAll(std::vector<OutgoingMessage>& messages, const std::atomic<bool>& stop) {
  for (auto& m : messages) {
    const uint64_t ticket = coordinator_.AddMessage();
    while (true) {
      absl::Status st = publisher_.PublishTaking(m, ticket);
      if (st.ok()) break;
      if (!absl::IsUnavailable(st) || stop) return st;
      // Queue full: serve delivery reports until there is room (backpressure).
      publisher_.Poll(50);
      CDC_RETURN_IF_ERROR(coordinator_.Error());
    }
  }
  messages.clear();
  return absl::OkStatus();
}

namespace {

// Snapshot rows per batch handed to a serializer thread: large enough to
// amortize the hand-over, small enough that the threads share the work.
constexpr size_t kPoolBatchEvents = 256;

}  // namespace

absl::Status CaptureLoop::PublishPooled(bool all) {
  if (!pool_) return absl::OkStatus();
  if (all) pool_->Seal();
  // Bounded: at most a few batches per thread are serialized ahead.
  const size_t ahead = 4 * static_cast<size_t>(std::max(pool_threads_, 1));
  while (true) {
    const bool wait = all || pool_->Outstanding() > ahead;
    auto batch = pool_->Take(wait);
    if (!batch) return absl::OkStatus();
    CDC_RETURN_IF_ERROR(batch->status());
    CDC_RETURN_IF_ERROR(PublishAll(**batch, *stop_));
  }
}

absl::Status CaptureLoop::Handle(SourceRecord& record) {
  auto* e = std::get_if<ChangeEvent>(&record);
  if (e && e->snapshot && !in_transaction_) {
    // The rows after a chunk's end: a new unit. Between two chunks of a
    // snapshot taken while streaming, transactions of the stream come.
    coordinator_.Begin();
    in_transaction_ = true;
  }
  if (e && e->snapshot && pool_threads_ > 0) {
    if (columns_) CDC_RETURN_IF_ERROR(columns_->Apply(*e));
    if (!pool_) pool_ = std::make_unique<SerializerPool>(pool_factory_, pool_threads_, kPoolBatchEvents);
    pool_->Add(std::move(*e));
    stats_.events += 1;
    return PublishPooled(false);
  }
  // Every other record comes after the rows before it: those are published
  // first, so that a chunk's end (or the snapshot's) closes a coordinator
  // transaction holding all of its messages.
  CDC_RETURN_IF_ERROR(PublishPooled(true));
  if (std::holds_alternative<SnapshotEnd>(record)) pool_.reset();
  if (e) {
    if (columns_) CDC_RETURN_IF_ERROR(columns_->Apply(*e));
    scratch_.clear();
    CDC_RETURN_IF_ERROR(serializer_.Serialize(*e, scratch_));
    stats_.events += 1;
    return PublishAll(scratch_, *stop_);
  }
  if (auto* m = std::get_if<DatabaseMessage>(&record)) {
    scratch_.clear();
    CDC_RETURN_IF_ERROR(serializer_.SerializeMessage(*m, scratch_));
    stats_.events += 1;
    if (in_transaction_) return PublishAll(scratch_, *stop_);
    // Outside any transaction: a unit of its own, confirming no position.
    coordinator_.Begin();
    absl::Status st = PublishAll(scratch_, *stop_);
    coordinator_.Commit(Lsn{0});
    return st;
  }
  if (std::holds_alternative<TransactionBegin>(record) || std::holds_alternative<SnapshotBegin>(record)) {
    coordinator_.Begin();
    in_transaction_ = true;
    if (auto* b = std::get_if<TransactionBegin>(&record)) serializer_.BeginTransaction(*b);
    return absl::OkStatus();
  }
  if (auto* c = std::get_if<TransactionCommit>(&record)) {
    in_transaction_ = false;
    scratch_.clear();
    CDC_RETURN_IF_ERROR(serializer_.EndTransaction(*c, scratch_));
    CDC_RETURN_IF_ERROR(PublishAll(scratch_, *stop_));  // END belongs to the transaction
    coordinator_.Commit(c->end_lsn);
    stats_.transactions += 1;
    return absl::OkStatus();
  }
  if (auto* chunk = std::get_if<SnapshotChunkEnd>(&record)) {
    // Close the snapshot's messages so far as one unit whose completion
    // marks the chunk durable; the next rows open another.
    snapshot_progress_.emplace_back(coordinator_.Commit(Lsn{0}), chunk->chunk);
    in_transaction_ = false;
    return absl::OkStatus();
  }
  if (auto* s = std::get_if<SnapshotEnd>(&record)) {
    if (!in_transaction_) coordinator_.Begin();
    in_transaction_ = false;
    snapshot_end_ = *s;
    snapshot_progress_.emplace_back(coordinator_.Commit(s->consistent_point), std::nullopt);
    log::Info("capture", "snapshot read; streaming follows", {{"lsn", s->consistent_point.ToString()}});
    return absl::OkStatus();
  }
  if (auto* idle = std::get_if<SourceIdle>(&record)) coordinator_.Idle(idle->wal_end);
  if (auto* beat = std::get_if<Heartbeat>(&record)) {
    stats_.slot_retained_wal_bytes = beat->slot.retained_bytes.value_or(CaptureStats::kUnknown);
    stats_.slot_lag_bytes = beat->slot.lag_bytes.value_or(CaptureStats::kUnknown);
    stats_.slot_safe_wal_bytes = beat->slot.safe_bytes.value_or(CaptureStats::kUnknown);
    // Not part of any transaction: ticket 0 is not tracked for confirmation.
    CDC_ASSIGN_OR_RETURN(OutgoingMessage heartbeat, serializer_.Heartbeat(beat->ts_ms));
    absl::Status st = publisher_.Publish(heartbeat, 0);
    if (!st.ok() && !absl::IsUnavailable(st)) return st;  // a full queue skips one beat
  }
  return absl::OkStatus();
}

absl::Status CaptureLoop::Run(const std::atomic<bool>& stop) {
  stop_ = &stop;
  if (std::optional<SnapshotEnd> last = source_.LastDurableSnapshot(); last && markers_again_) {
    CDC_RETURN_IF_ERROR(PublishSnapshotMarkers(*last));
  }
  while (!stop) {
    publisher_.Poll(0);
    CDC_RETURN_IF_ERROR(Confirm());
    if (source_.Finished()) {
      log::Info("capture", "source finished (snapshot only); capture stops");
      return absl::OkStatus();
    }
    if (max_uncommitted_bytes_ > 0 && coordinator_.MaxUncommittedPartitionBytes() > max_uncommitted_bytes_) {
      // The warehouse is behind; reading more WAL would only grow memory.
      publisher_.Poll(20);
      continue;
    }
    CDC_ASSIGN_OR_RETURN(auto record, source_.Next(absl::Milliseconds(100)));
    if (record) CDC_RETURN_IF_ERROR(Handle(*record));
    else CDC_RETURN_IF_ERROR(PublishPooled(true));  // nothing came: do not sit on serialized rows
  }
  return absl::OkStatus();
}

}  // namespace cdc
