#include "core/strings.h"
#include "source/postgres/postgres_source.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "core/log.h"
#include "source/postgres/snapshot_signal.h"
#include "source/postgres/snapshotter.h"

namespace cdc::pg {
namespace {

int64_t NowPgMicros() { return absl::ToUnixMicros(absl::Now()) - kPgEpochOffsetUs; }

// How many decoded commits a snapshot taken while streaming checks it sees:
// a commit is decoded a moment before other sessions see it, and is visible
// long before this many more commits follow it.
constexpr size_t kRecentCommits = 4096;

// An incremental snapshot's step reads this many chunks per worker; the
// stream then has at least as long as the step took (and kMinStreamShare)
// before the next, unless it has nothing to send.
constexpr size_t kChunksPerWorkerStep = 1;
constexpr absl::Duration kMinStreamShare = absl::Milliseconds(100);
// At most this many rows per chunk of an incremental snapshot: a step then
// holds the stream for a fraction of a second (bench/adhoc_snapshot).
constexpr int64_t kIncrementalChunkRows = 20000;

// The walsender sends every change in a write of its own. Woken for each
// (a few messages per wakeup), capture spent more CPU in wakeups than in its
// work, and the switches slowed the walsender it shares the CPU with: so
// while changes flow, capture waits until this many bytes are buffered, or
// at most kBatchWait, before it reads.
constexpr int kBatchBytes = 64 * 1024;
constexpr absl::Duration kBatchWait = absl::Milliseconds(2);

// The heartbeat's columns 1-3 (bytes; NULL when the slot is gone, or for
// safe_wal_size when the server sets no max_slot_wal_keep_size).
SlotWal SlotWalOf(PGresult* r) {
  auto bytes = [r](int column) -> std::optional<int64_t> {
    int64_t v = 0;
    if (PQntuples(r) == 0 || PQgetisnull(r, 0, column) || !absl::SimpleAtoi(PQgetvalue(r, 0, column), &v)) {
      return std::nullopt;
    }
    return v;
  };
  return SlotWal{bytes(1), bytes(2), bytes(3)};
}

}  // namespace

std::string JoinTables(const std::vector<TableId>& tables) {
  std::vector<std::string> names;
  for (const TableId& t : tables) names.push_back(t.ToString());
  return absl::StrJoin(names, ",");
}

PostgresSource::PostgresSource(PostgresSourceOptions options, CaptureStateStore& state)
    : options_(std::move(options)), state_(state) {}
PostgresSource::~PostgresSource() = default;

absl::Status PostgresSource::EnsurePublication(Connection& sql) {
  const std::string ctx = StrCat("publication ", options_.publication);
  CDC_ASSIGN_OR_RETURN(Result r, sql.Exec(StrCat("SELECT 1 FROM pg_publication WHERE pubname = ",
                                                       sql.Quote(options_.publication)), ctx));
  if (PQntuples(r.get()) > 0) return CheckSignalTablePublished(sql);
  std::string target = "ALL TABLES";
  if (!options_.tables.empty()) {
    std::vector<std::string> names;
    for (const auto& t : options_.tables) names.push_back(sql.QuoteTable(t));
    if (options_.signal_table) names.push_back(sql.QuoteTable(*options_.signal_table));
    target = "TABLE " + absl::StrJoin(names, ", ");
  }
  CDC_RETURN_IF_ERROR(sql.Exec(StrCat("CREATE PUBLICATION ", sql.QuoteIdent(options_.publication),
                                            " FOR ", target), ctx).status());
  log::Info("capture", "created publication", {{"publication", options_.publication}, {"for", target}});
  return CheckSignalTablePublished(sql);
}

// Signals reach capture through the publication: a signal table outside it
// would be silently deaf.
absl::Status PostgresSource::CheckSignalTablePublished(Connection& sql) {
  if (!options_.signal_table) return absl::OkStatus();
  const TableId& t = *options_.signal_table;
  CDC_ASSIGN_OR_RETURN(Result r, sql.Exec(StrCat(
      "SELECT 1 FROM pg_publication_tables WHERE pubname = ", sql.Quote(options_.publication),
      " AND schemaname = ", sql.Quote(t.schema), " AND tablename = ", sql.Quote(t.table)),
      StrCat("signal table ", t.ToString())));
  if (PQntuples(r.get()) == 0) {
    log::Warn("capture", "signal table is not in the publication (or does not exist): its signals do not reach "
              "capture", {{"table", t.ToString()}, {"publication", options_.publication},
                          {"fix", StrCat("CREATE TABLE ", sql.QuoteTable(t), " (id varchar(42) PRIMARY KEY, "
                                         "type varchar(32) NOT NULL, data varchar(2048)); ALTER PUBLICATION ",
                                         sql.QuoteIdent(options_.publication), " ADD TABLE ", sql.QuoteTable(t))}});
  }
  return absl::OkStatus();
}

absl::Status PostgresSource::Start() {
  CDC_ASSIGN_OR_RETURN(sql_, Connection::Open(options_.dsn, false, "setup"));
  Connection* sql = sql_.get();
  CDC_RETURN_IF_ERROR(EnsurePublication(*sql));
  CDC_ASSIGN_OR_RETURN(Result db, sql->Exec("SELECT current_database()", "source database"));
  database_ = PQgetvalue(db.get(), 0, 0);
  CDC_ASSIGN_OR_RETURN(std::optional<CaptureState> state, state_.Load(options_.slot));
  recorded_ = state.value_or(CaptureState{});
  if (recorded_.completed && !recorded_.progress.empty()) {
    // The tables and LSN of the last snapshot (chunks are not kept).
    if (absl::StatusOr<SnapshotPlan> last = SnapshotPlan::Parse(recorded_.progress); last.ok()) {
      last_durable_snapshot_ = last->End();
    }
  }
  const SnapshotMode mode = options_.snapshot;
  if (mode == SnapshotMode::kInitialOnly) return StartSnapshotOnly(state);

  const std::string slot_ctx = StrCat("replication slot ", options_.slot);
  CDC_ASSIGN_OR_RETURN(Result slot, sql->Exec(StrCat(
      "SELECT plugin, confirmed_flush_lsn, database = current_database(), active "
      "FROM pg_replication_slots WHERE slot_name = ", sql->Quote(options_.slot)), slot_ctx));
  const bool slot_exists = PQntuples(slot.get()) > 0;
  Lsn confirmed;
  if (slot_exists) {
    const std::string plugin = PQgetvalue(slot.get(), 0, 0);
    if (plugin != "pgoutput" || PQgetvalue(slot.get(), 0, 2)[0] != 't') {
      return absl::FailedPreconditionError(StrCat(
          slot_ctx, " exists but uses plugin '", plugin,
          "' or another database; drop it or configure source.postgres.slot"));
    }
    CDC_ASSIGN_OR_RETURN(confirmed, Lsn::Parse(PQgetvalue(slot.get(), 0, 1)));
    if (recorded_.delivered.value != 0 && confirmed > recorded_.delivered) {
      // Capture records a position before it confirms it: a slot further
      // ahead was advanced by someone else, past changes never delivered.
      return absl::FailedPreconditionError(StrCat(
          slot_ctx, " is confirmed up to ", confirmed.ToString(), ", ahead of ", recorded_.delivered.ToString(),
          ", the last position this pipeline delivered: another consumer or pg_replication_slot_advance() "
          "moved it, and the changes in between were never delivered. Drop the slot and reset the capture state "
          "to start over with a new snapshot (docs/operations.md)"));
    }
  }

  CDC_ASSIGN_OR_RETURN(replication_, Connection::Open(options_.dsn, true, "replication",
                                                      CaptureApplicationName(options_.slot)));
  CDC_RETURN_IF_ERROR(replication_->Exec(kSessionSettings, "replication session settings").status());

  const bool completed = state && state->completed;
  // A request for chosen tables was made after a snapshot completed: a lost
  // slot must still be noticed.
  const bool streamed_before = completed || (state && IsTableSnapshotRequest(state->progress));
  if (slot_exists && !completed && mode != SnapshotMode::kNever) {
    // A snapshot that never became durable (crash mid-snapshot), or a
    // warehouse that lost its state.
    if (std::optional<SnapshotPlan> plan = ResumablePlan(state, confirmed)) {
      return TakeFreshSnapshot(*plan, Lsn{0});
    }
    log::Warn("capture", "initial snapshot of this slot is not recorded as complete and cannot be resumed; "
              "recreating the slot", {{"slot", options_.slot}, {"recorded", state ? "started" : "nothing"}});
    CDC_RETURN_IF_ERROR(replication_->Exec(StrCat("DROP_REPLICATION_SLOT ", replication_->QuoteIdent(options_.slot)),
                                           slot_ctx).status());
    return CreateSlot(*sql);
  }
  if (slot_exists) {
    if (mode == SnapshotMode::kAlways) {
      // Read every table again, then replay the slot from where it stands:
      // changes since then (deletes too) are applied over the fresh rows.
      log::Info("capture", "snapshot mode 'always': reading the tables again before streaming",
                {{"slot", options_.slot}, {"confirmed_flush_lsn", confirmed.ToString()}});
      SnapshotPlan plan;
      plan.consistent_point = confirmed;
      return TakeFreshSnapshot(plan, Lsn{0});
    }
    log::Info("capture", "resuming from existing slot",
              {{"slot", options_.slot}, {"confirmed_flush_lsn", confirmed.ToString()}});
    return StartStreaming(Lsn{0});
  }
  if (streamed_before) {
    // The slot we streamed from is gone: the changes made since it was last
    // read are gone with it. Silently creating a new one would skip them.
    if (mode != SnapshotMode::kWhenNeeded && mode != SnapshotMode::kAlways) {
      return absl::FailedPreconditionError(StrCat(
          slot_ctx, " no longer exists, but this pipeline has streamed from it: changes since its last "
          "confirmed position cannot be recovered from PostgreSQL. To start over with a new snapshot, "
          "reset the capture state of slot '", options_.slot, "' (docs/operations.md), or use "
          "source.postgres.snapshot: when_needed"));
    }
    log::Warn("capture", "the slot this pipeline streamed from is gone; taking a new snapshot. Rows deleted "
              "while it was gone are not deleted downstream (docs/operations.md)", {{"slot", options_.slot}});
  }
  return CreateSlot(*sql);
}

std::optional<SnapshotPlan> PostgresSource::ResumablePlan(const std::optional<CaptureState>& state, Lsn confirmed) {
  if (!state || state->completed || state->progress.empty()) return std::nullopt;
  absl::StatusOr<SnapshotPlan> plan = SnapshotPlan::Parse(state->progress);
  if (!plan.ok()) {
    log::Warn("capture", "recorded snapshot progress is unreadable", {{"slot", options_.slot},
                                                                       {"error", plan.status().ToString()}});
    return std::nullopt;
  }
  if (plan->listed_tables_only && !IsTableSnapshotRequest(*plan) && confirmed.value != 0 &&
      plan->consistent_point != confirmed) {
    // A snapshot of chosen tables taken while streaming (execute-snapshot
    // signal), and the slot went on meanwhile: its chunks read carry an
    // older version than the position streaming resumes from, so its
    // tables are read again, whole, as a request.
    std::vector<TableId> tables;
    for (const SnapshotTablePlan& t : plan->tables) {
      if (!t.skipped) tables.push_back(t.id);
    }
    log::Info("capture", "a snapshot of chosen tables taken while streaming did not finish; reading them again",
              {{"slot", options_.slot}, {"snapshot_lsn", plan->consistent_point.ToString()}});
    *plan = TableSnapshotRequest(tables);
  }
  if (IsTableSnapshotRequest(*plan)) {
    // A request for a snapshot of chosen tables: taken at the slot's
    // position, so that streaming replays every change after it over them.
    plan->consistent_point = confirmed;
    if (options_.snapshot == SnapshotMode::kAlways) {
      plan->listed_tables_only = false;  // 'always' reads every table anyway
      plan->tables.clear();
    }
    log::Info("capture", "reading chosen tables again before streaming",
              {{"slot", options_.slot}, {"tables", JoinTables(plan->End().tables)}});
    return *std::move(plan);
  }
  // The slot must still be where the snapshot's rows were taken: streaming
  // replays every change after it over the rows read since.
  if (confirmed.value != 0 && plan->consistent_point != confirmed) {
    log::Warn("capture", "slot moved since its snapshot started; the snapshot cannot be resumed",
              {{"slot", options_.slot}, {"snapshot_lsn", plan->consistent_point.ToString()},
               {"confirmed_flush_lsn", confirmed.ToString()}});
    return std::nullopt;
  }
  return *std::move(plan);
}

absl::StatusOr<std::vector<TableId>> CapturedTables(Connection& sql, const PostgresSourceOptions& options) {
  CDC_ASSIGN_OR_RETURN(Result tables, sql.Exec(StrCat(
      "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = ",
      sql.Quote(options.publication), " ORDER BY 1, 2"), StrCat("tables of publication ", options.publication)));
  std::vector<TableId> ids;
  for (int i = 0; i < PQntuples(tables.get()); ++i) {
    TableId id{PQgetvalue(tables.get(), i, 0), PQgetvalue(tables.get(), i, 1)};
    if (TableCaptured(options, id)) ids.push_back(std::move(id));
  }
  return ids;
}

absl::Status PostgresSource::CreateSlot(Connection& sql) {
  const std::string slot_ctx = StrCat("replication slot ", options_.slot);
  // Exporting a snapshot only pays off if we read it; otherwise ask for none.
  const bool snapshot = options_.snapshot != SnapshotMode::kNever;
  if (snapshot) CDC_RETURN_IF_ERROR(SaveState(false, ""));
  CDC_ASSIGN_OR_RETURN(Result created, replication_->Exec(StrCat(
      "CREATE_REPLICATION_SLOT ", replication_->QuoteIdent(options_.slot), " LOGICAL pgoutput (SNAPSHOT '",
      snapshot ? "export" : "nothing", "')"), slot_ctx));
  CDC_ASSIGN_OR_RETURN(consistent_point_, Lsn::Parse(PQgetvalue(created.get(), 0, 1)));
  recorded_.delivered = consistent_point_;  // a new slot is confirmed up to there
  log::Info("capture", "created replication slot",
            {{"slot", options_.slot}, {"consistent_point", consistent_point_.ToString()}});
  if (!snapshot) {
    // Recorded so that a lost slot is noticed instead of silently replaced.
    CDC_RETURN_IF_ERROR(SaveState(true, ""));
    return StartStreaming(consistent_point_);
  }
  // The replication connection must stay idle for its exported snapshot to
  // live: planning runs on a connection of its own inside that snapshot.
  const std::string snapshot_name = PQgetvalue(created.get(), 0, 2);
  CDC_ASSIGN_OR_RETURN(auto planner, OpenSnapshotConnection(options_.dsn, snapshot_name));
  SnapshotPlan plan;
  plan.consistent_point = consistent_point_;
  CDC_ASSIGN_OR_RETURN(std::vector<TableId> tables, CapturedTables(sql, options_));
  for (const TableId& id : tables) CDC_RETURN_IF_ERROR(PlanTable(*planner, id, options_.snapshot_chunk_rows, plan));
  planner.reset();
  return StartSnapshot(std::move(plan), snapshot_name, consistent_point_);
}

absl::Status PostgresSource::TakeFreshSnapshot(const SnapshotPlan& previous, Lsn stream_from) {
  CDC_ASSIGN_OR_RETURN(Result exported, ExportSnapshot());
  const std::string snapshot_name = PQgetvalue(exported.get(), 0, 0);
  CDC_ASSIGN_OR_RETURN(std::vector<TableId> tables, CapturedTables(*sql_, options_));
  CDC_ASSIGN_OR_RETURN(SnapshotPlan plan, ResumePlan(*exporter_, previous, tables, options_.snapshot_chunk_rows));
  for (const SnapshotTablePlan& t : previous.tables) {
    if (std::find(tables.begin(), tables.end(), t.id) == tables.end()) {
      log::Warn("capture", "table of the snapshot no longer captured (not in the publication, or left out by "
                "table_include_list / table_exclude_list); not read", {{"table", t.id.ToString()}});
    }
  }
  CDC_ASSIGN_OR_RETURN(const Lsn wal_now, Lsn::Parse(PQgetvalue(exported.get(), 0, 1)));
  if (plan.consistent_point.value == 0) plan.consistent_point = wal_now;
  if (!streaming_) {
    // Signals replayed from the slot that this read already answers.
    read_at_start_ = wal_now;
    for (const SnapshotTablePlan& t : plan.tables) {
      if (!t.skipped) read_at_start_tables_.push_back(t.id);
    }
  }
  consistent_point_ = plan.consistent_point;
  return StartSnapshot(std::move(plan), snapshot_name, stream_from);
}

// A snapshot of our own, exported so the workers share it; the exporting
// transaction stays open (exporter_) until the snapshot is read. Columns:
// its name, the WAL position then.
absl::StatusOr<Result> PostgresSource::ExportSnapshot() {
  const std::vector<uint32_t> committed(recent_commits_.begin(), recent_commits_.end());
  for (int attempt = 1;; ++attempt) {
    CDC_ASSIGN_OR_RETURN(exporter_, Connection::Open(options_.dsn, false, "snapshot export"));
    CDC_RETURN_IF_ERROR(exporter_->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "snapshot export").status());
    CDC_RETURN_IF_ERROR(exporter_->Exec(kSessionSettings, "snapshot export").status());
    CDC_ASSIGN_OR_RETURN(Result exported, exporter_->Exec(
        "SELECT pg_export_snapshot(), pg_current_wal_lsn(), pg_current_snapshot()::text", "snapshot export"));
    // While streaming, the rows read are versioned after the last commit
    // decoded: the snapshot must see it and those before it.
    CDC_ASSIGN_OR_RETURN(bool sees, SnapshotSeesCommits(PQgetvalue(exported.get(), 0, 2), committed));
    if (sees) return exported;
    if (attempt == 500) {
      return absl::UnavailableError(StrCat("snapshot for slot ", options_.slot, " still does not see transactions "
                                           "already decoded after 5 s (", PQgetvalue(exported.get(), 0, 2), ")"));
    }
    exporter_.reset();
    absl::SleepFor(absl::Milliseconds(10));
  }
}

