// Completion probe for bench/run's Kafka-bound figures (capture, Debezium):
// one connection kept for the whole run, asking the broker every
// INTERVAL_MS (default 50) for the high watermarks of TOPIC's partitions,
// all in one ListOffsets request. Each time
// their sum changes it prints "SECONDS SUM" (seconds since its start) and
// flushes; it exits 0 once the sum reaches EXPECT, 1 after TIMEOUT_S.
//
// It replaces a kcat -Q process per poll: starting kcat every 0.1 s cost
// ~6 ms of CPU each time, ~3% of this 2-core machine taken from the
// contender being timed (perf sched, a 1a capture).
//
// The topic is looked up in the cluster's full metadata, never by name, so
// that polling cannot auto-create it before the contender does.
// Usage: kafka_hwm_watch BOOTSTRAP TOPIC EXPECT [INTERVAL_MS] [TIMEOUT_S]
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace {

// The partition count of `topic`, or -1 while the cluster does not have it.
int Partitions(rd_kafka_t* rk, const char* topic) {
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk, 1, nullptr, &md, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR) return -1;
  int n = -1;
  for (int i = 0; i < md->topic_cnt; ++i) {
    if (std::strcmp(md->topics[i].topic, topic) == 0 && md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      n = md->topics[i].partition_cnt;
    }
  }
  rd_kafka_metadata_destroy(md);
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s BOOTSTRAP TOPIC EXPECT [INTERVAL_MS] [TIMEOUT_S]\n", argv[0]);
    return 2;
  }
  const char* topic = argv[2];
  const long long expect = std::atoll(argv[3]);
  const auto interval = std::chrono::milliseconds(argc > 4 ? std::atoi(argv[4]) : 50);
  const auto timeout = std::chrono::seconds(argc > 5 ? std::atoi(argv[5]) : 600);
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof(err)) != RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "allow.auto.create.topics", "false", err, sizeof(err)) != RD_KAFKA_CONF_OK) {
    std::fprintf(stderr, "kafka_hwm_watch: %s\n", err);
    return 2;
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (rk == nullptr) {
    std::fprintf(stderr, "kafka_hwm_watch: %s\n", err);
    return 2;
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  int partitions = -1;
  long long last = -1;
  int rc = 1;
  while (std::chrono::steady_clock::now() - t0 < timeout) {
    if (partitions < 0) partitions = Partitions(rk, topic);
    long long sum = 0;
    bool complete = partitions > 0;
    if (complete) {
      // One ListOffsets request for every partition (offset "latest").
      rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
      for (int p = 0; p < partitions; ++p) {
        rd_kafka_topic_partition_list_add(list, topic, p)->offset = RD_KAFKA_OFFSET_END;
      }
      complete = rd_kafka_offsets_for_times(rk, list, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR;
      for (int i = 0; complete && i < list->cnt; ++i) {
        complete = list->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR && list->elems[i].offset >= 0;
        sum += list->elems[i].offset;
      }
      rd_kafka_topic_partition_list_destroy(list);
    }
    if (complete && sum != last) {
      last = sum;
      std::printf("%.3f %lld\n", elapsed(), sum);
      std::fflush(stdout);
      if (sum >= expect) {
        rc = 0;
        break;
      }
    }
    std::this_thread::sleep_for(interval);
  }
  rd_kafka_destroy(rk);
  return rc;
}
