#pragma once
#include <memory>
#include <string>

#include "core/status.h"

typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_mock_cluster_s rd_kafka_mock_cluster_t;

namespace cdc::kafka {

/// librdkafka's mock cluster: a Kafka-protocol broker inside this process,
/// for development and tests only. Not durable: its data dies with it, and a
/// new one starts every offset at 0. Keeps only ~5 MiB per partition.
class MockBroker {
 public:
  static absl::StatusOr<std::unique_ptr<MockBroker>> Start(int brokers = 1);
  ~MockBroker();

  /// host:port list to use as bootstrap.servers.
  std::string BootstrapServers() const;
  /// Creates a topic (the mock has no CreateTopics API).
  absl::Status CreateTopic(const std::string& topic, int partitions);

 private:
  MockBroker() = default;
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

}  // namespace cdc::kafka
