#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace cdc {

/// Latencies of applied rows in milliseconds, e.g. from a change's commit in
/// the source (Debezium source.ts_ms) until the warehouse transaction
/// holding it committed, i.e. until the row is visible. A cumulative
/// histogram (Prometheus semantics); thread-safe.
class LatencyHistogram {
 public:
  /// Upper bounds of the buckets in milliseconds (the last bucket is +Inf).
  static constexpr std::array<int64_t, 34> kBoundsMs = {
      1, 2, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 125, 150, 175, 200, 225, 250, 300, 400, 500,
      600, 700, 800, 900, 1000, 1250, 1500, 2000, 3000, 5000, 10000, 30000};
  void Observe(int64_t ms);
  /// Prometheus text exposition of the histogram `name` (seconds).
  std::string Exposition(const std::string& name) const;

 private:
  std::array<std::atomic<uint64_t>, kBoundsMs.size() + 1> buckets_{};  // not cumulative
  std::atomic<uint64_t> count_{0};
  std::atomic<int64_t> sum_ms_{0};
};

}  // namespace cdc
