#include "core/strings.h"
#include "transport/kafka/kafka_common.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace cdc::kafka {

absl::Status StatusFromKafkaError(rd_kafka_resp_err_t err, std::string_view context) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return absl::OkStatus();
  const std::string text = StrCat(context, ": ", rd_kafka_err2str(err), " (", rd_kafka_err2name(err), ")");
  switch (err) {
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:  // metadata of a new topic not propagated yet
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
      return absl::UnavailableError(text);
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
      return absl::FailedPreconditionError(text);
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
      return absl::InvalidArgumentError(text);
    case RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER:
    case RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID:
    case RD_KAFKA_RESP_ERR__FATAL:
    case RD_KAFKA_RESP_ERR__GAPLESS_GUARANTEE:
      return absl::DataLossError(text);
    default:
      return absl::InternalError(text);
  }
}

absl::StatusOr<ConfPtr> BuildConf(const KafkaOptions& options,
                                  const std::map<std::string, std::string>& defaults) {
  ConfPtr conf(rd_kafka_conf_new());
  std::string problems;
  char errstr[512];
  auto set = [&](const std::string& key, const std::string& value, const char* origin) {
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
      StrAppend(&problems, problems.empty() ? "" : "; ", origin, key, ": ", errstr);
    }
  };
  for (const auto& [k, v] : defaults) set(k, v, "");
  for (const auto& [k, v] : options.properties) set(k, v, "kafka.properties.");
  set("bootstrap.servers", options.bootstrap_servers, "kafka.");
  if (!problems.empty()) return absl::InvalidArgumentError(StrCat("Kafka configuration: ", problems));
  return conf;
}

absl::Status CreateTopic(rd_kafka_t* rk, const std::string& topic, int partitions, int replication_factor,
                         const std::map<std::string, std::string>& configs) {
  char errstr[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, replication_factor, errstr, sizeof(errstr));
  if (nt == nullptr) return absl::InvalidArgumentError(StrCat("topic ", topic, ": ", errstr));
  for (const auto& [k, v] : configs) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(opts, 10000, errstr, sizeof(errstr));
  rd_kafka_CreateTopics(rk, &nt, 1, opts, q);
  absl::Status result = absl::UnavailableError(StrCat("topic ", topic, ": CreateTopics timed out"));
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 15000);
  if (ev != nullptr) {
    rd_kafka_resp_err_t err = rd_kafka_event_error(ev);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
      size_t n = 0;
      const rd_kafka_topic_result_t** topics = rd_kafka_CreateTopics_result_topics(res, &n);
      err = n > 0 ? rd_kafka_topic_result_error(topics[0]) : RD_KAFKA_RESP_ERR_NO_ERROR;
    }
    result = err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS
                 ? absl::OkStatus()
                 : StatusFromKafkaError(err, StrCat("create topic ", topic));
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_AdminOptions_destroy(opts);
  rd_kafka_NewTopic_destroy(nt);
  rd_kafka_queue_destroy(q);
  return result;
}

void AwaitTopicLeaders(rd_kafka_t* rk, const std::string& topic, int timeout_ms) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  if (rkt == nullptr) return;
  const absl::Time deadline = absl::Now() + absl::Milliseconds(timeout_ms);
  while (absl::Now() < deadline) {
    const rd_kafka_metadata_t* md = nullptr;
    bool ready = false;
    if (rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR && md != nullptr) {
      ready = md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR && md->topics[0].partition_cnt > 0;
      for (int i = 0; ready && i < md->topics[0].partition_cnt; ++i) ready = md->topics[0].partitions[i].leader >= 0;
    }
    if (md != nullptr) rd_kafka_metadata_destroy(md);
    if (ready) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  rd_kafka_topic_destroy(rkt);
}

}  // namespace cdc::kafka
