#include "core/strings.h"
#include "transport/kafka/kafka_publisher.h"

#include "absl/strings/str_cat.h"
#include "core/log.h"

namespace cdc::kafka {
namespace {

// The producer's batch limit (before compression), and the topic's limit
// for one batch (after compression, which lz4 can grow by a little).
constexpr const char* kMaxBatchBytesText = "4194304";
constexpr const char* kTopicMaxMessageBytesText = "4325376";

}  // namespace

absl::StatusOr<std::unique_ptr<KafkaPublisher>> KafkaPublisher::Create(const KafkaOptions& options,
                                                                        DeliveryHandler on_delivery,
                                                                        TopicCreator create_topic) {
  // Delivery contract: idempotent, acks=all, no message dropped on timeout
  // (message.timeout.ms=0 retries forever; capture stops on fatal errors).
  CDC_ASSIGN_OR_RETURN(ConfPtr conf, BuildConf(options, {{"enable.idempotence", "true"},
                                                         {"acks", "all"},
                                                         {"compression.type", "lz4"},
                                                         // Kafka's Java default (murmur2 of the key
                                                         // bytes): a key lands on the partition
                                                         // Debezium would choose, and murmur2 costs
                                                         // less than librdkafka's default CRC32.
                                                         {"partitioner", "murmur2_random"},
                                                         {"linger.ms", "5"},
                                                         {"batch.num.messages", "10000"},
                                                         // Batches of up to 4 MB before compression
                                                         // (default 1 MB, about 300 snapshot events
                                                         // with schemas): a fifth of the produce
                                                         // requests, whose handling cost the broker
                                                         // thread (and Kafka) more than lz4 did in
                                                         // the snapshot benchmark (figure 2). The
                                                         // topics cdcpipe creates accept batches that
                                                         // large even when they do not compress.
                                                         {"batch.size", kMaxBatchBytesText},
                                                         {"message.max.bytes", kMaxBatchBytesText},
                                                         // Payloads are referenced, not copied, into
                                                         // the batch that lz4 compresses (producev
                                                         // references them too: InFlightRecord).
                                                         // The broker thread's CPU in 1b:
                                                         // 0.60-0.65 s -> 0.43-0.47 s.
                                                         {"message.copy.max.bytes", "0"},
                                                         // Bounded memory: a full queue stops capture
                                                         // reading WAL instead (backpressure). 32 MiB
                                                         // is ~30 ms of snapshot values, more than
                                                         // enough to fill batches while others wait
                                                         // for acks; with 64 MiB a value was cold in
                                                         // cache by the time lz4 read it (figure 2:
                                                         // ~10% more CPU, 50 MB more RSS).
                                                         {"queue.buffering.max.messages", "100000"},
                                                         {"queue.buffering.max.kbytes", "32768"},
                                                         {"message.timeout.ms", "0"}}));
  std::unique_ptr<KafkaPublisher> p(new KafkaPublisher());
  p->on_delivery_ = std::move(on_delivery);
  p->create_topic_ = std::move(create_topic);
  p->partitions_ = options.partitions;
  p->replication_factor_ = options.replication_factor;
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaPublisher::OnDeliveryReport);
  rd_kafka_conf_set_error_cb(conf.get(), &KafkaPublisher::OnError);
  rd_kafka_conf_set_opaque(conf.get(), p.get());
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof(errstr));
  if (rk == nullptr) return absl::InvalidArgumentError(StrCat("Kafka producer: ", errstr));
  conf.release();  // owned by rk now
  p->rk_.reset(rk);
  return p;
}

KafkaPublisher::~KafkaPublisher() {
  if (!rk_) return;
  rd_kafka_flush(rk_.get(), 5000);
  // What is still queued is dropped: its reports free the records' values
  // (the handler's owner may be gone already, so it is not called).
  closing_ = true;
  rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_flush(rk_.get(), 1000);
}

void KafkaPublisher::OnDeliveryReport(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* self = static_cast<KafkaPublisher*>(opaque);
  // librdkafka is done with the value once it reports the message.
  const std::unique_ptr<InFlightRecord> record(static_cast<InFlightRecord*>(msg->_private));
  if (self->closing_) return;
  if (record->value) self->delivered_values_->Give(std::move(*record->value));
  Delivery& d = self->delivery_;
  d.ticket = record->ticket;
  d.partition.topic.assign(rd_kafka_topic_name(msg->rkt));
  d.partition.partition = msg->partition;
  d.offset = msg->offset;
  d.bytes = msg->len + msg->key_len;
  // The error text is built only for an error: this runs once per message.
  d.status = msg->err == RD_KAFKA_RESP_ERR_NO_ERROR
                 ? absl::OkStatus()
                 : StatusFromKafkaError(msg->err, StrCat("delivery to topic ", d.partition.topic));
  self->on_delivery_(d);
}

