#include "core/strings.h"
#include "sink/duckdb/warehouse_layout.h"

#include "absl/strings/str_cat.h"

namespace cdc::duck {

std::string Qualified(const TableId& id) { return QuoteIdent(id.schema) + "." + QuoteIdent(id.table); }

absl::StatusOr<std::optional<std::string>> Bookkeeping(Connection& con, const char* bookkeeping, const char* column,
                                                      const TableId& table, std::string_view ctx) {
  QueryResult exists;
  CDC_RETURN_IF_ERROR(con.Query(StrCat("SELECT count(*) FROM information_schema.tables WHERE table_name = '",
                                       bookkeeping, "'"), ctx, exists));
  if (duckdb_value_int64(exists.get(), 0, 0) == 0) return std::nullopt;
  QueryResult r;
  CDC_RETURN_IF_ERROR(con.Query(StrCat("SELECT ", column, " FROM ", bookkeeping, " WHERE table_schema = ",
                                       QuoteLiteral(table.schema), " AND table_name = ", QuoteLiteral(table.table)),
                                ctx, r));
  if (duckdb_row_count(r.get()) == 0) return std::nullopt;
  char* v = duckdb_value_varchar(r.get(), 0, 0);
  std::string out = v ? v : "";
  duckdb_free(v);
  return out;
}

namespace {

std::string ScalarType(const WarehouseColumn& c) {
  switch (c.type) {
    case ColumnType::kBoolean: return "BOOLEAN";
    case ColumnType::kInt16: return "SMALLINT";
    case ColumnType::kInt32: return "INTEGER";
    case ColumnType::kInt64: return "BIGINT";
    case ColumnType::kFloat: return "REAL";
    case ColumnType::kDouble: return "DOUBLE";
    case ColumnType::kDecimal: return StrCat("DECIMAL(", c.precision, ",", c.scale, ")");
    case ColumnType::kText: return "VARCHAR";
    case ColumnType::kDate: return "DATE";
    case ColumnType::kTime: return "TIME";
    case ColumnType::kTimestamp: return "TIMESTAMP";
    case ColumnType::kTimestampTz: return "TIMESTAMPTZ";
    case ColumnType::kJson: return "JSON";
    case ColumnType::kUuid: return "UUID";
    case ColumnType::kBlob: return "BLOB";
    case ColumnType::kTimeTz: return "TIMETZ";
    case ColumnType::kInterval: return "INTERVAL";
    case ColumnType::kPoint: return "STRUCT(x DOUBLE, y DOUBLE, wkb BLOB, srid INTEGER)";
  }
  return "VARCHAR";
}

}  // namespace

std::string DuckDbType(const WarehouseColumn& c) { return c.list ? ScalarType(c) + "[]" : ScalarType(c); }

}  // namespace cdc::duck
