#include "pipeline/latency_histogram.h"

#include <gtest/gtest.h>

namespace cdc {
namespace {

TEST(LatencyHistogram, ExposesCumulativeBucketsInSeconds) {
  LatencyHistogram h;
  h.Observe(0);
  h.Observe(7);      // (5, 10]
  h.Observe(250);    // (225, 250]
  h.Observe(-3);     // clock skew: counted as 0
  h.Observe(60000);  // beyond the last bound
  const std::string text = h.Exposition("x_seconds");
  EXPECT_NE(text.find("# TYPE x_seconds histogram\n"), std::string::npos);
  EXPECT_NE(text.find("x_seconds_bucket{le=\"0.001\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_seconds_bucket{le=\"0.005\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_seconds_bucket{le=\"0.010\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_seconds_bucket{le=\"0.225\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_seconds_bucket{le=\"0.250\"} 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_seconds_bucket{le=\"30.000\"} 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_seconds_bucket{le=\"+Inf\"} 5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_seconds_sum 60.257\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_seconds_count 5\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace cdc
