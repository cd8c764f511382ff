#pragma once
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "core/capture_state_store.h"
#include "core/change_source.h"
#include "source/postgres/pg_connection.h"
#include "source/postgres/incremental_snapshot.h"
#include "source/postgres/pgoutput_decoder.h"
#include "source/postgres/snapshot_plan.h"
#include "source/postgres/table_keys.h"
#include "source/postgres/type_resolver.h"

namespace cdc::pg {

/// When capture reads the tables' existing rows (Debezium's snapshot.mode):
/// kInitial when the slot is created; kInitialOnly once, without a slot or
/// streaming; kNever not at all; kAlways at every start; kWhenNeeded like
/// kInitial, and also when the slot it streamed from is gone.
enum class SnapshotMode { kInitial, kInitialOnly, kNever, kAlways, kWhenNeeded };

/// application_name of capture's replication connection for `slot`: lets
/// `verify` see that a capture is running even while the slot is idle
/// (during the initial snapshot).
inline std::string CaptureApplicationName(const std::string& slot) { return "cdcpipe:" + slot; }

struct PostgresSourceOptions {
  std::string dsn;
  std::string slot;
  std::string publication;
  std::vector<TableId> tables;  // empty: every table (FOR ALL TABLES)
  SnapshotMode snapshot = SnapshotMode::kInitial;
  absl::Duration status_interval = absl::Seconds(1);
  absl::Duration heartbeat_interval = absl::Seconds(10);  // zero: off
  int snapshot_workers = 2;              // connections reading chunks in parallel
  int64_t snapshot_chunk_rows = 100000;  // rows per chunk (resume granularity)
  MessageKeyColumns message_key_columns;  // key columns for chosen tables (else the primary key)
  // Logical decoding messages (op m) to publish, by prefix (full match).
  // Include wins when set; cdcpipe's own messages are never published.
  std::vector<std::regex> message_prefix_include;
  std::vector<std::regex> message_prefix_exclude;
  // Tables to capture, by schema.table (full match); include wins when set.
  std::vector<std::regex> table_include;
  std::vector<std::regex> table_exclude;
  // Debezium's signal table: its inserts are signals, not captured rows.
  std::optional<TableId> signal_table;
};

/// Logical decoding messages cdcpipe writes itself start with this prefix
/// (heartbeats, verify's WAL markers); they are never published.
inline constexpr const char* kInternalMessagePrefix = "cdcpipe_";
inline constexpr const char* kHeartbeatPrefix = "cdcpipe_heartbeat";

/// Whether the table include/exclude lists let capture have `table`.
bool TableCaptured(const PostgresSourceOptions& options, const TableId& table);

/// "s.a,s.b": table names for a log or a message.
std::string JoinTables(const std::vector<TableId>& tables);

/// The tables of the publication that capture has, by name.
absl::StatusOr<std::vector<TableId>> CapturedTables(Connection& sql, const PostgresSourceOptions& options);

class Snapshotter;

/// ChangeSource over a pgoutput logical replication slot. Creates the
/// publication and the slot when absent; when it creates the slot it first
/// reads every table in the slot's exported snapshot (op=r), then streams
/// from the slot's consistent point, so nothing is missed or doubled.
/// While streaming, an execute-snapshot signal in the WAL (a logical
/// message, or a row of the signal table) has it read chosen tables again,
/// in steps between the stream's transactions or with the stream paused at
/// the signal: the rows carry the stream's position then as version, so
/// every change after it, streamed after them, wins.
class PostgresSource final : public ChangeSource {
 public:
  /// `state` records whether the initial snapshot finished (must outlive this).
  PostgresSource(PostgresSourceOptions options, CaptureStateStore& state);
  ~PostgresSource() override;

  absl::Status Start() override;
  absl::StatusOr<std::optional<SourceRecord>> Next(absl::Duration max_wait) override;
  absl::Status Acknowledge(Lsn flushed) override;
  absl::Status SnapshotChunkDurable(uint64_t chunk) override;
  absl::Status SnapshotDurable() override;
  bool Finished() const override { return finished_; }
  std::optional<SnapshotEnd> LastDurableSnapshot() const override { return last_durable_snapshot_; }

  /// The source database's name (after Start).
  const std::string& database() const { return database_; }

 private:
  absl::Status EnsurePublication(Connection& sql);
  absl::Status CheckSignalTablePublished(Connection& sql);
  absl::Status StartStreaming(Lsn from);
  absl::StatusOr<std::optional<SourceRecord>> OnFrame(std::string_view bytes);
  absl::StatusOr<std::optional<SourceRecord>> OnPgOutput(const XLogData& data);
  absl::StatusOr<std::shared_ptr<const SourceTable>> Relation(uint32_t relation_id);
  absl::Status SendStatus(bool reply_requested);
  absl::Status MaybeSendStatus();
  absl::Status WaitForData(absl::Duration left);
  bool SetReceiveLowWater(int bytes);

