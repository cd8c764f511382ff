#pragma once
// Read-only views of the warehouse: verify's checksums of its tables and
// show's listing of them.
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/table_checksum.h"
#include "sink/duckdb/duckdb_connection.h"

namespace cdc::duck {

/// The warehouse side of `verify`: checksums of DuckDB tables (live rows
/// only in soft-delete mode). Thread-safe: a connection per call.
class DuckDbChecksummer final : public TableChecksummer {
 public:
  explicit DuckDbChecksummer(std::shared_ptr<Database> db) : db_(std::move(db)) {}
  absl::StatusOr<std::optional<std::vector<ChecksumColumn>>> Columns(const TableId& table) override;
  absl::StatusOr<TableChecksum> Checksum(const TableId& table, std::span<const ChecksumColumn> columns) override;
  absl::StatusOr<std::optional<std::map<char, uint64_t>>> ChangeLog(const TableId& table) override;
  absl::StatusOr<std::optional<std::string>> PausedReason(const TableId& table) override;

 private:
  std::shared_ptr<Database> db_;
};

/// Up to `limit` rows of `table` as an aligned text table (source columns
/// first, then the _cdc_ ones), for people.
absl::StatusOr<std::string> RenderTable(Database& db, const TableId& table, int limit);
/// Tables in the warehouse other than cdcpipe's own bookkeeping.
absl::StatusOr<std::vector<TableId>> ListTables(Database& db);

}  // namespace cdc::duck
