#include "core/strings.h"
#include "source/postgres/postgres_checksummer.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "source/postgres/postgres_source.h"

namespace cdc::pg {

absl::StatusOr<std::unique_ptr<PostgresChecksummer>> PostgresChecksummer::Connect(const std::string& dsn) {
  CDC_ASSIGN_OR_RETURN(auto conn, Connection::Open(dsn, false, "verify"));
  CDC_RETURN_IF_ERROR(conn->Exec("SET DateStyle = ISO; SET TimeZone = 'UTC'", "verify session").status());
  return std::unique_ptr<PostgresChecksummer>(new PostgresChecksummer(std::move(conn)));
}

namespace {

// How a column of PostgreSQL type `type` (format_type text) is compared
// with what Debezium's encoding left in the warehouse (docs/types.md).
CanonicalForm FormOf(const std::string& type) {
  if (type.ends_with("[]")) {
    const std::string elem = type.substr(0, type.size() - 2);
    for (const char* simple : {"smallint", "integer", "bigint", "text", "boolean", "uuid"}) {
      if (elem == simple) return CanonicalForm::kJsonArray;
    }
    return CanonicalForm::kNotCompared;
  }
  if (type == "boolean") return CanonicalForm::kBoolean;
  if (type.starts_with("timestamp")) return CanonicalForm::kEpochMicros;
  if (type == "date") return CanonicalForm::kIsoDate;
  if (type == "real" || type == "double precision") return CanonicalForm::kFloat;
  if (type == "numeric") return CanonicalForm::kTrimmedNumeric;
  if (type.starts_with("time") && type.ends_with("with time zone")) return CanonicalForm::kTimeTzUtc;
  if (type == "bytea") return CanonicalForm::kHex;
  if (type == "bit(1)") return CanonicalForm::kBit1;
  if (type.starts_with("bit")) return CanonicalForm::kNotCompared;  // Bits keep no leading zeros
  if (type.starts_with("character(") || type == "character") return CanonicalForm::kPaddedChar;
  if (type == "money") return CanonicalForm::kMoney;
  // MicroDuration approximates months; point's and hstore's text forms
  // differ from their JSON encodings.
  if (type.starts_with("interval") || type == "point" || type == "hstore") return CanonicalForm::kNotCompared;
  return CanonicalForm::kText;
}

}  // namespace

absl::StatusOr<std::optional<std::vector<ChecksumColumn>>> PostgresChecksummer::Columns(const TableId& table) {
  CDC_ASSIGN_OR_RETURN(Result r, conn_->Exec(StrCat(
      "SELECT a.attname, CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) "
      "  ELSE format_type(a.atttypid, a.atttypmod) END, t.typtype = 'e' FROM pg_attribute a "
      "JOIN pg_type t ON t.oid = a.atttypid "
      "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = ", conn_->Quote(table.schema), " AND c.relname = ", conn_->Quote(table.table),
      " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"),
      StrCat("columns of source table ", table.ToString())));
  if (PQntuples(r.get()) == 0) return std::nullopt;
  std::vector<ChecksumColumn> out;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    const std::string type = PQgetvalue(r.get(), i, 1);
    out.push_back({PQgetvalue(r.get(), i, 0), PQgetvalue(r.get(), i, 2)[0] == 't' ? CanonicalForm::kText : FormOf(type)});
  }
  return out;
}