  absl::Status CreateSlot(Connection& sql);
  absl::Status StartSnapshotOnly(const std::optional<CaptureState>& state);
  absl::Status TakeFreshSnapshot(const SnapshotPlan& previous, Lsn stream_from);
  absl::Status StartSnapshot(SnapshotPlan plan, const std::string& snapshot_name, Lsn stream_from);
  absl::StatusOr<Result> ExportSnapshot();
  absl::Status OnSignalRow(const Row& row, Lsn lsn);
  absl::Status OnSignal(std::string_view type, std::string_view data, Lsn lsn, Lsn at);
  bool ForThisCapture(std::string_view signal, const std::optional<std::string>& slot, Lsn lsn) const;
  absl::Status OnExecuteSnapshotSignal(std::string_view data, Lsn lsn, Lsn at);
  absl::Status OnStopSnapshotSignal(std::string_view data, Lsn lsn);
  absl::Status OnPauseSnapshotSignal(std::string_view data, Lsn lsn, bool pause);
  absl::Status RecordStreamingSnapshot();
  absl::Status StartSignaledSnapshot();
  absl::Status StartIncrementalStep();
  void EndIncrementalStep();
  absl::StatusOr<std::optional<SourceRecord>> NextSnapshotRecord();
  std::optional<SnapshotPlan> ResumablePlan(const std::optional<CaptureState>& state, Lsn confirmed);
  bool MessagePrefixWanted(const std::string& prefix) const;
  void LogSchemaChange(const SourceTable& before, const SourceTable& after);
  absl::Status SaveState(bool completed, std::string progress);
  Lsn Confirmable() const { return std::min(acknowledged_, recorded_.delivered); }

  PostgresSourceOptions options_;
  CaptureStateStore& state_;
  CaptureState recorded_;  // what state_ holds for this slot
  absl::Time last_recorded_ = absl::InfinitePast();
  std::string database_;
  std::unique_ptr<Connection> replication_;
  std::unique_ptr<Connection> sql_;  // ordinary session: heartbeats
  absl::Time last_heartbeat_ = absl::Now();
  std::unique_ptr<Snapshotter> snapshotter_;
  std::unique_ptr<Connection> exporter_;  // holds a snapshot of our own open
  std::optional<SnapshotPlan> plan_;      // of the snapshot being delivered
  std::optional<SnapshotEnd> last_durable_snapshot_;  // recorded before this start
  Lsn stream_from_;                       // after the snapshot (0: the slot's position)
  bool snapshot_only_ = false;            // kInitialOnly: no streaming
  bool finished_ = false;
  Lsn consistent_point_;
  bool streaming_ = false;

  std::map<uint32_t, std::shared_ptr<const SourceTable>> relations_;
  std::set<uint32_t> unwanted_relations_;  // left out by the table include/exclude lists
  std::shared_ptr<const SourceTable> signal_relation_;  // the signal table, once its Relation came
  TypeResolver types_;
  std::deque<ChangeEvent> pending_;  // the rest of a multi-table TRUNCATE
  // Asked for by execute-snapshot signals, read from the first point between
  // two transactions after them (after the snapshot in progress, if any).
  std::vector<TableId> signaled_tables_;
  Lsn signaled_at_;
  bool signaled_blocking_ = false;  // one of the signals asked for "blocking"
  // A snapshot of chosen tables taken while streaming whose chunks
  // alternate with the stream (incremental), held in plan_ until its last
  // step is read. Each step reads the next chunks in a snapshot of its own,
  // the stream paused between two transactions; its rows carry the
  // stream's position then as version.
  std::optional<IncrementalSnapshot> incremental_;
  bool plan_while_streaming_ = false;  // plan_ was taken while streaming (either way)
  bool stream_idle_ = false;  // the last read of the stream found nothing
  Lsn last_commit_;           // commit LSN of the last transaction decoded
  // What the snapshot before streaming read (tables, WAL position then).
  std::vector<TableId> read_at_start_tables_;
  Lsn read_at_start_;
  // Xids of the transactions decoded last: a snapshot taken while
  // streaming must see them all.
  std::deque<uint32_t> recent_commits_;
  bool in_transaction_ = false;
  BeginMessage transaction_;

  // Reading the stream in batches (WaitForData): the socket's receive low
  // water mark is kBatchBytes while changes flow, 1 while the stream is quiet.
  bool batching_ = false;  // the low water mark is kBatchBytes
  bool can_batch_ = false;  // setting it worked

  Lsn received_;    // highest WAL end seen
  Lsn acknowledged_;  // highest flushed position confirmed to us
  Lsn reported_;      // last flush position sent to the server
  absl::Time last_status_ = absl::InfinitePast();
};

}  // namespace cdc::pg
