#pragma once
#include <mutex>
#include <span>
#include <string>

#include "core/message.h"
#include "core/publisher.h"
#include "core/status.h"

namespace cdc {

/// Headers of a dead-lettered message (ARCHITECTURE.md, delivery contract 6).
inline constexpr const char* kDeadLetterErrorHeader = "cdcpipe.error";
inline constexpr const char* kDeadLetterTopicHeader = "cdcpipe.original.topic";
inline constexpr const char* kDeadLetterPartitionHeader = "cdcpipe.original.partition";
inline constexpr const char* kDeadLetterOffsetHeader = "cdcpipe.original.offset";
inline constexpr const char* kDeadLetterTimestampHeader = "cdcpipe.original.timestamp";

/// Sends messages that cannot be decoded or applied to the dead-letter
/// topic, with the error and their origin in headers, and waits for the
/// broker's acknowledgement so the caller may then move its offset past them.
/// Sends from several threads (load's reader and its applier) take turns.
class DeadLetterQueue {
 public:
  DeadLetterQueue(Publisher& publisher, std::string topic) : publisher_(publisher), topic_(std::move(topic)) {}

  /// Called from the publisher's delivery handler.
  void OnDelivered(const Delivery& d) {
    if (!d.status.ok() && failed_.ok()) failed_ = d.status;
  }

  /// OK once every message is durable in the dead-letter topic, each with
  /// `error` and its origin in headers.
  absl::Status Send(std::span<const IncomingMessage> messages, const absl::Status& error);
  absl::Status Send(const IncomingMessage& message, const absl::Status& error) { return Send({&message, 1}, error); }

  const std::string& topic() const { return topic_; }

 private:
  Publisher& publisher_;
  std::string topic_;
  std::mutex send_mu_;   // one Send at a time: failed_ belongs to it
  absl::Status failed_;  // the first failed delivery of the current Send
};

}  // namespace cdc
