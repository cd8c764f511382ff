#pragma once
// When a snapshot of a table is durable, capture says so on a control topic
// of its own (<prefix>.cdcpipe-snapshots), out of the way of consumers of
// the Debezium topics. load reads it to remove warehouse rows the new
// snapshot did not have: rows deleted at the source while no slot recorded
// the deletes (a lost slot, `reset-snapshot`, a paused table resumed).
#include <string>

#include "core/change_event.h"
#include "core/lsn.h"
#include "core/message.h"
#include "core/status.h"

namespace cdc {

/// Every row of `table` as of `snapshot_lsn` has been published to `topic`
/// and acknowledged (with the embedded broker: committed in the warehouse).
/// Its rows carry the version (snapshot_lsn, 0).
struct TableSnapshotMarker {
  TableId table;
  std::string topic;
  Lsn snapshot_lsn;
  bool operator==(const TableSnapshotMarker&) const = default;
};

/// The control topic of the pipeline whose topics start with `topic_prefix`.
std::string SnapshotMarkerTopic(const std::string& topic_prefix);

/// The record on `control_topic`, keyed by the table's topic so that the
/// markers of one table stay in order in one partition.
OutgoingMessage EncodeTableSnapshotMarker(const std::string& control_topic, const TableSnapshotMarker& marker);

/// InvalidArgument naming the record's topic, partition and offset when it
/// is not a marker.
absl::StatusOr<TableSnapshotMarker> DecodeTableSnapshotMarker(const IncomingMessage& message);

}  // namespace cdc
