#include "source/postgres/snapshotter.h"

#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "core/log.h"
#include "core/strings.h"
#include "core/thread_name.h"
#include "source/postgres/copy_text.h"
#include "source/postgres/type_resolver.h"

namespace cdc::pg {
namespace {

// Rows handed from a worker to the consumer at once: amortizes the lock.
constexpr size_t kBatchRows = 1024;

}  // namespace

absl::StatusOr<std::shared_ptr<SourceTable>> DescribeTable(Connection& conn, const TableId& id,
                                                           const MessageKeyColumns& key_overrides) {
  const std::string qualified = conn.QuoteTable(id);
  const std::string sql = StrCat(
      "SELECT c.oid, c.relreplident, a.attname, a.atttypid, a.atttypmod "
      "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
      "WHERE c.oid = ", conn.Quote(qualified), "::regclass AND a.attnum > 0 AND NOT a.attisdropped "
      "ORDER BY a.attnum");
  CDC_ASSIGN_OR_RETURN(Result r, conn.Exec(sql, StrCat("describe table ", id.ToString())));
  if (PQntuples(r.get()) == 0) {
    return absl::FailedPreconditionError(StrCat("table ", id.ToString(), " has no columns"));
  }
  auto table = std::make_shared<SourceTable>();
  table->id = id;
  table->relation_id = static_cast<uint32_t>(std::stoul(PQgetvalue(r.get(), 0, 0)));
  table->replica_identity = PQgetvalue(r.get(), 0, 1)[0];
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    SourceColumn c;
    c.name = PQgetvalue(r.get(), i, 2);
    c.type_oid = static_cast<uint32_t>(std::stoul(PQgetvalue(r.get(), i, 3)));
    c.type_modifier = std::stoi(PQgetvalue(r.get(), i, 4));
    table->columns.push_back(std::move(c));
  }
  CDC_RETURN_IF_ERROR(AssignKeyColumns(conn, *table, key_overrides));
  TypeResolver types;
  CDC_RETURN_IF_ERROR(types.Resolve(conn, *table));
  return table;
}

absl::StatusOr<std::unique_ptr<Connection>> OpenSnapshotConnection(const std::string& dsn,
                                                                   const std::string& snapshot_name) {
  CDC_ASSIGN_OR_RETURN(auto conn, Connection::Open(dsn, false, "snapshot"));
  CDC_RETURN_IF_ERROR(conn->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "snapshot").status());
  CDC_RETURN_IF_ERROR(conn->Exec(StrCat("SET TRANSACTION SNAPSHOT ", conn->Quote(snapshot_name)),
                                 StrCat("import snapshot ", snapshot_name)).status());
  CDC_RETURN_IF_ERROR(conn->Exec(kSessionSettings, "snapshot session settings").status());
  return conn;
}

absl::StatusOr<std::unique_ptr<Snapshotter>> Snapshotter::Start(const std::string& dsn,
                                                                const std::string& snapshot_name,
                                                                const SnapshotPlan& plan, Options options) {
  std::unique_ptr<Snapshotter> s(new Snapshotter(plan, options));
  for (uint64_t i = 0; i < s->plan_.chunks.size(); ++i) {
    const SnapshotChunk& c = s->plan_.chunks[i];
    if (!c.done) s->todo_.push_back(i);
    if (!c.done) s->progress_[c.table].chunks_left += 1;
  }
  const int workers = std::max(1, std::min<int>(options.workers, static_cast<int>(std::max<size_t>(s->todo_.size(), 1))));
  for (int i = 0; i < workers; ++i) {
    CDC_ASSIGN_OR_RETURN(auto conn, OpenSnapshotConnection(dsn, snapshot_name));
    s->connections_.push_back(std::move(conn));
  }
  for (size_t t = 0; t < s->plan_.tables.size(); ++t) {
    if (s->plan_.tables[t].skipped) {  // not read (it may be gone)
      s->tables_.push_back(nullptr);
      continue;
    }
    CDC_ASSIGN_OR_RETURN(auto table, DescribeTable(*s->connections_[0], s->plan_.tables[t].id, options.key_columns));
    s->tables_.push_back(table);
    s->progress_[t].table = std::move(table);
  }
  s->Note("snapshot started",
          {{"tables", s->plan_.tables.size()}, {"chunks", s->plan_.chunks.size()},
           {"chunks_done_before", s->plan_.DoneChunks()}, {"workers", workers},
           {"consistent_point", s->plan_.consistent_point.ToString()}});
  s->running_workers_ = workers;
  for (auto& conn : s->connections_) {
    s->threads_.emplace_back([self = s.get(), c = conn.get()] {
      NameThisThread("cdc-snapshot");
      self->Work(*c);
    });
  }
  return s;
}

