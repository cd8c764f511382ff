#include "pipeline/table_comparison.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace cdc {
namespace {

using absl::StrAppendFormat;
using absl::StrAppend;
using absl::StrCat;

// A table the warehouse does not have yet.
absl::StatusOr<TableComparison> CompareWithAbsentTable(TableChecksummer& source, const TableId& table) {
  // No event has reached the warehouse yet: equal only if the source is empty.
  CDC_ASSIGN_OR_RETURN(TableChecksum s, source.Checksum(table, {}));
  TableComparison result;
  result.outcome = s.rows == 0 ? TableComparison::Outcome::kMatch : TableComparison::Outcome::kMismatch;
  StrAppendFormat(&result.report, "%-40s %s  source rows=%llu warehouse table absent\n", table.ToString(),
                  s.rows == 0 ? "OK      " : "MISMATCH", static_cast<unsigned long long>(s.rows));
  return result;
}

// A change log holding more than inserts: nothing in it says which earlier
// row an update replaced, so its rows are not the source's rows.
absl::StatusOr<std::optional<TableComparison>> ChangeLogVerdict(TableChecksummer& source,
                                                                TableChecksummer& warehouse, const TableId& table) {
  CDC_ASSIGN_OR_RETURN(auto log, warehouse.ChangeLog(table));
  if (!log) return std::nullopt;
  std::string ops;
  uint64_t events = 0;
  bool only_inserts = true;
  for (const auto& [op, n] : *log) {
    StrAppend(&ops, ops.empty() ? "" : " ", std::string(1, op), "=", n);
    events += n;
    only_inserts = only_inserts && (op == 'r' || op == 'c');
  }
  if (only_inserts) return std::nullopt;  // the same rows as the source's: compared as any table
  CDC_ASSIGN_OR_RETURN(TableChecksum s, source.Checksum(table, {}));
  TableComparison result;
  result.outcome = TableComparison::Outcome::kChangeLog;
  StrAppendFormat(&result.report, "%-40s LOG       source rows=%llu warehouse change log events=%llu (%s)\n",
                  table.ToString(), static_cast<unsigned long long>(s.rows), static_cast<unsigned long long>(events),
                  ops);
  StrAppendFormat(&result.report,
                  "%-40s not compared: loaded in append mode (no key), a row per event (docs/operations.md)\n", "");
  return result;
}

}  // namespace

absl::StatusOr<TableComparison> CompareTable(TableChecksummer& source, TableChecksummer& warehouse,
                                             const TableId& table, const FieldNameOf& field_name_of) {
  CDC_ASSIGN_OR_RETURN(auto src_cols, source.Columns(table));
  if (!src_cols) return absl::FailedPreconditionError(StrCat("source table ", table.ToString(), " does not exist"));
  CDC_ASSIGN_OR_RETURN(auto wh_cols, warehouse.Columns(table));
  if (!wh_cols) return CompareWithAbsentTable(source, table);

  std::string paused_line;
  CDC_ASSIGN_OR_RETURN(auto paused, warehouse.PausedReason(table));
  if (paused) {
    paused_line = absl::StrFormat(
        "%-40s PAUSED    by load; its events go to the dead-letter topic (docs/operations.md): %s\n",
        table.ToString(), *paused);
  }
  CDC_ASSIGN_OR_RETURN(std::optional<TableComparison> log, ChangeLogVerdict(source, warehouse, table));
  if (log) {
    log->report.insert(0, paused_line);
    return *std::move(log);
  }

  // The columns both sides have, by the source's names and by the
  // warehouse's (the events' field names).
  std::vector<ChecksumColumn> common, common_in_warehouse;
  std::vector<std::string> not_compared, not_in_warehouse;
  for (const auto& c : *src_cols) {
    const std::string field = field_name_of(c.name);
    auto in_warehouse = std::find_if(wh_cols->begin(), wh_cols->end(), [&](const ChecksumColumn& col) { return col.name == field; });
    if (in_warehouse == wh_cols->end()) {
      not_in_warehouse.push_back(c.name);
    } else if (c.form == CanonicalForm::kNotCompared) {
      // Debezium's encoding loses information: left out and named, never
      // counted as equal.
      not_compared.push_back(c.name);
    } else {
      common.push_back(c);
      common_in_warehouse.push_back(ChecksumColumn{field, c.form});
    }
  }
  CDC_ASSIGN_OR_RETURN(TableChecksum s, source.Checksum(table, common));
  CDC_ASSIGN_OR_RETURN(TableChecksum w, warehouse.Checksum(table, common_in_warehouse));
  TableComparison result;
  result.report = std::move(paused_line);
  result.outcome = s == w ? TableComparison::Outcome::kMatch : TableComparison::Outcome::kMismatch;
  StrAppendFormat(&result.report, "%-40s %s  source rows=%llu warehouse rows=%llu checksum %s  (%zu columns)\n",
                  table.ToString(), s == w ? "OK      " : "MISMATCH", static_cast<unsigned long long>(s.rows),
                  static_cast<unsigned long long>(w.rows), s.sum == w.sum ? "equal" : "differs", common.size());
  if (s != w && s.rows == w.rows && common.size() > 1) {
    // Same rows, different values: name the columns that differ.
    std::vector<std::string> differ;
    for (size_t i = 0; i < common.size(); ++i) {
      CDC_ASSIGN_OR_RETURN(TableChecksum sc, source.Checksum(table, std::span(&common[i], 1)));
      CDC_ASSIGN_OR_RETURN(TableChecksum wc, warehouse.Checksum(table, std::span(&common_in_warehouse[i], 1)));
      if (sc != wc) differ.push_back(common[i].name);
    }
    StrAppendFormat(&result.report, "%-40s columns that differ: %s\n", "", absl::StrJoin(differ, ", "));
  }
  if (!not_in_warehouse.empty()) {
    // Excluded columns, or names the events adjusted otherwise than this
    // configuration says (source.postgres.field_name_adjustment_mode).
    StrAppendFormat(&result.report, "%-40s not in the warehouse: %s\n", "", absl::StrJoin(not_in_warehouse, ", "));
  }
  if (!not_compared.empty()) {
    StrAppendFormat(&result.report, "%-40s not compared (no exact common form, docs/types.md): %s\n", "",
                    absl::StrJoin(not_compared, ", "));
  }
  return result;
}

}  // namespace cdc
