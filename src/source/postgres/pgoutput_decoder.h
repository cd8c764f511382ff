#pragma once
// Decoder for the pgoutput logical replication protocol, version 1
// (PostgreSQL docs: "Logical Replication Message Formats"; spec/01-pgoutput.md
// §5-6). Pure functions over bytes: no I/O, no state. Malformed or truncated
// input yields InvalidArgument, never a crash.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/change_event.h"
#include "core/status.h"

namespace cdc::pg {

// ---- CopyData frames of a START_REPLICATION stream (protocol-replication) ----

/// 'w': WAL data carrying one pgoutput message.
struct XLogData {
  Lsn data_start;
  Lsn wal_end;
  int64_t send_time = 0;  // µs since 2000-01-01
  std::string_view payload;
};

/// 'k': primary keepalive.
struct Keepalive {
  Lsn wal_end;
  int64_t send_time = 0;
  bool reply_requested = false;
};

using ReplicationFrame = std::variant<XLogData, Keepalive>;
absl::StatusOr<ReplicationFrame> DecodeReplicationFrame(std::string_view bytes);

/// 'r': standby status update. `flush` is what becomes confirmed_flush_lsn.
std::string EncodeStandbyStatusUpdate(Lsn written, Lsn flushed, Lsn applied, int64_t now_pg_us,
                                      bool reply_requested);

constexpr int64_t kPgEpochOffsetUs = 946684800000000LL;  // 2000-01-01 in unix µs

// ---- pgoutput messages ----

struct BeginMessage {
  Lsn final_lsn;
  int64_t commit_time = 0;  // µs since 2000-01-01
  uint32_t xid = 0;
};

struct CommitMessage {
  Lsn commit_lsn;
  Lsn end_lsn;
  int64_t commit_time = 0;
};

struct OriginMessage {
  Lsn origin_lsn;
  std::string name;
};

struct RelationMessage {
  SourceTable table;
};

struct TypeMessage {
  uint32_t type_oid = 0;
  std::string schema;
  std::string name;
};

struct InsertMessage {
  uint32_t relation_id = 0;
  Row new_tuple;
};

/// old_kind: 'K' (key columns only), 'O' (full old row), or 0 (no old row).
struct UpdateMessage {
  uint32_t relation_id = 0;
  char old_kind = 0;
  std::optional<Row> old_tuple;
  Row new_tuple;
};

struct DeleteMessage {
  uint32_t relation_id = 0;
  char old_kind = 'K';
  Row old_tuple;
};

struct TruncateMessage {
  uint8_t options = 0;  // bit 0 CASCADE, bit 1 RESTART IDENTITY
  std::vector<uint32_t> relation_ids;
};

struct LogicalMessage {
  bool transactional = false;
  Lsn lsn;
  std::string prefix;
  std::string content;
};

using PgOutputMessage =
    std::variant<BeginMessage, CommitMessage, OriginMessage, RelationMessage, TypeMessage,
                 InsertMessage, UpdateMessage, DeleteMessage, TruncateMessage, LogicalMessage>;

/// Decodes one pgoutput message (proto_version 1, outside streaming blocks).
absl::StatusOr<PgOutputMessage> DecodePgOutput(std::string_view payload);

}  // namespace cdc::pg
