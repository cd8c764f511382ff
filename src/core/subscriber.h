#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/message.h"
#include "core/status.h"

namespace cdc {

/// Consumes topics as a member of a consumer group. Single-threaded: the
/// handlers run inside Poll, on the caller's thread.
class Subscriber {
 public:
  /// Returns the offset to start each newly assigned partition from; a
  /// partition left out starts at the beginning of the log.
  using AssignHandler = std::function<absl::StatusOr<std::map<TopicPartition, int64_t>>(
      const std::vector<TopicPartition>&)>;
  /// Called before partitions are taken away: the last chance to commit
  /// their work.
  using RevokeHandler = std::function<void(const std::vector<TopicPartition>&)>;

  virtual ~Subscriber() = default;

  /// Subscribes to topics matching `pattern` (a regex) or the exact names.
  virtual absl::Status Subscribe(const std::vector<std::string>& topics, AssignHandler on_assign,
                                 RevokeHandler on_revoke) = 0;

  /// Next message, or nullopt after `timeout_ms` without one. Unavailable on
  /// broker errors that outlast librdkafka's own retries.
  virtual absl::StatusOr<std::optional<IncomingMessage>> Poll(int timeout_ms) = 0;

  /// Records consumed positions in the group, for monitoring only: the
  /// warehouse holds the offsets that count.
  virtual void CommitInformational(const std::map<TopicPartition, int64_t>& next_offsets) = 0;

  /// The partition's current end (high watermark). Thread-safe.
  virtual absl::StatusOr<int64_t> EndOffset(const TopicPartition& partition) = 0;

  /// The partition's end as the consumer last heard it (each fetch response
  /// carries it; no request to the broker). Thread-safe; nullopt before it
  /// heard.
  virtual std::optional<int64_t> LastKnownEndOffset(const TopicPartition& partition) = 0;

  /// How many messages are known to follow the last one Poll returned,
  /// summed over the assigned partitions, from what the consumer last heard
  /// (no request to the broker): the backlog still to consume.
  virtual int64_t Backlog() = 0;

  /// Leaves the group (the revoke handler runs one last time). Idempotent;
  /// call before the handlers' owners go away.
  virtual void Close() = 0;

  /// Every partition of every existing topic the subscription matches,
  /// whoever owns it (thread-safe; asks the broker).
  virtual absl::StatusOr<std::vector<TopicPartition>> SubscribedPartitions() = 0;

  /// The messages at `offsets` (ascending) of `partition`, read again apart
  /// from the group's consumption (thread-safe). For the rare message that
  /// must be parked after it was consumed: load keeps positions, not copies.
  virtual absl::StatusOr<std::vector<IncomingMessage>> ReadAgain(const TopicPartition& partition,
                                                                 const std::vector<int64_t>& offsets) = 0;

};

}  // namespace cdc
