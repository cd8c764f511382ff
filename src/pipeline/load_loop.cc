#include "pipeline/load_loop.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/log.h"

namespace cdc {

absl::Status LoadLoop::Flush() {
  if (pending_offsets_.empty()) return absl::OkStatus();
  const size_t rows = batch_.rows();
  std::vector<TableBatch> batches = batch_.Take();
  // Transient warehouse errors are retried with backoff; offsets never move
  // past data that is not applied.
  absl::Duration backoff = absl::Milliseconds(100);
  for (int attempt = 1;; ++attempt) {
    absl::Status st = sink_.Apply(batches, options_.stream_id, pending_offsets_);
    if (st.ok()) break;
    if (!absl::IsUnavailable(st) || attempt >= 8) return st;
    log::Warn("load", "warehouse apply failed; retrying", {{"error", std::string(st.message())}, {"attempt", attempt}});
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(10));
  }
  {
    std::lock_guard lock(committed_mu_);
    for (const auto& [tp, off] : pending_offsets_) committed_[tp] = off;
  }
  if (on_committed_) on_committed_(pending_offsets_);
  subscriber_.CommitInformational(pending_offsets_);
  stats_.rows += rows;
  stats_.batches += 1;
  // The rows are visible now: that is the end of their end-to-end latency.
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  for (int64_t ts : pending_source_ts_ms_) {
    if (ts > 0) stats_.source_to_warehouse.Observe(now_ms - ts);
  }
  pending_source_ts_ms_.clear();
  log::Debug("load", "batch applied", {{"rows", rows}, {"partitions", pending_offsets_.size()}});
  pending_offsets_.clear();
  pending_bytes_ = 0;
  return absl::OkStatus();
}

int64_t LoadProgress::Lag() const {
  int64_t lag = 0;
  for (const auto& [tp, pos] : owned) lag += std::max<int64_t>(0, pos.end - pos.next);
  return lag;
}

absl::StatusOr<LoadProgress> LoadLoop::Progress() {
  // Subscribed partitions are read before the assignment: a topic created in
  // between is then counted neither way, not as owned-and-unowned.
  CDC_ASSIGN_OR_RETURN(auto subscribed, subscriber_.SubscribedPartitions());
  // The partitions this loader owns are the keys of committed_ (set in the
  // assignment handler, before the consumer itself reports them).
  OffsetMap owned;
  {
    std::lock_guard lock(committed_mu_);
    owned = committed_;
  }
  LoadProgress progress;
  for (const auto& tp : subscribed) progress.unowned += owned.contains(tp) ? 0 : 1;
  for (const auto& [tp, next] : owned) {
    CDC_ASSIGN_OR_RETURN(int64_t end, subscriber_.EndOffset(tp));
    progress.owned[tp] = {next, end};
  }
  return progress;
}

absl::Status LoadLoop::Run(const std::atomic<bool>& stop) {
  auto on_assign = [this](const std::vector<TopicPartition>& parts) -> absl::StatusOr<std::map<TopicPartition, int64_t>> {
    std::map<TopicPartition, int64_t> starts;
    if (options_.trust_stored_offsets) {
      CDC_ASSIGN_OR_RETURN(OffsetMap stored, sink_.CommittedOffsets(options_.stream_id));
      for (const auto& tp : parts) {
        auto it = stored.find(tp);
        if (it != stored.end()) starts[tp] = it->second;
      }
    }
    std::lock_guard lock(committed_mu_);
    for (const auto& tp : parts) {
      auto it = starts.find(tp);
      committed_[tp] = it != starts.end() ? it->second : 0;
      log::Info("load", "partition assigned", {{"topic", tp.topic}, {"partition", tp.partition},
                                               {"offset", it != starts.end() ? it->second : int64_t{0}}});
    }
    return starts;
  };
  auto on_revoke = [this](const std::vector<TopicPartition>& parts) {
    // Apply what we hold before the partitions move to another member.
    if (absl::Status st = Flush(); !st.ok() && flush_error_.ok()) flush_error_ = st;
    std::lock_guard lock(committed_mu_);
    for (const auto& tp : parts) committed_.erase(tp);
  };
  CDC_RETURN_IF_ERROR(subscriber_.Subscribe(options_.topics, on_assign, on_revoke));

  absl::Time batch_start = absl::Now();
  while (!stop) {
    CDC_RETURN_IF_ERROR(flush_error_);
    CDC_ASSIGN_OR_RETURN(auto message, subscriber_.Poll(50));
    if (message && options_.ignored_topics.contains(message->source.topic)) {
      if (pending_offsets_.empty()) batch_start = absl::Now();
      pending_offsets_[message->source] = message->offset + 1;
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
      if (pending_offsets_.empty()) batch_start = absl::Now();
      if (*change) {
        pending_source_ts_ms_.push_back((*change)->source_ts_ms);
        batch_.Add(std::move(**change));
      }
      pending_offsets_[message->source] = message->offset + 1;
      pending_bytes_ += (message->key ? message->key->size() : 0) + (message->value ? message->value->size() : 0);
    }
    if (!pending_offsets_.empty() &&
        (batch_.rows() >= options_.batch_max_rows || pending_bytes_ >= options_.batch_max_bytes ||
         absl::Now() - batch_start >= absl::Milliseconds(options_.batch_max_ms))) {
      CDC_RETURN_IF_ERROR(Flush());
    }
  }
  absl::Status st = Flush();
  subscriber_.Close();  // the revoke handler refers to this loop
  return st;
}

}  // namespace cdc
