#pragma once
// Which columns form an event's key. Debezium keys events by the table's
// primary key whatever its replica identity (pgoutput's Relation message
// flags the identity columns instead: all of them under FULL, none under
// NOTHING), or by the columns `message.key.columns` names for a table.
#include <map>
#include <string>
#include <vector>

#include "core/change_event.h"
#include "core/status.h"
#include "source/postgres/pg_connection.h"

namespace cdc::pg {

using MessageKeyColumns = std::map<TableId, std::vector<std::string>>;

/// Sets each column's `key` flag of `table` (relation_id must be set).
/// FailedPrecondition when an override names a column the table lacks.
absl::Status AssignKeyColumns(Connection& conn, SourceTable& table, const MessageKeyColumns& overrides);

}  // namespace cdc::pg
