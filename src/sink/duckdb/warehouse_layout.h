#pragma once
// How cdcpipe lays out the warehouse in DuckDB, shared by load (which writes
// it) and by verify and show (which read it): cdcpipe's bookkeeping tables,
// its _cdc_ columns, and the SQL type of a column.
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/warehouse_change.h"
#include "sink/duckdb/duckdb_connection.h"

namespace cdc::duck {

/// Bookkeeping tables: Kafka offsets committed with the rows, each table's
/// load mode, and the tables paused by a schema change they cannot take.
inline constexpr const char* kOffsetsTable = "_cdc_offsets";
inline constexpr const char* kTablesTable = "_cdc_tables";
inline constexpr const char* kPausedTable = "_cdc_paused_tables";

/// The table's quoted, schema-qualified name.
std::string Qualified(const TableId& id);

/// Whether `name` is one of cdcpipe's own columns (_cdc_lsn, _cdc_op, ...).
inline bool IsCdcColumn(std::string_view name) { return name.starts_with("_cdc_"); }

/// `column` of `table`'s row in cdcpipe's bookkeeping table `bookkeeping`;
/// nullopt without a row, or in a warehouse written before that table existed.
absl::StatusOr<std::optional<std::string>> Bookkeeping(Connection& con, const char* bookkeeping, const char* column,
                                                      const TableId& table, std::string_view ctx);

/// SQL type of a warehouse column.
std::string DuckDbType(const WarehouseColumn& column);

}  // namespace cdc::duck
