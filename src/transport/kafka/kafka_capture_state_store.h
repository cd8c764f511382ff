#pragma once
#include <memory>
#include <optional>
#include <string>

#include "core/capture_state_store.h"
#include "transport/kafka/kafka_common.h"

namespace cdc::kafka {

/// Capture state in a compacted single-partition topic, keyed by slot name
/// (`cdcpipe capture` on its own: Kafka is its durable downstream).
class KafkaCaptureStateStore final : public CaptureStateStore {
 public:
  static absl::StatusOr<std::unique_ptr<KafkaCaptureStateStore>> Create(const KafkaOptions& options,
                                                                       const std::string& topic);
  ~KafkaCaptureStateStore() override;
  absl::StatusOr<std::optional<CaptureState>> Load(const std::string& slot) override;
  absl::Status Save(const std::string& slot, const CaptureState& state) override;
  absl::Status Clear(const std::string& slot) override;

 private:
  KafkaCaptureStateStore() = default;
  absl::Status Write(const std::string& slot, std::optional<std::string> value);  // nullopt: tombstone
  KafkaOptions options_;
  std::string topic_;
  HandlePtr producer_;
};

}  // namespace cdc::kafka
