#pragma once
#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/event_decoder.h"
#include "core/sink.h"
#include "core/subscriber.h"
#include "pipeline/batch.h"
#include "pipeline/dead_letter.h"
#include "pipeline/job_thread.h"
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
  /// Capture's snapshot markers (TableSnapshotMarker), subscribed to as well:
  /// each removes from the warehouse the rows its snapshot did not have,
  /// once every row published before it is applied. Empty: none are read.
  std::string snapshot_marker_topic;
  /// One DuckDB row group: a transaction that appends at least that many
  /// rows to a table has DuckDB write them to the database file directly,
  /// where smaller ones go through its WAL and are written again at the
  /// next checkpoint (COMMIT took ~1.2 of 4.5 s of a 1M-row load with 20,000).
  size_t batch_max_rows = 122880;
  int batch_max_ms = 500;
  /// Once the applier is free, a batch this old is applied as soon as the
  /// consumer has nothing more buffered (>= batch_max_ms: only the timer and
  /// the size limits count).
  int batch_linger_ms = 50;
  /// Memory of the decoded changes per batch (HeldBytes), not of their
  /// messages: a batch costs the same whether its messages carry schemas.
  size_t batch_max_bytes = 256 << 20;
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
  // Rows removed because a new snapshot of their table did not have them:
  // deleted at the source while no slot recorded it (TableSnapshotMarker).
  std::atomic<uint64_t> swept_rows{0};
  std::atomic<bool> circuit_open{false};   // the warehouse keeps failing: consumption is paused
  LatencyHistogram source_to_warehouse;  // source commit -> visible in the warehouse
  // Kafka record timestamp (capture's produce) -> visible: with the above,
  // tells capture's share of the latency from load's.
  LatencyHistogram kafka_to_warehouse;
  LatencyHistogram apply_duration;  // per warehouse transaction, retries included
  // Where the consuming loop waits: for Kafka to hand over the next message,
  // or for the warehouse to finish the batch before (it applies one at a
  // time). Which one grows tells what holds load back.
  std::atomic<uint64_t> waited_on_kafka_us{0};
  std::atomic<uint64_t> waited_on_warehouse_us{0};
  // Where the work goes: the consuming loop decoding messages and collapsing
  // them into the batch, and the warehouse's phases (Sink::LastApplyPhases).
  std::atomic<uint64_t> decode_us{0};
  std::atomic<uint64_t> write_us{0};
  std::atomic<uint64_t> merge_us{0};
  std::atomic<uint64_t> commit_us{0};
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
/// data. The warehouse applies one batch on a thread of its own while the
/// loop reads and decodes the next, at most one batch ahead; `on_committed`
/// is told every committed offset map, from that thread (capture's
/// coordinator in `run` with the embedded broker).
class LoadLoop {
 public:
  /// `dead_letters` may be null: undecodable messages then stop the loop.
  LoadLoop(Subscriber& subscriber, EventDecoder& decoder, Sink& sink, DeadLetterQueue* dead_letters,
           LoadOptions options, LoadStats& stats, std::function<void(const OffsetMap&)> on_committed = nullptr)
      : subscriber_(subscriber), decoder_(decoder), park_decoder_(decoder.Clone()), sink_(sink),
        dead_letters_(dead_letters), options_(std::move(options)), stats_(stats),
        on_committed_(std::move(on_committed)), batch_(options_.table_modes) {}

  absl::Status Run(const std::atomic<bool>& stop);

  /// What this loader owns and how far it is, from one reading of its
  /// assignment (thread-safe; asks the broker for end offsets and metadata).
  absl::StatusOr<LoadProgress> Progress();

  /// Messages in the partitions this loader owns that are not in the
  /// warehouse yet, against the ends the consumer last heard of: no request
  /// to the broker, so a metrics scrape never waits on it (thread-safe).
  int64_t KafkaLag();

 private:
  /// What was read since the last hand-off, applied as one transaction.
  struct Pending {
    std::vector<TableBatch> batches;  // filled at hand-off
    OffsetMap offsets;                // next offsets covered
    size_t bytes = 0;                 // memory it holds: decoded changes, parked messages
    std::vector<int64_t> source_ts_ms;  // source commit time of each change
    std::vector<int64_t> kafka_ts_ms;   // Kafka record time of each change
    /// Change messages read into it (before collapsing by key).
    size_t changes() const { return source_ts_ms.size(); }
    // Where the messages behind it are, per table in consumption order,
    // kept only with a dead-letter queue: data the warehouse refuses is
    // read again and parked. (Keeping copies cost ~15% of load's CPU.)
    struct Position {
      const TopicPartition* partition;  // a key of `offsets`
      int64_t offset;
    };
    std::map<TableId, std::vector<Position>> positions;
    // Messages of tables already paused when they were read: parked with
    // the batch, from these copies.
    std::vector<IncomingMessage> of_paused_tables;
  };