absl::Status PostgresSource::StartSnapshotOnly(const std::optional<CaptureState>& state) {
  if (state && state->completed) {
    log::Info("capture", "snapshot mode 'initial_only': the snapshot is already complete; nothing to do",
              {{"slot", options_.slot}});
    finished_ = true;
    return absl::OkStatus();
  }
  snapshot_only_ = true;
  // No slot: nothing streams afterwards, so no WAL needs to be kept.
  std::optional<SnapshotPlan> previous = ResumablePlan(state, Lsn{0});
  if (!previous) CDC_RETURN_IF_ERROR(SaveState(false, ""));
  return TakeFreshSnapshot(previous.value_or(SnapshotPlan{}), Lsn{0});
}

absl::Status PostgresSource::StartSnapshot(SnapshotPlan plan, const std::string& snapshot_name, Lsn stream_from) {
  CDC_RETURN_IF_ERROR(SaveState(false, plan.Serialize()));
  if (plan.DoneChunks() > 0) {
    log::Info("capture", "resuming the snapshot", {{"slot", options_.slot}, {"chunks_done", plan.DoneChunks()},
                                                   {"chunks", plan.chunks.size()}});
  }
  CDC_ASSIGN_OR_RETURN(snapshotter_, Snapshotter::Start(options_.dsn, snapshot_name, plan,
                                                        Snapshotter::Options{options_.snapshot_workers, absl::Seconds(10), options_.message_key_columns}));
  plan_ = std::move(plan);
  stream_from_ = stream_from;
  return absl::OkStatus();
}

