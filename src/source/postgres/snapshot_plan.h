#pragma once
// How a snapshot is cut into chunks, and which chunks are already durable.
// The plan is stored with the capture state so that a restart reads only
// the chunks still missing, with the same boundaries.
#include <cstdint>
#include <string>
#include <vector>

#include "core/change_event.h"
#include "core/change_source.h"
#include "core/lsn.h"
#include "core/status.h"
#include "source/postgres/pg_connection.h"

namespace cdc::pg {

struct SnapshotChunk {
  size_t table = 0;       // index into SnapshotPlan::tables
  std::string predicate;  // SQL condition on the table's rows; empty: all rows
  bool done = false;      // durable downstream
};

/// A restart keeps every table's chunks already read (primary-key ranges, or
/// page ranges of a keyless table) and reads only the others. A row that
/// changes between the crash and the restart is not read twice in a keyed
/// table, as its key keeps its chunk; in a keyless table its new version can
/// move to a chunk not read yet (see docs/limitations.md).
struct SnapshotTablePlan {
  TableId id;
  int64_t estimated_rows = 0;
  /// Left the capture while the snapshot was resumed: not read, not in its
  /// end, but its chunks stay in the plan, done, so that the chunks after
  /// them keep their numbers.
  bool skipped = false;
};

struct SnapshotPlan {
  /// Where streaming continues after the snapshot; 0 in a request not
  /// started yet: the slot's position when it starts.
  Lsn consistent_point;
  /// Only the tables listed are read (a snapshot of chosen tables, asked
  /// for by `reset-snapshot --table`); otherwise every captured table.
  bool listed_tables_only = false;
  /// A table without chunks is planned when the snapshot starts.
  std::vector<SnapshotTablePlan> tables;
  std::vector<SnapshotChunk> chunks;

  /// Line-based text (fields C-escaped, tab-separated).
  std::string Serialize() const;
  /// InvalidArgument naming the line when the text is not a plan.
  static absl::StatusOr<SnapshotPlan> Parse(std::string_view text);

  size_t DoneChunks() const;
  /// The SnapshotEnd of this plan: its LSN and every table.
  SnapshotEnd End() const;
};

/// Adds `id` to `plan`, cut into chunks of about `chunk_rows` rows, planned
/// on `conn` (inside the snapshot).
absl::Status PlanTable(Connection& conn, const TableId& id, int64_t chunk_rows, SnapshotPlan& plan);

/// A plan for `tables` (those of `previous` alone when it lists its
/// tables only) that keeps the chunks of `previous` (boundaries and done
/// flags) for the tables still listed; other tables are planned afresh on
/// `conn`, after them, so that the chunks kept keep their numbers.
absl::StatusOr<SnapshotPlan> ResumePlan(Connection& conn, const SnapshotPlan& previous,
                                        const std::vector<TableId>& tables, int64_t chunk_rows);

/// The request for a snapshot of `tables` alone, taken when capture next
/// starts, at the slot's position then (stored as the capture state's
/// progress, not completed).
SnapshotPlan TableSnapshotRequest(const std::vector<TableId>& tables);
/// Whether `plan` (or its text form) is such a request, not started yet.
bool IsTableSnapshotRequest(const SnapshotPlan& plan);
bool IsTableSnapshotRequest(std::string_view progress);

}  // namespace cdc::pg
