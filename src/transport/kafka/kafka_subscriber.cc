#include "core/strings.h"
#include "transport/kafka/kafka_subscriber.h"

#include <algorithm>
#include <optional>
#include <regex>

#include "absl/strings/str_cat.h"
#include "core/log.h"
#include "core/thread_name.h"

namespace cdc::kafka {
namespace {

std::vector<TopicPartition> ToVector(const rd_kafka_topic_partition_list_t* parts) {
  std::vector<TopicPartition> out;
  for (int i = 0; i < parts->cnt; ++i) out.push_back({parts->elems[i].topic, parts->elems[i].partition});
  return out;
}

IncomingMessage ToIncoming(const rd_kafka_message_t* msg) {
  IncomingMessage m;
  m.source.topic = rd_kafka_topic_name(msg->rkt);
  m.source.partition = msg->partition;
  m.offset = msg->offset;
  m.timestamp_ms = rd_kafka_message_timestamp(msg, nullptr);
  if (msg->key) m.key.emplace(static_cast<const char*>(msg->key), msg->key_len);
  if (msg->payload) m.value.emplace(static_cast<const char*>(msg->payload), msg->len);
  rd_kafka_headers_t* headers = nullptr;
  // rd_kafka_message_headers takes a non-const message (it parses lazily).
  if (rd_kafka_message_headers(const_cast<rd_kafka_message_t*>(msg), &headers) == RD_KAFKA_RESP_ERR_NO_ERROR &&
      headers) {
    const char* name;
    const void* value;
    size_t size;
    for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
      m.headers.emplace_back(name, value ? std::string(static_cast<const char*>(value), size) : std::string());
    }
  }
  return m;
}

}  // namespace

absl::StatusOr<std::unique_ptr<KafkaSubscriber>> KafkaSubscriber::Create(const KafkaOptions& options,
                                                                         const std::string& group_id) {
  CDC_ASSIGN_OR_RETURN(ConfPtr conf, BuildConf(options, {{"group.id", group_id},
                                                         {"enable.auto.commit", "false"},
                                                         {"enable.auto.offset.store", "false"},
                                                         {"auto.offset.reset", "earliest"},
                                                         {"enable.partition.eof", "false"},
                                                         {"topic.metadata.refresh.interval.ms", "5000"},
                                                         {"session.timeout.ms", "10000"},
                                                         {"heartbeat.interval.ms", "1000"},
                                                         // Prefetch: librdkafka fetches a partition again
                                                         // only while its queue holds less than
                                                         // queued.max.messages.kbytes (counted
                                                         // decompressed), and each fetch adds up to
                                                         // max.partition.fetch.bytes compressed, ~20x
                                                         // that decompressed for Debezium JSON. With
                                                         // 16 MiB and 1 MiB a fetch overshot the limit
                                                         // fourfold and load then waited on Kafka for a
                                                         // third of its time (a full queue stalls
                                                         // librdkafka 2.0: see Nudge); smaller fetches
                                                         // under a higher limit keep the queue from
                                                         // running dry at about the same peak memory.
                                                         {"queued.max.messages.kbytes", "65536"},
                                                         {"max.partition.fetch.bytes", "262144"}}));
  std::unique_ptr<KafkaSubscriber> s(new KafkaSubscriber());
  s->options_ = options;
  rd_kafka_conf_set_rebalance_cb(conf.get(), &KafkaSubscriber::OnRebalance);
  rd_kafka_conf_set_opaque(conf.get(), s.get());
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), errstr, sizeof(errstr));
  if (rk == nullptr) return absl::InvalidArgumentError(StrCat("Kafka consumer: ", errstr));
  conf.release();
  s->rk_.reset(rk);
  rd_kafka_poll_set_consumer(rk);
  // End offsets and metadata are asked on a handle of their own: a broker
  // answers one connection's requests in order, so on the consumer's they
  // wait behind a Fetch that the broker holds for up to fetch.wait.max.ms
  // when the partitions are drained, up to 0.5 s per partition (progress
  // and `verify` looked behind for seconds after everything was applied).
  CDC_ASSIGN_OR_RETURN(ConfPtr query_conf, BuildConf(options, {{"enable.auto.commit", "false"}}));
  rd_kafka_t* query = rd_kafka_new(RD_KAFKA_CONSUMER, query_conf.get(), errstr, sizeof(errstr));
  if (query == nullptr) return absl::InvalidArgumentError(StrCat("Kafka consumer (queries): ", errstr));
  query_conf.release();
  s->query_.reset(query);
  return s;
}