Snapshotter::Snapshotter(const SnapshotPlan& plan, Options options)
    : plan_(plan), options_(options), read_time_us_(absl::ToUnixMicros(absl::Now())),
      progress_(plan.tables.size()) {}

Snapshotter::~Snapshotter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  changed_.notify_all();
  for (auto& t : threads_) t.join();
}

void Snapshotter::Work(Connection& conn) {
  while (true) {
    uint64_t chunk = 0;
    {
      std::lock_guard lock(mu_);
      if (stop_ || next_todo_ == todo_.size()) break;
      chunk = todo_[next_todo_++];
    }
    absl::Status st = ReadChunk(conn, chunk);
    if (!st.ok()) {
      Push(Batch{{}, std::nullopt, st});
      break;
    }
  }
  std::lock_guard lock(mu_);
  running_workers_ -= 1;
  changed_.notify_all();
}

absl::Status Snapshotter::ReadChunk(Connection& conn, uint64_t chunk) {
  const SnapshotChunk& c = plan_.chunks[chunk];
  const std::shared_ptr<const SourceTable>& table = tables_[c.table];
  const std::string what = StrCat("snapshot of ", table->id.ToString());
  std::vector<std::string> cols;
  for (const auto& col : table->columns) cols.push_back(conn.QuoteIdent(col.name));
  const std::string sql = StrCat("COPY (SELECT ", absl::StrJoin(cols, ", "), " FROM ",
                                 conn.QuoteTable(table->id),
                                 c.predicate.empty() ? "" : " WHERE ", c.predicate, ") TO STDOUT");
  log::Debug("snapshot", "reading chunk", {{"table", table->id.ToString()}, {"chunk", chunk}, {"where", c.predicate}});
  CDC_RETURN_IF_ERROR(conn.ExecCopy(sql, PGRES_COPY_OUT, what).status());
  Batch batch;
  batch.events.reserve(kBatchRows);
  while (true) {
    char* buf = nullptr;
    const int n = PQgetCopyData(conn.raw(), &buf, 0);
    if (n > 0) {
      auto row = ParseCopyTextRow(std::string_view(buf, static_cast<size_t>(n)), table->columns.size());
      PQfreemem(buf);
      if (!row.ok()) return absl::DataLossError(StrCat(what, ": ", row.status().message()));
      ChangeEvent& e = batch.events.emplace_back();
      e.op = Op::kRead;
      e.table = table;
      e.after = std::move(*row);
      e.version = Version{plan_.consistent_point, Lsn{0}};
      e.commit_time_us = read_time_us_;
      e.snapshot = true;
      e.snapshot_chunk = chunk;
      if (batch.events.size() == kBatchRows) {
        if (!Push(std::move(batch))) return absl::OkStatus();
        batch = Batch{};
        batch.events.reserve(kBatchRows);
      }
      continue;
    }
    if (n == -2) return conn.ConnectionError(what);
    break;  // n == -1: this COPY is done
  }
  Result done(PQgetResult(conn.raw()));
  if (!done || PQresultStatus(done.get()) != PGRES_COMMAND_OK) return conn.ConnectionError(what);
  while (Result extra{PQgetResult(conn.raw())}) {
  }
  batch.chunk_end = chunk;
  Push(std::move(batch));
  return absl::OkStatus();
}

bool Snapshotter::Push(Batch batch) {
  std::unique_lock lock(mu_);
  // Bounded: a slow consumer (producer backpressure) pauses the readers.
  const size_t limit = 4 * connections_.size();
  changed_.wait(lock, [&] { return stop_ || queue_.size() < limit; });
  if (stop_) return false;
  queue_.push_back(std::move(batch));
  changed_.notify_all();
  return true;
}

absl::StatusOr<bool> Snapshotter::Fill() {
  Batch batch;
  {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return !queue_.empty() || running_workers_ == 0; });
    if (queue_.empty()) return false;
    batch = std::move(queue_.front());
    queue_.pop_front();
    changed_.notify_all();
  }
  CDC_RETURN_IF_ERROR(batch.error);
  for (auto& e : batch.events) ready_.emplace_back(std::move(e));
  ready_events_ += batch.events.size();
  if (batch.chunk_end) ready_.emplace_back(SnapshotChunkEnd{*batch.chunk_end});
  return true;
}

