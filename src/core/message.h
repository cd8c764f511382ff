#pragma once
// Transport-neutral messages: what a serializer produces and a transport
// carries (Kafka records, without any librdkafka type).
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cdc {

using Headers = std::vector<std::pair<std::string, std::string>>;

/// A record to publish. A null `value` is a tombstone.
struct OutgoingMessage {
  std::string topic;
  std::optional<std::string> key;
  std::optional<std::string> value;
  Headers headers;
};

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

/// A consumed record with its position.
struct IncomingMessage {
  TopicPartition source;
  int64_t offset = 0;
  int64_t timestamp_ms = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  Headers headers;
};

/// `m` as a consumer reads it back from `partition` at `offset` (how tests
/// and benchmarks feed a decoder what a serializer wrote).
inline IncomingMessage AsIncoming(const OutgoingMessage& m, int32_t partition = 0, int64_t offset = 0) {
  return IncomingMessage{{m.topic, partition}, offset, 0, m.key, m.value, m.headers};
}

}  // namespace cdc
