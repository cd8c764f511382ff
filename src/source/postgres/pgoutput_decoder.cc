#include "core/strings.h"
#include "source/postgres/pgoutput_decoder.h"

#include "absl/strings/str_cat.h"
#include "source/postgres/byte_reader.h"

namespace cdc::pg {
namespace {

// Column count sanity bound: PostgreSQL tables have at most 1600 columns.
constexpr uint16_t kMaxColumns = 1600;

absl::Status Context(absl::Status st, std::string_view message) {
  if (st.ok()) return st;
  return absl::Status(st.code(), StrCat("pgoutput ", message, ": ", st.message()));
}

absl::StatusOr<Row> ReadTupleData(ByteReader& r) {
  CDC_ASSIGN_OR_RETURN(uint16_t ncols, r.U16("TupleData column count"));
  if (ncols > kMaxColumns) {
    return absl::InvalidArgumentError(StrCat("TupleData claims ", ncols, " columns"));
  }
  Row row;
  row.reserve(ncols);
  for (uint16_t i = 0; i < ncols; ++i) {
    CDC_ASSIGN_OR_RETURN(uint8_t kind, r.U8("TupleData column kind"));
    switch (kind) {
      case 'n':
        row.push_back(Datum::Null());
        break;
      case 'u':
        row.push_back(Datum::UnchangedToast());
        break;
      case 't':
      case 'b': {
        // Binary values are not requested (no `binary` option); accepting 'b'
        // as opaque bytes keeps a misconfigured server from crashing us, and
        // the serializer reports the column.
        CDC_ASSIGN_OR_RETURN(int32_t len, r.I32("TupleData value length"));
        if (len < 0) {
          return absl::InvalidArgumentError(
              StrCat("negative value length ", len, " in column ", i));
        }
        CDC_ASSIGN_OR_RETURN(std::string_view bytes, r.Bytes(static_cast<size_t>(len), "column value"));
        row.push_back(Datum::Text(std::string(bytes)));
        break;
      }
      default:
        return absl::InvalidArgumentError(
            StrCat("unknown TupleData kind 0x", absl::Hex(kind), " in column ", i));
    }
  }
  return row;
}

absl::StatusOr<PgOutputMessage> DecodeBegin(ByteReader& r) {
  BeginMessage m;
  CDC_ASSIGN_OR_RETURN(m.final_lsn.value, r.U64("final LSN"));
  CDC_ASSIGN_OR_RETURN(m.commit_time, r.I64("commit time"));
  CDC_ASSIGN_OR_RETURN(m.xid, r.U32("xid"));
  return m;
}

absl::StatusOr<PgOutputMessage> DecodeCommit(ByteReader& r) {
  CommitMessage m;
  CDC_ASSIGN_OR_RETURN(uint8_t flags, r.U8("flags"));
  (void)flags;  // always 0 in protocol 1-4
  CDC_ASSIGN_OR_RETURN(m.commit_lsn.value, r.U64("commit LSN"));
  CDC_ASSIGN_OR_RETURN(m.end_lsn.value, r.U64("end LSN"));
  CDC_ASSIGN_OR_RETURN(m.commit_time, r.I64("commit time"));
  return m;
}

absl::StatusOr<PgOutputMessage> DecodeOrigin(ByteReader& r) {
  OriginMessage m;
  CDC_ASSIGN_OR_RETURN(m.origin_lsn.value, r.U64("origin LSN"));
  CDC_ASSIGN_OR_RETURN(std::string_view name, r.CString("origin name"));
  m.name = name;
  return m;
}

absl::StatusOr<PgOutputMessage> DecodeRelation(ByteReader& r) {
  RelationMessage m;
  SourceTable& t = m.table;
  CDC_ASSIGN_OR_RETURN(t.relation_id, r.U32("relation OID"));
  CDC_ASSIGN_OR_RETURN(std::string_view ns, r.CString("namespace"));
  CDC_ASSIGN_OR_RETURN(std::string_view name, r.CString("relation name"));
  t.id.schema = ns.empty() ? "pg_catalog" : std::string(ns);
  t.id.table = name;
  CDC_ASSIGN_OR_RETURN(uint8_t ident, r.U8("replica identity"));
  if (ident != 'd' && ident != 'n' && ident != 'f' && ident != 'i') {
    return absl::InvalidArgumentError(
        StrCat("unknown replica identity 0x", absl::Hex(ident), " for ", t.id.ToString()));
  }
  t.replica_identity = static_cast<char>(ident);
  CDC_ASSIGN_OR_RETURN(uint16_t ncols, r.U16("column count"));
  if (ncols > kMaxColumns) {
    return absl::InvalidArgumentError(StrCat("relation ", t.id.ToString(), " claims ", ncols, " columns"));
  }
  t.columns.reserve(ncols);
  for (uint16_t i = 0; i < ncols; ++i) {
    SourceColumn c;
    CDC_ASSIGN_OR_RETURN(uint8_t flags, r.U8("column flags"));
    c.key = (flags & 1) != 0;
    CDC_ASSIGN_OR_RETURN(std::string_view cname, r.CString("column name"));
    c.name = cname;
    CDC_ASSIGN_OR_RETURN(c.type_oid, r.U32("column type OID"));
    CDC_ASSIGN_OR_RETURN(c.type_modifier, r.I32("column type modifier"));
    t.columns.push_back(std::move(c));
  }
  return m;
}

absl::StatusOr<PgOutputMessage> DecodeType(ByteReader& r) {
  TypeMessage m;
  CDC_ASSIGN_OR_RETURN(m.type_oid, r.U32("type OID"));
  CDC_ASSIGN_OR_RETURN(std::string_view ns, r.CString("type namespace"));
  CDC_ASSIGN_OR_RETURN(std::string_view name, r.CString("type name"));
  m.schema = ns;
  m.name = name;
  return m;
}

absl::StatusOr<PgOutputMessage> DecodeInsert(ByteReader& r) {
  InsertMessage m;
  CDC_ASSIGN_OR_RETURN(m.relation_id, r.U32("relation OID"));
  CDC_ASSIGN_OR_RETURN(uint8_t marker, r.U8("new tuple marker"));
  if (marker != 'N') {
    return absl::InvalidArgumentError(StrCat("expected 'N' tuple marker, got 0x", absl::Hex(marker)));
  }
  CDC_ASSIGN_OR_RETURN(m.new_tuple, ReadTupleData(r));
  return m;
}

absl::StatusOr<PgOutputMessage> DecodeUpdate(ByteReader& r) {
  UpdateMessage m;
  CDC_ASSIGN_OR_RETURN(m.relation_id, r.U32("relation OID"));
  CDC_ASSIGN_OR_RETURN(uint8_t marker, r.U8("tuple marker"));
  if (marker == 'K' || marker == 'O') {
    m.old_kind = static_cast<char>(marker);
    CDC_ASSIGN_OR_RETURN(m.old_tuple, ReadTupleData(r));
    CDC_ASSIGN_OR_RETURN(marker, r.U8("new tuple marker"));
  }
  if (marker != 'N') {
    return absl::InvalidArgumentError(StrCat("expected 'N' tuple marker, got 0x", absl::Hex(marker)));
  }
  CDC_ASSIGN_OR_RETURN(m.new_tuple, ReadTupleData(r));
  return m;
}

absl::StatusOr<PgOutputMessage> DecodeDelete(ByteReader& r) {
  DeleteMessage m;
  CDC_ASSIGN_OR_RETURN(m.relation_id, r.U32("relation OID"));
  CDC_ASSIGN_OR_RETURN(uint8_t marker, r.U8("old tuple marker"));
  if (marker != 'K' && marker != 'O') {
    return absl::InvalidArgumentError(StrCat("expected 'K' or 'O' tuple marker, got 0x", absl::Hex(marker)));
  }
  m.old_kind = static_cast<char>(marker);
  CDC_ASSIGN_OR_RETURN(m.old_tuple, ReadTupleData(r));
  return m;
}

absl::StatusOr<PgOutputMessage> DecodeTruncate(ByteReader& r) {
  TruncateMessage m;
  CDC_ASSIGN_OR_RETURN(uint32_t n, r.U32("relation count"));
  CDC_ASSIGN_OR_RETURN(m.options, r.U8("options"));
  if (n > r.remaining() / 4) {
    return absl::InvalidArgumentError(StrCat("truncate claims ", n, " relations in ", r.remaining(), " bytes"));
  }
  for (uint32_t i = 0; i < n; ++i) {
    CDC_ASSIGN_OR_RETURN(uint32_t relid, r.U32("relation OID"));
    m.relation_ids.push_back(relid);
  }
  return m;
}

absl::StatusOr<PgOutputMessage> DecodeMessage(ByteReader& r) {
  LogicalMessage m;
  CDC_ASSIGN_OR_RETURN(uint8_t flags, r.U8("flags"));
  m.transactional = (flags & 1) != 0;
  CDC_ASSIGN_OR_RETURN(m.lsn.value, r.U64("message LSN"));
  CDC_ASSIGN_OR_RETURN(std::string_view prefix, r.CString("prefix"));
  m.prefix = prefix;
  CDC_ASSIGN_OR_RETURN(int32_t len, r.I32("content length"));
  if (len < 0) return absl::InvalidArgumentError(StrCat("negative content length ", len));
  CDC_ASSIGN_OR_RETURN(std::string_view content, r.Bytes(static_cast<size_t>(len), "content"));
  m.content = content;
  return m;
}

}  // namespace

absl::StatusOr<ReplicationFrame> DecodeReplicationFrame(std::string_view bytes) {
  ByteReader r(bytes);
  CDC_ASSIGN_OR_RETURN(uint8_t type, r.U8("frame type"));
  if (type == 'w') {
    XLogData d;
    auto st = [&]() -> absl::Status {
      CDC_ASSIGN_OR_RETURN(d.data_start.value, r.U64("XLogData start"));
      CDC_ASSIGN_OR_RETURN(d.wal_end.value, r.U64("XLogData end"));
      CDC_ASSIGN_OR_RETURN(d.send_time, r.I64("XLogData send time"));
      return absl::OkStatus();
    }();
    CDC_RETURN_IF_ERROR(Context(st, "XLogData"));
    d.payload = r.Rest();
    return d;
  }
  if (type == 'k') {
    Keepalive k;
    auto st = [&]() -> absl::Status {
      CDC_ASSIGN_OR_RETURN(k.wal_end.value, r.U64("keepalive WAL end"));
      CDC_ASSIGN_OR_RETURN(k.send_time, r.I64("keepalive send time"));
      CDC_ASSIGN_OR_RETURN(uint8_t reply, r.U8("keepalive reply flag"));
      k.reply_requested = reply != 0;
      return absl::OkStatus();
    }();
    CDC_RETURN_IF_ERROR(Context(st, "keepalive"));
    return k;
  }
  return absl::InvalidArgumentError(
      StrCat("unknown replication frame type 0x", absl::Hex(type)));
}

std::string EncodeStandbyStatusUpdate(Lsn written, Lsn flushed, Lsn applied, int64_t now_pg_us,
                                      bool reply_requested) {
  std::string out;
  out.reserve(34);
  out.push_back('r');
  auto put64 = [&out](uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
  };
  put64(written.value);
  put64(flushed.value);
  put64(applied.value);
  put64(static_cast<uint64_t>(now_pg_us));
  out.push_back(reply_requested ? 1 : 0);
  return out;
}

absl::StatusOr<PgOutputMessage> DecodePgOutput(std::string_view payload) {
  ByteReader r(payload);
  CDC_ASSIGN_OR_RETURN(uint8_t type, r.U8("message type"));
  absl::StatusOr<PgOutputMessage> m;
  const char* name = "message";
  switch (type) {
    case 'B': name = "Begin"; m = DecodeBegin(r); break;
    case 'C': name = "Commit"; m = DecodeCommit(r); break;
    case 'O': name = "Origin"; m = DecodeOrigin(r); break;
    case 'R': name = "Relation"; m = DecodeRelation(r); break;
    case 'Y': name = "Type"; m = DecodeType(r); break;
    case 'I': name = "Insert"; m = DecodeInsert(r); break;
    case 'U': name = "Update"; m = DecodeUpdate(r); break;
    case 'D': name = "Delete"; m = DecodeDelete(r); break;
    case 'T': name = "Truncate"; m = DecodeTruncate(r); break;
    case 'M': name = "Message"; m = DecodeMessage(r); break;
    default:
      return absl::InvalidArgumentError(
          StrCat("pgoutput: unsupported message type 0x", absl::Hex(type),
                       " (protocol version 1 expected)"));
  }
  if (!m.ok()) return Context(m.status(), name);
  if (r.remaining() != 0) {
    return absl::InvalidArgumentError(
        StrCat("pgoutput ", name, ": ", r.remaining(), " unexpected trailing bytes"));
  }
  return m;
}

}  // namespace cdc::pg
