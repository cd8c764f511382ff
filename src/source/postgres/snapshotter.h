#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "core/change_source.h"
#include "core/log.h"
#include "source/postgres/pg_connection.h"
#include "source/postgres/snapshot_plan.h"
#include "source/postgres/table_keys.h"

namespace cdc::pg {

/// Reads the chunks of a snapshot plan that are not done yet, with
/// `workers` connections that all import one snapshot (REPEATABLE READ +
/// SET TRANSACTION SNAPSHOT), and yields SnapshotBegin, op=r events
/// (version: the plan's consistent point, 0), a SnapshotChunkEnd after the
/// last row of each chunk, and SnapshotEnd. The snapshot stays valid only
/// while the session that exported it runs no other command, so its owner
/// keeps it idle until Next() has returned SnapshotEnd.
class Snapshotter {
 public:
  struct Options {
    int workers = 2;
    absl::Duration progress_interval = absl::Seconds(10);
    MessageKeyColumns key_columns;
    /// One step of a snapshot taken while streaming: its start, progress
    /// and tables read are logged at debug level (the source logs the whole).
    bool quiet = false;
  };
  static absl::StatusOr<std::unique_ptr<Snapshotter>> Start(const std::string& dsn, const std::string& snapshot_name,
                                                            const SnapshotPlan& plan, Options options);
  ~Snapshotter();

  /// Next snapshot record, or nullopt when done. Blocks while the workers
  /// read; returns the first error any of them meets.
  absl::StatusOr<std::optional<SourceRecord>> Next();

 private:
  // Rows read by one worker from one chunk; `chunk_end` on its last batch.
  struct Batch {
    std::vector<ChangeEvent> events;
    std::optional<uint64_t> chunk_end;
    absl::Status error;
  };
  struct TableProgress {
    std::shared_ptr<const SourceTable> table;
    int64_t rows = 0;
    size_t chunks_left = 0;
    absl::Time started = absl::InfinitePast();
  };

  Snapshotter(const SnapshotPlan& plan, Options options);
  void Work(Connection& conn);
  absl::Status ReadChunk(Connection& conn, uint64_t chunk);
  bool Push(Batch batch);  // false when stopping
  absl::StatusOr<bool> Fill();  // false when every worker is finished
  void CountRow(const ChangeEvent& e);
  SnapshotMarker Marker(const ChangeEvent& e);
  size_t TableIndexOf(const ChangeEvent& e);
  void LogProgress(bool force);
  // Logged at info, or at debug when options_.quiet.
  void Note(std::string_view message, std::initializer_list<log::Field> fields) const;

  SnapshotPlan plan_;
  Options options_;
  int64_t read_time_us_ = 0;
  std::vector<std::shared_ptr<const SourceTable>> tables_;  // by plan table index
  std::vector<TableProgress> progress_;
  absl::Time last_progress_log_ = absl::Now();
  size_t last_counted_table_ = 0;

  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<Batch> queue_;
  std::vector<uint64_t> todo_;  // chunk indexes to read, in plan order
  size_t next_todo_ = 0;        // the first not yet taken by a worker
  int running_workers_ = 0;
  bool stop_ = false;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::vector<std::thread> threads_;

  // Consumer side (the thread calling Next).
  enum class Phase { kBegin, kRows, kDone } phase_ = Phase::kBegin;
  std::deque<SourceRecord> ready_;
  size_t ready_events_ = 0;
  bool workers_finished_ = false;
  bool emitted_any_ = false;
};

/// Reads a table's columns and key flags from the catalog.
absl::StatusOr<std::shared_ptr<SourceTable>> DescribeTable(Connection& conn, const TableId& id,
                                                           const MessageKeyColumns& key_overrides);

/// Opens a connection reading inside `snapshot_name`.
absl::StatusOr<std::unique_ptr<Connection>> OpenSnapshotConnection(const std::string& dsn,
                                                                   const std::string& snapshot_name);

}  // namespace cdc::pg
