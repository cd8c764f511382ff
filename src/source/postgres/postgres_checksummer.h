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

  /// A WAL position every change committed so far lies before: the LSN of a
  /// marker record written now (or the current WAL position when the role
  /// may not write one). Past a new slot's consistent point, unlike a plain
  /// pg_current_wal_lsn() read before the slot existed.
  absl::StatusOr<Lsn> MarkWalPosition();
  /// True when the slot has nothing left to send up to `target`: its
  /// confirmed position is past it, or (no capture connected, see
  /// CaptureApplicationName) no published change lies between. A slot that
  /// is idle because its capture is still reading the initial snapshot must
  /// not be peeked: snapshot rows are not in the WAL. NotFound when the
  /// slot does not exist.
  absl::StatusOr<bool> SlotCaughtUp(const std::string& slot, const std::string& publication, Lsn target);
  /// Tables of a publication.
  absl::StatusOr<std::vector<TableId>> PublicationTables(const std::string& publication);

 private:
  explicit PostgresChecksummer(std::unique_ptr<Connection> conn) : conn_(std::move(conn)) {}
  std::unique_ptr<Connection> conn_;
};

}  // namespace cdc::pg
