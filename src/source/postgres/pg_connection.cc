#include "core/strings.h"
#include "source/postgres/pg_connection.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace cdc::pg {

absl::Status StatusFromSqlState(std::string_view sqlstate, std::string_view message,
                                std::string_view context) {
  std::string text = StrCat(context, ": ", absl::StripTrailingAsciiWhitespace(Piece(message)));
  if (!sqlstate.empty()) StrAppend(&text, " (SQLSTATE ", sqlstate, ")");
  if (sqlstate.empty()) return absl::UnavailableError(text);  // no server answer
  const std::string_view cls = sqlstate.substr(0, 2);
  // Class 08 connection exceptions, 57 operator intervention (shutdown,
  // cancel), 53 insufficient resources, 40 transaction rollback: transient.
  // 53400 configuration limit (e.g. all replication slots in use): no
  // amount of waiting fixes it.
  if (sqlstate == "53400") return absl::FailedPreconditionError(text);
  if (cls == "08" || cls == "57" || cls == "53" || cls == "40") return absl::UnavailableError(text);
  // 55006 object in use: e.g. the slot is still held by the walsender of a
  // capture that just died; the server frees it once it notices.
  if (sqlstate == "55006") return absl::UnavailableError(text);
  // 42501 insufficient privilege, 55 object not in prerequisite state
  // (e.g. slot active elsewhere), 42704 undefined object: operator must act.
  if (sqlstate == "42501" || cls == "55" || cls == "42" || cls == "28") {
    return absl::FailedPreconditionError(text);
  }
  if (cls == "22") return absl::InvalidArgumentError(text);
  return absl::InternalError(text);
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const std::string& dsn,
                                                             bool replication,
                                                             std::string_view purpose,
                                                             std::string_view application_name) {
  std::string conninfo = dsn;
  if (replication) StrAppend(&conninfo, " replication=database");
  StrAppend(&conninfo, " application_name=", application_name);
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return absl::ResourceExhaustedError("libpq could not allocate a connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    PQfinish(conn);
    // libpq's messages name host and port, never the password.
    const bool auth = absl::StrContains(msg, "authentication failed") ||
                      absl::StrContains(msg, "password");
    std::string text = StrCat("PostgreSQL connection for ", purpose, " (source.postgres.dsn): ",
                                    absl::StripTrailingAsciiWhitespace(msg));
    return auth ? absl::FailedPreconditionError(text) : absl::UnavailableError(text);
  }
  PQsetClientEncoding(conn, "UTF8");
  return std::unique_ptr<Connection>(new Connection(conn));
}

Connection::~Connection() { PQfinish(conn_); }

absl::Status Connection::ResultError(PGresult* r, std::string_view context) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const char* msg = r ? PQresultErrorMessage(r) : PQerrorMessage(conn_);
  if (msg == nullptr || *msg == '\0') msg = PQerrorMessage(conn_);
  return StatusFromSqlState(state ? state : "", msg, context);
}

absl::StatusOr<Result> Connection::Exec(const std::string& sql, std::string_view context) {
  Result r(PQexec(conn_, sql.c_str()));
  const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return ResultError(r.get(), context);
  return r;
}

absl::StatusOr<Result> Connection::ExecCopy(const std::string& sql, ExecStatusType expected,
                                            std::string_view context) {
  Result r(PQexec(conn_, sql.c_str()));
  if (!r || PQresultStatus(r.get()) != expected) return ResultError(r.get(), context);
  return r;
}

std::string Connection::Quote(std::string_view literal) {
  char* q = PQescapeLiteral(conn_, literal.data(), literal.size());
  std::string out = q ? q : "''";
  PQfreemem(q);
  return out;
}

std::string Connection::QuoteIdent(std::string_view ident) {
  char* q = PQescapeIdentifier(conn_, ident.data(), ident.size());
  std::string out = q ? q : "\"\"";
  PQfreemem(q);
  return out;
}

std::string Connection::QuoteTable(const TableId& table) {
  return QuoteIdent(table.schema) + "." + QuoteIdent(table.table);
}

absl::Status Connection::ConnectionError(std::string_view context) {
  return StatusFromSqlState("", PQerrorMessage(conn_), context);
}

}  // namespace cdc::pg
