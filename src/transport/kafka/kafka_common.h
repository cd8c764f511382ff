#pragma once
// Shared librdkafka plumbing for the Kafka adapters: configuration building
// and the one place rd_kafka_resp_err_t becomes Status.
#include <librdkafka/rdkafka.h>

#include <map>
#include <memory>
#include <string>

#include "core/status.h"

namespace cdc::kafka {

/// Maps a librdkafka error to a Status whose code is the retry decision.
absl::Status StatusFromKafkaError(rd_kafka_resp_err_t err, std::string_view context);

struct KafkaOptions {
  std::string bootstrap_servers;
  std::map<std::string, std::string> properties;  // librdkafka passthrough (kafka.properties)
  int partitions = 4;             // for topics this process creates
  int replication_factor = -1;    // -1: the broker's default
};

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

/// Builds a configuration: `defaults`, then the user's passthrough
/// properties (which win), then bootstrap.servers. Every rejected property is
/// an InvalidArgument naming the key (values are not echoed: they may hold
/// secrets such as sasl.password).
absl::StatusOr<ConfPtr> BuildConf(const KafkaOptions& options,
                                  const std::map<std::string, std::string>& defaults);

/// Creates `topic` with `partitions` if it does not exist (CreateTopics).
absl::Status CreateTopic(rd_kafka_t* rk, const std::string& topic, int partitions,
                         int replication_factor, const std::map<std::string, std::string>& configs = {});

/// Fetches `topic`'s metadata into `rk` until every partition has a leader
/// or `timeout_ms` passes. Best effort: a producer that does not know a topic
/// it was just created with waits for librdkafka's 1 s topic scan before its
/// first message goes out; this makes that wait a round trip.
void AwaitTopicLeaders(rd_kafka_t* rk, const std::string& topic, int timeout_ms);

}  // namespace cdc::kafka
