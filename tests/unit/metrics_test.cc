#include "pipeline/metrics.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "core/version.h"

namespace cdc {
namespace {

struct Family {
  int help = 0, type = 0;
  std::string kind;
  std::map<std::string, std::string> samples;  // name{labels} -> value
};

// Parses the exposition as Prometheus reads it, failing the test on a line
// it would refuse: a sample before its family's TYPE, or a family declared
// twice.
std::map<std::string, Family> Parse(const std::string& text) {
  std::map<std::string, Family> families;
  static const std::regex kSample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$)");
  static const std::regex kMeta(R"(^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$)");
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, kMeta)) {
      Family& f = families[m[2]];
      if (m[1] == "HELP") ++f.help;
      else { ++f.type; f.kind = m[3]; }
      continue;
    }
    if (!std::regex_match(line, m, kSample)) {
      ADD_FAILURE() << "not an exposition line: " << line;
      continue;
    }
    std::string family = m[1];
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s = suffix;
      if (!families.contains(family) && family.ends_with(s)) family.resize(family.size() - s.size());
    }
    EXPECT_EQ(families[family].type, 1) << "sample before its TYPE: " << line;
    families[family].samples[std::string(m[1]) + std::string(m[2])] = m[3];
  }
  for (const auto& [name, f] : families) {
    EXPECT_EQ(f.help, 1) << name;
    EXPECT_EQ(f.type, 1) << name;
  }
  return families;
}

TEST(Metrics, EveryFamilyIsDeclaredOnceWithHelpAndType) {
  CaptureStats capture;
  LoadStats load;
  capture.events = 42;
  load.source_to_warehouse.Observe(120);
  load.swept_rows = 3;
  const auto families = Parse(MetricsExposition(capture, load, 7));
  EXPECT_EQ(families.at("cdcpipe_load_swept_rows_total").samples.at("cdcpipe_load_swept_rows_total"), "3");
  EXPECT_EQ(families.at("cdcpipe_capture_events_total").samples.at("cdcpipe_capture_events_total"), "42");
  EXPECT_EQ(families.at("cdcpipe_capture_events_total").kind, "counter");
  EXPECT_EQ(families.at("cdcpipe_load_kafka_lag_messages").samples.at("cdcpipe_load_kafka_lag_messages"), "7");
  EXPECT_EQ(families.at("cdcpipe_load_source_to_warehouse_seconds").kind, "histogram");
  EXPECT_EQ(families.at("cdcpipe_load_source_to_warehouse_seconds")
                .samples.at("cdcpipe_load_source_to_warehouse_seconds_count"),
            "1");
  EXPECT_EQ(families.at("cdcpipe_build_info").samples.at(std::string("cdcpipe_build_info{version=\"") + kVersion + "\"}"), "1");
  EXPECT_GT(std::stod(families.at("process_resident_memory_bytes").samples.begin()->second), 0);
  EXPECT_GT(std::stod(families.at("process_start_time_seconds").samples.begin()->second), 1.7e9);
}

// Before a heartbeat has read the slot, its series are absent (not 0, which
// would read as "nothing retained"); a process that does not load has no
// Kafka lag.
TEST(Metrics, UnknownFiguresAreLeftOut) {
  CaptureStats capture;
  LoadStats load;
  auto families = Parse(MetricsExposition(capture, load, std::nullopt));
  EXPECT_FALSE(families.contains("cdcpipe_capture_slot_retained_wal_bytes"));
  EXPECT_FALSE(families.contains("cdcpipe_capture_slot_lag_bytes"));
  EXPECT_FALSE(families.contains("cdcpipe_capture_slot_safe_wal_bytes"));
  EXPECT_FALSE(families.contains("cdcpipe_load_kafka_lag_messages"));

  capture.slot_retained_wal_bytes = 5000000;
  capture.slot_lag_bytes = 0;
  capture.slot_safe_wal_bytes = -1024;  // past max_slot_wal_keep_size
  families = Parse(MetricsExposition(capture, load, std::nullopt));
  EXPECT_EQ(families.at("cdcpipe_capture_slot_retained_wal_bytes").samples.begin()->second, "5000000");
  EXPECT_EQ(families.at("cdcpipe_capture_slot_lag_bytes").samples.begin()->second, "0");
  EXPECT_EQ(families.at("cdcpipe_capture_slot_safe_wal_bytes").samples.begin()->second, "-1024");
}

// Seconds counters keep every digit: with six significant digits a counter
// past 11.5 days would stop moving in its last digits, and rate() with it.
TEST(Metrics, SecondsCountersKeepEveryDigit) {
  CaptureStats capture;
  LoadStats load;
  load.waited_on_kafka_us = 1234567891234;
  load.decode_us = 1;
  const auto families = Parse(MetricsExposition(capture, load, std::nullopt));
  const auto& wait = families.at("cdcpipe_load_wait_seconds_total").samples;
  EXPECT_EQ(wait.at("cdcpipe_load_wait_seconds_total{on=\"kafka\"}"), "1234567.891234");
  EXPECT_EQ(wait.at("cdcpipe_load_wait_seconds_total{on=\"warehouse\"}"), "0");
  EXPECT_EQ(families.at("cdcpipe_load_work_seconds_total").samples.at("cdcpipe_load_work_seconds_total{in=\"decode\"}"),
            "1e-06");
}

}  // namespace
}  // namespace cdc
