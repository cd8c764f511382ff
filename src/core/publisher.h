#pragma once
#include <cstdint>
#include <functional>

#include "core/message.h"
#include "core/status.h"

namespace cdc {

/// Result of one published message, reported once per Publish call.
struct Delivery {
  uint64_t ticket = 0;  // the caller's id for the message
  absl::Status status;  // OK when the broker acknowledged it (acks=all)
  TopicPartition partition;
  int64_t offset = -1;
  size_t bytes = 0;
};

/// Publishes messages with at-least-once delivery reports.
/// Publish and Poll are called from one thread; deliveries are reported from
/// inside Poll, on that thread.
class Publisher {
 public:
  using DeliveryHandler = std::function<void(const Delivery&)>;
  virtual ~Publisher() = default;

  /// Queues a message. Unavailable (retry later, after Poll) when the local
  /// queue is full: the caller must stop reading its source (backpressure).
  /// The message is copied; the caller keeps it (and may retry with it).
  virtual absl::Status Publish(const OutgoingMessage& message, uint64_t ticket) = 0;

  /// Like Publish, but on success may take the message's value instead of
  /// copying it (the caller must not read it afterwards); on an error the
  /// message is left as it was, for a retry. The default copies.
  virtual absl::Status PublishTaking(OutgoingMessage& message, uint64_t ticket) { return Publish(message, ticket); }

  /// Serves delivery reports, waiting up to `timeout_ms` for one.
  virtual void Poll(int timeout_ms) = 0;

  /// Number of messages queued or in flight.
  virtual int64_t InFlight() const = 0;

  /// Waits until every queued message is delivered or failed (reports are
  /// served meanwhile). Unavailable if that takes longer than `timeout_ms`.
  virtual absl::Status Flush(int timeout_ms) = 0;
};

}  // namespace cdc
