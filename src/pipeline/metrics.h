#pragma once
// What /metrics serves: the Prometheus text exposition (format 0.0.4) of
// capture's and load's figures and of the process. docs/operations.md,
// "Monitoring", says what each metric means; deploy/ holds the alert rules
// and the Grafana dashboard built on them.
#include <cstdint>
#include <optional>
#include <string>

#include "pipeline/capture_loop.h"
#include "pipeline/load_loop.h"

namespace cdc {

/// `load_kafka_lag`: LoadLoop::KafkaLag summed over this process's loaders;
/// none when it does not load (the metric is then left out).
std::string MetricsExposition(const CaptureStats& capture, const LoadStats& load,
                              std::optional<int64_t> load_kafka_lag);

}  // namespace cdc
