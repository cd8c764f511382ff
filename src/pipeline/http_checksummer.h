#pragma once
// verify's view of a warehouse held by a running cdcpipe process: DuckDB
// lets one process open the file, so verify asks that process over its
// local HTTP endpoint, which answers with the same checksummer code.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/table_checksum.h"

namespace cdc {

namespace http {
class Server;
}

class HttpChecksummer final : public TableChecksummer {
 public:
  explicit HttpChecksummer(std::string address) : address_(std::move(address)) {}
  absl::StatusOr<std::optional<std::vector<ChecksumColumn>>> Columns(const TableId& table) override;
  absl::StatusOr<TableChecksum> Checksum(const TableId& table, std::span<const ChecksumColumn> columns) override;
  absl::StatusOr<std::optional<std::map<char, uint64_t>>> ChangeLog(const TableId& table) override;
  absl::StatusOr<std::optional<std::string>> PausedReason(const TableId& table) override;

 private:
  std::string address_;
};

/// Tells from the process's /v1/progress answers when its warehouse holds
/// what verify's source side waited for: the process owns every partition
/// of its subscription (with a single loader; with several, verify's
/// deadline decides), read from fresh broker metadata, so every topic
/// with data counts (none at all, with only empty tables, is caught up
/// too); and it has applied every message that was in them when it first
/// owned them all (after the slot passed verify's marker, so they hold the
/// source's changes up to it). Not "no lag": a topic that keeps receiving
/// records (heartbeats) is seldom at its end when asked.
class LoadCatchUp {
 public:
  enum class State {
    kBehind,
    kCaughtUpOnce,  // ask again in a moment: a state seen once may be a rebalance passing through
    kCaughtUp,      // seen twice in a row
  };
  /// FailedPrecondition when the answer says the process does not load
  /// into the warehouse.
  absl::StatusOr<State> Observe(std::string_view progress_json);

 private:
  using Partition = std::pair<std::string, int>;
  std::optional<std::map<Partition, int64_t>> target_;  // end offsets when all were first owned
  bool caught_up_once_ = false;
};

/// Serves /v1/columns, /v1/checksum and /v1/changelog from `checksummer` (must outlive the server).
void RegisterChecksumRoutes(http::Server& server, TableChecksummer& checksummer);

}  // namespace cdc
