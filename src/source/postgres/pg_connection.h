#pragma once
// RAII wrappers over libpq and the one place PostgreSQL errors become Status.
#include <libpq-fe.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/change_event.h"
#include "core/status.h"

namespace cdc::pg {

/// Maps a SQLSTATE (may be empty for connection-level failures) to a Status
/// code carrying the retry decision; `context` names the object.
absl::Status StatusFromSqlState(std::string_view sqlstate, std::string_view message,
                                std::string_view context);

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

/// Session settings that make PostgreSQL's text output unambiguous for the
/// serializer, the same in snapshots and in the replication stream: ISO
/// dates, UTC offsets, round-trip floats, ISO 8601 intervals, money without
/// a currency symbol.
inline constexpr const char* kSessionSettings =
    "SET DateStyle = ISO; SET TimeZone = 'UTC'; SET extra_float_digits = 3; "
    "SET IntervalStyle = iso_8601; SET lc_monetary = 'C'";

class Connection {
 public:
  /// Connects; `replication` adds replication=database (logical walsender).
  /// The password is never part of an error message.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& dsn, bool replication,
                                                          std::string_view purpose,
                                                          std::string_view application_name = "cdcpipe");
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  PGconn* raw() { return conn_; }

  /// Runs a simple-protocol query and checks for TUPLES_OK / COMMAND_OK.
  absl::StatusOr<Result> Exec(const std::string& sql, std::string_view context);
  /// Like Exec, expecting COPY OUT or COPY BOTH.
  absl::StatusOr<Result> ExecCopy(const std::string& sql, ExecStatusType expected,
                                  std::string_view context);

  std::string Quote(std::string_view literal);
  std::string QuoteIdent(std::string_view ident);
  /// schema.table, each part quoted as an identifier.
  std::string QuoteTable(const TableId& table);
  /// The error of the connection itself (e.g. after PQgetCopyData == -2).
  absl::Status ConnectionError(std::string_view context);

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  absl::Status ResultError(PGresult* r, std::string_view context);
  PGconn* conn_;
};

}  // namespace cdc::pg
