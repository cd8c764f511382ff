#include "core/strings.h"
#include "pipeline/metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <string_view>

#include "absl/time/clock.h"
#include "core/version.h"

namespace cdc {
namespace {

// Set while the program starts (static initialization), for
// process_start_time_seconds.
const absl::Time kProcessStart = absl::Now();

// Writes metric families: HELP and TYPE once, then the samples.
class MetricsText {
 public:
  void Family(std::string_view name, std::string_view type, std::string_view help) {
    StrAppend(&out_, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
  }
  void Sample(std::string_view name, std::string_view labels, int64_t value) {
    StrAppend(&out_, name, labels, " ", value, "\n");
  }
  // Doubles in full: StrCat's six digits would freeze a counter's last
  // digits, and rate() over it with them.
  void Sample(std::string_view name, std::string_view labels, double value) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof(buf), value);
    StrAppend(&out_, name, labels, " ", std::string_view(buf, static_cast<size_t>(r.ptr - buf)), "\n");
  }
  template <typename Number>
  void One(std::string_view name, std::string_view type, std::string_view help, Number value) {
    Family(name, type, help);
    Sample(name, "", value);
  }
  void Histogram(std::string_view name, std::string_view help, const LatencyHistogram& h) {
    StrAppend(&out_, "# HELP ", name, " ", help, "\n", h.Exposition(std::string(name)));
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

int64_t Signed(uint64_t v) { return static_cast<int64_t>(v); }
double Seconds(uint64_t us) { return static_cast<double>(us) / 1e6; }

// Resident set size from /proc/self/statm (its second field, in pages).
std::optional<int64_t> ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0, resident = 0;
  if (!(statm >> size >> resident)) return std::nullopt;
  return resident * sysconf(_SC_PAGESIZE);
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

void CaptureMetrics(MetricsText& m, const CaptureStats& c) {
  m.One("cdcpipe_capture_events_total", "counter", "Change events capture published, snapshot rows included.",
        Signed(c.events.load()));
  m.One("cdcpipe_capture_transactions_total", "counter", "Source transactions capture published.",
        Signed(c.transactions.load()));
  m.One("cdcpipe_capture_confirmed_lsn", "gauge",
        "The position capture last confirmed to the replication slot, as a number (LSN).",
        Signed(c.confirmed_lsn.load()));
  // The slot's figures exist once a heartbeat read them
  // (source.postgres.heartbeat_interval_ms); an absent series is not a 0.
  auto slot = [&m](std::string_view name, std::string_view help, int64_t value) {
    if (value != CaptureStats::kUnknown) m.One(name, "gauge", help, value);
  };
  slot("cdcpipe_capture_slot_retained_wal_bytes",
       "WAL the source server keeps for the slot (pg_current_wal_lsn() - restart_lsn), at the last heartbeat.",
       c.slot_retained_wal_bytes.load());
  slot("cdcpipe_capture_slot_lag_bytes",
       "How far the slot's confirmed position trails the server's WAL (pg_current_wal_lsn() - "
       "confirmed_flush_lsn), at the last heartbeat.",
       c.slot_lag_bytes.load());
  slot("cdcpipe_capture_slot_safe_wal_bytes",
       "WAL the server may still write before max_slot_wal_keep_size invalidates the slot (safe_wal_size), at "
       "the last heartbeat; absent when the server sets no limit.",
       c.slot_safe_wal_bytes.load());
}

void LoadMetrics(MetricsText& m, const LoadStats& l, std::optional<int64_t> kafka_lag) {
  m.One("cdcpipe_load_rows_total", "counter", "Row changes load applied to the warehouse.", Signed(l.rows.load()));
  m.One("cdcpipe_load_batches_total", "counter", "Warehouse transactions load committed.", Signed(l.batches.load()));
  m.One("cdcpipe_load_dead_letters_total", "counter", "Messages load parked in the dead-letter topic.",
        Signed(l.dead_letters.load()));
  m.One("cdcpipe_load_lossy_values_total", "counter",
        "Values loaded with loss (load.wide_numeric double, nanoseconds to microseconds).",
        Signed(l.lossy_values.load()));
  m.One("cdcpipe_load_swept_rows_total", "counter",
        "Warehouse rows removed because a new snapshot of their table did not have them (deleted at the source "
        "while no replication slot recorded the deletes).",
        Signed(l.swept_rows.load()));
  m.One("cdcpipe_load_paused_tables", "gauge", "Tables whose events go to the dead-letter topic until resumed.",
        Signed(l.paused_tables.load()));
  m.One("cdcpipe_load_circuit_open", "gauge", "1 while the warehouse keeps failing and consumption is paused.",
        int64_t{l.circuit_open.load() ? 1 : 0});
  if (kafka_lag) {
    m.One("cdcpipe_load_kafka_lag_messages", "gauge",
          "Messages in the partitions this process owns that are not in the warehouse yet, against the ends "
          "the consumer last heard of.",
          *kafka_lag);
  }
  m.Family("cdcpipe_load_wait_seconds_total", "counter",
           "Time the consuming loop waited: for Kafka's next message, or for the warehouse to finish the batch "
           "before.");
  m.Sample("cdcpipe_load_wait_seconds_total", "{on=\"kafka\"}", Seconds(l.waited_on_kafka_us.load()));
  m.Sample("cdcpipe_load_wait_seconds_total", "{on=\"warehouse\"}", Seconds(l.waited_on_warehouse_us.load()));
  m.Family("cdcpipe_load_work_seconds_total", "counter",
           "Where load's work went: decoding and collapsing messages, then the warehouse transaction's phases.");
  m.Sample("cdcpipe_load_work_seconds_total", "{in=\"decode\"}", Seconds(l.decode_us.load()));
  m.Sample("cdcpipe_load_work_seconds_total", "{in=\"write\"}", Seconds(l.write_us.load()));
  m.Sample("cdcpipe_load_work_seconds_total", "{in=\"merge\"}", Seconds(l.merge_us.load()));
  m.Sample("cdcpipe_load_work_seconds_total", "{in=\"commit\"}", Seconds(l.commit_us.load()));
  m.Histogram("cdcpipe_load_source_to_warehouse_seconds",
              "From a row's commit in PostgreSQL (source.ts_ms) until the warehouse transaction holding it "
              "committed: end-to-end latency.",
              l.source_to_warehouse);
  m.Histogram("cdcpipe_load_kafka_to_warehouse_seconds",
              "From a row's Kafka record time (capture's produce) until visible in the warehouse.",
              l.kafka_to_warehouse);
  m.Histogram("cdcpipe_load_apply_seconds", "Duration of each warehouse transaction, retries included.",
              l.apply_duration);
}

void ProcessMetrics(MetricsText& m) {
  m.Family("cdcpipe_build_info", "gauge", "Always 1; the labels say which cdcpipe runs.");
  m.Sample("cdcpipe_build_info", StrCat("{version=\"", kVersion, "\"}"), int64_t{1});
  m.One("process_start_time_seconds", "gauge", "When the process started, in seconds since the Unix epoch.",
        absl::ToDoubleSeconds(kProcessStart - absl::UnixEpoch()));
  m.One("process_cpu_seconds_total", "counter", "User and system CPU time the process used.", CpuSeconds());
  if (std::optional<int64_t> rss = ResidentBytes()) {
    m.One("process_resident_memory_bytes", "gauge", "Resident memory of the process.", *rss);
  }
}

}  // namespace

std::string MetricsExposition(const CaptureStats& capture, const LoadStats& load,
                              std::optional<int64_t> load_kafka_lag) {
  MetricsText m;
  CaptureMetrics(m, capture);
  LoadMetrics(m, load, load_kafka_lag);
  ProcessMetrics(m);
  return m.Take();
}

}  // namespace cdc
