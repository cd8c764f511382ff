#pragma once
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "core/subscriber.h"
#include "transport/kafka/kafka_common.h"

namespace cdc::kafka {

/// A consumer-group member. Offsets are not auto-committed: the warehouse
/// owns them, and on assignment each partition starts where the handler says.
class KafkaSubscriber final : public Subscriber {
 public:
  static absl::StatusOr<std::unique_ptr<KafkaSubscriber>> Create(const KafkaOptions& options,
                                                                 const std::string& group_id);
  ~KafkaSubscriber() override;

  absl::Status Subscribe(const std::vector<std::string>& topics, AssignHandler on_assign,
                         RevokeHandler on_revoke) override;
  absl::StatusOr<std::optional<IncomingMessage>> Poll(int timeout_ms) override;
  void CommitInformational(const std::map<TopicPartition, int64_t>& next_offsets) override;
  absl::StatusOr<int64_t> EndOffset(const TopicPartition& partition) override;
  std::optional<int64_t> LastKnownEndOffset(const TopicPartition& partition) override;
  int64_t Backlog() override;
  void Close() override;
  absl::StatusOr<std::vector<TopicPartition>> SubscribedPartitions() override;
  absl::StatusOr<std::vector<IncomingMessage>> ReadAgain(const TopicPartition& partition,
                                                         const std::vector<int64_t>& offsets) override;

  /// The Kafka cluster id (names the offset stream in the warehouse).
  std::string ClusterId();

 private:
  KafkaSubscriber() = default;
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                          void* opaque);

  /// Where a partition without a stored offset starts: its log start.
  int64_t LogStart(const rd_kafka_topic_partition_t& part);
  /// Wakes the fetcher every kNudgeIntervalMs while subscribed (see Nudge).
  void Nudge();
  static constexpr int kNudgeIntervalMs = 50;

  KafkaOptions options_;  // for ReadAgain's consumers
  HandlePtr rk_;
  HandlePtr query_;  // EndOffset and SubscribedPartitions (see Create)
  AssignHandler on_assign_;
  RevokeHandler on_revoke_;
  absl::Status rebalance_error_;
  bool closed_ = false;
  std::vector<std::string> topics_;  // names, or one regex starting with ^
  std::atomic<bool> subscribed_{false};
  std::mutex nudge_mu_;
  std::condition_variable nudge_cv_;
  bool nudge_stop_ = false;
  std::thread nudger_;  // last: joined in Close before the handles go
};

}  // namespace cdc::kafka
