#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/change_source.h"
#include "source/postgres/pg_connection.h"

namespace cdc::pg {

/// Reads tables inside an exported snapshot (REPEATABLE READ + SET
/// TRANSACTION SNAPSHOT), one COPY at a time, yielding op=r events whose
/// version is (consistent point, 0). The exported snapshot stays valid only
/// while the replication connection that created it runs no other command,
/// so streaming starts after the last row has been read.
class Snapshotter {
 public:
  static absl::StatusOr<std::unique_ptr<Snapshotter>> Begin(const std::string& dsn,
                                                            const std::string& snapshot_name,
                                                            std::vector<TableId> tables,
                                                            Lsn consistent_point);
  ~Snapshotter();

  /// Next snapshot record (SnapshotBegin, events, SnapshotEnd), or nullopt
  /// when done.
  absl::StatusOr<std::optional<SourceRecord>> Next();

 private:
  Snapshotter(std::unique_ptr<Connection> conn, std::vector<TableId> tables, Lsn consistent_point);
  absl::StatusOr<std::optional<ChangeEvent>> ReadRow();
  absl::Status OpenTable(const TableId& id);

  std::unique_ptr<Connection> conn_;
  std::vector<TableId> tables_;
  size_t table_index_ = 0;
  bool copying_ = false;
  std::shared_ptr<const SourceTable> current_;
  Lsn consistent_point_;
  int64_t read_time_us_ = 0;
  enum class Phase { kBegin, kRows, kEnd, kDone } phase_ = Phase::kBegin;
  std::optional<ChangeEvent> lookahead_;  // to flag the last row
  uint64_t rows_in_table_ = 0;
};

/// Reads a table's columns and key flags from the catalog.
absl::StatusOr<std::shared_ptr<SourceTable>> DescribeTable(Connection& conn, const TableId& id);

}  // namespace cdc::pg
