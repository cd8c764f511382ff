#include "pipeline/load_loop.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/log.h"
#include "pipeline/snapshot_marker.h"

namespace cdc {

absl::StatusOr<std::vector<IncomingMessage>> LoadLoop::ReadAgain(const Pending& p, const TableId& table) {
  std::vector<IncomingMessage> out;
  auto positions = p.positions.find(table);
  if (positions == p.positions.end()) return out;
  std::map<const TopicPartition*, std::vector<int64_t>> offsets;  // ascending per partition
  for (const Pending::Position& at : positions->second) offsets[at.partition].push_back(at.offset);
  std::map<std::pair<const TopicPartition*, int64_t>, IncomingMessage> read;
  for (const auto& [partition, wanted] : offsets) {
    CDC_ASSIGN_OR_RETURN(std::vector<IncomingMessage> messages, subscriber_.ReadAgain(*partition, wanted));
    for (IncomingMessage& m : messages) read.emplace(std::pair(partition, m.offset), std::move(m));
  }
  for (const Pending::Position& at : positions->second) out.push_back(std::move(read[{at.partition, at.offset}]));
  return out;
}

absl::Status LoadLoop::HandOff() {
  if (pending_.offsets.empty()) return absl::OkStatus();
  const absl::Time asked = absl::Now();
  CDC_RETURN_IF_ERROR(applier_->Wait());
  stats_.waited_on_warehouse_us += absl::ToInt64Microseconds(absl::Now() - asked);
  log::Debug("load", "batch handed to the applier",
             {{"rows", batch_.rows()}, {"waited_ms", absl::ToInt64Milliseconds(absl::Now() - asked)},
              {"first_record_age_ms", pending_.kafka_ts_ms.empty() ? int64_t{0}
                   : absl::ToUnixMillis(absl::Now()) - pending_.kafka_ts_ms.front()}});
  applying_ = std::move(pending_);
  applying_.batches = batch_.Take();
  pending_ = Pending();
  CDC_RETURN_IF_ERROR(TakeDueSweeps(applying_));
  return applier_->Start([this] { return Apply(applying_); });
}

int64_t LoadLoop::MarkerOffset(const TopicPartition& partition) const {
  // sweeps_ is in the order read: the first of a partition is its lowest.
  for (const PendingSweep& sweep : sweeps_) {
    if (sweep.marker == partition) return sweep.offset;
  }
  auto read = markers_read_.find(partition);
  return read != markers_read_.end() ? read->second : 0;
}

absl::Status LoadLoop::ReadMarker(const IncomingMessage& message) {
  markers_read_[message.source] = message.offset + 1;
  absl::StatusOr<TableSnapshotMarker> marker = DecodeTableSnapshotMarker(message);
  if (!marker.ok()) {
    if (!dead_letters_) return marker.status();
    CDC_RETURN_IF_ERROR(dead_letters_->Send(message, marker.status()));
    stats_.dead_letters += 1;
  } else {
    PendingSweep sweep{marker->table, Version{marker->snapshot_lsn, Lsn{0}}, {}, message.source, message.offset};
    // Markers come in bursts, one per table: the broker is asked for the
    // topics once a second, and again for a topic not known yet. A table
    // without rows has no topic: nothing to wait for.
    auto known = [&] {
      return std::any_of(partitions_.begin(), partitions_.end(),
                         [&](const TopicPartition& tp) { return tp.topic == marker->topic; });
    };
    if (absl::Now() - partitions_read_at_ > absl::Seconds(1) || !known()) {
      CDC_ASSIGN_OR_RETURN(partitions_, subscriber_.SubscribedPartitions());
      partitions_read_at_ = absl::Now();
    }
    for (const TopicPartition& tp : partitions_) {
      if (tp.topic != marker->topic) continue;
      CDC_ASSIGN_OR_RETURN(sweep.ends[tp], subscriber_.EndOffset(tp));
    }
    log::Info("load", "snapshot marker read: the table is swept once loaded up to here",
              {{"table", marker->table.ToString()}, {"snapshot_lsn", marker->snapshot_lsn.ToString()},
               {"partitions", sweep.ends.size()}});
    sweeps_.push_back(std::move(sweep));
  }
  pending_.offsets[message.source] = MarkerOffset(message.source);
  return absl::OkStatus();
}

OffsetMap LoadLoop::AppliedWith(const OffsetMap& batch_offsets) {
  OffsetMap applied = OwnedOffsets();
  for (const auto& [tp, next] : batch_offsets) applied[tp] = next;
  return applied;
}

absl::StatusOr<bool> LoadLoop::SweepDue(const PendingSweep& sweep, const OffsetMap& applied_here,
                                        std::optional<OffsetMap>& stored) {
  for (const auto& [tp, end] : sweep.ends) {
    int64_t applied = 0;
    if (auto mine = applied_here.find(tp); mine != applied_here.end()) {
      applied = mine->second;
    } else {
      if (!stored) {
        CDC_ASSIGN_OR_RETURN(OffsetMap read, sink_.CommittedOffsets(options_.stream_id));
        stored = std::move(read);
      }
      auto theirs = stored->find(tp);
      applied = theirs != stored->end() ? theirs->second : 0;
    }
    if (applied < end) return false;
  }
  return true;
}

absl::Status LoadLoop::TakeDueSweeps(Pending& p) {
  if (markers_read_.empty()) return absl::OkStatus();
  const OffsetMap applied = AppliedWith(p.offsets);
  std::optional<OffsetMap> stored;
  for (auto it = sweeps_.begin(); it != sweeps_.end();) {
    CDC_ASSIGN_OR_RETURN(bool due, SweepDue(*it, applied, stored));
    if (!due) {
      ++it;
      continue;
    }
    auto table = std::make_shared<WarehouseTable>();
    table->id = it->table;
    p.batches.push_back(TableBatch{std::move(table), {}, std::nullopt, it->version});
    it = sweeps_.erase(it);
  }
  for (const auto& [tp, next] : markers_read_) p.offsets[tp] = MarkerOffset(tp);
  return absl::OkStatus();
}

absl::Status LoadLoop::Drain() {
  CDC_RETURN_IF_ERROR(HandOff());
  return applier_->Wait();
}

absl::Status LoadLoop::Apply(Pending& p) {
  const absl::Time started = absl::Now();
  PausedTables newly_paused;
  const absl::Status paused_error = absl::FailedPreconditionError(
      "the warehouse table is paused (_cdc_paused_tables); see docs/operations.md");
  if (!p.of_paused_tables.empty()) {  // only filled with a dead-letter queue
    CDC_RETURN_IF_ERROR(dead_letters_->Send(p.of_paused_tables, paused_error));
    stats_.dead_letters += p.of_paused_tables.size();
  }
  // Tables paused by the batch before, after these events were read: they
  // go where their predecessors went.
  for (auto b = p.batches.begin(); b != p.batches.end();) {
    if (!IsPaused(b->table->id)) {
      ++b;
      continue;
    }
    if (b->swept_at) {
      // Resuming the table takes a new snapshot, which sweeps it then.
      log::Warn("load", "paused table not swept after its new snapshot", {{"table", b->table->id.ToString()}});
      b = p.batches.erase(b);
      continue;
    }
    CDC_ASSIGN_OR_RETURN(std::vector<IncomingMessage> messages, ReadAgain(p, b->table->id));
    CDC_RETURN_IF_ERROR(dead_letters_->Send(messages, paused_error));
    stats_.dead_letters += messages.size();
    p.positions.erase(b->table->id);
    b = p.batches.erase(b);
  }
  for (;;) {
    absl::Status st = ApplyWithRetries(p, newly_paused);
    if (st.ok()) break;
    std::optional<TableDataErrorInfo> blamed = TableDataErrorOf(st);
    if (!blamed || !dead_letters_) return st;
    CDC_RETURN_IF_ERROR(Park(*blamed, st, p, newly_paused));
  }
  size_t rows = 0;
  for (const auto& b : p.batches) rows += b.rows.size();
  if (!newly_paused.empty()) {
    size_t paused = 0;
    {
      std::lock_guard lock(paused_mu_);
      paused_.insert(newly_paused.begin(), newly_paused.end());
      paused = paused_.size();
    }
    // Counted from the warehouse: other loaders of the process pause tables too.
    auto all = sink_.Paused();
    stats_.paused_tables = all.ok() ? all->size() : paused;
  }
  {
    std::lock_guard lock(committed_mu_);
    for (const auto& [tp, off] : p.offsets) committed_[tp] = off;
  }
  if (on_committed_) on_committed_(p.offsets);
  subscriber_.CommitInformational(p.offsets);
  const ApplyPhases phases = sink_.LastApplyPhases();
  stats_.write_us += absl::ToInt64Microseconds(phases.write);
  stats_.merge_us += absl::ToInt64Microseconds(phases.merge);
  stats_.commit_us += absl::ToInt64Microseconds(phases.commit);
  stats_.swept_rows += static_cast<uint64_t>(sink_.LastSweptRows());
  stats_.rows += rows;
  stats_.batches += 1;
  // The rows are visible now: that is the end of their end-to-end latency.
  const absl::Time now = absl::Now();
  stats_.apply_duration.Observe(absl::ToInt64Milliseconds(now - started));
  const int64_t now_ms = absl::ToUnixMillis(now);
  for (int64_t ts : p.source_ts_ms) {
    if (ts > 0) stats_.source_to_warehouse.Observe(now_ms - ts);
  }
  for (int64_t ts : p.kafka_ts_ms) {
    if (ts > 0) stats_.kafka_to_warehouse.Observe(now_ms - ts);
  }
  log::Debug("load", "batch applied", {{"rows", rows}, {"partitions", p.offsets.size()},
                                       {"apply_ms", absl::ToInt64Milliseconds(now - started)}});
  p = Pending();
  return absl::OkStatus();
}

absl::Status LoadLoop::ApplyWithRetries(const Pending& p, const PausedTables& newly_paused) {
  // Jitter keeps loaders that failed together from retrying in step. Offsets
  // never move past data that is not applied: while the circuit is open
  // nothing is consumed, and a stop leaves the batch to be read again.
  std::uniform_real_distribution<double> jitter(0.5, 1.5);
  absl::Duration backoff = options_.retry_initial;
  for (int failures = 1;; ++failures) {
    absl::Status st = sink_.Apply(p.batches, options_.stream_id, p.offsets, newly_paused);
    if (st.ok() || !absl::IsUnavailable(st)) {
      if (st.ok() && stats_.circuit_open.exchange(false)) {
        log::Info("load", "warehouse answers again; circuit closed, consuming", {{"failures", failures - 1}});
      }
      return st;
    }
    if (Stopping()) return st;
    absl::Duration wait = backoff * jitter(rng_);
    if (failures >= options_.retries_before_open) {
      if (!stats_.circuit_open.exchange(true)) {
        log::Error("load", "warehouse keeps failing; circuit open: consumption paused, probing",
                   {{"error", std::string(st.message())}, {"failures", failures},
                    {"probe_every_s", absl::ToInt64Seconds(options_.circuit_probe)}});
      }
      wait = options_.circuit_probe;
    } else {
      log::Warn("load", "warehouse apply failed; retrying", {{"error", std::string(st.message())}, {"attempt", failures}});
      backoff = std::min(backoff * 2, absl::Seconds(10));
    }
    // Sleep in slices so that a stop request is seen promptly.
    for (absl::Time until = absl::Now() + wait; absl::Now() < until && !Stopping();) {
      absl::SleepFor(std::min(until - absl::Now(), absl::Milliseconds(100)));
    }
  }
}

absl::Status LoadLoop::Park(const TableDataErrorInfo& blamed, const absl::Status& error, Pending& p,
                            PausedTables& newly_paused) {
  auto batch = std::find_if(p.batches.begin(), p.batches.end(),
                            [&](const TableBatch& b) { return b.table->id == blamed.table; });
  if (batch == p.batches.end()) return error;  // blames data that is not in the batch
  CDC_ASSIGN_OR_RETURN(std::vector<IncomingMessage> messages, ReadAgain(p, blamed.table));
  if (!blamed.row || *blamed.row >= batch->rows.size()) {
    CDC_RETURN_IF_ERROR(dead_letters_->Send(messages, error));
    stats_.dead_letters += messages.size();
    log::Error("load", "table paused: its events go to the dead-letter topic",
               {{"table", blamed.table.ToString()}, {"messages", messages.size()},
                {"dead_letter_topic", dead_letters_->topic()}, {"error", std::string(error.message())}});
    newly_paused[blamed.table] = std::string(error.message());
    p.positions.erase(blamed.table);
    p.batches.erase(batch);
    return absl::OkStatus();
  }
  // One row: park the messages it was collapsed from. They are found by
  // decoding again (a rare path): by key, or for a keyless table by position
  // among the table's row events.
  const RowChange& row = batch->rows[*blamed.row];
  const bool keyed = row.table->HasKey();
  const std::string key = keyed ? KeyOf(row) : "";
  std::vector<Pending::Position>& positions = p.positions[blamed.table];  // in step with `messages`
  std::vector<Pending::Position> kept;
  std::vector<IncomingMessage> parked;
  size_t row_event = 0;
  for (size_t i = 0; i < messages.size(); ++i) {
    auto change = park_decoder_->Decode(messages[i]);
    bool match = false;
    if (change.ok() && *change && (*change)->op != Op::kTruncate) {
      match = keyed ? KeyOf(**change) == key : row_event == *blamed.row;
      ++row_event;
    }
    if (match) {
      parked.push_back(std::move(messages[i]));
    } else {
      kept.push_back(positions[i]);
    }
  }
  positions = std::move(kept);
  CDC_RETURN_IF_ERROR(dead_letters_->Send(parked, error));
  stats_.dead_letters += parked.size();
  batch->rows.erase(batch->rows.begin() + static_cast<std::ptrdiff_t>(*blamed.row));
  return absl::OkStatus();
}

int64_t LoadProgress::Lag() const {
  int64_t lag = 0;
  for (const auto& [tp, pos] : owned) lag += std::max<int64_t>(0, pos.end - pos.next);
  return lag;
}

size_t LoadProgress::Unowned() const {
  size_t unowned = 0;
  for (const auto& tp : subscribed) unowned += owned.contains(tp) ? 0 : 1;
  return unowned;
}

void LoadProgress::Merge(const LoadProgress& other) {
  owned.insert(other.owned.begin(), other.owned.end());
  subscribed.insert(other.subscribed.begin(), other.subscribed.end());
}

absl::StatusOr<LoadProgress> LoadLoop::Progress() {
  // Subscribed partitions are read before the assignment: a topic created in
  // between is then counted neither way, not as owned-and-unowned.
  CDC_ASSIGN_OR_RETURN(auto subscribed, subscriber_.SubscribedPartitions());
  const OffsetMap owned = OwnedOffsets();
  LoadProgress progress;
  progress.subscribed.insert(subscribed.begin(), subscribed.end());
  for (const auto& [tp, next] : owned) {
    CDC_ASSIGN_OR_RETURN(int64_t end, subscriber_.EndOffset(tp));
    progress.owned[tp] = {next, end};
  }
  return progress;
}

OffsetMap LoadLoop::OwnedOffsets() {
  // The partitions this loader owns are the keys of committed_ (set in the
  // assignment handler, before the consumer itself reports them). A copy:
  // the broker is asked outside the lock.
  std::lock_guard lock(committed_mu_);
  return committed_;
}

int64_t LoadLoop::KafkaLag() {
  int64_t lag = 0;
  for (const auto& [tp, next] : OwnedOffsets()) {
    const std::optional<int64_t> end = subscriber_.LastKnownEndOffset(tp);
    if (end && *end > next) lag += *end - next;
  }
  return lag;
}

absl::Status LoadLoop::Run(const std::atomic<bool>& stop) {
  stop_ = &stop;
  if (dead_letters_) {
    CDC_ASSIGN_OR_RETURN(PausedTables paused, sink_.Paused());
    stats_.paused_tables = paused.size();
    {
      std::lock_guard lock(paused_mu_);
      paused_ = paused;
    }
    for (const auto& [table, reason] : paused) {
      log::Warn("load", "table is paused: its events go to the dead-letter topic",
                {{"table", table.ToString()}, {"reason", reason}});
    }
  }
  applier_ = std::make_unique<JobThread>("cdc-apply");
  absl::Status st = Consume(stop);
  if (st.ok()) st = Drain();
  // After a failure an apply still retrying an outage gives up: its batch
  // is read again by whoever consumes next.
  if (!st.ok()) abandon_ = true;
  subscriber_.Close();  // the revoke handler refers to this loop
  applier_.reset();
  return st;
}

absl::Status LoadLoop::Consume(const std::atomic<bool>& stop) {
  auto on_assign = [this](const std::vector<TopicPartition>& parts) -> absl::StatusOr<std::map<TopicPartition, int64_t>> {
    // Start where the warehouse says this stream was applied up to; the
    // Kafka group's own commits are informational and may lag. The sink is
    // asked once the applier is done with it.
    CDC_RETURN_IF_ERROR(applier_->Wait());
    std::map<TopicPartition, int64_t> starts;
    CDC_ASSIGN_OR_RETURN(OffsetMap stored, sink_.CommittedOffsets(options_.stream_id));
    for (const auto& tp : parts) {
      auto it = stored.find(tp);
      if (it != stored.end()) starts[tp] = it->second;
    }
    std::lock_guard lock(committed_mu_);
    for (const auto& tp : parts) {
      auto it = starts.find(tp);
      committed_[tp] = it != starts.end() ? it->second : 0;
      log::Info("load", "partition assigned", {{"consumer", options_.consumer}, {"topic", tp.topic},
                                               {"partition", tp.partition},
                                               {"offset", it != starts.end() ? it->second : int64_t{0}}});
    }
    return starts;
  };
  auto on_revoke = [this](const std::vector<TopicPartition>& parts) {
    // Apply what we hold before the partitions move to another member.
    if (absl::Status st = Drain(); !st.ok() && flush_error_.ok()) flush_error_ = st;
    log::Info("load", "partitions revoked", {{"consumer", options_.consumer}, {"partitions", parts.size()}});
    // Markers not swept yet are read again by the partition's next owner.
    for (const auto& tp : parts) {
      if (markers_read_.erase(tp) == 0) continue;
      std::erase_if(sweeps_, [&](const PendingSweep& sweep) { return sweep.marker == tp; });
    }
    std::lock_guard lock(committed_mu_);
    for (const auto& tp : parts) committed_.erase(tp);
  };
  CDC_RETURN_IF_ERROR(subscriber_.Subscribe(options_.topics, on_assign, on_revoke));

  absl::Time batch_start = absl::Now();
  const absl::Duration linger = absl::Milliseconds(options_.batch_linger_ms);
  const absl::Duration max_age = absl::Milliseconds(options_.batch_max_ms);
  // Until then the batch is not cut for its age: Kafka was known to hold
  // enough to fill it.
  absl::Time filling_until = absl::InfinitePast();
  while (!stop) {
    CDC_RETURN_IF_ERROR(flush_error_);
    CDC_RETURN_IF_ERROR(applier_->status());
    // One reading of the clock for the poll's timeout and its start, one
    // after it and one after the decode: absl::Now() showed in load's
    // profile when it was read five times a message.
    const absl::Time poll_start = absl::Now();
    // A batch goes to the warehouse once the applier is free, the batch is
    // batch_linger_ms old and the consumer has nothing more buffered; while
    // the applier is busy rows gather into it (group commit). A steady
    // stream thus waits about linger_ms rather than the batch timer, a
    // backlog still fills max_rows, and a trickle does not cost a warehouse
    // transaction per row.
    int poll_ms = 50;
    if (!pending_.offsets.empty()) {
      // Rounded up: a poll that returns just before the batch is old enough
      // would leave it waiting for the next message.
      const absl::Time due_at = std::max(batch_start + linger, filling_until);
      const double due_in_ms = std::ceil(absl::ToDoubleMilliseconds(due_at - poll_start));
      poll_ms = applier_->Idle() ? static_cast<int>(std::clamp(due_in_ms, 0.0, 50.0))
                                 : 5;  // look at the applier again soon, without spinning
    }
    CDC_ASSIGN_OR_RETURN(auto message, subscriber_.Poll(poll_ms));
    const absl::Time polled = absl::Now();
    stats_.waited_on_kafka_us += absl::ToInt64Microseconds(polled - poll_start);
    const bool dry = !message;
    if (message && !options_.snapshot_marker_topic.empty() &&
        message->source.topic == options_.snapshot_marker_topic) {
      if (pending_.offsets.empty()) batch_start = polled;
      CDC_RETURN_IF_ERROR(ReadMarker(*message));
      message.reset();
    }
    if (message && options_.ignored_topics.contains(message->source.topic)) {
      if (pending_.offsets.empty()) batch_start = polled;
      pending_.offsets[message->source] = message->offset + 1;
      message.reset();
    }
    if (message) {
      auto change = decoder_.Decode(*message);
      if (!change.ok()) {
        // A message that cannot be decoded will never decode: park it and go
        // on with the partition; its offset is committed with the next batch.
        if (!dead_letters_ || !absl::IsInvalidArgument(change.status())) return change.status();
        CDC_RETURN_IF_ERROR(dead_letters_->Send(*message, change.status()));
        stats_.dead_letters += 1;
        change = std::optional<RowChange>();
      }
      if (pending_.offsets.empty()) batch_start = polled;
      auto position = pending_.offsets.insert_or_assign(message->source, message->offset + 1).first;
      if (*change && dead_letters_ && IsPaused((*change)->table->id)) {
        pending_.bytes += (message->key ? message->key->size() : 0) + (message->value ? message->value->size() : 0);
        pending_.of_paused_tables.push_back(std::move(*message));
      } else if (*change) {
        pending_.bytes += HeldBytes(**change);
        pending_.source_ts_ms.push_back((*change)->source_ts_ms);
        pending_.kafka_ts_ms.push_back(message->timestamp_ms);
        if (dead_letters_) pending_.positions[(*change)->table->id].push_back({&position->first, message->offset});
        batch_.Add(std::move(**change));
      }
    }
    const absl::Time now = absl::Now();
    if (message) stats_.decode_us += absl::ToInt64Microseconds(now - polled);
    if (!sweeps_.empty() && pending_.offsets.empty() && applier_->Idle() && polled >= next_sweep_check_) {
      // What a sweep waits for may be applied by another loader, of this
      // process or another: looked at every second while idle.
      next_sweep_check_ = polled + absl::Seconds(1);
      const OffsetMap applied = OwnedOffsets();
      std::optional<OffsetMap> stored;
      bool due = false;
      for (const PendingSweep& sweep : sweeps_) {
        CDC_ASSIGN_OR_RETURN(bool this_one, SweepDue(sweep, applied, stored));
        due = due || this_one;
      }
      if (due) {
        // A hand-off of the marker partitions alone: it takes the due sweeps.
        for (const auto& [tp, next] : markers_read_) pending_.offsets[tp] = MarkerOffset(tp);
        CDC_RETURN_IF_ERROR(HandOff());
        continue;
      }
    }
    if (pending_.offsets.empty()) continue;
    // A full batch waits for the applier; a due one keeps growing meanwhile.
    const bool full = batch_.rows() >= options_.batch_max_rows || pending_.bytes >= options_.batch_max_bytes;
    const absl::Duration age = now - batch_start;
    bool due = full || age >= max_age || (dry && age >= linger);
    if (due && !full) {
      // A batch that is not full goes only to a free applier. A backlog goes
      // in full batches, not in pieces cut by the timer or at a pause
      // between fetches when consuming is slow: DuckDB writes a batch of a
      // row group (batch_max_rows) straight to its file, a smaller one to
      // its WAL and again at the checkpoint. Counted in messages, so that
      // changes collapsing into few rows still end the batch; asked at most
      // once per max_ms.
      const int64_t to_fill =
          static_cast<int64_t>(options_.batch_max_rows) - static_cast<int64_t>(pending_.changes());
      if (!applier_->Idle() || now < filling_until) {
        due = false;
      } else if (to_fill > 0 && subscriber_.Backlog() >= to_fill) {
        filling_until = now + max_age;
        due = false;
      }
    }
    if (due) {
      CDC_RETURN_IF_ERROR(HandOff());
      filling_until = absl::InfinitePast();
    }
  }
  return absl::OkStatus();
}

}  // namespace cdc
