#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "core/message.h"
#include "core/status.h"
#include "core/warehouse_change.h"

namespace cdc {

/// The changes of one table in one batch, collapsed to the newest version
/// per key and in version order.
struct TableBatch {
  std::shared_ptr<const WarehouseTable> table;
  std::vector<RowChange> rows;
  /// The table was truncated at this version: stored rows older than it go,
  /// and older events arriving later (other partitions, replays) are ignored.
  std::optional<Version> truncated_at;
  /// No rows: a new snapshot of the table, taken at this version, is wholly
  /// applied. Stored rows older than it were not in the source when it was
  /// read (deleted while no slot recorded it) and go, as with a truncation;
  /// a change log keeps them.
  std::optional<Version> swept_at;
};

/// Where a stream of offsets comes from. Offsets of one Kafka cluster mean
/// nothing in another (e.g. a restarted embedded broker), so they are keyed
/// by `stream_id`.
using OffsetMap = std::map<TopicPartition, int64_t>;  // next offset to read

/// Tables whose load is paused, with the reason: their events go to the
/// dead-letter topic until an operator has mended the warehouse table and
/// resumed it (docs/operations.md).
using PausedTables = std::map<TableId, std::string>;

/// Marks `error` as caused by the data of one table rather than by the
/// warehouse: by row `row` of its batch (a value the table refuses), or by
/// the whole batch when `row` is empty (a schema the table cannot take).
absl::Status TableDataError(absl::Status error, const TableId& table, std::optional<size_t> row = std::nullopt);

/// What TableDataError attached to `error`, if anything.
struct TableDataErrorInfo {
  TableId table;
  std::optional<size_t> row;
};
std::optional<TableDataErrorInfo> TableDataErrorOf(const absl::Status& error);

/// Where a warehouse spent one Apply: handing it the rows, merging them into
/// the tables, storing the offsets and committing. Reported as metrics, so
/// that an operator sees which part of the warehouse holds load back.
struct ApplyPhases {
  absl::Duration write;
  absl::Duration merge;
  absl::Duration commit;
};

/// A warehouse that applies batches atomically with the offsets they cover.
/// Not thread-safe: one loader thread owns a Sink.
class Sink {
 public:
  virtual ~Sink() = default;

  /// Creates or evolves the target tables, merges every batch with the
  /// version guard, and stores `next_offsets` for `stream_id`, all in one
  /// transaction: either everything is applied or nothing is.
  /// `newly_paused` is recorded in the same transaction. Unavailable:
  /// transient, retry the same call. A TableDataError: that table's data
  /// cannot be applied (nothing was). Anything else: stop.
  virtual absl::Status Apply(std::span<const TableBatch> batches, const std::string& stream_id,
                             const OffsetMap& next_offsets, const PausedTables& newly_paused) = 0;

  /// Tables paused by earlier Apply calls.
  virtual absl::StatusOr<PausedTables> Paused() = 0;

  /// Offsets committed for `stream_id` (empty if none).
  virtual absl::StatusOr<OffsetMap> CommittedOffsets(const std::string& stream_id) = 0;

  /// The phases of the last Apply (the loader reads them after one
  /// succeeded); zero where a warehouse does not tell them apart.
  virtual ApplyPhases LastApplyPhases() const { return {}; }

  /// Rows the sweeps (TableBatch::swept_at) of the last Apply removed.
  virtual int64_t LastSweptRows() const { return 0; }
};

}  // namespace cdc
