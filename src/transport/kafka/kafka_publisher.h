#pragma once
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/buffer_pool.h"
#include "core/publisher.h"
#include "transport/kafka/kafka_common.h"

namespace cdc::kafka {

/// Idempotent producer (acks=all, lz4). Delivery reports come back through
/// the handler, from inside Poll.
class KafkaPublisher final : public Publisher {
 public:
  /// Creates `topic` before its first message (nullptr: CreateTopics on the
  /// broker with the configured partitions; an existing topic is kept).
  using TopicCreator = std::function<absl::Status(const std::string& topic)>;

  static absl::StatusOr<std::unique_ptr<KafkaPublisher>> Create(const KafkaOptions& options,
                                                                DeliveryHandler on_delivery,
                                                                TopicCreator create_topic);
  ~KafkaPublisher() override;

  absl::Status Publish(const OutgoingMessage& message, uint64_t ticket) override;
  /// Moves the value into the in-flight record: librdkafka references it
  /// until the delivery report instead of copying it.
  absl::Status PublishTaking(OutgoingMessage& message, uint64_t ticket) override;
  void Poll(int timeout_ms) override;
  int64_t InFlight() const override;
  absl::Status Flush(int timeout_ms) override;

  /// Values taken by PublishTaking go to `pool` once delivered, for the
  /// serializers to build new values in, instead of being freed.
  void RecycleValuesInto(std::shared_ptr<BufferPool> pool);

  /// A fatal producer error (e.g. idempotence broken), if one happened.
  absl::Status FatalError() const;
  rd_kafka_t* handle() { return rk_.get(); }

 private:
  KafkaPublisher() = default;
  // What librdkafka carries for one message until its delivery report (its
  // opaque): the caller's ticket and the value's bytes.
  struct InFlightRecord {
    uint64_t ticket;
    std::optional<std::string> value;
  };
  struct TopicDeleter {
    void operator()(rd_kafka_topic_t* rkt) const { rd_kafka_topic_destroy(rkt); }
  };
  using TopicPtr = std::unique_ptr<rd_kafka_topic_t, TopicDeleter>;

  /// Queues `m` with `record`'s value; on success librdkafka owns `record`
  /// (freed by OnDeliveryReport).
  absl::Status Produce(const OutgoingMessage& m, InFlightRecord& record);
  /// The handle of `topic`, created (and the topic too, if need be) on its
  /// first message.
  absl::StatusOr<rd_kafka_topic_t*> Topic(const std::string& topic);
  static void OnDeliveryReport(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);
  static void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque);

  HandlePtr rk_;
  DeliveryHandler on_delivery_;
  // Reused for every report (Poll runs on one thread): its topic string
  // keeps its capacity, so a report allocates nothing.
  Delivery delivery_;
  TopicCreator create_topic_;
  // One handle per topic, kept for the producer's life: given a name,
  // producev looks the topic up under librdkafka's handle-wide lock for
  // every message. Destroyed before rk_ (declared after it).
  std::map<std::string, TopicPtr, std::less<>> topics_;
  // The last topic produced to: a snapshot sends a table's rows in a run.
  const std::string* last_topic_name_ = nullptr;
  rd_kafka_topic_t* last_topic_ = nullptr;
  int partitions_ = 4;
  int replication_factor_ = -1;
  std::shared_ptr<BufferPool> value_pool_;
  // Delivery reports are served on one thread (Poll's).
  std::unique_ptr<BufferPoolClient> delivered_values_ = std::make_unique<BufferPoolClient>(nullptr);
  absl::Status fatal_;
  bool closing_ = false;  // reports served by the destructor free, report nothing
};

}  // namespace cdc::kafka
