#pragma once
#include <string>
#include <vector>

#include "core/change_event.h"
#include "core/change_source.h"
#include "core/message.h"
#include "core/status.h"

namespace cdc {

/// Turns change events into transport messages (e.g. Debezium JSON).
/// Stateless per call; safe to use from one thread at a time.
class EventSerializer {
 public:
  virtual ~EventSerializer() = default;

  /// Appends the messages for `event` to `out` (a delete adds its tombstone;
  /// a key change adds delete + tombstone + create). InvalidArgument when a
  /// value cannot be represented, naming table and column.
  virtual absl::Status Serialize(const ChangeEvent& event, std::vector<OutgoingMessage>& out) = 0;

  /// A streamed transaction begins / ends: its metadata records (if enabled)
  /// go to `out`. Data events in between carry the transaction's block.
  virtual void BeginTransaction(const TransactionBegin& begin) = 0;
  virtual absl::Status EndTransaction(const TransactionCommit& commit, std::vector<OutgoingMessage>& out) = 0;

  /// Appends the message(s) for a logical decoding message.
  virtual absl::Status SerializeMessage(const DatabaseMessage& message, std::vector<OutgoingMessage>& out) = 0;

  /// The topic the events of `table` go to.
  virtual std::string TopicFor(const TableId& table) const = 0;

  /// The heartbeat message for time `ts_ms`.
  virtual absl::StatusOr<OutgoingMessage> Heartbeat(int64_t ts_ms) = 0;
};

}  // namespace cdc
