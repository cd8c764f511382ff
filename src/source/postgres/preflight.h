#pragma once
#include <string>
#include <vector>

#include "core/change_event.h"
#include "core/status.h"

namespace cdc::pg {

/// One finding of `cdcpipe preflight`: what was checked, whether it passed,
/// what was seen, and how to fix it.
struct PreflightCheck {
  std::string name;
  bool ok = false;
  std::string detail;
  std::string fix;
};

/// Checks that the server, the role and the tables are ready for capture:
/// version, wal_level, slots, WAL senders, REPLICATION attribute, SELECT
/// rights, publication ownership, replica identity of keyless tables.
/// Unavailable when the server cannot be reached.
absl::StatusOr<std::vector<PreflightCheck>> RunPreflight(const std::string& dsn, const std::string& slot,
                                                         const std::string& publication,
                                                         const std::vector<TableId>& tables);

}  // namespace cdc::pg