absl::StatusOr<TableChecksum> PostgresChecksummer::Checksum(const TableId& table,
                                                            std::span<const ChecksumColumn> columns) {
  std::vector<std::string> exprs;
  for (const auto& c : columns) {
    const std::string q = conn_->QuoteIdent(c.name);
    switch (c.form) {
      case CanonicalForm::kText: exprs.push_back(q + "::text"); break;
      case CanonicalForm::kBoolean: exprs.push_back(StrCat("CASE WHEN ", q, " THEN 'true' WHEN NOT ", q, " THEN 'false' END")); break;
      case CanonicalForm::kEpochMicros:
        exprs.push_back(StrCat("CASE WHEN isfinite(", q, ") THEN (extract(epoch from ", q,
                               ") * 1000000)::numeric(30,0)::text ELSE ", q, "::text END"));
        break;
      case CanonicalForm::kIsoDate:
        exprs.push_back(StrCat("CASE WHEN isfinite(", q, ") THEN to_char(", q, ", 'YYYY-MM-DD') ELSE ", q, "::text END"));
        break;
      case CanonicalForm::kFloat: exprs.push_back(q + "::text"); break;
      case CanonicalForm::kTrimmedNumeric: exprs.push_back(StrCat("trim_scale(", q, ")::text")); break;
      case CanonicalForm::kTimeTzUtc: exprs.push_back(StrCat("(", q, " AT TIME ZONE 'UTC')::text")); break;
      case CanonicalForm::kHex: exprs.push_back(StrCat("encode(", q, ", 'hex')")); break;
      case CanonicalForm::kBit1: exprs.push_back(StrCat("CASE ", q, " WHEN B'1' THEN 'true' WHEN B'0' THEN 'false' END")); break;
      case CanonicalForm::kPaddedChar: exprs.push_back(StrCat("CASE WHEN ", q, " IS NOT NULL THEN format('%s', ", q, ") END")); break;
      case CanonicalForm::kMoney: exprs.push_back(StrCat(q, "::numeric::text")); break;
      case CanonicalForm::kJsonArray: exprs.push_back(StrCat("array_to_json(", q, ")::text")); break;
      case CanonicalForm::kNotCompared: exprs.push_back("NULL"); break;
    }
  }
  if (exprs.empty()) exprs.push_back("NULL");
  const std::string ctx = StrCat("checksum of source table ", table.ToString());
  // Stream the rows (single-row mode) rather than holding the table in memory.
  const std::string sql = StrCat("SELECT ", absl::StrJoin(exprs, ", "), " FROM ", conn_->QuoteTable(table));
  if (!PQsendQuery(conn_->raw(), sql.c_str()) || !PQsetSingleRowMode(conn_->raw())) {
    return conn_->ConnectionError(ctx);
  }
  TableChecksum acc;
  std::vector<std::optional<std::string_view>> row(exprs.size());
  absl::Status status;
  while (Result r{PQgetResult(conn_->raw())}) {
    const ExecStatusType st = PQresultStatus(r.get());
    if (st == PGRES_SINGLE_TUPLE) {
      for (size_t c = 0; c < exprs.size(); ++c) {
        if (PQgetisnull(r.get(), 0, static_cast<int>(c))) row[c].reset();
        else row[c] = std::string_view(PQgetvalue(r.get(), 0, static_cast<int>(c)), PQgetlength(r.get(), 0, static_cast<int>(c)));
      }
      AddRowToChecksum(row, acc);
    } else if (st != PGRES_TUPLES_OK && status.ok()) {
      const char* state = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
      status = StatusFromSqlState(state ? state : "", PQresultErrorMessage(r.get()), ctx);
    }
  }
  CDC_RETURN_IF_ERROR(status);
  return acc;
}

absl::StatusOr<Lsn> PostgresChecksummer::MarkWalPosition() {
  auto marker = conn_->Exec("SELECT pg_logical_emit_message(false, 'cdcpipe_verify', '')", "verify marker");
  if (marker.ok()) return Lsn::Parse(PQgetvalue(marker->get(), 0, 0));
  CDC_ASSIGN_OR_RETURN(Result r, conn_->Exec("SELECT pg_current_wal_lsn()", "current WAL position"));
  return Lsn::Parse(PQgetvalue(r.get(), 0, 0));
}

absl::StatusOr<bool> PostgresChecksummer::SlotCaughtUp(const std::string& slot, const std::string& publication,
                                                       Lsn target) {
  const std::string ctx = StrCat("replication slot ", slot);
  CDC_ASSIGN_OR_RETURN(Result r, conn_->Exec(StrCat(
      "SELECT confirmed_flush_lsn, active FROM pg_replication_slots WHERE slot_name = ", conn_->Quote(slot)), ctx));
  if (PQntuples(r.get()) == 0) return absl::NotFoundError(StrCat(ctx, " does not exist"));
  if (PQgetisnull(r.get(), 0, 0)) return false;  // still being created
  CDC_ASSIGN_OR_RETURN(Lsn confirmed, Lsn::Parse(PQgetvalue(r.get(), 0, 0)));
  if (confirmed >= target) return true;
  if (PQgetvalue(r.get(), 0, 1)[0] == 't') return false;
  CDC_ASSIGN_OR_RETURN(Result capture, conn_->Exec(StrCat(
      "SELECT 1 FROM pg_stat_activity WHERE application_name = ", conn_->Quote(CaptureApplicationName(slot))), ctx));
  if (PQntuples(capture.get()) > 0) return false;  // a capture is connected: only its confirmation counts
  // Nobody streams from the slot: ask the decoder whether anything published
  // remains before `target` (peek does not consume).
  CDC_ASSIGN_OR_RETURN(Result peek, conn_->Exec(StrCat(
      "SELECT count(*) FROM pg_logical_slot_peek_binary_changes(", conn_->Quote(slot), ", ", conn_->Quote(target.ToString()),
      ", NULL, 'proto_version', '1', 'publication_names', ", conn_->Quote(publication), ")"), ctx));
  return std::string(PQgetvalue(peek.get(), 0, 0)) == "0";
}

absl::StatusOr<std::vector<TableId>> PostgresChecksummer::PublicationTables(const std::string& publication) {
  CDC_ASSIGN_OR_RETURN(Result r, conn_->Exec(StrCat(
      "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = ", conn_->Quote(publication),
      " ORDER BY 1, 2"), StrCat("tables of publication ", publication)));
  std::vector<TableId> out;
  for (int i = 0; i < PQntuples(r.get()); ++i) out.push_back({PQgetvalue(r.get(), i, 0), PQgetvalue(r.get(), i, 1)});
  return out;
}

}  // namespace cdc::pg
