#pragma once
// The capture-side vocabulary: what a source emits, independent of wire
// formats. Values stay in PostgreSQL's text output form; the serializer maps
// them to Debezium types.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/lsn.h"

namespace cdc {

struct TableId {
  std::string schema;
  std::string table;
  auto operator<=>(const TableId&) const = default;
  std::string ToString() const { return schema + "." + table; }
};

/// "schema.table": one dot, both names non-empty; nullopt otherwise.
inline std::optional<TableId> ParseTableId(std::string_view text) {
  const size_t dot = text.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == text.size() ||
      text.find('.', dot + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return TableId{std::string(text.substr(0, dot)), std::string(text.substr(dot + 1))};
}

/// A column type as the source catalog describes it, for types a type OID
/// alone does not explain (enums, domains, arrays, extension types).
/// Immutable once built.
struct SourceType {
  uint32_t oid = 0;       // after domains are resolved: the base type
  int32_t modifier = -1;  // a domain's typmod (pg_type.typtypmod), -1 when none
  std::string name;       // pg_type.typname of `oid` ("hstore", "citext", ...)
  char kind = 'b';        // pg_type.typtype: b base, e enum, r range, m multirange, c composite, p pseudo
  std::vector<std::string> enum_labels;         // kind 'e', in enumsortorder
  std::shared_ptr<const SourceType> element;    // set for array types
};

/// One column as the source describes it (pgoutput Relation message, or the
/// catalog for snapshots).
struct SourceColumn {
  std::string name;
  uint32_t type_oid = 0;
  int32_t type_modifier = -1;  // atttypmod; -1 when none
  bool key = false;            // part of the event key (primary key, or message.key.columns)
  std::shared_ptr<const SourceType> type = {};  // null: not looked up (built-in types map by OID)
};

/// A table's shape at one point in the stream. Shared, immutable: events keep
/// the schema they were decoded with even after a later Relation replaces it.
struct SourceTable {
  uint32_t relation_id = 0;
  TableId id;
  char replica_identity = 'd';  // pgoutput relreplident: d, n, f, i
  std::vector<SourceColumn> columns;

  bool HasKey() const {
    for (const auto& c : columns)
      if (c.key) return true;
    return false;
  }
};

/// One column value. kUnchangedToast: PostgreSQL did not send the value
/// because it is TOASTed and did not change (pgoutput TupleData 'u').
struct Datum {
  enum class Kind : uint8_t { kNull, kUnchangedToast, kText };
  Kind kind = Kind::kNull;
  std::string text;

  static Datum Null() { return {}; }
  static Datum Text(std::string v) { return {Kind::kText, std::move(v)}; }
  static Datum UnchangedToast() { return {Kind::kUnchangedToast, {}}; }
  bool operator==(const Datum&) const = default;
};

using Row = std::vector<Datum>;

enum class Op : char {
  kCreate = 'c',
  kUpdate = 'u',
  kDelete = 'd',
  kRead = 'r',      // snapshot
  kTruncate = 't',  // every row of the table; no before/after
};

/// Where a snapshot row stands (Debezium's source.snapshot): the first or
/// last row of the whole snapshot, or of its table, or any other.
// kIncremental: a row of a snapshot whose chunks alternate with the stream.
enum class SnapshotMarker : uint8_t { kTrue, kFirst, kFirstInTable, kLastInTable, kLast, kIncremental };

/// A committed row change. `before` follows the replica identity: key
/// columns only for DEFAULT/INDEX, the full row for FULL, absent otherwise.
struct ChangeEvent {
  Op op = Op::kCreate;
  std::shared_ptr<const SourceTable> table;
  std::optional<Row> before;
  std::optional<Row> after;
  Version version;
  uint32_t xid = 0;
  int64_t commit_time_us = 0;  // unix epoch, µs
  bool snapshot = false;
  SnapshotMarker snapshot_marker = SnapshotMarker::kTrue;  // of a snapshot row
  /// Of a snapshot row: the chunk of the snapshot plan it was read in. A
  /// chunk in flight at a crash is read again, in a later snapshot.
  std::optional<uint64_t> snapshot_chunk;
};

}  // namespace cdc