absl::Status PostgresSource::StartStreaming(Lsn from) {
  const std::string sql = StrCat(
      "START_REPLICATION SLOT ", replication_->QuoteIdent(options_.slot), " LOGICAL ", from.ToString(),
      " (proto_version '1', messages 'true', publication_names ",
      replication_->Quote(replication_->QuoteIdent(options_.publication)), ")");
  CDC_RETURN_IF_ERROR(replication_->ExecCopy(sql, PGRES_COPY_BOTH,
                                             StrCat("start replication from slot ", options_.slot)).status());
  if (PQsetnonblocking(replication_->raw(), 1) != 0) {
    return replication_->ConnectionError("replication connection non-blocking mode");
  }
  streaming_ = true;
  can_batch_ = batching_ = SetReceiveLowWater(kBatchBytes);
  log::Info("capture", "streaming started", {{"slot", options_.slot}, {"from_lsn", from.ToString()}});
  return absl::OkStatus();
}

absl::StatusOr<std::optional<SourceRecord>> PostgresSource::Next(absl::Duration max_wait) {
  const bool between_transactions = !in_transaction_ && pending_.empty() && !snapshotter_;
  if (between_transactions && incremental_) {
    if (incremental_->StepDue(*plan_, absl::Now(), stream_idle_)) CDC_RETURN_IF_ERROR(StartIncrementalStep());
  } else if (between_transactions && !signaled_tables_.empty()) {
    if (plan_) {
      // The snapshot before is read but not durable yet: the stream stays
      // paused after the signal until it is and this one can begin.
      if (streaming_) CDC_RETURN_IF_ERROR(MaybeSendStatus());
      absl::SleepFor(std::min(max_wait, absl::Milliseconds(10)));
      return std::nullopt;
    }
    CDC_RETURN_IF_ERROR(StartSignaledSnapshot());
  }
  if (snapshotter_) {
    // A snapshot taken while streaming: the stream waits, and is kept
    // alive with status updates (the server ends a silent one).
    if (streaming_) CDC_RETURN_IF_ERROR(MaybeSendStatus());
    CDC_ASSIGN_OR_RETURN(auto record, NextSnapshotRecord());
    if (record) return record;
    snapshotter_.reset();
    exporter_.reset();
    if (incremental_) EndIncrementalStep();
    if (!snapshot_only_ && !streaming_) CDC_RETURN_IF_ERROR(StartStreaming(stream_from_));
  }
  if (snapshot_only_ || finished_) {
    absl::SleepFor(std::min(max_wait, absl::Milliseconds(10)));
    return std::nullopt;
  }
  if (!streaming_) return absl::FailedPreconditionError("PostgresSource::Next before Start");

  if (options_.heartbeat_interval > absl::ZeroDuration() && absl::Now() - last_heartbeat_ >= options_.heartbeat_interval) {
    last_heartbeat_ = absl::Now();
    // Non-transactional: writes WAL in this database even when nothing else
    // does, so the server keeps sending positions we can confirm. The same
    // round trip reads how much WAL the slot holds back (the metrics).
    CDC_ASSIGN_OR_RETURN(Result beat, sql_->Exec(StrCat(
        "SELECT pg_logical_emit_message(false, '", kHeartbeatPrefix, "', ''), "
        "pg_current_wal_lsn() - s.restart_lsn, pg_current_wal_lsn() - s.confirmed_flush_lsn, s.safe_wal_size "
        "FROM (SELECT 1) AS one LEFT JOIN pg_replication_slots AS s ON s.slot_name = ", sql_->Quote(options_.slot)),
        StrCat("heartbeat of slot ", options_.slot)));
    return SourceRecord{Heartbeat{absl::ToUnixMillis(last_heartbeat_), SlotWalOf(beat.get())}};
  }
  if (!pending_.empty()) {
    ChangeEvent next = std::move(pending_.front());
    pending_.pop_front();
    return SourceRecord{std::move(next)};
  }
  // During an incremental snapshot a quiet stream is noticed quickly, so
  // that the next step need not wait for it.
  const absl::Time deadline = absl::Now() + (incremental_ ? std::min(max_wait, absl::Milliseconds(5)) : max_wait);
  while (true) {
    CDC_RETURN_IF_ERROR(MaybeSendStatus());
    char* buf = nullptr;
    const int n = PQgetCopyData(replication_->raw(), &buf, 1);
    if (n > 0) {
      stream_idle_ = false;
      // Decoding copies what it keeps: the frame is read in place.
      auto record = OnFrame(std::string_view(buf, static_cast<size_t>(n)));
      PQfreemem(buf);
      if (!record.ok()) return record.status();
      if (*record) return *std::move(record);
      continue;
    }
    if (n == -1) {
      return absl::UnavailableError(StrCat("replication stream of slot ", options_.slot,
                                                 " ended by the server"));
    }
    if (n == -2) return replication_->ConnectionError(StrCat("replication stream of slot ", options_.slot));
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      stream_idle_ = true;
      return std::nullopt;
    }
    CDC_RETURN_IF_ERROR(WaitForData(left));
    if (PQconsumeInput(replication_->raw()) == 0) {
      return replication_->ConnectionError(StrCat("replication stream of slot ", options_.slot));
    }
  }
}

