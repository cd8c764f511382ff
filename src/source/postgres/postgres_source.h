#pragma once
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "core/capture_state_store.h"
#include "core/change_source.h"
#include "source/postgres/pg_connection.h"
#include "source/postgres/pgoutput_decoder.h"
#include "source/postgres/type_resolver.h"

namespace cdc::pg {

enum class SnapshotMode { kInitial, kNever };

/// application_name of capture's replication connection for `slot`: lets
/// `verify` see that a capture is running even while the slot is idle
/// (during the initial snapshot).
inline std::string CaptureApplicationName(const std::string& slot) { return "cdcpipe:" + slot; }

struct PostgresSourceOptions {
  std::string dsn;
  std::string slot;
  std::string publication;
  std::vector<TableId> tables;  // empty: every table (FOR ALL TABLES)
  SnapshotMode snapshot = SnapshotMode::kInitial;
  absl::Duration status_interval = absl::Seconds(1);
  absl::Duration heartbeat_interval = absl::Seconds(10);  // zero: off
};

class Snapshotter;

/// ChangeSource over a pgoutput logical replication slot. Creates the
/// publication and the slot when absent; when it creates the slot it first
/// reads every table in the slot's exported snapshot (op=r), then streams
/// from the slot's consistent point, so nothing is missed or doubled.
class PostgresSource final : public ChangeSource {
 public:
  /// `state` records whether the initial snapshot finished (must outlive this).
  PostgresSource(PostgresSourceOptions options, CaptureStateStore& state);
  ~PostgresSource() override;

  absl::Status Start() override;
  absl::StatusOr<std::optional<SourceRecord>> Next(absl::Duration max_wait) override;
  absl::Status Acknowledge(Lsn flushed) override;

  /// The source database's name (after Start).
  const std::string& database() const { return database_; }

 private:
  absl::Status EnsurePublication(Connection& sql);
  absl::Status StartStreaming(Lsn from);
  absl::StatusOr<std::optional<SourceRecord>> OnFrame(std::string_view bytes);
  absl::StatusOr<std::optional<SourceRecord>> OnPgOutput(const XLogData& data);
  absl::StatusOr<std::shared_ptr<const SourceTable>> Relation(uint32_t relation_id);
  absl::Status SendStatus(bool reply_requested);
  absl::Status MaybeSendStatus();

  absl::Status CreateSlotAndSnapshot(Connection& sql);

  PostgresSourceOptions options_;
  CaptureStateStore& state_;
  std::string database_;
  bool snapshot_unconfirmed_ = false;  // snapshot read, not yet known durable
  std::unique_ptr<Connection> replication_;
  std::unique_ptr<Connection> sql_;  // ordinary session: heartbeats
  absl::Time last_heartbeat_ = absl::Now();
  std::unique_ptr<Snapshotter> snapshotter_;
  Lsn consistent_point_;
  bool streaming_ = false;

  std::map<uint32_t, std::shared_ptr<const SourceTable>> relations_;
  TypeResolver types_;
  std::deque<ChangeEvent> pending_;  // the rest of a multi-table TRUNCATE
  bool in_transaction_ = false;
  BeginMessage transaction_;

  Lsn received_;    // highest WAL end seen
  Lsn acknowledged_;  // highest flushed position confirmed to us
  Lsn reported_;      // last flush position sent to the server
  absl::Time last_status_ = absl::InfinitePast();
};

}  // namespace cdc::pg
