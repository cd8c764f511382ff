#pragma once
// RAII over DuckDB's C API and the one place DuckDB errors become Status.
#include <duckdb.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/status.h"

namespace cdc::duck {

absl::Status StatusFromDuckDbError(duckdb_error_type type, std::string_view message,
                                   std::string_view context);

/// A result that is always destroyed.
class QueryResult {
 public:
  QueryResult() = default;
  ~QueryResult() { duckdb_destroy_result(&result_); }
  QueryResult(const QueryResult&) = delete;
  QueryResult& operator=(const QueryResult&) = delete;
  duckdb_result* get() { return &result_; }

 private:
  duckdb_result result_{};
};

class Connection;

/// One open database file. Thread-safe; each thread works through its own
/// Connection (DuckDB locks a connection while a query runs). Only one
/// process may hold the file open for writing.
class Database : public std::enable_shared_from_this<Database> {
 public:
  /// Opens (creating if absent unless `read_only`) a database file.
  /// `checkpoint_mb` > 0: DuckDB checkpoints once its WAL is that large
  /// (DuckDB's default, 16 MB, checkpoints a loading table every few
  /// batches; larger amortizes better, at the cost of a longer WAL replay
  /// after a crash). `threads` > 0: DuckDB's worker threads (its default
  /// is one per core).
  static absl::StatusOr<std::shared_ptr<Database>> Open(const std::string& path, bool read_only = false,
                                                        int checkpoint_mb = 0, int threads = 0);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  absl::StatusOr<std::unique_ptr<Connection>> Connect();
  const std::string& path() const { return path_; }

  /// Held by a batch's write transaction. Concurrent MERGEs into one table
  /// from two connections hit an internal error in DuckDB 1.4.4 ("Unaligned
  /// fetch in validity and main column data for update") that invalidates
  /// the database, so several loaders in a process apply one at a time
  /// (they still poll and decode in parallel).
  std::mutex& batch_mutex() { return batch_mutex_; }

 private:
  Database() = default;
  std::mutex batch_mutex_;
  std::string path_;
  duckdb_database db_ = nullptr;
};

class Connection {
 public:
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  absl::Status Execute(const std::string& sql, std::string_view context);
  /// Runs a query and hands back its result.
  absl::Status Query(const std::string& sql, std::string_view context, QueryResult& out);
  duckdb_connection raw() { return con_; }

 private:
  friend class Database;
  Connection(std::shared_ptr<Database> db, duckdb_connection con) : db_(std::move(db)), con_(con) {}
  std::shared_ptr<Database> db_;  // outlives the connection
  duckdb_connection con_;
};

/// "name" quoted as a DuckDB identifier.
std::string QuoteIdent(std::string_view name);
std::string QuoteLiteral(std::string_view value);

}  // namespace cdc::duck