KafkaSubscriber::~KafkaSubscriber() { Close(); }

void KafkaSubscriber::Close() {
  if (rk_ && !closed_) {
    closed_ = true;
    {
      std::lock_guard lock(nudge_mu_);
      nudge_stop_ = true;
    }
    nudge_cv_.notify_all();
    if (nudger_.joinable()) nudger_.join();
    rd_kafka_consumer_close(rk_.get());
  }
}

void KafkaSubscriber::Nudge() {
  // librdkafka 2.0 stops fetching a partition whose local queue is over
  // queued.max.messages.kbytes and looks again only when its broker thread
  // wakes for some other reason (up to a second later): after each warehouse
  // apply, load stalled (1M messages: 50 s instead of ~18 s). A request on
  // the consumer's own connection wakes that thread; an end-offset query is
  // harmless. It blocks, hence this thread. (librdkafka >= 2.2 has
  // fetch.queue.backoff.ms for this.)
  std::unique_lock lock(nudge_mu_);
  while (!nudge_cv_.wait_for(lock, std::chrono::milliseconds(kNudgeIntervalMs), [this] { return nudge_stop_; })) {
    lock.unlock();
    rd_kafka_topic_partition_list_t* raw = nullptr;
    if (rd_kafka_assignment(rk_.get(), &raw) == RD_KAFKA_RESP_ERR_NO_ERROR && raw) {
      PartitionListPtr parts(raw);
      for (int i = 0; i < parts->cnt; ++i) parts->elems[i].offset = RD_KAFKA_OFFSET_END;  // latest
      if (parts->cnt > 0) (void)rd_kafka_offsets_for_times(rk_.get(), parts.get(), 1000);
    }
    lock.lock();
  }
}

void KafkaSubscriber::OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                  rd_kafka_topic_partition_list_t* parts, void* opaque) {
  auto* self = static_cast<KafkaSubscriber*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    auto starts = self->on_assign_(ToVector(parts));
    if (!starts.ok()) {
      // Without the stored offsets we must not read: assign nothing and stop.
      self->rebalance_error_ = starts.status();
      rd_kafka_assign(rk, nullptr);
      return;
    }
    for (int i = 0; i < parts->cnt; ++i) {
      auto it = starts->find({parts->elems[i].topic, parts->elems[i].partition});
      parts->elems[i].offset = it != starts->end() ? it->second : self->LogStart(parts->elems[i]);
    }
    rd_kafka_assign(rk, parts);
  } else {
    if (self->on_revoke_) self->on_revoke_(ToVector(parts));
    rd_kafka_assign(rk, nullptr);
  }
}

absl::Status KafkaSubscriber::Subscribe(const std::vector<std::string>& topics, AssignHandler on_assign,
                                        RevokeHandler on_revoke) {
  topics_ = topics;
  subscribed_.store(true, std::memory_order_release);  // topics_ is read by other threads from now on
  on_assign_ = std::move(on_assign);
  on_revoke_ = std::move(on_revoke);
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const auto& t : topics) rd_kafka_topic_partition_list_add(list.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_.get(), list.get());
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR && !nudger_.joinable()) {
    nudger_ = std::thread([this] {
      NameThisThread("cdc-nudge");
      Nudge();
    });
  }
  return StatusFromKafkaError(err, "subscribe to load topics");
}