// Debezium's precedence: the whole snapshot's last row, its first row,
// then a table's last row, a table's first row.
SnapshotMarker Snapshotter::Marker(const ChangeEvent& e) {
  if (workers_finished_ && ready_events_ == 0) return SnapshotMarker::kLast;
  if (!emitted_any_) {
    emitted_any_ = true;
    return SnapshotMarker::kFirst;
  }
  // A chunk's end marker follows its last row in ready_ (Fill appends both).
  if (ready_.size() > 1) {
    if (auto* end = std::get_if<SnapshotChunkEnd>(&ready_[1])) {
      const TableProgress& p = progress_[plan_.chunks[end->chunk].table];
      if (p.table == e.table && p.chunks_left == 1) return SnapshotMarker::kLastInTable;
    }
  }
  return progress_[TableIndexOf(e)].rows == 0 ? SnapshotMarker::kFirstInTable : SnapshotMarker::kTrue;
}

size_t Snapshotter::TableIndexOf(const ChangeEvent& e) {
  // Rows come in runs of one table: the last one found is checked first.
  if (progress_[last_counted_table_].table != e.table) {
    for (size_t t = 0; t < progress_.size(); ++t) {
      if (progress_[t].table == e.table) last_counted_table_ = t;
    }
  }
  return last_counted_table_;
}

void Snapshotter::Note(std::string_view message, std::initializer_list<log::Field> fields) const {
  (options_.quiet ? log::Debug : log::Info)("snapshot", message, fields);
}

void Snapshotter::CountRow(const ChangeEvent& e) {
  TableProgress& p = progress_[TableIndexOf(e)];
  if (p.rows == 0) p.started = absl::Now();
  p.rows += 1;
}

void Snapshotter::LogProgress(bool force) {
  const absl::Time now = absl::Now();
  if (!force && now - last_progress_log_ < options_.progress_interval) return;
  last_progress_log_ = now;
  for (size_t t = 0; t < progress_.size(); ++t) {
    const TableProgress& p = progress_[t];
    if (p.rows == 0 || p.chunks_left == 0) continue;
    const double seconds = std::max(1e-3, absl::ToDoubleSeconds(now - p.started));
    Note("snapshot progress",
         {{"table", plan_.tables[t].id.ToString()}, {"rows", p.rows},
          {"rows_estimated", plan_.tables[t].estimated_rows}, {"chunks_left", p.chunks_left},
          {"rows_per_second", static_cast<int64_t>(static_cast<double>(p.rows) / seconds)}});
  }
}

absl::StatusOr<std::optional<SourceRecord>> Snapshotter::Next() {
  if (phase_ == Phase::kBegin) {
    phase_ = Phase::kRows;
    return SourceRecord{SnapshotBegin{plan_.consistent_point}};
  }
  while (phase_ == Phase::kRows) {
    if (!ready_.empty()) {
      if (auto* e = std::get_if<ChangeEvent>(&ready_.front())) {
        // The last row of the whole snapshot is flagged, so another row
        // must be known to follow (or none to) before this one goes out.
        if (ready_events_ >= 2 || workers_finished_) {
          ready_events_ -= 1;
          e->snapshot_marker = Marker(*e);
          CountRow(*e);
          LogProgress(false);
          SourceRecord record = std::move(ready_.front());
          ready_.pop_front();
          return record;
        }
      } else {
        const uint64_t chunk = std::get<SnapshotChunkEnd>(ready_.front()).chunk;
        TableProgress& p = progress_[plan_.chunks[chunk].table];
        if (--p.chunks_left == 0) {
          const double seconds = std::max(1e-3, absl::ToDoubleSeconds(absl::Now() - p.started));
          Note("snapshot of table read",
               {{"table", p.table->id.ToString()}, {"rows", p.rows},
                {"rows_per_second", static_cast<int64_t>(static_cast<double>(p.rows) / seconds)}});
        }
        SourceRecord record = std::move(ready_.front());
        ready_.pop_front();
        return record;
      }
    } else if (workers_finished_) {
      phase_ = Phase::kDone;
      return SourceRecord{plan_.End()};
    }
    CDC_ASSIGN_OR_RETURN(bool more, Fill());
    if (!more) workers_finished_ = true;
  }
  return std::nullopt;
}

}  // namespace cdc::pg
