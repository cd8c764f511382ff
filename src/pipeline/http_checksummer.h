#pragma once
// verify's view of a warehouse held by a running cdcpipe process: DuckDB
// lets one process open the file, so verify asks that process over its
// local HTTP endpoint, which answers with the same checksummer code.
#include <string>

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

/// Serves /v1/columns, /v1/checksum and /v1/changelog from `checksummer` (must outlive the server).
void RegisterChecksumRoutes(http::Server& server, TableChecksummer& checksummer);

}  // namespace cdc