absl::StatusOr<std::optional<IncomingMessage>> KafkaSubscriber::Poll(int timeout_ms) {
  rd_kafka_message_t* msg = rd_kafka_consumer_poll(rk_.get(), timeout_ms);
  CDC_RETURN_IF_ERROR(rebalance_error_);
  if (msg == nullptr) return std::nullopt;
  std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> guard(msg, rd_kafka_message_destroy);
  if (msg->err) {
    const std::string topic = msg->rkt ? rd_kafka_topic_name(msg->rkt) : "";
    if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return std::nullopt;
    absl::Status st = StatusFromKafkaError(msg->err, StrCat("consume topic ", topic, " partition ", msg->partition));
    // Unknown topics (not yet created) are normal at start; other
    // transient errors are retried by librdkafka.
    if (absl::IsUnavailable(st)) {
      log::Debug("kafka", "transient consumer error", {{"error", std::string(st.message())}});
      return std::nullopt;
    }
    return st;
  }
  return ToIncoming(msg);
}

absl::StatusOr<std::vector<IncomingMessage>> KafkaSubscriber::ReadAgain(const TopicPartition& tp,
                                                                        const std::vector<int64_t>& offsets) {
  std::vector<IncomingMessage> out;
  if (offsets.empty()) return out;
  const std::string what = StrCat("read again topic ", tp.topic, " partition ", tp.partition, " offsets ",
                                  offsets.front(), "..", offsets.back());
  // A consumer of its own, outside the group: assigned, not subscribed.
  CDC_ASSIGN_OR_RETURN(ConfPtr conf, BuildConf(options_, {{"group.id", "cdcpipe-read-again"},
                                                          {"enable.auto.commit", "false"},
                                                          {"fetch.wait.max.ms", "10"}}));
  char errstr[512];
  HandlePtr consumer(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), errstr, sizeof(errstr)));
  if (!consumer) return absl::InvalidArgumentError(StrCat(what, ": ", errstr));
  conf.release();
  PartitionListPtr parts(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(parts.get(), tp.topic.c_str(), tp.partition)->offset = offsets.front();
  rd_kafka_assign(consumer.get(), parts.get());
  auto wanted = offsets.begin();
  absl::Status st = absl::UnavailableError(StrCat(what, ": not all read within 30 s"));
  for (const absl::Time deadline = absl::Now() + absl::Seconds(30); absl::Now() < deadline;) {
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(consumer.get(), 200);
    if (msg == nullptr) continue;
    std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> guard(msg, rd_kafka_message_destroy);
    if (msg->err) {
      if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
      st = StatusFromKafkaError(msg->err, what);
      if (absl::IsUnavailable(st)) continue;  // retried by librdkafka
      break;
    }
    while (wanted != offsets.end() && *wanted < msg->offset) ++wanted;  // gone (e.g. retention)
    if (wanted != offsets.end() && *wanted == msg->offset) out.push_back(ToIncoming(msg));
    if (msg->offset >= offsets.back()) {
      st = out.size() == offsets.size()
               ? absl::OkStatus()
               : absl::DataLossError(StrCat(what, ": ", offsets.size() - out.size(), " of them are gone from Kafka"));
      break;
    }
  }
  rd_kafka_consumer_close(consumer.get());
  CDC_RETURN_IF_ERROR(st);
  return out;
}

void KafkaSubscriber::CommitInformational(const std::map<TopicPartition, int64_t>& next_offsets) {
  if (next_offsets.empty()) return;
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(next_offsets.size())));
  for (const auto& [tp, off] : next_offsets) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = off;
  }
  rd_kafka_commit(rk_.get(), list.get(), 1);  // async; failures only affect monitoring
}

