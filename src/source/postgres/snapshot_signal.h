#pragma once
// Asking a running capture to read chosen tables again (Debezium's
// execute-snapshot signal), through the WAL it already reads.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/change_event.h"
#include "core/status.h"

namespace cdc::pg {

/// Prefix of the logical decoding message that asks for a snapshot of
/// chosen tables while capture streams:
///   SELECT pg_logical_emit_message(true, 'cdcpipe_execute_snapshot',
///                                  '{"data-collections": ["public.items"]}');
/// It starts with cdcpipe's internal prefix, so it is never published.
inline constexpr const char* kExecuteSnapshotPrefix = "cdcpipe_execute_snapshot";

/// Prefix of the logical decoding message that stops the incremental
/// snapshot being read (Debezium's stop-snapshot signal).
inline constexpr const char* kStopSnapshotPrefix = "cdcpipe_stop_snapshot";

/// Prefixes of the logical decoding messages that pause and resume the
/// incremental snapshot being read (Debezium's pause-snapshot and
/// resume-snapshot signals).
inline constexpr const char* kPauseSnapshotPrefix = "cdcpipe_pause_snapshot";
inline constexpr const char* kResumeSnapshotPrefix = "cdcpipe_resume_snapshot";

/// The Debezium signal type a logical decoding message with `prefix` is
/// (the prefixes above), or nullopt for any other message.
std::optional<std::string_view> SignalTypeOfMessage(std::string_view prefix);

struct ExecuteSnapshotRequest {
  /// Regular expressions (ECMAScript), each matched against the whole
  /// "schema.table" name of every captured table, as Debezium's are.
  std::vector<std::string> data_collections;
  /// The slot whose capture is asked; none: every capture reading the WAL
  /// (the message is database-wide, as is a shared signal table).
  std::optional<std::string> slot;
  /// "type": "blocking": the stream waits while the tables are read.
  /// Otherwise (incremental, Debezium's default) chunks of the tables
  /// alternate with the stream.
  bool blocking = false;
};

/// An execute-snapshot signal's data, Debezium's form:
/// {"data-collections": ["public.orders", "sales\\.order_.*", ...],
/// "type": "blocking"}, plus cdcpipe's optional "slot". `type` may be left
/// out (incremental), "blocking" or "incremental"; filters
/// ("additional-conditions") are refused. InvalidArgument saying what is
/// wrong otherwise (an entry that is not a string or not a valid regular
/// expression, among others).
absl::StatusOr<ExecuteSnapshotRequest> ParseExecuteSnapshotSignal(std::string_view data);

/// The signal's data asking the capture of `slot` for exactly `tables`.
std::string ExecuteSnapshotSignal(const std::vector<TableId>& tables, const std::string& slot, bool blocking);

struct StopSnapshotRequest {
  /// As in ExecuteSnapshotRequest; empty: every table of the snapshot.
  std::vector<std::string> data_collections;
  std::optional<std::string> slot;
};

/// A stop-snapshot signal's data, Debezium's form:
/// {"data-collections": ["public.orders"], "type": "incremental"}, plus
/// "slot". `data-collections` may be left out or empty (every table);
/// `type` may be left out, but only incremental snapshots can be stopped.
absl::StatusOr<StopSnapshotRequest> ParseStopSnapshotSignal(std::string_view data);

/// The signal's data stopping the reading of exactly `tables` (none: of
/// every table) by the capture of `slot`.
std::string StopSnapshotSignal(const std::vector<TableId>& tables, const std::string& slot);

/// A pause-snapshot or resume-snapshot signal's data (`signal` names it):
/// empty, or {"type": "incremental"} as in Debezium, plus "slot". Returns
/// the slot, if named. InvalidArgument for anything else (data-collections:
/// the whole snapshot pauses).
absl::StatusOr<std::optional<std::string>> ParseSnapshotControlSignal(std::string_view data, std::string_view signal);

/// The data of a pause-snapshot or resume-snapshot signal for `slot`.
std::string SnapshotControlSignal(const std::string& slot);

/// A log signal's data, Debezium's form: {"message": "..."}. Returns the
/// message with each "{}" replaced by `position` (the signal's LSN), for
/// capture's log. InvalidArgument when there is no string message.
absl::StatusOr<std::string> ParseLogSignal(std::string_view data, std::string_view position);

/// Of `captured`, in its order, the tables some pattern of
/// `data_collections` matches whole; each pattern that matches none is
/// added to `unmatched`.
std::vector<TableId> MatchDataCollections(const std::vector<std::string>& data_collections,
                                          const std::vector<TableId>& captured, std::vector<std::string>& unmatched);

/// Whether a snapshot (`pg_current_snapshot()` as text, "xmin:xmax:xip,...")
/// sees every transaction of `committed` (32-bit xids, all committed and
/// recent: within 2^31 of the snapshot's xmax). InvalidArgument when the
/// text has not three ':'-separated parts with a numeric xmax. A commit is decoded once its
/// record is flushed, a moment before other sessions see it: a snapshot
/// taken for rows versioned after a decoded commit must see it.
absl::StatusOr<bool> SnapshotSeesCommits(std::string_view pg_snapshot, const std::vector<uint32_t>& committed);

}  // namespace cdc::pg
