#pragma once
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/event_decoder.h"
#include "core/sink.h"
#include "core/subscriber.h"
#include "pipeline/batch.h"
#include "pipeline/dead_letter.h"
#include "absl/time/time.h"
#include "pipeline/latency_histogram.h"

namespace cdc {

struct LoadOptions {
  std::vector<std::string> topics;  // names, or one regex starting with ^
  /// Topics a regex may match that carry no change events (cdcpipe's own
  /// dead-letter and capture-state topics): skipped, never decoded, so a
  /// dead letter is not dead-lettered again.
  std::set<std::string> ignored_topics;
  std::string stream_id;            // names the offsets in the warehouse
  size_t batch_max_rows = 20000;
  int batch_max_ms = 500;
  /// A batch is applied early once the consumer has had nothing new for
  /// this long (>= batch_max_ms: only the timer and the size limits count).
  int batch_idle_ms = 5;
  size_t batch_max_bytes = 64 << 20;  // Kafka message bytes (keys + values) per batch
  int consumer = 1;                   // which of the process's group members, for logs
  TableModes table_modes;             // which tables are change logs (the sink is told the same)
  /// Transient warehouse errors: retried with exponential backoff (with
  /// jitter) from `retry_initial`; after `retries_before_open` failures the
  /// circuit opens and the apply is probed every `circuit_probe` until it
  /// passes or load is stopped.
  absl::Duration retry_initial = absl::Milliseconds(100);
  int retries_before_open = 8;
  absl::Duration circuit_probe = absl::Seconds(30);
};

struct LoadStats {
  std::atomic<uint64_t> rows{0};
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> dead_letters{0};
  std::atomic<uint64_t> lossy_values{0};  // values loaded with loss (load.wide_numeric: double, ns -> µs)
  std::atomic<uint64_t> paused_tables{0};  // tables whose events go to the dead-letter topic
  std::atomic<bool> circuit_open{false};   // the warehouse keeps failing: consumption is paused
  LatencyHistogram source_to_warehouse;
};

/// One consistent picture of a loader's position: figures read at different
/// moments could straddle a rebalance (an empty assignment next to "nothing
/// unowned") and look caught up.
struct LoadProgress {
  struct Position {
    int64_t next = 0;  // next offset to apply
    int64_t end = 0;   // the partition's end offset
  };
  std::map<TopicPartition, Position> owned;
  std::set<TopicPartition> subscribed;  // every partition of the subscribed topics
  /// Partitions of subscribed topics owned by other group members, or not
  /// discovered yet.
  size_t Unowned() const;
  int64_t Lag() const;
  /// Adds what another loader of this process owns.
  void Merge(const LoadProgress& other);
};

/// Consumes, batches and applies to the sink, storing offsets with the
/// data. Single-threaded; `on_committed` is told every committed offset map
/// (capture's coordinator in `run` with the embedded broker).
class LoadLoop {
 public:
  /// `dead_letters` may be null: undecodable messages then stop the loop.
  LoadLoop(Subscriber& subscriber, EventDecoder& decoder, Sink& sink, DeadLetterQueue* dead_letters,
           LoadOptions options, LoadStats& stats, std::function<void(const OffsetMap&)> on_committed = nullptr)
      : subscriber_(subscriber), decoder_(decoder), sink_(sink), dead_letters_(dead_letters),
        options_(std::move(options)), stats_(stats), on_committed_(std::move(on_committed)),
        batch_(options_.table_modes) {}

  absl::Status Run(const std::atomic<bool>& stop);

  /// What this loader owns and how far it is, from one reading of its
  /// assignment (thread-safe; asks the broker for end offsets and metadata).
  absl::StatusOr<LoadProgress> Progress();

 private:
  absl::Status Flush();
  /// Applies with retries; only a stop request or a non-transient error
  /// ends it unapplied.
  absl::Status ApplyWithRetries(std::span<const TableBatch> batches, const PausedTables& newly_paused);
  /// Sends what a TableDataError blames to the dead-letter topic and takes
  /// it out of `batches`: the messages of one row (a value the table
  /// refuses), or every message of the table, which is then paused (a
  /// schema it cannot take).
  absl::Status Park(const TableDataErrorInfo& blamed, const absl::Status& error, std::vector<TableBatch>& batches,
                    PausedTables& newly_paused);

  Subscriber& subscriber_;
  EventDecoder& decoder_;
  Sink& sink_;
  DeadLetterQueue* dead_letters_;
  LoadOptions options_;
  LoadStats& stats_;
  std::function<void(const OffsetMap&)> on_committed_;
  Batch batch_;
  OffsetMap pending_offsets_;  // next offsets covered by batch_
  size_t pending_bytes_ = 0;   // Kafka message bytes behind batch_
  std::vector<int64_t> pending_source_ts_ms_;  // source commit time of each change in batch_
  // The messages behind batch_, per table, kept only with a dead-letter
  // queue: a table's data that cannot be applied is parked from them.
  std::map<TableId, std::vector<IncomingMessage>> pending_messages_;
  std::vector<IncomingMessage> pending_paused_;  // messages of paused tables, parked with the batch
  PausedTables paused_;
  const std::atomic<bool>* stop_ = nullptr;
  std::mutex committed_mu_;
  OffsetMap committed_;        // next offsets applied, per assigned partition
  absl::Status flush_error_;
};

}  // namespace cdc
