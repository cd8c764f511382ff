#include "pipeline/checkpoint_coordinator.h"

namespace cdc {

void CheckpointCoordinator::Begin() {
  std::lock_guard lock(mu_);
  transactions_.push_back(Transaction{next_id_++, 0, false, Lsn{}});
  open_ = true;
}

uint64_t CheckpointCoordinator::AddMessage() {
  std::lock_guard lock(mu_);
  transactions_.back().pending += 1;
  return transactions_.back().id;
}

uint64_t CheckpointCoordinator::Commit(Lsn end_lsn) {
  std::lock_guard lock(mu_);
  Transaction& t = transactions_.back();
  t.committed = true;
  t.end_lsn = end_lsn;
  const uint64_t id = t.id;
  open_ = false;
  Settle();
  return id;
}

void CheckpointCoordinator::AbandonOpenTransaction() {
  std::lock_guard lock(mu_);
  if (!open_) return;
  // Kept (not erased) so transaction ids stay contiguous for Find().
  transactions_.back().committed = true;
  transactions_.back().end_lsn = Lsn{0};
  open_ = false;
  Settle();
}

void CheckpointCoordinator::Idle(Lsn wal_end) {
  std::lock_guard lock(mu_);
  idle_ = std::max(idle_, wal_end);
  if (transactions_.empty() && !open_) confirmable_ = std::max(confirmable_, idle_);
}

CheckpointCoordinator::Transaction* CheckpointCoordinator::Find(uint64_t id) {
  if (transactions_.empty() || id < transactions_.front().id) return nullptr;
  const uint64_t index = id - transactions_.front().id;
  return index < transactions_.size() ? &transactions_[index] : nullptr;
}

void CheckpointCoordinator::OnDelivered(const Delivery& d) {
  std::lock_guard lock(mu_);
  if (!d.status.ok()) {
    if (error_.ok()) error_ = d.status;
    return;
  }
  if (d.ticket == 0) return;  // untracked (heartbeats)
  if (stage_ == AckStage::kWarehouse) {
    uncommitted_[d.partition].push_back({d.offset, d.ticket, d.bytes});
    uncommitted_bytes_[d.partition] += d.bytes;
    return;
  }
  if (Transaction* t = Find(d.ticket)) t->pending -= 1;
  Settle();
}

void CheckpointCoordinator::OnWarehouseCommitted(const OffsetMap& next_offsets) {
  std::lock_guard lock(mu_);
  for (const auto& [tp, next] : next_offsets) {
    auto it = uncommitted_.find(tp);
    if (it == uncommitted_.end()) continue;
    auto& queue = it->second;
    while (!queue.empty() && queue.front().offset < next) {
      if (Transaction* t = Find(queue.front().transaction)) t->pending -= 1;
      uncommitted_bytes_[tp] -= queue.front().bytes;
      queue.pop_front();
    }
  }
  Settle();
}

// Pops every leading transaction that is committed and fully done.
void CheckpointCoordinator::Settle() {
  while (!transactions_.empty() && transactions_.front().committed && transactions_.front().pending <= 0) {
    if (!error_.ok()) return;
    confirmable_ = std::max(confirmable_, transactions_.front().end_lsn);
    done_through_ = transactions_.front().id;
    transactions_.pop_front();
  }
  if (transactions_.empty() && !open_ && error_.ok()) confirmable_ = std::max(confirmable_, idle_);
}

std::optional<Lsn> CheckpointCoordinator::TakeConfirmable() {
  std::lock_guard lock(mu_);
  if (!error_.ok() || confirmable_ <= taken_) return std::nullopt;
  taken_ = confirmable_;
  return taken_;
}

absl::Status CheckpointCoordinator::Error() const {
  std::lock_guard lock(mu_);
  return error_;
}

size_t CheckpointCoordinator::MaxUncommittedPartitionBytes() const {
  std::lock_guard lock(mu_);
  size_t max = 0;
  for (const auto& [tp, bytes] : uncommitted_bytes_) max = std::max(max, bytes);
  return max;
}

uint64_t CheckpointCoordinator::DoneThrough() const {
  std::lock_guard lock(mu_);
  return done_through_;
}

size_t CheckpointCoordinator::PendingTransactions() const {
  std::lock_guard lock(mu_);
  return transactions_.size();
}

}  // namespace cdc
