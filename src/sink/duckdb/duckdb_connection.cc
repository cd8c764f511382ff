#include "core/strings.h"
#include "sink/duckdb/duckdb_connection.h"

#include "absl/strings/str_cat.h"

namespace cdc::duck {

absl::Status StatusFromDuckDbError(duckdb_error_type type, std::string_view message, std::string_view context) {
  const std::string text = StrCat(context, ": ", message);
  switch (type) {
    case DUCKDB_ERROR_TRANSACTION:  // write-write conflict: retry the batch
    case DUCKDB_ERROR_IO:
    case DUCKDB_ERROR_INTERRUPT:
    case DUCKDB_ERROR_OUT_OF_MEMORY:
      return absl::UnavailableError(text);
    case DUCKDB_ERROR_CONVERSION:
    case DUCKDB_ERROR_INVALID_INPUT:
    case DUCKDB_ERROR_OUT_OF_RANGE:
    case DUCKDB_ERROR_MISMATCH_TYPE:
      return absl::InvalidArgumentError(text);
    case DUCKDB_ERROR_CATALOG:
    case DUCKDB_ERROR_BINDER:
    case DUCKDB_ERROR_CONSTRAINT:
    case DUCKDB_ERROR_DEPENDENCY:
    case DUCKDB_ERROR_PERMISSION:
      return absl::FailedPreconditionError(text);
    default:
      return absl::InternalError(text);
  }
}

absl::StatusOr<std::shared_ptr<Database>> Database::Open(const std::string& path, bool read_only,
                                                         int checkpoint_mb, int threads) {
  std::shared_ptr<Database> d(new Database());
  d->path_ = path;
  char* err = nullptr;
  duckdb_config config;
  duckdb_create_config(&config);
  if (read_only) duckdb_set_config(config, "access_mode", "READ_ONLY");
  if (threads > 0) duckdb_set_config(config, "threads", StrCat(threads).c_str());
  if (checkpoint_mb > 0) {
    duckdb_set_config(config, "checkpoint_threshold", StrCat(checkpoint_mb, "MB").c_str());
  }
  if (duckdb_open_ext(path.c_str(), &d->db_, config, &err) == DuckDBError) {
    std::string msg = err ? err : "unknown error";
    duckdb_free(err);
    duckdb_destroy_config(&config);
    // The usual cause: another process holds the file lock.
    return absl::UnavailableError(StrCat("open DuckDB file ", path, " (sink.duckdb.path): ", msg));
  }
  duckdb_destroy_config(&config);
  return d;
}

Database::~Database() {
  if (db_) duckdb_close(&db_);
}

absl::StatusOr<std::unique_ptr<Connection>> Database::Connect() {
  duckdb_connection con = nullptr;
  if (duckdb_connect(db_, &con) == DuckDBError) {
    return absl::InternalError(StrCat("connect to DuckDB file ", path_));
  }
  return std::unique_ptr<Connection>(new Connection(shared_from_this(), con));
}

Connection::~Connection() {
  if (con_) duckdb_disconnect(&con_);
}

absl::Status Connection::Query(const std::string& sql, std::string_view context, QueryResult& out) {
  if (duckdb_query(con_, sql.c_str(), out.get()) == DuckDBError) {
    return StatusFromDuckDbError(duckdb_result_error_type(out.get()), duckdb_result_error(out.get()), context);
  }
  return absl::OkStatus();
}

absl::Status Connection::Execute(const std::string& sql, std::string_view context) {
  QueryResult r;
  return Query(sql, context, r);
}

std::string QuoteIdent(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string QuoteLiteral(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

}  // namespace cdc::duck