bool PostgresSource::SetReceiveLowWater(int bytes) {
  return setsockopt(PQsocket(replication_->raw()), SOL_SOCKET, SO_RCVLOWAT, &bytes, sizeof(bytes)) == 0;
}

// Returns when the socket may have data (or `left` has passed). While
// changes flow it waits for a batch of kBatchBytes, at most kBatchWait; a
// stream found quiet then waits for its first byte, read at once.
absl::Status PostgresSource::WaitForData(absl::Duration left) {
  pollfd pfd{PQsocket(replication_->raw()), POLLIN, 0};
  auto wait = [&](absl::Duration d) -> absl::StatusOr<bool> {
    const int ms = static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(absl::Ceil(d, absl::Milliseconds(1))), 100));
    const int rc = poll(&pfd, 1, ms);
    if (rc < 0 && errno != EINTR) {
      return absl::UnavailableError(StrCat("poll on replication socket failed: ", strerror(errno)));
    }
    return rc > 0;
  };
  if (batching_) {
    CDC_ASSIGN_OR_RETURN(bool ready, wait(std::min(left, kBatchWait)));
    int buffered = 0;
    if (ready || left <= kBatchWait || (ioctl(pfd.fd, FIONREAD, &buffered) == 0 && buffered > 0)) {
      return absl::OkStatus();
    }
    // Nothing at all arrived: the stream is quiet; wake on its first byte.
    batching_ = !SetReceiveLowWater(1);
    left -= kBatchWait;
  }
  CDC_ASSIGN_OR_RETURN(bool ready, wait(left));
  if (ready && can_batch_ && !batching_) batching_ = SetReceiveLowWater(kBatchBytes);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<SourceRecord>> PostgresSource::OnFrame(std::string_view bytes) {
  CDC_ASSIGN_OR_RETURN(ReplicationFrame frame, DecodeReplicationFrame(bytes));
  if (auto* k = std::get_if<Keepalive>(&frame)) {
    received_ = std::max(received_, k->wal_end);
    if (k->reply_requested) CDC_RETURN_IF_ERROR(SendStatus(false));
    if (!in_transaction_) return SourceRecord{SourceIdle{k->wal_end}};
    return std::nullopt;
  }
  const auto& data = std::get<XLogData>(frame);
  received_ = std::max(received_, data.wal_end);
  auto record = OnPgOutput(data);
  if (!record.ok()) {
    return absl::Status(record.status().code(),
                        StrCat(record.status().message(), " (slot ", options_.slot, ", lsn ",
                                     data.data_start.ToString(), ")"));
  }
  return record;
}

