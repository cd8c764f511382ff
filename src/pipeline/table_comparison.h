#pragma once
// verify's judgement of one table: the source's rows against the
// warehouse's, over the columns both hold, through any two checksummers.
// Apart from the command's waiting and printing so it can be tested with
// tables in memory.
#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/table_checksum.h"

namespace cdc {

struct TableComparison {
  enum class Outcome {
    kMatch,
    kMismatch,
    // A change log (append mode): a row per event, not comparable with the
    // source once it holds more than inserts.
    kChangeLog,
  };
  Outcome outcome = Outcome::kMatch;
  /// The lines verify prints for the table, each ending in '\n'.
  std::string report;
};

/// The warehouse's name of a source column (the events' field name).
using FieldNameOf = std::function<std::string(std::string_view column)>;

/// Compares `table`; names the columns that differ when the rows are the
/// same in number, and those left out (absent from the warehouse, or with
/// no exact common form). FailedPrecondition when the source table does not
/// exist; the checksummers' own errors otherwise.
absl::StatusOr<TableComparison> CompareTable(TableChecksummer& source, TableChecksummer& warehouse,
                                             const TableId& table, const FieldNameOf& field_name_of);

}  // namespace cdc
