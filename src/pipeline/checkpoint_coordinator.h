#pragma once
// The delivery contract (ARCHITECTURE.md, "Delivery contract" 2 and 7) in
// one place: which WAL position the slot may be confirmed to.
//
// capture registers each transaction and the messages it publishes. A
// message counts as done when the broker has acknowledged it (AckStage
// kBroker) or, when the broker is not durable (the embedded one), only once
// the warehouse has committed its offset (kWarehouse). The slot may be
// confirmed to a transaction's end LSN only when that transaction and every
// earlier one are done, so a crash re-sends a suffix and never loses one.
// While no transaction is open or pending, the server's idle WAL position
// (keepalive) is confirmable too, so quiet tables do not hold WAL.
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>

#include "core/lsn.h"
#include "core/message.h"
#include "core/publisher.h"
#include "core/sink.h"
#include "core/status.h"

namespace cdc {

class CheckpointCoordinator {
 public:
  enum class AckStage { kBroker, kWarehouse };
  explicit CheckpointCoordinator(AckStage stage) : stage_(stage) {}

  /// Opens a transaction; messages published until Commit belong to it.
  void Begin();
  /// Registers one message of the open transaction; returns its ticket.
  uint64_t AddMessage();
  /// Closes the open transaction at `end_lsn`; returns its id.
  uint64_t Commit(Lsn end_lsn);
  /// The server is idle at `wal_end` (keepalive outside a transaction).
  void Idle(Lsn wal_end);
  /// The stream broke inside a transaction: the server will send it again
  /// from its Begin. Its messages already published still get delivery
  /// reports, but it confirms nothing.
  void AbandonOpenTransaction();

  /// A delivery report (ticket 0: untracked message). A failed delivery poisons the coordinator: nothing
  /// past it is ever confirmed (the error is returned by Error()).
  void OnDelivered(const Delivery& delivery);
  /// The warehouse committed everything below `next_offsets` (kWarehouse).
  /// Thread-safe.
  void OnWarehouseCommitted(const OffsetMap& next_offsets);

  /// The highest position that may be confirmed now, if it moved.
  std::optional<Lsn> TakeConfirmable();
  absl::Status Error() const;

  /// Messages delivered but not yet committed by the warehouse, largest
  /// per-partition byte count (kWarehouse backpressure).
  size_t MaxUncommittedPartitionBytes() const;
  /// Transactions not yet confirmable.
  size_t PendingTransactions() const;
  /// Every transaction with an id up to this one is done (0: none yet).
  uint64_t DoneThrough() const;

 private:
  struct Transaction {
    uint64_t id = 0;
    int64_t pending = 0;
    bool committed = false;
    Lsn end_lsn;
  };
  struct Delivered {
    int64_t offset;
    uint64_t transaction;
    size_t bytes;
  };
  Transaction* Find(uint64_t id);
  void Settle();

  const AckStage stage_;
  mutable std::mutex mu_;
  std::deque<Transaction> transactions_;
  uint64_t next_id_ = 1;
  uint64_t done_through_ = 0;
  bool open_ = false;
  Lsn idle_;
  Lsn confirmable_;
  Lsn taken_;
  absl::Status error_;
  std::map<TopicPartition, std::deque<Delivered>> uncommitted_;  // kWarehouse only
  std::map<TopicPartition, size_t> uncommitted_bytes_;
};

}  // namespace cdc
