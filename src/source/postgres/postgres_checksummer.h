#pragma once
#include <string>

#include "core/table_checksum.h"
#include "source/postgres/pg_connection.h"

namespace cdc::pg {

/// The source side of `verify`: canonical checksums of PostgreSQL tables,
/// plus the WAL facts verify waits on.
class PostgresChecksummer final : public TableChecksummer {
 public:
  static absl::StatusOr<std::unique_ptr<PostgresChecksummer>> Connect(const std::string& dsn);

  absl::StatusOr<std::optional<std::vector<ChecksumColumn>>> Columns(const TableId& table) override;
  absl::StatusOr<TableChecksum> Checksum(const TableId& table, std::span<const ChecksumColumn> columns) override;

  /// The server's current WAL write position.
  absl::StatusOr<Lsn> CurrentWalLsn();
  /// True when the slot has nothing left to send up to `target`: its
  /// confirmed position is past it, or (when no one streams from it) no
  /// published change lies between. NotFound when the slot does not exist.
  absl::StatusOr<bool> SlotCaughtUp(const std::string& slot, const std::string& publication, Lsn target);
  /// Tables of a publication.
  absl::StatusOr<std::vector<TableId>> PublicationTables(const std::string& publication);

 private:
  explicit PostgresChecksummer(std::unique_ptr<Connection> conn) : conn_(std::move(conn)) {}
  std::unique_ptr<Connection> conn_;
};

}  // namespace cdc::pg