absl::StatusOr<std::shared_ptr<const SourceTable>> PostgresSource::Relation(uint32_t relation_id) {
  auto it = relations_.find(relation_id);
  if (it == relations_.end()) {
    return absl::DataLossError(StrCat("change for relation OID ", relation_id,
                                            " arrived before its Relation message"));
  }
  return it->second;
}

namespace {

std::string ColumnType(const SourceColumn& c) { return StrCat(c.type_oid, "/", c.type_modifier); }

}  // namespace

// The next events carry the new schema; the log says what changed.
void PostgresSource::LogSchemaChange(const SourceTable& before, const SourceTable& after) {
  std::vector<std::string> added, dropped, retyped;
  for (const auto& c : after.columns) {
    auto old = std::find_if(before.columns.begin(), before.columns.end(),
                            [&](const SourceColumn& o) { return o.name == c.name; });
    if (old == before.columns.end()) added.push_back(c.name);
    else if (ColumnType(*old) != ColumnType(c)) retyped.push_back(c.name);
  }
  for (const auto& c : before.columns) {
    if (std::none_of(after.columns.begin(), after.columns.end(), [&](const SourceColumn& n) { return n.name == c.name; })) {
      dropped.push_back(c.name);
    }
  }
  if (added.empty() && dropped.empty() && retyped.empty()) return;
  log::Info("capture", "table schema changed", {{"table", after.id.ToString()}, {"added", absl::StrJoin(added, ",")},
                                                 {"dropped", absl::StrJoin(dropped, ",")},
                                                 {"type_changed", absl::StrJoin(retyped, ",")}});
}