  /// Reads, decodes and batches until `stop` or an error; hands batches to
  /// the applier.
  absl::Status Consume(const std::atomic<bool>& stop);
  /// The messages of `table` behind `p`, read again from Kafka, in
  /// consumption order.
  absl::StatusOr<std::vector<IncomingMessage>> ReadAgain(const Pending& p, const TableId& table);
  /// Hands what was read to the applier, once it is free.
  absl::Status HandOff();
  /// Hands off what was read and waits until it is applied.
  absl::Status Drain();
  /// The applier's job: one warehouse transaction, retried, with the data
  /// it refuses parked.
  absl::Status Apply(Pending& p);
  /// Applies with retries; only a stop request or a non-transient error
  /// ends it unapplied.
  absl::Status ApplyWithRetries(const Pending& p, const PausedTables& newly_paused);
  /// Sends what a TableDataError blames to the dead-letter topic and takes
  /// it out of `p`: the messages of one row (a value the table refuses), or
  /// every message of the table, which is then paused (a schema it cannot
  /// take).
  absl::Status Park(const TableDataErrorInfo& blamed, const absl::Status& error, Pending& p,
                    PausedTables& newly_paused);
  /// The next offsets applied, per partition this loader owns (thread-safe).
  OffsetMap OwnedOffsets();

  /// A snapshot marker read, waiting until the warehouse holds its table's
  /// partitions up to where they ended when it was read (capture publishes
  /// it once the snapshot's rows are acknowledged, so they lie below).
  struct PendingSweep {
    TableId table;
    Version version;
    OffsetMap ends;
    TopicPartition marker;  // where the marker was read
    int64_t offset = 0;
  };
  absl::Status ReadMarker(const IncomingMessage& message);
  /// The next offsets this loader will have applied once `batch_offsets`
  /// are: one reading for every sweep of a hand-off.
  OffsetMap AppliedWith(const OffsetMap& batch_offsets);
  /// The warehouse holds every partition of `sweep` up to its end:
  /// `applied_here` for this loader's partitions (AppliedWith), `stored`
  /// (the warehouse's offsets, read once when first needed) for others'.
  absl::StatusOr<bool> SweepDue(const PendingSweep& sweep, const OffsetMap& applied_here,
                                std::optional<OffsetMap>& stored);
  /// Moves the sweeps that are due with `p` into it, and sets the marker
  /// partitions' offsets in it: a marker is committed only with its sweep.
  absl::Status TakeDueSweeps(Pending& p);
  /// Where a marker partition may be committed up to: its first marker
  /// still waiting, or past the last one read.
  int64_t MarkerOffset(const TopicPartition& partition) const;
  bool Stopping() const { return (stop_ && *stop_) || abandon_; }
  bool IsPaused(const TableId& table) {
    std::lock_guard lock(paused_mu_);
    return paused_.contains(table);
  }

  Subscriber& subscriber_;
  EventDecoder& decoder_;
  std::unique_ptr<EventDecoder> park_decoder_;  // the applier's: decoders are single-threaded
  Sink& sink_;
  DeadLetterQueue* dead_letters_;
  LoadOptions options_;
  LoadStats& stats_;
  std::function<void(const OffsetMap&)> on_committed_;
  // Loop thread.
  Batch batch_;
  Pending pending_;  // behind batch_
  absl::Status flush_error_;
  // Applier thread, or the loop thread while the applier is idle.
  std::unique_ptr<JobThread> applier_;
  Pending applying_;
  std::mt19937_64 rng_{std::random_device{}()};  // retry jitter
  // Both.
  const std::atomic<bool>* stop_ = nullptr;
  std::atomic<bool> abandon_{false};  // the loop failed: an apply still retrying gives up
  std::mutex paused_mu_;
  PausedTables paused_;  // guarded by paused_mu_
  std::mutex committed_mu_;
  OffsetMap committed_;        // next offsets applied, per assigned partition
  // Loop thread: snapshot markers read whose sweep is not handed off yet,
  // in the order read, and the offset after the last marker read per
  // marker partition.
  std::deque<PendingSweep> sweeps_;
  OffsetMap markers_read_;
  absl::Time next_sweep_check_ = absl::InfinitePast();
  std::vector<TopicPartition> partitions_;  // SubscribedPartitions(), as read at:
  absl::Time partitions_read_at_ = absl::InfinitePast();
};

}  // namespace cdc