int64_t KafkaSubscriber::LogStart(const rd_kafka_topic_partition_t& part) {
  // The first offset the partition still holds, asked on the query handle.
  // librdkafka resolves a logical RD_KAFKA_OFFSET_BEGINNING itself, but 2.0
  // sends that query only after a 500 ms timer: every fresh load waited
  // half a second before its first fetch. Should the answer be outdated by
  // retention before the fetch, auto.offset.reset=earliest restarts there.
  int64_t low = 0, high = 0;
  if (rd_kafka_query_watermark_offsets(query_.get(), part.topic, part.partition, &low, &high, 5000) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return RD_KAFKA_OFFSET_BEGINNING;  // librdkafka finds it, later
  }
  return low;
}

absl::StatusOr<int64_t> KafkaSubscriber::EndOffset(const TopicPartition& tp) {
  int64_t low = 0, high = 0;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(query_.get(), tp.topic.c_str(), tp.partition, &low, &high, 5000);
  CDC_RETURN_IF_ERROR(StatusFromKafkaError(err, StrCat("end offset of topic ", tp.topic, " partition ", tp.partition)));
  return high;
}

std::optional<int64_t> KafkaSubscriber::LastKnownEndOffset(const TopicPartition& tp) {
  int64_t low = 0, high = 0;
  if (rd_kafka_get_watermark_offsets(rk_.get(), tp.topic.c_str(), tp.partition, &low, &high) !=
          RD_KAFKA_RESP_ERR_NO_ERROR ||
      high < 0) {
    return std::nullopt;
  }
  return high;
}

int64_t KafkaSubscriber::Backlog() {
  // Positions against the high watermarks librdkafka last saw (each fetch
  // response carries its partition's). Messages fetched but not yet polled
  // count: they are the backlog too.
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(rk_.get(), &raw) != RD_KAFKA_RESP_ERR_NO_ERROR || raw == nullptr) return 0;
  const PartitionListPtr parts(raw);
  if (rd_kafka_position(rk_.get(), parts.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
  int64_t backlog = 0;
  for (int i = 0; i < parts->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = parts->elems[i];
    if (p.offset < 0) continue;
    const std::optional<int64_t> end = LastKnownEndOffset({p.topic, p.partition});
    if (end && *end > p.offset) backlog += *end - p.offset;
  }
  return backlog;
}

absl::StatusOr<std::vector<TopicPartition>> KafkaSubscriber::SubscribedPartitions() {
  // Before Subscribe nothing is owned yet, yet nothing would count as unowned.
  if (!subscribed_.load(std::memory_order_acquire)) return absl::UnavailableError("not subscribed yet");
  const rd_kafka_metadata_t* md = nullptr;
  CDC_RETURN_IF_ERROR(StatusFromKafkaError(rd_kafka_metadata(query_.get(), 1, nullptr, &md, 5000), "topic metadata"));
  // As librdkafka reads a subscription: names, and regexes starting with ^.
  std::vector<std::regex> patterns;
  for (const std::string& t : topics_) {
    if (t.starts_with("^")) patterns.emplace_back(t);
  }
  std::vector<TopicPartition> out;
  for (int t = 0; t < md->topic_cnt; ++t) {
    const std::string name = md->topics[t].topic;
    const bool match = std::find(topics_.begin(), topics_.end(), name) != topics_.end() ||
                       std::any_of(patterns.begin(), patterns.end(),
                                   [&](const std::regex& p) { return std::regex_search(name, p); });
    if (!match || md->topics[t].err) continue;
    for (int p = 0; p < md->topics[t].partition_cnt; ++p) out.push_back({name, md->topics[t].partitions[p].id});
  }
  rd_kafka_metadata_destroy(md);
  return out;
}

std::string KafkaSubscriber::ClusterId() {
  // A metadata request brings the id at once; on a fresh handle
  // rd_kafka_clusterid alone waits for librdkafka's next metadata refresh,
  // a second into every load's start.
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk_.get(), 0, nullptr, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) rd_kafka_metadata_destroy(md);
  char* id = rd_kafka_clusterid(rk_.get(), 10000);
  std::string out = id ? id : "";
  if (id) rd_kafka_mem_free(rk_.get(), id);
  return out;
}

}  // namespace cdc::kafka
