#include "core/strings.h"
#include "transport/kafka/mock_broker.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "absl/strings/str_cat.h"
#include "transport/kafka/kafka_common.h"

namespace cdc::kafka {

absl::StatusOr<std::unique_ptr<MockBroker>> MockBroker::Start(int brokers) {
  std::unique_ptr<MockBroker> b(new MockBroker());
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
  b->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (b->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return absl::InternalError(StrCat("embedded broker: ", errstr));
  }
  b->cluster_ = rd_kafka_mock_cluster_new(b->rk_, brokers);
  if (b->cluster_ == nullptr) return absl::InternalError("embedded broker: could not start mock cluster");
  return b;
}

MockBroker::~MockBroker() {
  if (cluster_) rd_kafka_mock_cluster_destroy(cluster_);
  if (rk_) rd_kafka_destroy(rk_);
}

std::string MockBroker::BootstrapServers() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }

absl::Status MockBroker::CreateTopic(const std::string& topic, int partitions) {
  // Idempotent in the mock: an existing topic is kept as it is.
  rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, 1);
  if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) return absl::OkStatus();
  return StatusFromKafkaError(err,
                              StrCat("create topic ", topic, " on the embedded broker"));
}

}  // namespace cdc::kafka
