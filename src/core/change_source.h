#pragma once
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "core/change_event.h"
#include "core/status.h"

namespace cdc {

struct TransactionBegin {
  uint32_t xid = 0;
  Lsn final_lsn;  // LSN of the commit record
  int64_t commit_time_us = 0;
  Lsn first_lsn;  // LSN of the transaction's first record (Debezium's transaction id)
};

/// End of a transaction. `end_lsn` is what the slot may be confirmed to once
/// every message of this and all earlier transactions is delivered.
struct TransactionCommit {
  Lsn commit_lsn;
  Lsn end_lsn;
  int64_t commit_time_us = 0;
};

/// Snapshot rows are framed like a transaction: SnapshotBegin, op=r events,
/// SnapshotEnd. `consistent_point` is where streaming continues.
struct SnapshotBegin {
  Lsn consistent_point;
};
struct SnapshotEnd {
  Lsn consistent_point;
  /// Every table the snapshot read, those without rows too.
  std::vector<TableId> tables;
};
/// Every row of snapshot chunk `chunk` has been emitted. Once every record
/// before this one is durable downstream, the loop tells the source
/// (SnapshotChunkDurable) so that a restart skips the chunk.
struct SnapshotChunkEnd {
  uint64_t chunk = 0;
};

/// A logical decoding message (pg_logical_emit_message). Transactional ones
/// arrive inside their transaction's Begin/Commit; others alone.
struct DatabaseMessage {
  bool transactional = false;
  std::string prefix;
  std::string content;
  Version version;             // (commit LSN, message LSN); commit 0 when not transactional
  uint32_t xid = 0;            // 0 when not transactional
  int64_t commit_time_us = 0;  // unix epoch, µs (not transactional: the last commit's, as Debezium)
};

/// The server reported its WAL end and nothing is in flight on the stream
/// (keepalive outside a transaction). Confirming it lets the server recycle
/// WAL while the captured tables are quiet.
struct SourceIdle {
  Lsn wal_end;
};

/// How much WAL the server holds for the slot, in bytes, read at a
/// heartbeat: what an operator watches to see WAL pile up on the source.
struct SlotWal {
  /// From the slot's restart_lsn to the server's current WAL position: the
  /// WAL the server may not remove because of this slot.
  std::optional<int64_t> retained_bytes;
  /// From the slot's confirmed_flush_lsn to the current WAL position: how
  /// far capture's confirmed position trails the server.
  std::optional<int64_t> lag_bytes;
  /// safe_wal_size: WAL the server may still write before
  /// max_slot_wal_keep_size invalidates the slot; none without a limit.
  std::optional<int64_t> safe_bytes;
};

/// A periodic sign of life (heartbeat). The source has also written WAL in
/// its database, so that a quiet database still lets the slot advance.
struct Heartbeat {
  int64_t ts_ms = 0;
  SlotWal slot;
};

using SourceRecord = std::variant<TransactionBegin, ChangeEvent, TransactionCommit, DatabaseMessage,
                                  SnapshotBegin, SnapshotChunkEnd, SnapshotEnd, SourceIdle, Heartbeat>;

/// A stream of committed changes with at-least-once acknowledgement.
/// Not thread-safe: one thread calls Next and Acknowledge.
class ChangeSource {
 public:
  virtual ~ChangeSource() = default;

  /// Prepares the source (publication, slot, snapshot decision) and starts
  /// streaming. FailedPrecondition when the server is not set up for it;
  /// Unavailable when it cannot be reached.
  virtual absl::Status Start() = 0;

  /// Returns the next record, or nullopt when none arrived within `max_wait`.
  /// Unavailable on connection loss (restart replays from the last
  /// acknowledged position); InvalidArgument/DataLoss on malformed input.
  virtual absl::StatusOr<std::optional<SourceRecord>> Next(absl::Duration max_wait) = 0;

  /// Tells the source that everything up to `flushed` is durable downstream,
  /// so it may be released (slot confirmed_flush_lsn). Monotonic: a lower
  /// value than before is ignored.
  virtual absl::Status Acknowledge(Lsn flushed) = 0;

  /// Every record up to SnapshotChunkEnd{chunk} is durable downstream.
  virtual absl::Status SnapshotChunkDurable(uint64_t chunk) = 0;
  /// Every record up to SnapshotEnd is durable downstream.
  virtual absl::Status SnapshotDurable() = 0;

  /// A bounded source (a snapshot without streaming) has nothing more to
  /// give and has seen all of it durable: the loop ends.
  virtual bool Finished() const = 0;

  /// The last snapshot found durable when the source started, if it
  /// recorded one: with a broker that a crash empties (the embedded one),
  /// its snapshot markers are published again at each start.
  virtual std::optional<SnapshotEnd> LastDurableSnapshot() const { return std::nullopt; }
};

}  // namespace cdc
