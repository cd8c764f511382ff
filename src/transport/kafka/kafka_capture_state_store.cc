#include "transport/kafka/kafka_capture_state_store.h"

#include "absl/time/clock.h"
#include "core/strings.h"

namespace cdc::kafka {
namespace {

// Record value: "done" or "started"; then, on later lines, "delivered
// <lsn>" and the snapshot progress (records of 0.1.0 have neither line, or
// only the progress).
std::string EncodeState(const CaptureState& state) {
  std::string out = state.completed ? "done" : "started";
  if (state.delivered.value != 0) StrAppend(&out, "\ndelivered ", state.delivered.ToString());
  if (!state.progress.empty()) StrAppend(&out, "\n", state.progress);
  return out;
}

CaptureState DecodeState(std::string_view value) {
  CaptureState state;
  size_t nl = value.find('\n');
  state.completed = value.substr(0, nl) == "done";
  if (nl == std::string_view::npos) return state;
  std::string_view rest = value.substr(nl + 1);
  constexpr std::string_view kDelivered = "delivered ";
  if (rest.starts_with(kDelivered)) {
    nl = rest.find('\n');
    if (auto lsn = Lsn::Parse(rest.substr(kDelivered.size(), nl == std::string_view::npos ? std::string_view::npos
                                                                                          : nl - kDelivered.size()));
        lsn.ok()) {
      state.delivered = *lsn;
    }
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }
  state.progress = std::string(rest);
  return state;
}

}  // namespace

absl::StatusOr<std::unique_ptr<KafkaCaptureStateStore>> KafkaCaptureStateStore::Create(const KafkaOptions& options,
                                                                                       const std::string& topic) {
  std::unique_ptr<KafkaCaptureStateStore> s(new KafkaCaptureStateStore());
  s->options_ = options;
  s->topic_ = topic;
  CDC_ASSIGN_OR_RETURN(ConfPtr conf, BuildConf(options, {{"enable.idempotence", "true"}, {"acks", "all"}}));
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof(errstr));
  if (rk == nullptr) return absl::InvalidArgumentError(StrCat("Kafka producer for ", topic, ": ", errstr));
  conf.release();
  s->producer_.reset(rk);
  // One partition keeps the records of a slot in order; compaction keeps the last.
  CDC_RETURN_IF_ERROR(CreateTopic(rk, topic, 1, options.replication_factor, {{"cleanup.policy", "compact"}}));
  // Every Write waits for its acknowledgement, the first one before capture
  // reads WAL: without this it waited ~1 s for librdkafka to learn the topic.
  AwaitTopicLeaders(rk, topic, 5000);
  return s;
}

KafkaCaptureStateStore::~KafkaCaptureStateStore() = default;

absl::StatusOr<std::optional<CaptureState>> KafkaCaptureStateStore::Load(const std::string& slot) {
  // fetch.wait.max.ms: the broker answers a fetch at once when it has data,
  // but librdkafka's first fetch of a just-assigned partition waited the
  // default 500 ms, which every capture start paid.
  CDC_ASSIGN_OR_RETURN(ConfPtr conf, BuildConf(options_, {{"group.id", "cdcpipe-capture-state"},
                                                          {"enable.auto.commit", "false"},
                                                          {"enable.partition.eof", "true"},
                                                          {"fetch.wait.max.ms", "10"}}));
  char errstr[512];
  HandlePtr consumer(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), errstr, sizeof(errstr)));
  if (!consumer) return absl::InvalidArgumentError(StrCat("Kafka consumer for ", topic_, ": ", errstr));
  conf.release();
  int64_t low = 0, high = 0;
  // A topic created a moment ago may not be known to every broker yet.
  absl::Status st;
  for (int attempt = 0; attempt < 50; ++attempt) {
    st = StatusFromKafkaError(rd_kafka_query_watermark_offsets(consumer.get(), topic_.c_str(), 0, &low, &high, 10000),
                              StrCat("read capture state topic ", topic_));
    if (!absl::IsUnavailable(st)) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  CDC_RETURN_IF_ERROR(st);
  std::optional<CaptureState> state;
  if (high == low) return state;
  PartitionListPtr parts(rd_kafka_topic_partition_list_new(1));
  // From the low watermark just read: no offset lookup before the fetch.
  rd_kafka_topic_partition_list_add(parts.get(), topic_.c_str(), 0)->offset = low;
  rd_kafka_assign(consumer.get(), parts.get());
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer.get(), 200);
    if (!m) continue;
    const bool eof = m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
    const int64_t offset = m->offset;
    if (!m->err && m->key && std::string(static_cast<const char*>(m->key), m->key_len) == slot) {
      if (m->payload == nullptr) {
        state.reset();  // tombstone: reset by the operator
      } else {
        state = DecodeState(std::string_view(static_cast<const char*>(m->payload), m->len));
      }
    }
    rd_kafka_message_destroy(m);
    if (eof || offset + 1 >= high) {
      rd_kafka_consumer_close(consumer.get());
      return state;
    }
  }
  rd_kafka_consumer_close(consumer.get());
  return absl::UnavailableError(StrCat("capture state topic ", topic_, " could not be read within 30 s"));
}

absl::Status KafkaCaptureStateStore::Save(const std::string& slot, const CaptureState& state) {
  return Write(slot, EncodeState(state));
}

absl::Status KafkaCaptureStateStore::Clear(const std::string& slot) { return Write(slot, std::nullopt); }

absl::Status KafkaCaptureStateStore::Write(const std::string& slot, std::optional<std::string> value) {
  rd_kafka_resp_err_t err = rd_kafka_producev(
      producer_.get(), RD_KAFKA_V_TOPIC(topic_.c_str()), RD_KAFKA_V_PARTITION(0),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(slot.data(), slot.size()),
      RD_KAFKA_V_VALUE((value ? const_cast<char*>(value->data()) : nullptr), (value ? value->size() : 0)),
      RD_KAFKA_V_END);
  CDC_RETURN_IF_ERROR(StatusFromKafkaError(err, StrCat("write capture state to ", topic_)));
  // Durable before we go on: flush waits for the acks=all acknowledgement.
  return StatusFromKafkaError(rd_kafka_flush(producer_.get(), 30000), StrCat("write capture state to ", topic_));
}

}  // namespace cdc::kafka