namespace {

absl::Status CheckWidth(const SourceTable& t, const Row& row, std::string_view what) {
  if (row.size() != t.columns.size()) {
    return absl::InvalidArgumentError(StrCat(what, " of ", t.id.ToString(), " has ", row.size(),
                                                   " columns, relation has ", t.columns.size()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::optional<SourceRecord>> PostgresSource::OnPgOutput(const XLogData& data) {
  CDC_ASSIGN_OR_RETURN(PgOutputMessage message, DecodePgOutput(data.payload));
  auto change = [&](Op op, std::shared_ptr<const SourceTable> table) {
    ChangeEvent e;
    e.op = op;
    e.table = std::move(table);
    e.version = Version{transaction_.final_lsn, data.data_start};
    e.xid = transaction_.xid;
    e.commit_time_us = transaction_.commit_time + kPgEpochOffsetUs;
    return e;
  };

  if (auto* m = std::get_if<BeginMessage>(&message)) {
    in_transaction_ = true;
    transaction_ = *m;
    // The Begin frame is sent at the transaction's first LSN.
    return SourceRecord{TransactionBegin{m->xid, m->final_lsn, m->commit_time + kPgEpochOffsetUs, data.data_start}};
  }
  if (auto* m = std::get_if<CommitMessage>(&message)) {
    in_transaction_ = false;
    last_commit_ = m->commit_lsn;
    recent_commits_.push_back(transaction_.xid);
    if (recent_commits_.size() > kRecentCommits) recent_commits_.pop_front();
    return SourceRecord{TransactionCommit{m->commit_lsn, m->end_lsn, m->commit_time + kPgEpochOffsetUs}};
  }
  if (auto* m = std::get_if<RelationMessage>(&message)) {
    if (options_.signal_table && m->table.id == *options_.signal_table) {
      unwanted_relations_.insert(m->table.relation_id);  // read for its signals alone
      signal_relation_ = std::make_shared<const SourceTable>(std::move(m->table));
      return std::nullopt;
    }
    if (!TableCaptured(options_, m->table.id)) {
      unwanted_relations_.insert(m->table.relation_id);
      return std::nullopt;
    }
    unwanted_relations_.erase(m->table.relation_id);
    // The message flags the replica identity; events are keyed like Debezium's.
    CDC_RETURN_IF_ERROR(AssignKeyColumns(*sql_, m->table, options_.message_key_columns));
    // Enums, domains, arrays and extension types need the catalog; it is
    // read now, at the Relation message, as Debezium's type registry does.
    CDC_RETURN_IF_ERROR(types_.Resolve(*sql_, m->table));
    auto table = std::make_shared<const SourceTable>(std::move(m->table));
    log::Debug("capture", "relation", {{"table", table->id.ToString()}, {"oid", table->relation_id}});
    if (auto known = relations_.find(table->relation_id); known != relations_.end()) {
      LogSchemaChange(*known->second, *table);
    }
    relations_[table->relation_id] = std::move(table);
    return std::nullopt;
  }
  if (auto* m = std::get_if<InsertMessage>(&message)) {
    if (signal_relation_ && m->relation_id == signal_relation_->relation_id) {
      CDC_RETURN_IF_ERROR(OnSignalRow(m->new_tuple, data.data_start));
      return std::nullopt;
    }
    if (unwanted_relations_.contains(m->relation_id)) return std::nullopt;
    CDC_ASSIGN_OR_RETURN(auto table, Relation(m->relation_id));
    CDC_RETURN_IF_ERROR(CheckWidth(*table, m->new_tuple, "insert"));
    ChangeEvent e = change(Op::kCreate, table);
    e.after = std::move(m->new_tuple);
    return SourceRecord{std::move(e)};
  }
  if (auto* m = std::get_if<UpdateMessage>(&message)) {
    if (unwanted_relations_.contains(m->relation_id)) return std::nullopt;
    CDC_ASSIGN_OR_RETURN(auto table, Relation(m->relation_id));
    CDC_RETURN_IF_ERROR(CheckWidth(*table, m->new_tuple, "update"));
    ChangeEvent e = change(Op::kUpdate, table);
    if (m->old_tuple) {
      CDC_RETURN_IF_ERROR(CheckWidth(*table, *m->old_tuple, "update old row"));
      // With REPLICA IDENTITY FULL the old row has every value: fill the new
      // row's unchanged TOAST columns from it.
      if (m->old_kind == 'O') {
        for (size_t i = 0; i < m->new_tuple.size(); ++i) {
          if (m->new_tuple[i].kind == Datum::Kind::kUnchangedToast) m->new_tuple[i] = (*m->old_tuple)[i];
        }
      }
      e.before = std::move(m->old_tuple);
    }
    e.after = std::move(m->new_tuple);
    return SourceRecord{std::move(e)};
  }
  if (auto* m = std::get_if<DeleteMessage>(&message)) {
    if (unwanted_relations_.contains(m->relation_id)) return std::nullopt;
    CDC_ASSIGN_OR_RETURN(auto table, Relation(m->relation_id));
    CDC_RETURN_IF_ERROR(CheckWidth(*table, m->old_tuple, "delete"));
    ChangeEvent e = change(Op::kDelete, table);
    e.before = std::move(m->old_tuple);
    return SourceRecord{std::move(e)};
  }
  if (auto* m = std::get_if<TruncateMessage>(&message)) {
    // One event per truncated table; several tables arrive as a batch.
    for (uint32_t relid : m->relation_ids) {
      if (unwanted_relations_.contains(relid)) continue;
      CDC_ASSIGN_OR_RETURN(auto table, Relation(relid));
      pending_.push_back(change(Op::kTruncate, table));
    }
    if (pending_.empty()) return std::nullopt;
    ChangeEvent first = std::move(pending_.front());
    pending_.pop_front();
    return SourceRecord{std::move(first)};
  }
  if (auto* m = std::get_if<LogicalMessage>(&message)) {
    if (m->prefix.starts_with(kInternalMessagePrefix)) {
      // cdcpipe's own: signals, and markers (heartbeats, verify) that are
      // not the application's.
      if (std::optional<std::string_view> type = SignalTypeOfMessage(m->prefix)) {
        CDC_RETURN_IF_ERROR(OnSignal(*type, m->content, m->lsn, m->transactional ? transaction_.final_lsn : m->lsn));
      }
      return std::nullopt;
    }
    if (!MessagePrefixWanted(m->prefix)) return std::nullopt;
    DatabaseMessage out;
    out.transactional = m->transactional;
    out.prefix = std::move(m->prefix);
    out.content = std::move(m->content);
    if (m->transactional) {
      out.version = Version{transaction_.final_lsn, m->lsn};
      out.xid = transaction_.xid;
      out.commit_time_us = transaction_.commit_time + kPgEpochOffsetUs;
    } else {
      out.version = Version{Lsn{0}, m->lsn};
      // No time of its own: Debezium gives it the last commit's.
      out.commit_time_us = in_transaction_ || transaction_.commit_time != 0
                               ? transaction_.commit_time + kPgEpochOffsetUs
                               : absl::ToUnixMicros(absl::Now());
    }
    return SourceRecord{std::move(out)};
  }
  // Origin and Type messages carry nothing to publish.
  return std::nullopt;
}

// A row inserted into the signal table (Debezium's columns id, type, data).
absl::Status PostgresSource::OnSignalRow(const Row& row, Lsn lsn) {
  auto column = [&](std::string_view name) -> std::optional<std::string> {
    for (size_t i = 0; i < signal_relation_->columns.size() && i < row.size(); ++i) {
      if (signal_relation_->columns[i].name == name && row[i].kind == Datum::Kind::kText) return row[i].text;
    }
    return std::nullopt;
  };
  const std::optional<std::string> type = column("type");
  if (!type) {
    log::Warn("capture", "signal ignored: no type", {{"table", signal_relation_->id.ToString()}, {"lsn", lsn.ToString()}});
    return absl::OkStatus();
  }
  return OnSignal(*type, column("data").value_or(""), lsn, transaction_.final_lsn);
}

// A signal of Debezium's `type` (from the signal table or a logical
// message) at `lsn`, in the transaction that commits at `at`.
absl::Status PostgresSource::OnSignal(std::string_view type, std::string_view data, Lsn lsn, Lsn at) {
  if (type == "execute-snapshot") return OnExecuteSnapshotSignal(data, lsn, at);
  if (type == "stop-snapshot") return OnStopSnapshotSignal(data, lsn);
  if (type == "pause-snapshot" || type == "resume-snapshot") return OnPauseSnapshotSignal(data, lsn, type == "pause-snapshot");
  if (type == "log") {
    // Debezium's log signal: a mark in capture's log at this point of the stream.
    absl::StatusOr<std::string> message = ParseLogSignal(data, lsn.ToString());
    if (!message.ok()) {
      log::Warn("capture", "log signal ignored", {{"lsn", lsn.ToString()}, {"reason", std::string(message.status().message())}});
    } else {
      log::Info("capture", "log signal", {{"message", *message}, {"lsn", lsn.ToString()}});
    }
    return absl::OkStatus();
  }
  log::Warn("capture", "signal ignored: only types execute-snapshot, stop-snapshot, pause-snapshot, "
            "resume-snapshot and log are supported",
            {{"table", signal_relation_ ? signal_relation_->id.ToString() : "(none)"}, {"type", type},
             {"lsn", lsn.ToString()}});
  return absl::OkStatus();
}

// Whether a signal naming `slot` (none: every capture) is for this
// capture; logs it when it is not.
bool PostgresSource::ForThisCapture(std::string_view signal, const std::optional<std::string>& slot, Lsn lsn) const {
  if (!slot || *slot == options_.slot) return true;
  log::Info("capture", StrCat(signal, " signal for the capture of another slot; not acted on"),
            {{"signal_slot", *slot}, {"lsn", lsn.ToString()}});
  return false;
}

absl::Status PostgresSource::OnExecuteSnapshotSignal(std::string_view data, Lsn lsn, Lsn at) {
  auto ignore = [&](const std::string& why) {
    log::Warn("capture", "execute-snapshot signal ignored", {{"lsn", lsn.ToString()}, {"reason", why}});
    return absl::OkStatus();
  };
  if (options_.snapshot == SnapshotMode::kNever) return ignore("source.postgres.snapshot is 'never'");
  absl::StatusOr<ExecuteSnapshotRequest> request = ParseExecuteSnapshotSignal(data);
  if (!request.ok()) return ignore(std::string(request.status().message()));
  if (!ForThisCapture("execute-snapshot", request->slot, lsn)) return absl::OkStatus();
  CDC_ASSIGN_OR_RETURN(std::vector<TableId> captured, CapturedTables(*sql_, options_));
  std::vector<std::string> unmatched;
  const std::vector<TableId> matched = MatchDataCollections(request->data_collections, captured, unmatched);
  for (const std::string& pattern : unmatched) {
    log::Warn("capture", "execute-snapshot signal names no table capture has (none in the publication matches, "
              "or table_include_list / table_exclude_list leave it out)",
              {{"data_collection", pattern}, {"lsn", lsn.ToString()}});
  }
  std::vector<TableId> accepted;
  for (const TableId& t : matched) {
    if (at < read_at_start_ && std::find(read_at_start_tables_.begin(), read_at_start_tables_.end(), t) !=
                                   read_at_start_tables_.end()) {
      // Replayed after a restart whose snapshot read the table after it.
      log::Info("capture", "execute-snapshot signal: table already read since the signal, at this start",
                {{"table", t.ToString()}, {"lsn", lsn.ToString()}});
      continue;
    }
    accepted.push_back(t);
    if (std::find(signaled_tables_.begin(), signaled_tables_.end(), t) == signaled_tables_.end()) {
      signaled_tables_.push_back(t);
    }
  }
  if (accepted.empty()) return absl::OkStatus();
  if (request->blocking) signaled_blocking_ = true;
  // Every commit streamed before the pause is at or before this position,
  // every one after it beyond: the rows' version.
  signaled_at_ = at;
  // Recorded before any position past the signal can be confirmed: after a
  // crash the next start reads the tables (reset-snapshot --table does the
  // same), even once the slot has moved past it.
  if (!plan_) {
    CDC_RETURN_IF_ERROR(SaveState(false, TableSnapshotRequest(signaled_tables_).Serialize()));
  } else if (plan_while_streaming_) {
    // Taken after the snapshot in progress, while the stream goes on past
    // the signal between its steps.
    CDC_RETURN_IF_ERROR(RecordStreamingSnapshot());
  }
  // Otherwise a snapshot taken at start is being delivered, and the stream
  // waits at the signal until it is durable, when SnapshotDurable records
  // the request: nothing past the signal is confirmed before.
  log::Info("capture", "execute-snapshot signal received", {{"tables", JoinTables(accepted)},
                                                          {"type", request->blocking ? "blocking" : "incremental"},
                                                          {"lsn", lsn.ToString()}});
  return absl::OkStatus();
}

// What a crash leaves to the next start while a snapshot taken while
// streaming is read: its tables (but those stopped) and those asked for
// after it, to be read again, whole, before streaming (a request: the slot
// goes on past the snapshot's start meanwhile).
absl::Status PostgresSource::RecordStreamingSnapshot() {
  std::vector<TableId> tables;
  for (const SnapshotTablePlan& t : plan_->tables) {
    if (!t.skipped) tables.push_back(t.id);
  }
  for (const TableId& t : signaled_tables_) {
    if (std::find(tables.begin(), tables.end(), t) == tables.end()) tables.push_back(t);
  }
  return SaveState(false, TableSnapshotRequest(tables).Serialize());
}

// Stops reading the chosen tables (every table when none is named) of the
// incremental snapshot in progress, and drops them from the signals waiting
// behind it. Their rows read so far stay; the snapshot's end leaves them
// out, so the warehouse does not remove the rows it did not read.
absl::Status PostgresSource::OnStopSnapshotSignal(std::string_view data, Lsn lsn) {
  absl::StatusOr<StopSnapshotRequest> request = ParseStopSnapshotSignal(data);
  if (!request.ok()) {
    log::Warn("capture", "stop-snapshot signal ignored", {{"lsn", lsn.ToString()},
                                                          {"reason", std::string(request.status().message())}});
    return absl::OkStatus();
  }
  if (!ForThisCapture("stop-snapshot", request->slot, lsn)) return absl::OkStatus();
  if (!incremental_) {
    // Tables asked for behind a snapshot not yet durable are named, not
    // stopped: their incremental snapshot has not started.
    log::Info("capture", "stop-snapshot signal: no incremental snapshot is being read; nothing to stop",
              {{"lsn", lsn.ToString()}, {"tables_waiting", JoinTables(signaled_tables_)}});
    return absl::OkStatus();
  }
  // The tables with chunks no step took yet, then those waiting.
  std::vector<TableId> stoppable = incremental_->TablesLeft(*plan_);
  for (const TableId& t : signaled_tables_) {
    if (std::find(stoppable.begin(), stoppable.end(), t) == stoppable.end()) stoppable.push_back(t);
  }
  std::vector<std::string> unmatched;
  const std::vector<TableId> stopped = request->data_collections.empty()
                                           ? stoppable
                                           : MatchDataCollections(request->data_collections, stoppable, unmatched);
  for (const std::string& pattern : unmatched) {
    log::Warn("capture", "stop-snapshot signal names no table the incremental snapshot has still to read",
              {{"data_collection", pattern}, {"lsn", lsn.ToString()}});
  }
  if (stopped.empty()) return absl::OkStatus();
  const int64_t chunks_left = incremental_->Stop(*plan_, stopped);
  std::erase_if(signaled_tables_, [&](const TableId& t) {
    return std::find(stopped.begin(), stopped.end(), t) != stopped.end();
  });
  if (signaled_tables_.empty()) signaled_blocking_ = false;
  CDC_RETURN_IF_ERROR(RecordStreamingSnapshot());
  log::Info("capture", "incremental snapshot stopped for these tables (stop-snapshot signal): the rows read stay, "
            "the rest of the table is not read, and the warehouse removes none of its rows",
            {{"tables", JoinTables(stopped)}, {"chunks_not_read", chunks_left}, {"lsn", lsn.ToString()}});
  return absl::OkStatus();
}

// Pauses the incremental snapshot in progress (no step starts; the stream
// goes on), or resumes it. A pause is not recorded: after a crash the next
// start reads its tables again, whole, as for any snapshot cut short.
absl::Status PostgresSource::OnPauseSnapshotSignal(std::string_view data, Lsn lsn, bool pause) {
  const char* signal = pause ? "pause-snapshot" : "resume-snapshot";
  absl::StatusOr<std::optional<std::string>> slot = ParseSnapshotControlSignal(data, signal);
  if (!slot.ok()) {
    log::Warn("capture", StrCat(signal, " signal ignored"), {{"lsn", lsn.ToString()},
                                                              {"reason", std::string(slot.status().message())}});
    return absl::OkStatus();
  }
  if (!ForThisCapture(signal, *slot, lsn)) return absl::OkStatus();
  if (!incremental_ || incremental_->paused() == pause) {
    log::Info("capture", StrCat(signal, " signal: ", !incremental_ ? "no incremental snapshot is being read"
                                                   : pause         ? "the incremental snapshot is paused already"
                                                                   : "the incremental snapshot is not paused"),
              {{"lsn", lsn.ToString()}});
    return absl::OkStatus();
  }
  incremental_->SetPaused(pause);
  log::Info("capture", pause ? "incremental snapshot paused (pause-snapshot signal): the stream goes on, no chunk is "
                               "read until resume-snapshot"
                             : "incremental snapshot resumed (resume-snapshot signal)",
            {{"tables", JoinTables(plan_->End().tables)}, {"lsn", lsn.ToString()}});
  return absl::OkStatus();
}

absl::Status PostgresSource::StartSignaledSnapshot() {
  SnapshotPlan request = TableSnapshotRequest(signaled_tables_);
  request.consistent_point = signaled_at_;
  const std::string names = JoinTables(signaled_tables_);
  signaled_tables_.clear();
  const bool blocking = std::exchange(signaled_blocking_, false);
  log::Info("capture", blocking ? "reading chosen tables while streaming waits (execute-snapshot signal)"
                                : "reading chosen tables in steps between transactions of the stream "
                                  "(execute-snapshot signal, incremental)",
            {{"slot", options_.slot}, {"tables", names},
             {"snapshot_lsn", request.consistent_point.ToString()}});
  plan_while_streaming_ = true;
  if (blocking) return TakeFreshSnapshot(request, Lsn{0});
  // Planned once, in a snapshot of its own; each step then reads its
  // chunks in another, taken when it starts.
  CDC_ASSIGN_OR_RETURN(Result exported, ExportSnapshot());
  CDC_ASSIGN_OR_RETURN(std::vector<TableId> tables, CapturedTables(*sql_, options_));
  CDC_ASSIGN_OR_RETURN(SnapshotPlan plan, ResumePlan(*exporter_, request, tables,
                                                     std::min<int64_t>(options_.snapshot_chunk_rows, kIncrementalChunkRows)));
  exporter_.reset();
  CDC_RETURN_IF_ERROR(SaveState(false, plan.Serialize()));
  plan_ = std::move(plan);
  incremental_.emplace(kChunksPerWorkerStep * static_cast<size_t>(std::max(options_.snapshot_workers, 1)),
                       kMinStreamShare, absl::Now());
  return StartIncrementalStep();
}

absl::Status PostgresSource::StartIncrementalStep() {
  // Every commit streamed so far is at or before this position, every one
  // still to come beyond it: the version of this step's rows.
  SnapshotPlan step = incremental_->NextStep(*plan_, std::max(plan_->consistent_point, last_commit_), absl::Now());
  CDC_ASSIGN_OR_RETURN(Result exported, ExportSnapshot());
  stream_idle_ = false;  // looked at again after the step
  log::Debug("capture", "incremental snapshot step", {{"chunks", step.chunks.size() - step.DoneChunks()},
                                                      {"snapshot_lsn", step.consistent_point.ToString()}});
  Snapshotter::Options options{options_.snapshot_workers, absl::Seconds(10), options_.message_key_columns};
  options.quiet = true;
  CDC_ASSIGN_OR_RETURN(snapshotter_, Snapshotter::Start(options_.dsn, PQgetvalue(exported.get(), 0, 0), step, options));
  return absl::OkStatus();
}

void PostgresSource::EndIncrementalStep() {
  const absl::Time now = absl::Now();
  incremental_->StepEnded(now);
  if (!incremental_->LastStepTaken()) return;
  log::Info("capture", "chosen tables read between transactions of the stream",
            {{"tables", JoinTables(plan_->End().tables)}, {"rows", incremental_->rows()},
             {"seconds", absl::ToInt64Seconds(incremental_->elapsed(now))},
             {"snapshot_lsn", plan_->consistent_point.ToString()}});
  incremental_.reset();  // plan_ stays until the snapshot is durable
}

// The snapshotter's next record; an incremental snapshot's steps are framed
// as one snapshot.
absl::StatusOr<std::optional<SourceRecord>> PostgresSource::NextSnapshotRecord() {
  while (true) {
    CDC_ASSIGN_OR_RETURN(std::optional<SourceRecord> record, snapshotter_->Next());
    if (!record || !incremental_ || incremental_->Frame(*record, *plan_)) return record;
  }
}

namespace {

// Include wins when set; otherwise everything not excluded.
bool Wanted(const std::string& name, const std::vector<std::regex>& include, const std::vector<std::regex>& exclude) {
  auto matches = [&](const std::vector<std::regex>& patterns) {
    return std::any_of(patterns.begin(), patterns.end(), [&](const std::regex& r) { return std::regex_match(name, r); });
  };
  if (!include.empty()) return matches(include);
  return !matches(exclude);
}

}  // namespace

bool PostgresSource::MessagePrefixWanted(const std::string& prefix) const {
  return Wanted(prefix, options_.message_prefix_include, options_.message_prefix_exclude);
}

bool TableCaptured(const PostgresSourceOptions& options, const TableId& table) {
  if (options.signal_table && table == *options.signal_table) return false;
  return Wanted(table.ToString(), options.table_include, options.table_exclude);
}

absl::Status PostgresSource::SaveState(bool completed, std::string progress) {
  recorded_.completed = completed;
  recorded_.progress = std::move(progress);
  return state_.Save(options_.slot, recorded_);
}

absl::Status PostgresSource::Acknowledge(Lsn flushed) {
  acknowledged_ = std::max(acknowledged_, flushed);
  return absl::OkStatus();
}

absl::Status PostgresSource::SnapshotChunkDurable(uint64_t chunk) {
  if (!plan_ || chunk >= plan_->chunks.size()) {
    return absl::InternalError(StrCat("snapshot chunk ", chunk, " is not in the current plan"));
  }
  plan_->chunks[chunk].done = true;
  // A snapshot taken while streaming is read again whole after a crash
  // (ResumablePlan): its chunks need no record.
  if (plan_while_streaming_) return absl::OkStatus();
  return SaveState(false, plan_->Serialize());
}

absl::Status PostgresSource::SnapshotDurable() {
  if (!plan_) return absl::InternalError("snapshot durable, but no snapshot is being delivered");
  // Its tables and LSN stay recorded, for its snapshot markers.
  SnapshotPlan recap{plan_->consistent_point, plan_->listed_tables_only, plan_->tables, {}};
  CDC_RETURN_IF_ERROR(signaled_tables_.empty()
                          ? SaveState(true, recap.Serialize())
                          : SaveState(false, TableSnapshotRequest(signaled_tables_).Serialize()));
  plan_.reset();
  plan_while_streaming_ = false;
  log::Info("capture", "snapshot is durable", {{"slot", options_.slot}});
  if (snapshot_only_) finished_ = true;
  return absl::OkStatus();
}

absl::Status PostgresSource::MaybeSendStatus() {
  const absl::Time now = absl::Now();
  // The slot is confirmed only up to a recorded position (at most a second
  // behind), so that a slot found further ahead at start is detected.
  if (acknowledged_ > recorded_.delivered && now - last_recorded_ >= absl::Seconds(1)) {
    recorded_.delivered = acknowledged_;
    CDC_RETURN_IF_ERROR(state_.Save(options_.slot, recorded_));
    last_recorded_ = now;
  }
  const bool due = now - last_status_ >= options_.status_interval;
  // A new confirmation goes out promptly (but at most every 100 ms) so WAL
  // is released and `verify` sees progress.
  const bool news = Confirmable() > reported_ && now - last_status_ >= absl::Milliseconds(100);
  if (due || news) return SendStatus(false);
  return absl::OkStatus();
}

absl::Status PostgresSource::SendStatus(bool reply_requested) {
  const Lsn confirm = Confirmable();
  const std::string msg = EncodeStandbyStatusUpdate(std::max(received_, confirm), confirm, confirm, NowPgMicros(),
                                                    reply_requested);
  if (PQputCopyData(replication_->raw(), msg.data(), static_cast<int>(msg.size())) != 1 ||
      PQflush(replication_->raw()) < 0) {
    return replication_->ConnectionError(StrCat("standby status update for slot ", options_.slot));
  }
  reported_ = confirm;
  last_status_ = absl::Now();
  return absl::OkStatus();
}

}  // namespace cdc::pg
