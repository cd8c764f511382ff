#include "core/strings.h"
#include "sink/duckdb/duckdb_inspection.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sink/duckdb/warehouse_layout.h"

namespace cdc::duck {

absl::StatusOr<std::optional<std::vector<ChecksumColumn>>> DuckDbChecksummer::Columns(const TableId& table) {
  CDC_ASSIGN_OR_RETURN(auto con, db_->Connect());
  QueryResult r;
  CDC_RETURN_IF_ERROR(con->Query(StrCat("SELECT column_name FROM information_schema.columns WHERE table_schema = ",
                                              QuoteLiteral(table.schema), " AND table_name = ", QuoteLiteral(table.table),
                                              " ORDER BY ordinal_position"),
                                 StrCat("columns of warehouse table ", table.ToString()), r));
  const idx_t n = duckdb_row_count(r.get());
  if (n == 0) return std::nullopt;
  std::vector<ChecksumColumn> out;
  for (idx_t i = 0; i < n; ++i) {
    char* name = duckdb_value_varchar(r.get(), 0, i);
    if (!IsCdcColumn(name)) out.push_back({name, CanonicalForm::kText});
    duckdb_free(name);
  }
  return out;
}


absl::StatusOr<std::optional<std::string>> DuckDbChecksummer::PausedReason(const TableId& table) {
  CDC_ASSIGN_OR_RETURN(auto con, db_->Connect());
  return Bookkeeping(*con, kPausedTable, "reason", table, StrCat("pause of warehouse table ", table.ToString()));
}

absl::StatusOr<std::optional<std::map<char, uint64_t>>> DuckDbChecksummer::ChangeLog(const TableId& table) {
  CDC_ASSIGN_OR_RETURN(auto con, db_->Connect());
  const std::string ctx = StrCat("load mode of warehouse table ", table.ToString());
  // Warehouses written before _cdc_tables existed have no entry: state.
  CDC_ASSIGN_OR_RETURN(std::optional<std::string> mode, Bookkeeping(*con, kTablesTable, "mode", table, ctx));
  const bool append = mode == "append";
  if (!append) return std::nullopt;
  QueryResult ops;
  CDC_RETURN_IF_ERROR(con->Query(StrCat("SELECT _cdc_op, count(*) FROM ", Qualified(table), " GROUP BY 1"), ctx, ops));
  std::map<char, uint64_t> out;
  for (idx_t i = 0; i < duckdb_row_count(ops.get()); ++i) {
    char* op = duckdb_value_varchar(ops.get(), 0, i);
    if (op && op[0]) out[op[0]] = static_cast<uint64_t>(duckdb_value_int64(ops.get(), 1, i));
    duckdb_free(op);
  }
  return out;
}

absl::StatusOr<TableChecksum> DuckDbChecksummer::Checksum(const TableId& table,
                                                          std::span<const ChecksumColumn> columns) {
  CDC_ASSIGN_OR_RETURN(auto con, db_->Connect());
  // The canonical forms assume the column types load derives from schemas;
  // a column of another type (schemaless topics: a date as its BIGINT epoch
  // days) is compared as its text, and differs, rather than failing.
  QueryResult types;
  CDC_RETURN_IF_ERROR(con->Query(StrCat("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ",
                                        QuoteLiteral(table.schema), " AND table_name = ", QuoteLiteral(table.table)),
                                 StrCat("column types of warehouse table ", table.ToString()), types));
  std::map<std::string, std::string> type_of;
  for (idx_t i = 0; i < duckdb_row_count(types.get()); ++i) {
    char* name = duckdb_value_varchar(types.get(), 0, i);
    char* type = duckdb_value_varchar(types.get(), 1, i);
    type_of[name ? name : ""] = type ? type : "";
    duckdb_free(name);
    duckdb_free(type);
  }
  auto fits = [&type_of](const ChecksumColumn& c) {
    const std::string& t = type_of[c.name];
    switch (c.form) {
      case CanonicalForm::kEpochMicros: return t.starts_with("TIMESTAMP") || t == "DATE";
      case CanonicalForm::kIsoDate: return t == "DATE" || t.starts_with("TIMESTAMP");
      case CanonicalForm::kFloat: return t == "FLOAT" || t == "DOUBLE" || t == "REAL";
      case CanonicalForm::kHex: return t == "BLOB";
      case CanonicalForm::kJsonArray: return t.ends_with("[]");
      default: return true;
    }
  };
  std::vector<std::string> exprs;
  for (const auto& c : columns) {
    const std::string q = QuoteIdent(c.name);
    if (!fits(c)) {
      exprs.push_back(StrCat("CAST(", q, " AS VARCHAR)"));
      continue;
    }
    switch (c.form) {
      case CanonicalForm::kText:
      case CanonicalForm::kBoolean: exprs.push_back(StrCat("CAST(", q, " AS VARCHAR)")); break;
      case CanonicalForm::kEpochMicros:
        exprs.push_back(StrCat("CASE WHEN isfinite(", q, ") THEN CAST(epoch_us(", q, ") AS VARCHAR) ELSE CAST(", q,
                               " AS VARCHAR) END"));
        break;
      case CanonicalForm::kIsoDate:
        exprs.push_back(StrCat("CASE WHEN isfinite(", q, ") THEN strftime(", q, ", '%Y-%m-%d') ELSE CAST(", q,
                               " AS VARCHAR) END"));
        break;
      case CanonicalForm::kFloat:
        exprs.push_back(StrCat("CASE WHEN isnan(", q, ") THEN 'NaN' WHEN isinf(", q, ") AND ", q, " > 0 THEN 'Infinity' ",
                               "WHEN isinf(", q, ") THEN '-Infinity' ELSE CAST(", q, " AS VARCHAR) END"));
        break;
      case CanonicalForm::kHex: exprs.push_back(StrCat("lower(hex(", q, "))")); break;
      case CanonicalForm::kJsonArray: exprs.push_back(StrCat("CAST(to_json(", q, ") AS VARCHAR)")); break;
      case CanonicalForm::kTrimmedNumeric:
      case CanonicalForm::kTimeTzUtc:
      case CanonicalForm::kBit1:
      case CanonicalForm::kPaddedChar:
      case CanonicalForm::kMoney: exprs.push_back(StrCat("CAST(", q, " AS VARCHAR)")); break;
      case CanonicalForm::kNotCompared: exprs.push_back("NULL"); break;
    }
  }
  if (exprs.empty()) exprs.push_back("NULL");
  QueryResult r;
  CDC_RETURN_IF_ERROR(con->Query(StrCat("SELECT ", absl::StrJoin(exprs, ", "), " FROM ", Qualified(table),
                                              " WHERE _cdc_deleted IS NOT TRUE"),
                                 StrCat("checksum of warehouse table ", table.ToString()), r));
  TableChecksum acc;
  std::vector<std::optional<std::string_view>> row(exprs.size());
  while (true) {
    duckdb_data_chunk chunk = duckdb_fetch_chunk(*r.get());
    if (chunk == nullptr) break;
    const idx_t n = duckdb_data_chunk_get_size(chunk);
    std::vector<duckdb_string_t*> data(exprs.size());
    std::vector<uint64_t*> validity(exprs.size());
    for (idx_t c = 0; c < exprs.size(); ++c) {
      duckdb_vector v = duckdb_data_chunk_get_vector(chunk, c);
      data[c] = static_cast<duckdb_string_t*>(duckdb_vector_get_data(v));
      validity[c] = duckdb_vector_get_validity(v);
    }
    for (idx_t i = 0; i < n; ++i) {
      for (idx_t c = 0; c < exprs.size(); ++c) {
        if (validity[c] && !duckdb_validity_row_is_valid(validity[c], i)) {
          row[c].reset();
        } else {
          row[c] = std::string_view(duckdb_string_t_data(&data[c][i]), duckdb_string_t_length(data[c][i]));
        }
      }
      AddRowToChecksum(row, acc);
    }
    duckdb_destroy_data_chunk(&chunk);
  }
  return acc;
}

absl::StatusOr<std::vector<TableId>> ListTables(Database& db) {
  CDC_ASSIGN_OR_RETURN(auto con, db.Connect());
  QueryResult r;
  CDC_RETURN_IF_ERROR(con->Query("SELECT table_schema, table_name FROM information_schema.tables "
                                 "WHERE table_name NOT LIKE '\\_cdc\\_%' ESCAPE '\\' ORDER BY 1, 2",
                                 "list warehouse tables", r));
  std::vector<TableId> out;
  for (idx_t i = 0; i < duckdb_row_count(r.get()); ++i) {
    char* schema = duckdb_value_varchar(r.get(), 0, i);
    char* name = duckdb_value_varchar(r.get(), 1, i);
    out.push_back({schema, name});
    duckdb_free(schema);
    duckdb_free(name);
  }
  return out;
}

absl::StatusOr<std::string> RenderTable(Database& db, const TableId& table, int limit) {
  CDC_ASSIGN_OR_RETURN(auto con, db.Connect());
  const std::string ctx = StrCat("show warehouse table ", table.ToString());
  QueryResult count;
  CDC_RETURN_IF_ERROR(con->Query(StrCat("SELECT count(*) FROM ", Qualified(table), " WHERE _cdc_deleted IS NOT TRUE"), ctx, count));
  QueryResult r;
  CDC_RETURN_IF_ERROR(con->Query(StrCat("SELECT CAST(COLUMNS(* EXCLUDE (_cdc_seq, _cdc_deleted)) AS VARCHAR) FROM ", Qualified(table),
                                        " WHERE _cdc_deleted IS NOT TRUE ORDER BY _cdc_lsn DESC, _cdc_seq DESC LIMIT ", limit),
                                 ctx, r));
  const idx_t cols = duckdb_column_count(r.get());
  const idx_t rows = duckdb_row_count(r.get());
  std::vector<std::vector<std::string>> cells(rows + 1, std::vector<std::string>(cols));
  std::vector<size_t> width(cols, 0);
  for (idx_t c = 0; c < cols; ++c) {
    cells[0][c] = duckdb_column_name(r.get(), c);
    for (idx_t i = 0; i < rows; ++i) {
      if (duckdb_value_is_null(r.get(), c, i)) {
        cells[i + 1][c] = "NULL";
      } else {
        char* v = duckdb_value_varchar(r.get(), c, i);
        cells[i + 1][c] = v ? v : "?";
        duckdb_free(v);
      }
      if (cells[i + 1][c].size() > 32) cells[i + 1][c] = cells[i + 1][c].substr(0, 29) + "...";
    }
    for (idx_t i = 0; i <= rows; ++i) width[c] = std::max(width[c], cells[i][c].size());
  }
  std::string out = StrCat(table.ToString(), ": ", duckdb_value_int64(count.get(), 0, 0),
                           " rows (newest ", rows, " shown)\n");
  for (idx_t i = 0; i <= rows; ++i) {
    for (idx_t c = 0; c < cols; ++c) {
      out += cells[i][c];
      out.append(width[c] - cells[i][c].size() + 2, ' ');
    }
    out += "\n";
  }
  return out;
}

}  // namespace cdc::duck