void KafkaPublisher::OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<KafkaPublisher*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, buf, sizeof(buf));
    self->fatal_ = absl::DataLossError(StrCat("fatal Kafka producer error: ", rd_kafka_err2name(orig), ": ", buf));
    log::Error("kafka", "fatal producer error", {{"error", std::string(buf)}});
    return;
  }
  log::Warn("kafka", "producer error (librdkafka retries)",
            {{"error", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err))}, {"reason", reason}});
}

void KafkaPublisher::RecycleValuesInto(std::shared_ptr<BufferPool> pool) {
  delivered_values_ = std::make_unique<BufferPoolClient>(pool.get());
  value_pool_ = std::move(pool);
}

absl::Status KafkaPublisher::FatalError() const { return fatal_; }

absl::Status KafkaPublisher::Publish(const OutgoingMessage& m, uint64_t ticket) {
  auto record = std::make_unique<InFlightRecord>(InFlightRecord{ticket, m.value});
  CDC_RETURN_IF_ERROR(Produce(m, *record));
  record.release();  // librdkafka's until its delivery report
  return absl::OkStatus();
}

absl::Status KafkaPublisher::PublishTaking(OutgoingMessage& m, uint64_t ticket) {
  auto record = std::make_unique<InFlightRecord>(InFlightRecord{ticket, std::move(m.value)});
  absl::Status st = Produce(m, *record);
  if (!st.ok()) {
    m.value = std::move(record->value);  // the caller retries with it
    return st;
  }
  record.release();
  return absl::OkStatus();
}

absl::StatusOr<rd_kafka_topic_t*> KafkaPublisher::Topic(const std::string& topic) {
  if (last_topic_name_ != nullptr && *last_topic_name_ == topic) return last_topic_;
  auto it = topics_.find(topic);
  if (it == topics_.end()) {
    CDC_RETURN_IF_ERROR(create_topic_ ? create_topic_(topic)
                                      : CreateTopic(rk_.get(), topic, partitions_, replication_factor_,
                                                    {{"max.message.bytes", kTopicMaxMessageBytesText}}));
    // Else the first messages wait up to 1 s for librdkafka's topic scan.
    AwaitTopicLeaders(rk_.get(), topic, 5000);
    TopicPtr handle(rd_kafka_topic_new(rk_.get(), topic.c_str(), nullptr));
    if (handle == nullptr) {
      return StatusFromKafkaError(rd_kafka_last_error(), StrCat("topic handle for ", topic));
    }
    it = topics_.emplace(topic, std::move(handle)).first;
  }
  last_topic_name_ = &it->first;
  last_topic_ = it->second.get();
  return last_topic_;
}

absl::Status KafkaPublisher::Produce(const OutgoingMessage& m, InFlightRecord& record) {
  CDC_RETURN_IF_ERROR(fatal_);
  CDC_ASSIGN_OR_RETURN(rd_kafka_topic_t * topic, Topic(m.topic));
  rd_kafka_headers_t* headers = nullptr;
  if (!m.headers.empty()) {
    headers = rd_kafka_headers_new(m.headers.size());
    for (const auto& [k, v] : m.headers) rd_kafka_header_add(headers, k.data(), k.size(), v.data(), v.size());
  }
  // No F_COPY: the value stays in `record` until the delivery report.
  std::optional<std::string>& value = record.value;
  const rd_kafka_resp_err_t err = rd_kafka_producev(
      rk_.get(), RD_KAFKA_V_RKT(topic), RD_KAFKA_V_MSGFLAGS(0),
      RD_KAFKA_V_KEY((m.key ? m.key->data() : nullptr), (m.key ? m.key->size() : 0)),
      RD_KAFKA_V_VALUE((value ? value->data() : nullptr), (value ? value->size() : 0)),
      RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(&record), RD_KAFKA_V_END);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (headers) rd_kafka_headers_destroy(headers);  // not taken over on failure
    return StatusFromKafkaError(err, StrCat("produce to topic ", m.topic));
  }
  return absl::OkStatus();
}

void KafkaPublisher::Poll(int timeout_ms) { rd_kafka_poll(rk_.get(), timeout_ms); }

int64_t KafkaPublisher::InFlight() const { return rd_kafka_outq_len(rk_.get()); }

absl::Status KafkaPublisher::Flush(int timeout_ms) {
  return StatusFromKafkaError(rd_kafka_flush(rk_.get(), timeout_ms), "flush producer");
}

}  // namespace cdc::kafka
