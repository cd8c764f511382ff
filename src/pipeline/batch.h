#pragma once
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"

#include "core/sink.h"
#include "core/table_modes.h"
#include "core/warehouse_change.h"

namespace cdc {

/// Accumulates decoded changes per table and collapses them per key to the
/// newest version. Unchanged (TOAST) values of the newest version take the
/// value of an older event of the same key in the batch when it has one.
class Batch {
 public:
  explicit Batch(TableModes modes = {}) : modes_(std::move(modes)) {}
  Batch(const Batch&) = delete;  // last_ points into tables_
  Batch& operator=(const Batch&) = delete;
  void Add(RowChange change);
  size_t rows() const { return rows_; }
  bool empty() const { return rows_ == 0; }
  /// The collapsed batches, one per table; clears the batch.
  std::vector<TableBatch> Take();

 private:
  struct TableRows {
    std::shared_ptr<const WarehouseTable> schema;  // of the newest event by version
    Version schema_version;
    bool schema_from_rows = false;  // else: from a TRUNCATE alone, which may lack the key
    std::vector<RowChange> rows;                // keyless tables: every event
    absl::flat_hash_map<std::string, size_t> by_key;  // key text -> index in rows
    std::optional<Version> truncated_at;
    // Whether `judged` (the table of the latest event) is a change log:
    // asked once per schema, not per event (append_tables are regexes).
    std::shared_ptr<const WarehouseTable> judged;
    bool change_log = false;
  };
  TableRows& RowsOf(const TableId& table);
  bool IsChangeLog(TableRows& t, const std::shared_ptr<const WarehouseTable>& table) const;
  void AdoptSchema(TableRows& t, RowChange& change);
  void AddTruncate(TableRows& t, RowChange change);
  void Truncate(TableRows& t, const Version& at);
  TableModes modes_;
  std::map<TableId, TableRows> tables_;
  // The table of the latest event, an entry of tables_: consecutive events
  // mostly share it.
  std::pair<const TableId, TableRows>* last_ = nullptr;
  // Each table's rows and keys in the batch before: the next batch's are
  // sized for as many, instead of growing (and rehashing) through it.
  struct Sizes {
    size_t rows = 0, keys = 0;
  };
  std::map<TableId, Sizes> previous_sizes_;
  size_t rows_ = 0;
};

/// Key text of a change (its key columns' values), for collapsing.
std::string KeyOf(const RowChange& change);

}  // namespace cdc
