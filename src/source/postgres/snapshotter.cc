#include "core/strings.h"
#include "source/postgres/snapshotter.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "core/log.h"
#include "source/postgres/copy_text.h"
#include "source/postgres/type_resolver.h"

namespace cdc::pg {

absl::StatusOr<std::shared_ptr<SourceTable>> DescribeTable(Connection& conn, const TableId& id) {
  const std::string qualified = conn.QuoteIdent(id.schema) + "." + conn.QuoteIdent(id.table);
  const std::string sql = StrCat(
      "SELECT c.oid, c.relreplident, a.attname, a.atttypid, a.atttypmod, "
      "  coalesce(a.attnum = ANY(i.indkey), false) "
      "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
      "LEFT JOIN pg_index i ON i.indrelid = c.oid AND "
      "  (CASE WHEN c.relreplident = 'i' THEN i.indisreplident ELSE i.indisprimary END) "
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
  const bool full = table->replica_identity == 'f';
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    SourceColumn c;
    c.name = PQgetvalue(r.get(), i, 2);
    c.type_oid = static_cast<uint32_t>(std::stoul(PQgetvalue(r.get(), i, 3)));
    c.type_modifier = std::stoi(PQgetvalue(r.get(), i, 4));
    // Same flags as pgoutput's Relation message: every column under FULL.
    c.key = full || PQgetvalue(r.get(), i, 5)[0] == 't';
    table->columns.push_back(std::move(c));
  }
  TypeResolver types;
  CDC_RETURN_IF_ERROR(types.Resolve(conn, *table));
  return table;
}

absl::StatusOr<std::unique_ptr<Snapshotter>> Snapshotter::Begin(const std::string& dsn,
                                                                const std::string& snapshot_name,
                                                                std::vector<TableId> tables,
                                                                Lsn consistent_point) {
  CDC_ASSIGN_OR_RETURN(auto conn, Connection::Open(dsn, false, "snapshot"));
  CDC_RETURN_IF_ERROR(conn->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "snapshot").status());
  CDC_RETURN_IF_ERROR(conn->Exec(StrCat("SET TRANSACTION SNAPSHOT ", conn->Quote(snapshot_name)),
                                 StrCat("import snapshot ", snapshot_name)).status());
  CDC_RETURN_IF_ERROR(conn->Exec("SET DateStyle = ISO; SET extra_float_digits = 3; SET lc_monetary = 'C'", "snapshot").status());
  return std::unique_ptr<Snapshotter>(new Snapshotter(std::move(conn), std::move(tables), consistent_point));
}

Snapshotter::Snapshotter(std::unique_ptr<Connection> conn, std::vector<TableId> tables,
                         Lsn consistent_point)
    : conn_(std::move(conn)), tables_(std::move(tables)), consistent_point_(consistent_point),
      read_time_us_(absl::ToUnixMicros(absl::Now())) {}

Snapshotter::~Snapshotter() = default;

absl::Status Snapshotter::OpenTable(const TableId& id) {
  CDC_ASSIGN_OR_RETURN(auto table, DescribeTable(*conn_, id));
  std::vector<std::string> cols;
  for (const auto& c : table->columns) cols.push_back(conn_->QuoteIdent(c.name));
  const std::string sql = StrCat("COPY (SELECT ", absl::StrJoin(cols, ", "), " FROM ",
                                       conn_->QuoteIdent(id.schema), ".", conn_->QuoteIdent(id.table),
                                       ") TO STDOUT");
  CDC_RETURN_IF_ERROR(conn_->ExecCopy(sql, PGRES_COPY_OUT, StrCat("snapshot of ", id.ToString())).status());
  current_ = std::move(table);
  copying_ = true;
  rows_in_table_ = 0;
  log::Info("snapshot", "snapshot of table started", {{"table", id.ToString()}});
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ChangeEvent>> Snapshotter::ReadRow() {
  while (true) {
    if (!copying_) {
      if (table_index_ == tables_.size()) return std::nullopt;
      CDC_RETURN_IF_ERROR(OpenTable(tables_[table_index_++]));
    }
    char* buf = nullptr;
    const int n = PQgetCopyData(conn_->raw(), &buf, 0);
    if (n > 0) {
      std::string_view line(buf, static_cast<size_t>(n));
      auto row = ParseCopyTextRow(line, current_->columns.size());
      PQfreemem(buf);
      if (!row.ok()) {
        return absl::DataLossError(StrCat("snapshot of ", current_->id.ToString(), ": ", row.status().message()));
      }
      ChangeEvent e;
      e.op = Op::kRead;
      e.table = current_;
      e.after = std::move(*row);
      e.version = Version{consistent_point_, Lsn{0}};
      e.commit_time_us = read_time_us_;
      e.snapshot = true;
      ++rows_in_table_;
      return e;
    }
    if (n == -2) return conn_->ConnectionError(StrCat("snapshot of ", current_->id.ToString()));
    // n == -1: this COPY is done; collect its final result.
    Result done(PQgetResult(conn_->raw()));
    if (!done || PQresultStatus(done.get()) != PGRES_COMMAND_OK) {
      return conn_->ConnectionError(StrCat("snapshot of ", current_->id.ToString()));
    }
    while (Result extra{PQgetResult(conn_->raw())}) {
    }
    log::Info("snapshot", "snapshot of table done",
              {{"table", current_->id.ToString()}, {"rows", rows_in_table_}});
    copying_ = false;
  }
}

absl::StatusOr<std::optional<SourceRecord>> Snapshotter::Next() {
  switch (phase_) {
    case Phase::kBegin: {
      phase_ = Phase::kRows;
      CDC_ASSIGN_OR_RETURN(lookahead_, ReadRow());
      return SourceRecord{SnapshotBegin{consistent_point_}};
    }
    case Phase::kRows: {
      if (!lookahead_) {
        phase_ = Phase::kEnd;
        return Next();
      }
      ChangeEvent current = std::move(*lookahead_);
      CDC_ASSIGN_OR_RETURN(lookahead_, ReadRow());
      current.last_snapshot_row = !lookahead_.has_value();
      return SourceRecord{std::move(current)};
    }
    case Phase::kEnd:
      phase_ = Phase::kDone;
      CDC_RETURN_IF_ERROR(conn_->Exec("COMMIT", "snapshot").status());
      return SourceRecord{SnapshotEnd{consistent_point_}};
    case Phase::kDone:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace cdc::pg
