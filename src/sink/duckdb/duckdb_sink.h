#pragma once
#include <map>
#include <memory>
#include <set>
#include <string>

#include "core/sink.h"
#include "core/table_modes.h"
#include "sink/duckdb/duckdb_connection.h"

namespace cdc::duck {

enum class DeleteMode { kHard, kSoft };

struct DuckDbSinkOptions {
  DeleteMode delete_mode = DeleteMode::kHard;
  TableModes table_modes;
};

/// Applies batches to DuckDB: per table, rows are appended to a query
/// appender that runs one MERGE INTO over them, guarded by the row version
/// (_cdc_lsn, _cdc_seq), in the same transaction as the Kafka offsets.
class DuckDbSink final : public Sink {
 public:
  static absl::StatusOr<std::unique_ptr<DuckDbSink>> Create(std::shared_ptr<Database> db,
                                                            DuckDbSinkOptions options);
  ~DuckDbSink() override;

  absl::Status Apply(std::span<const TableBatch> batches, const std::string& stream_id,
                     const OffsetMap& next_offsets, const PausedTables& newly_paused) override;
  absl::StatusOr<OffsetMap> CommittedOffsets(const std::string& stream_id) override;
  absl::StatusOr<PausedTables> Paused() override;
  ApplyPhases LastApplyPhases() const override { return phases_; }
  int64_t LastSweptRows() const override { return swept_rows_; }

 private:
  DuckDbSink(std::shared_ptr<Database> db, std::unique_ptr<Connection> con, DuckDbSinkOptions options);
  struct TableState;
  absl::StatusOr<TableState*> Prepare(const WarehouseTable& table);
  /// DuckDB's own name for a type (as information_schema shows it).
  absl::StatusOr<std::string> CanonicalType(const std::string& type);
  std::map<std::string, std::string> canonical_types_;
  absl::Status ApplyTable(const TableBatch& batch);
  /// TableBatch::swept_at: removes (soft-deletes) the rows older than
  /// `version`, unless the table is a change log.
  absl::Status Sweep(const TableId& table, const Version& version);
  /// Stored rows of `table` older than `version` go: deleted, or marked
  /// deleted with `op` in soft-delete mode. Returns how many.
  absl::StatusOr<int64_t> RemoveOlderRows(const TableId& table, const Version& version, std::string_view op);
  /// The version older events of `table` are void below, if any.
  absl::StatusOr<std::optional<Version>> StoredTruncation(const TableId& table);
  /// Records that events of `table` older than `version` are void (it never
  /// moves back).
  absl::Status RecordTruncation(const TableId& table, const Version& version);
  /// The table exists in the warehouse.
  absl::StatusOr<bool> Exists(const TableId& table);
  absl::Status ApplyTables(std::span<const TableBatch> batches);
  /// A snapshot's chunk: the snapshot's LSN (a row's _cdc_lsn; a snapshot
  /// resumed after a crash keeps it, a new snapshot has its own) and the
  /// chunk's index in its plan.
  using SnapshotChunk = std::pair<uint64_t, int64_t>;
  static SnapshotChunk ChunkOf(const RowChange& row) {
    return {row.version.commit_lsn.value, row.snapshot_chunk->chunk};
  }
  /// For a change log: per snapshot chunk in `batch`, the read whose rows
  /// the table keeps (the latest, in the batch or already stored); rows of
  /// the chunk's earlier reads are deleted from the table.
  absl::StatusOr<std::map<SnapshotChunk, int64_t>> LatestChunkReads(const TableBatch& batch);
  /// The newly paused tables and the offsets, in the batch's transaction.
  absl::Status StoreOffsets(const std::string& stream_id, const OffsetMap& next_offsets,
                            const PausedTables& newly_paused);

  std::shared_ptr<Database> db_;
  std::unique_ptr<Connection> con_;
  DuckDbSinkOptions options_;
  std::map<TableId, std::unique_ptr<TableState>> tables_;
  ApplyPhases phases_;  // of the Apply in progress, then of the last one
  int64_t swept_rows_ = 0;  // likewise
};

/// Whether a column of DuckDB type `wide` holds every value of type `narrow`
/// exactly (type names as DuckDB prints them, e.g. "DECIMAL(12,2)"): the
/// widenings load applies by itself (int -> bigint, numeric precision up,
/// float -> double, anything -> VARCHAR).
bool TypeHolds(std::string_view wide, std::string_view narrow);

}  // namespace cdc::duck
