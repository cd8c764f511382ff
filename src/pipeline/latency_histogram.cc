#include "pipeline/latency_histogram.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/strings.h"

namespace cdc {

void LatencyHistogram::Observe(int64_t ms) {
  ms = std::max<int64_t>(ms, 0);
  const size_t i = std::lower_bound(kBoundsMs.begin(), kBoundsMs.end(), ms) - kBoundsMs.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_ms_.fetch_add(ms, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::string LatencyHistogram::Exposition(const std::string& name) const {
  std::string out = StrCat("# TYPE ", name, " histogram\n");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    if (i < kBoundsMs.size()) {
      StrAppend(&out, name, "_bucket{le=\"", kBoundsMs[i] / 1000, ".", absl::Dec(kBoundsMs[i] % 1000, absl::kZeroPad3),
                "\"} ", cumulative, "\n");
    } else {
      StrAppend(&out, name, "_bucket{le=\"+Inf\"} ", cumulative, "\n");
    }
  }
  const int64_t sum_ms = sum_ms_.load(std::memory_order_relaxed);
  StrAppend(&out, name, "_sum ", sum_ms / 1000, ".", absl::Dec(sum_ms % 1000, absl::kZeroPad3), "\n", name,
            "_count ", count_.load(std::memory_order_relaxed), "\n");
  return out;
}

}  // namespace cdc
