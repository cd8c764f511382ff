#include "core/strings.h"
#include "sink/duckdb/duckdb_sink.h"

#include <cstdio>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "core/log.h"
#include "sink/duckdb/warehouse_layout.h"

namespace cdc::duck {
namespace {

/// The version and change columns every warehouse table and batch has.
struct MetaColumn {
  const char* name;
  const char* type;
};
constexpr MetaColumn kChangeColumns[] = {
    {"_cdc_lsn", "UBIGINT"}, {"_cdc_seq", "UBIGINT"}, {"_cdc_op", "VARCHAR"}, {"_cdc_ts", "TIMESTAMPTZ"}};
// Change logs only: the snapshot chunk read of a snapshot row (RowChange::
// snapshot_chunk), null for other rows.
constexpr MetaColumn kSnapshotChunkColumns[] = {{"_cdc_snapshot_chunk", "BIGINT"}, {"_cdc_snapshot_read_us", "BIGINT"}};

/// The table's columns, the version and change columns, then `extra`.
std::string ColumnDefinitions(const WarehouseTable& table, std::string_view extra) {
  std::vector<std::string> defs;
  for (const auto& c : table.columns) defs.push_back(QuoteIdent(c.name) + " " + DuckDbType(c));
  for (const MetaColumn& m : kChangeColumns) defs.push_back(StrCat(m.name, " ", m.type));
  defs.push_back(std::string(extra));
  return absl::StrJoin(defs, ", ");
}

}  // namespace

/// The relation a batch's rows are appended to and the MERGE reads: a
/// query appender's data, never stored in a table (a temp staging table
/// cost a DELETE, an insert with statistics, and a scan per batch).
constexpr const char* kBatchRelation = "_cdc_batch";

/// Owns the logical types a query appender is created with.
struct OwnedTypes {
  std::vector<duckdb_logical_type> types;
  OwnedTypes() = default;
  OwnedTypes(const OwnedTypes&) = delete;
  OwnedTypes& operator=(const OwnedTypes&) = delete;
  ~OwnedTypes() {
    for (auto& t : types) duckdb_destroy_logical_type(&t);
  }
};

/// What the sink knows of one target table: its columns, and the shape of
/// a batch and the statement that applies it, for the current event schema.
struct DuckDbSink::TableState {
  std::map<std::string, std::string> target_columns;  // name -> DuckDB's type name
  std::shared_ptr<const WarehouseTable> schema;  // the event schema the batch shape matches
  // A batch's columns: the event's, then _cdc_lsn, _cdc_seq, _cdc_op,
  // _cdc_ts, _cdc_unchanged (",i,j,": indexes of columns whose value was not sent).
  std::vector<std::string> batch_columns;
  std::unique_ptr<OwnedTypes> batch_types;
  // The MERGE (an INSERT for change logs) around its source relation:
  // head + relation + tail, the relation narrowed after a TRUNCATE.
  std::string apply_head, apply_tail;
  std::optional<Version> truncated_at;  // from _cdc_truncations
  // Loaded as a change log (a row per event) rather than as state. Fixed
  // when the warehouse table is created, kept in _cdc_tables.
  bool change_log = false;
};

absl::StatusOr<std::unique_ptr<DuckDbSink>> DuckDbSink::Create(std::shared_ptr<Database> db,
                                                               DuckDbSinkOptions options) {
  CDC_ASSIGN_OR_RETURN(auto con, db->Connect());
  CDC_RETURN_IF_ERROR(con->Execute(
      "CREATE TABLE IF NOT EXISTS _cdc_truncations (table_schema VARCHAR, table_name VARCHAR, lsn UBIGINT, "
      "seq UBIGINT, PRIMARY KEY (table_schema, table_name))", "create _cdc_truncations"));
  // How each table is loaded (upsert | append), for verify: an append
  // table's rows are events, not the source's rows.
  CDC_RETURN_IF_ERROR(con->Execute(StrCat(
      "CREATE TABLE IF NOT EXISTS ", kTablesTable,
      " (table_schema VARCHAR, table_name VARCHAR, mode VARCHAR, PRIMARY KEY (table_schema, table_name))"),
      "create _cdc_tables"));
  CDC_RETURN_IF_ERROR(con->Execute(StrCat(
      "CREATE TABLE IF NOT EXISTS ", kPausedTable,
      " (table_schema VARCHAR, table_name VARCHAR, reason VARCHAR, paused_at TIMESTAMPTZ, "
      "PRIMARY KEY (table_schema, table_name))"), "create _cdc_paused_tables"));
  CDC_RETURN_IF_ERROR(con->Execute(StrCat(
      "CREATE TABLE IF NOT EXISTS ", kOffsetsTable,
      " (stream_id VARCHAR, topic VARCHAR, \"partition\" INTEGER, next_offset BIGINT, "
      "updated_at TIMESTAMPTZ, PRIMARY KEY (stream_id, topic, \"partition\"))"), "create _cdc_offsets"));
  return std::unique_ptr<DuckDbSink>(new DuckDbSink(std::move(db), std::move(con), options));
}

DuckDbSink::DuckDbSink(std::shared_ptr<Database> db, std::unique_ptr<Connection> con, DuckDbSinkOptions options)
    : db_(std::move(db)), con_(std::move(con)), options_(options) {}
DuckDbSink::~DuckDbSink() = default;

absl::StatusOr<OffsetMap> DuckDbSink::CommittedOffsets(const std::string& stream_id) {
  QueryResult r;
  CDC_RETURN_IF_ERROR(con_->Query(StrCat("SELECT topic, \"partition\", next_offset FROM ", kOffsetsTable,
                                               " WHERE stream_id = ", QuoteLiteral(stream_id)),
                                  "read _cdc_offsets", r));
  OffsetMap out;
  const idx_t rows = duckdb_row_count(r.get());
  for (idx_t i = 0; i < rows; ++i) {
    char* topic = duckdb_value_varchar(r.get(), 0, i);
    out[{topic, duckdb_value_int32(r.get(), 1, i)}] = duckdb_value_int64(r.get(), 2, i);
    duckdb_free(topic);
  }
  return out;
}

absl::StatusOr<PausedTables> DuckDbSink::Paused() {
  QueryResult r;
  CDC_RETURN_IF_ERROR(con_->Query(StrCat("SELECT table_schema, table_name, reason FROM ", kPausedTable),
                                  "read _cdc_paused_tables", r));
  PausedTables out;
  for (idx_t i = 0; i < duckdb_row_count(r.get()); ++i) {
    char* schema = duckdb_value_varchar(r.get(), 0, i);
    char* name = duckdb_value_varchar(r.get(), 1, i);
    char* reason = duckdb_value_varchar(r.get(), 2, i);
    out[TableId{schema, name}] = reason ? reason : "";
    duckdb_free(schema);
    duckdb_free(name);
    duckdb_free(reason);
  }
  return out;
}

namespace {

// Integer types by width; 0: not an integer type.
int IntegerRank(std::string_view t) {
  if (t == "TINYINT") return 1;
  if (t == "SMALLINT") return 2;
  if (t == "INTEGER") return 3;
  if (t == "BIGINT") return 4;
  if (t == "HUGEINT") return 5;
  return 0;
}

// Decimal digits an integer type needs.
int IntegerDigits(int rank) { return rank == 1 ? 3 : rank == 2 ? 5 : rank == 3 ? 10 : rank == 4 ? 19 : 39; }

bool ParseDecimal(std::string_view t, int& precision, int& scale) {
  return std::sscanf(std::string(t).c_str(), "DECIMAL(%d,%d)", &precision, &scale) == 2;
}

}  // namespace

bool TypeHolds(std::string_view wide, std::string_view narrow) {
  if (wide == narrow || wide == "VARCHAR") return true;
  if (wide.ends_with("[]") && narrow.ends_with("[]")) {
    return TypeHolds(wide.substr(0, wide.size() - 2), narrow.substr(0, narrow.size() - 2));
  }
  const int wide_int = IntegerRank(wide), narrow_int = IntegerRank(narrow);
  if (wide_int && narrow_int) return wide_int >= narrow_int;
  if (wide == "DOUBLE") return narrow == "FLOAT" || (narrow_int && narrow_int <= 3);  // exact below 2^53
  int p = 0, s = 0;
  if (ParseDecimal(wide, p, s)) {
    if (narrow_int) return p - s >= IntegerDigits(narrow_int);
    int p2 = 0, s2 = 0;
    return ParseDecimal(narrow, p2, s2) && s >= s2 && p - s >= p2 - s2;
  }
  return false;
}

absl::StatusOr<std::string> DuckDbSink::CanonicalType(const std::string& type) {
  auto it = canonical_types_.find(type);
  if (it != canonical_types_.end()) return it->second;
  QueryResult r;
  CDC_RETURN_IF_ERROR(con_->Query(StrCat("SELECT typeof(CAST(NULL AS ", type, "))"), StrCat("type ", type), r));
  char* name = duckdb_value_varchar(r.get(), 0, 0);
  std::string canonical = name ? name : type;
  duckdb_free(name);
  return canonical_types_[type] = canonical;
}

absl::StatusOr<DuckDbSink::TableState*> DuckDbSink::Prepare(const WarehouseTable& table) {
  auto& slot = tables_[table.id];
  const std::string target = Qualified(table.id);
  const std::string ctx = StrCat("warehouse table ", table.id.ToString());
  if (!slot) {
    slot = std::make_unique<TableState>();
    CDC_ASSIGN_OR_RETURN(std::optional<std::string> mode, Bookkeeping(*con_, kTablesTable, "mode", table.id, ctx));
    slot->change_log = mode ? *mode == "append" : options_.table_modes.IsChangeLog(table);
    CDC_RETURN_IF_ERROR(con_->Execute(StrCat("CREATE SCHEMA IF NOT EXISTS ", QuoteIdent(table.id.schema)), ctx));
    CDC_RETURN_IF_ERROR(con_->Execute(StrCat("CREATE TABLE IF NOT EXISTS ", target, " (",
                                             ColumnDefinitions(table, "_cdc_loaded_at TIMESTAMPTZ, _cdc_deleted BOOLEAN"),
                                             ")"), ctx));
    QueryResult r;
    CDC_RETURN_IF_ERROR(con_->Query(StrCat("SELECT column_name, data_type FROM information_schema.columns "
                                           "WHERE table_schema = ", QuoteLiteral(table.id.schema), " AND table_name = ",
                                           QuoteLiteral(table.id.table)), ctx, r));
    for (idx_t i = 0; i < duckdb_row_count(r.get()); ++i) {
      char* name = duckdb_value_varchar(r.get(), 0, i);
      char* type = duckdb_value_varchar(r.get(), 1, i);
      slot->target_columns[name] = type;
      duckdb_free(name);
      duckdb_free(type);
    }
    CDC_ASSIGN_OR_RETURN(slot->truncated_at, StoredTruncation(table.id));
    // Change logs written before these columns existed get them now.
    for (const MetaColumn& m : kSnapshotChunkColumns) {
      if (!slot->change_log || slot->target_columns.contains(m.name)) continue;
      CDC_RETURN_IF_ERROR(con_->Execute(StrCat("ALTER TABLE ", target, " ADD COLUMN ", m.name, " ", m.type), ctx));
      slot->target_columns[m.name] = m.type;
    }
  }
  TableState* st = slot.get();
  if (st->schema && st->schema->columns == table.columns) return st;

  // A new event schema: add columns the target lacks (dropped source columns
  // stay and become null), then the batch shape and the MERGE.
  for (const auto& c : table.columns) {
    CDC_ASSIGN_OR_RETURN(std::string type, CanonicalType(DuckDbType(c)));
    auto existing = st->target_columns.find(c.name);
    if (existing == st->target_columns.end()) {
      CDC_RETURN_IF_ERROR(con_->Execute(StrCat("ALTER TABLE ", target, " ADD COLUMN ", QuoteIdent(c.name), " ", type), ctx));
      st->target_columns[c.name] = type;
      log::Info("sink", "added column", {{"table", table.id.ToString()}, {"column", c.name}, {"type", type}});
      continue;
    }
    // The column holds these values already (the same type, or events older
    // than a widening replayed).
    if (TypeHolds(existing->second, type)) continue;
    if (!TypeHolds(type, existing->second)) {
      // The data's fault, not the warehouse's: load parks it and goes on.
      return TableDataError(absl::FailedPreconditionError(StrCat(
          ctx, ": column ", c.name, " changed from ", existing->second, " to ", type,
          ", which cannot hold every value it held; nothing of it was applied. The table is paused and its "
          "events go to the dead-letter topic: see \"Paused tables\" in docs/operations.md")), table.id);
    }
    CDC_RETURN_IF_ERROR(con_->Execute(StrCat("ALTER TABLE ", target, " ALTER COLUMN ", QuoteIdent(c.name), " TYPE ",
                                             type), ctx));
    log::Info("sink", "widened column", {{"table", table.id.ToString()}, {"column", c.name},
                                         {"from", existing->second}, {"to", type}});
    existing->second = type;
  }
  // The batch's column types, as DuckDB resolves their SQL names.
  QueryResult shape;
  std::vector<std::string> nulls;
  st->batch_columns.clear();
  for (const auto& c : table.columns) {
    nulls.push_back(StrCat("CAST(NULL AS ", DuckDbType(c), ")"));
    st->batch_columns.push_back(c.name);
  }
  std::vector<MetaColumn> meta(std::begin(kChangeColumns), std::end(kChangeColumns));
  meta.push_back({"_cdc_unchanged", "VARCHAR"});
  if (st->change_log) meta.insert(meta.end(), std::begin(kSnapshotChunkColumns), std::end(kSnapshotChunkColumns));
  for (const MetaColumn& m : meta) {
    nulls.push_back(StrCat("CAST(NULL AS ", m.type, ")"));
    st->batch_columns.emplace_back(m.name);
  }
  CDC_RETURN_IF_ERROR(con_->Query(StrCat("SELECT ", absl::StrJoin(nulls, ", ")), ctx, shape));
  st->batch_types = std::make_unique<OwnedTypes>();
  for (idx_t i = 0; i < st->batch_columns.size(); ++i) {
    st->batch_types->types.push_back(duckdb_column_logical_type(shape.get(), i));
  }

  std::vector<std::string> on, set, insert_cols, insert_vals;
  for (size_t i = 0; i < table.columns.size(); ++i) {
    const std::string q = QuoteIdent(table.columns[i].name);
    if (table.columns[i].key) on.push_back(StrCat("t.", q, " = s.", q));
    // Unchanged TOAST values keep what the warehouse has.
    set.push_back(StrCat(q, " = CASE WHEN s._cdc_unchanged LIKE '%,", i, ",%' THEN t.", q, " ELSE s.", q, " END"));
    insert_cols.push_back(q);
    insert_vals.push_back("s." + q);
  }
  // Columns the source dropped stay in the warehouse and become null for
  // rows changed after the drop.
  for (const auto& [existing, existing_type] : st->target_columns) {
    if (IsCdcColumn(existing)) continue;
    bool in_event = false;
    for (const auto& c : table.columns) in_event = in_event || c.name == existing;
    if (!in_event) set.push_back(StrCat(QuoteIdent(existing), " = NULL"));
  }
  for (const char* column : {"_cdc_lsn", "_cdc_seq", "_cdc_op", "_cdc_ts"}) {
    set.push_back(StrCat(column, " = s.", column));
    insert_cols.push_back(column);
    insert_vals.push_back(StrCat("s.", column));
  }
  set.push_back("_cdc_loaded_at = now()");
  insert_cols.push_back("_cdc_loaded_at");
  insert_vals.push_back("now()");
  insert_cols.push_back("_cdc_deleted");
  insert_vals.push_back("s._cdc_op = 'd'");
  if (st->change_log) {
    for (const MetaColumn& m : kSnapshotChunkColumns) {
      insert_cols.push_back(m.name);
      insert_vals.push_back(StrCat("s.", m.name));
    }
  }

  if (st->change_log) {
    // Every event is a row, deletes and truncations included as records.
    st->apply_head = StrCat("INSERT INTO ", target, " (", absl::StrJoin(insert_cols, ", "), ") SELECT ",
                            absl::StrJoin(insert_vals, ", "), " FROM ");
    st->apply_tail = " AS s";
  } else {
    const std::string older = "(s._cdc_lsn < t._cdc_lsn OR (s._cdc_lsn = t._cdc_lsn AND s._cdc_seq <= t._cdc_seq))";
    const std::string on_delete = options_.delete_mode == DeleteMode::kHard
        ? "DELETE"
        : "UPDATE SET _cdc_deleted = true, _cdc_lsn = s._cdc_lsn, _cdc_seq = s._cdc_seq, _cdc_op = s._cdc_op, "
          "_cdc_ts = s._cdc_ts, _cdc_loaded_at = now()";
    const std::string insert_where = options_.delete_mode == DeleteMode::kHard ? "s._cdc_op <> 'd'" : "true";
    st->apply_head = StrCat("MERGE INTO ", target, " AS t USING ");
    st->apply_tail = StrCat(
        " AS s ON ", absl::StrJoin(on, " AND "),
        " WHEN MATCHED AND ", older, " THEN DO NOTHING",
        " WHEN MATCHED AND s._cdc_op = 'd' THEN ", on_delete,
        " WHEN MATCHED THEN UPDATE SET ", absl::StrJoin(set, ", "), ", _cdc_deleted = false",
        " WHEN NOT MATCHED AND ", insert_where, " THEN INSERT (", absl::StrJoin(insert_cols, ", "),
        ") VALUES (", absl::StrJoin(insert_vals, ", "), ")");
  }
  // In the batch's transaction: rolled back with it, like the DDL above.
  CDC_RETURN_IF_ERROR(con_->Execute(StrCat("INSERT OR REPLACE INTO ", kTablesTable, " VALUES (",
                                           QuoteLiteral(table.id.schema), ", ", QuoteLiteral(table.id.table), ", '",
                                           st->change_log ? "append" : "upsert", "')"), ctx));
  st->schema = std::make_shared<WarehouseTable>(table);
  return st;
}

namespace {

/// Owns a duckdb_value / duckdb_logical_type.
struct OwnedValue {
  duckdb_value v = nullptr;
  ~OwnedValue() { if (v) duckdb_destroy_value(&v); }
};
struct OwnedType {
  duckdb_logical_type t = nullptr;
  ~OwnedType() { if (t) duckdb_destroy_logical_type(&t); }
};

duckdb_logical_type PointType() {
  duckdb_logical_type members[4] = {duckdb_create_logical_type(DUCKDB_TYPE_DOUBLE), duckdb_create_logical_type(DUCKDB_TYPE_DOUBLE),
                                    duckdb_create_logical_type(DUCKDB_TYPE_BLOB), duckdb_create_logical_type(DUCKDB_TYPE_INTEGER)};
  const char* names[4] = {"x", "y", "wkb", "srid"};
  duckdb_logical_type t = duckdb_create_struct_type(members, names, 4);
  for (auto& m : members) duckdb_destroy_logical_type(&m);
  return t;
}

// The DuckDB type values of `type` are created as (the appender casts to
// the column's exact type, e.g. BIGINT[] into INTEGER[], VARCHAR into DECIMAL).
duckdb_type CarrierType(ColumnType type) {
  switch (type) {
    case ColumnType::kBoolean: return DUCKDB_TYPE_BOOLEAN;
    case ColumnType::kInt16: case ColumnType::kInt32: case ColumnType::kInt64: return DUCKDB_TYPE_BIGINT;
    case ColumnType::kFloat: case ColumnType::kDouble: return DUCKDB_TYPE_DOUBLE;
    case ColumnType::kDate: return DUCKDB_TYPE_DATE;
    case ColumnType::kTime: return DUCKDB_TYPE_TIME;
    case ColumnType::kTimestamp: return DUCKDB_TYPE_TIMESTAMP;
    case ColumnType::kBlob: return DUCKDB_TYPE_BLOB;
    case ColumnType::kInterval: return DUCKDB_TYPE_INTERVAL;
    default: return DUCKDB_TYPE_VARCHAR;
  }
}

// One element value as a duckdb_value of CarrierType(type); null on a value
// that does not fit it.
duckdb_value MakeValue(ColumnType type, const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNull:
    case Value::Kind::kUnchanged:
      return duckdb_create_null_value();
    case Value::Kind::kBool:
      return type == ColumnType::kBoolean ? duckdb_create_bool(v.integer != 0) : nullptr;
    case Value::Kind::kInt:
      switch (CarrierType(type)) {
        case DUCKDB_TYPE_BIGINT: return duckdb_create_int64(v.integer);
        case DUCKDB_TYPE_DOUBLE: return duckdb_create_double(static_cast<double>(v.integer));
        case DUCKDB_TYPE_DATE: return duckdb_create_date(duckdb_date{static_cast<int32_t>(v.integer)});
        case DUCKDB_TYPE_TIME: return duckdb_create_time(duckdb_time{v.integer});
        case DUCKDB_TYPE_TIMESTAMP: return duckdb_create_timestamp(duckdb_timestamp{v.integer});
        case DUCKDB_TYPE_VARCHAR: {
          const std::string t = StrCat(v.integer);
          return duckdb_create_varchar_length(t.data(), t.size());
        }
        default: return nullptr;
      }
    case Value::Kind::kDouble:
      return CarrierType(type) == DUCKDB_TYPE_DOUBLE ? duckdb_create_double(v.real) : nullptr;
    case Value::Kind::kText:
      if (CarrierType(type) == DUCKDB_TYPE_BLOB) {
        return duckdb_create_blob(reinterpret_cast<const uint8_t*>(v.text.data()), v.text.size());
      }
      return CarrierType(type) == DUCKDB_TYPE_VARCHAR ? duckdb_create_varchar_length(v.text.data(), v.text.size())
                                                      : nullptr;
    case Value::Kind::kInterval:
      return type == ColumnType::kInterval ? duckdb_create_interval(duckdb_interval{v.months, v.days, v.integer}) : nullptr;
    case Value::Kind::kList:
      return nullptr;
  }
  return nullptr;
}

// A LIST (arrays) or STRUCT (points) value; nullptr when a part does not fit.
duckdb_value MakeNestedValue(const WarehouseColumn& col, const Value& v) {
  std::vector<duckdb_value> parts;
  bool ok = true;
  OwnedType type;
  if (col.type == ColumnType::kPoint && !col.list) {
    const ColumnType kinds[4] = {ColumnType::kDouble, ColumnType::kDouble, ColumnType::kBlob, ColumnType::kInt32};
    if (v.items.size() != 4) return nullptr;
    for (size_t i = 0; i < 4; ++i) parts.push_back(MakeValue(kinds[i], v.items[i]));
    type.t = PointType();
  } else {
    for (const Value& item : v.items) parts.push_back(MakeValue(col.type, item));
    type.t = duckdb_create_logical_type(CarrierType(col.type));
  }
  for (duckdb_value p : parts) ok = ok && p != nullptr;
  duckdb_value out = nullptr;
  if (ok) {
    out = col.list ? duckdb_create_list_value(type.t, parts.data(), parts.size())
                   : duckdb_create_struct_value(type.t, parts.data());
  }
  for (duckdb_value& p : parts) if (p) duckdb_destroy_value(&p);
  return out;
}

absl::Status AppendValue(duckdb_appender app, const WarehouseColumn& col, const Value& v) {
  duckdb_state s = DuckDBSuccess;
  switch (v.kind) {
    case Value::Kind::kNull:
    case Value::Kind::kUnchanged:
      s = duckdb_append_null(app);
      break;
    case Value::Kind::kBool:
      s = duckdb_append_bool(app, v.integer != 0);
      break;
    case Value::Kind::kInt:
      switch (col.type) {
        case ColumnType::kDate: s = duckdb_append_date(app, duckdb_date{static_cast<int32_t>(v.integer)}); break;
        case ColumnType::kTimestamp: s = duckdb_append_timestamp(app, duckdb_timestamp{v.integer}); break;
        case ColumnType::kTime: s = duckdb_append_time(app, duckdb_time{v.integer}); break;
        default: s = duckdb_append_int64(app, v.integer);
      }
      break;
    case Value::Kind::kDouble:
      s = duckdb_append_double(app, v.real);
      break;
    case Value::Kind::kText:
      if (col.type == ColumnType::kBlob) {
        s = duckdb_append_blob(app, v.text.data(), v.text.size());
      } else {
        s = duckdb_append_varchar_length(app, v.text.data(), v.text.size());
      }
      break;
    case Value::Kind::kInterval:
      s = duckdb_append_interval(app, duckdb_interval{v.months, v.days, v.integer});
      break;
    case Value::Kind::kList: {
      OwnedValue nested{MakeNestedValue(col, v)};
      if (!nested.v) {
        return absl::InvalidArgumentError(StrCat("column ", col.name, " (", DuckDbType(col),
                                                 "): a value does not fit the column's element type"));
      }
      s = duckdb_append_value(app, nested.v);
      break;
    }
  }
  if (s == DuckDBError) {
    return absl::InvalidArgumentError(StrCat("column ", col.name, " (", DuckDbType(col),
                                                   "): ", duckdb_appender_error(app)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<bool> DuckDbSink::Exists(const TableId& table) {
  if (tables_.contains(table)) return true;
  QueryResult exists;
  CDC_RETURN_IF_ERROR(con_->Query(StrCat("SELECT 1 FROM information_schema.tables WHERE table_schema = ",
                                         QuoteLiteral(table.schema), " AND table_name = ", QuoteLiteral(table.table)),
                                  StrCat("warehouse table ", table.ToString()), exists));
  return duckdb_row_count(exists.get()) > 0;
}

absl::StatusOr<std::optional<Version>> DuckDbSink::StoredTruncation(const TableId& table) {
  QueryResult t;
  CDC_RETURN_IF_ERROR(con_->Query(StrCat("SELECT lsn, seq FROM _cdc_truncations WHERE table_schema = ",
                                         QuoteLiteral(table.schema), " AND table_name = ", QuoteLiteral(table.table)),
                                  StrCat("truncation mark of ", table.ToString()), t));
  if (duckdb_row_count(t.get()) == 0) return std::nullopt;
  return Version{Lsn{duckdb_value_uint64(t.get(), 0, 0)}, Lsn{duckdb_value_uint64(t.get(), 1, 0)}};
}

absl::Status DuckDbSink::RecordTruncation(const TableId& table, const Version& v) {
  return con_->Execute(StrCat("INSERT INTO _cdc_truncations VALUES (", QuoteLiteral(table.schema), ", ",
                              QuoteLiteral(table.table), ", ", v.commit_lsn.value, ", ", v.change_lsn.value,
                              ") ON CONFLICT DO UPDATE SET lsn = excluded.lsn, seq = excluded.seq "
                              "WHERE excluded.lsn > _cdc_truncations.lsn OR "
                              "(excluded.lsn = _cdc_truncations.lsn AND excluded.seq > _cdc_truncations.seq)"),
                       StrCat("truncation mark of ", table.ToString()));
}

absl::StatusOr<int64_t> DuckDbSink::RemoveOlderRows(const TableId& table, const Version& v, std::string_view op) {
  const std::string target = Qualified(table);
  const std::string older = StrCat("(_cdc_lsn < ", v.commit_lsn.value, " OR (_cdc_lsn = ", v.commit_lsn.value,
                                   " AND _cdc_seq < ", v.change_lsn.value, "))");
  QueryResult removed;
  CDC_RETURN_IF_ERROR(con_->Query(
      options_.delete_mode == DeleteMode::kHard
          ? StrCat("DELETE FROM ", target, " WHERE ", older)
          : StrCat("UPDATE ", target, " SET _cdc_deleted = true, _cdc_op = '", op, "', _cdc_loaded_at = now() WHERE ",
                   older, " AND _cdc_deleted IS NOT TRUE"),
      StrCat("rows of ", table.ToString(), " older than ", v.commit_lsn.ToString()), removed));
  return static_cast<int64_t>(duckdb_rows_changed(removed.get()));
}

absl::Status DuckDbSink::Sweep(const TableId& table, const Version& v) {
  const std::string ctx = StrCat("warehouse table ", table.ToString());
  CDC_ASSIGN_OR_RETURN(bool exists, Exists(table));
  // Events older than the snapshot that come later (a replay, a late
  // partition) are void either way.
  if (!exists) return RecordTruncation(table, v);
  CDC_ASSIGN_OR_RETURN(std::optional<std::string> mode, Bookkeeping(*con_, kTablesTable, "mode", table, ctx));
  if (mode != "upsert") {
    // A change log keeps every event it was sent, the new snapshot's rows
    // beside the old ones (docs/limitations.md).
    log::Info("sink", "change log not swept after a new snapshot", {{"table", table.ToString()}});
    return absl::OkStatus();
  }
  CDC_ASSIGN_OR_RETURN(std::optional<Version> truncated_at, StoredTruncation(table));
  if (truncated_at && *truncated_at >= v) return absl::OkStatus();  // swept already (a marker read again), or truncated since
  CDC_ASSIGN_OR_RETURN(int64_t removed, RemoveOlderRows(table, v, "d"));
  CDC_RETURN_IF_ERROR(RecordTruncation(table, v));
  swept_rows_ += removed;
  if (auto cached = tables_.find(table); cached != tables_.end() && cached->second) cached->second->truncated_at = v;
  log::Info("sink", "rows the new snapshot did not have removed",
            {{"table", table.ToString()}, {"snapshot_lsn", v.commit_lsn.ToString()}, {"rows", removed}});
  return absl::OkStatus();
}

absl::Status DuckDbSink::ApplyTable(const TableBatch& batch) {
  const WarehouseTable& table = *batch.table;
  if (batch.swept_at) return Sweep(table.id, *batch.swept_at);
  if (batch.rows.empty()) {
    // A TRUNCATE alone may come with a schema without the key (its Kafka
    // key is null): it must not create the table, nor decide its mode.
    // Nothing to clear yet, but events older than the TRUNCATE may still
    // come (other partitions): its watermark voids them when they do.
    CDC_ASSIGN_OR_RETURN(bool exists, Exists(table.id));
    if (!exists) return RecordTruncation(table.id, *batch.truncated_at);
  }
  CDC_ASSIGN_OR_RETURN(TableState * st, Prepare(table));
  const std::string target = Qualified(table.id);
  if (batch.truncated_at && st->change_log) {
    // A TRUNCATE that came without row events to tell the table's mode: a
    // change log records it like any other event.
    const Version& v = *batch.truncated_at;
    CDC_RETURN_IF_ERROR(con_->Execute(
        StrCat("INSERT INTO ", target, " (_cdc_lsn, _cdc_seq, _cdc_op, _cdc_loaded_at, _cdc_deleted) VALUES (",
               v.commit_lsn.value, ", ", v.change_lsn.value, ", 't', now(), false)"),
        StrCat("truncate of ", table.id.ToString())));
  } else if (batch.truncated_at && (!st->truncated_at || *st->truncated_at < *batch.truncated_at)) {
    const Version& v = *batch.truncated_at;
    CDC_RETURN_IF_ERROR(RemoveOlderRows(table.id, v, "t").status());
    CDC_RETURN_IF_ERROR(RecordTruncation(table.id, v));
    st->truncated_at = v;
    log::Info("sink", "table truncated", {{"table", table.id.ToString()}, {"lsn", v.commit_lsn.ToString()}});
  }
  if (batch.rows.empty()) return absl::OkStatus();
  std::map<SnapshotChunk, int64_t> latest_reads;  // snapshot chunk -> the read kept
  if (st->change_log) {
    CDC_ASSIGN_OR_RETURN(latest_reads, LatestChunkReads(batch));
  }

  // The rows go straight into the MERGE: the appender runs it over what was
  // appended when it is closed.
  std::string relation = kBatchRelation;
  if (st->truncated_at && !st->change_log) {
    // Events older than the truncation (late partitions, replays) are void.
    const Version& v = *st->truncated_at;
    relation = StrCat("(SELECT * FROM ", kBatchRelation, " WHERE NOT (_cdc_lsn < ", v.commit_lsn.value,
                      " OR (_cdc_lsn = ", v.commit_lsn.value, " AND _cdc_seq < ", v.change_lsn.value, ")))");
  }
  const std::string apply_sql = StrCat(st->apply_head, relation, st->apply_tail);
  const std::string apply_ctx = StrCat(st->change_log ? "INSERT into " : "MERGE into ", table.id.ToString());
  std::vector<const char*> names;
  for (const std::string& n : st->batch_columns) names.push_back(n.c_str());
  duckdb_appender app = nullptr;
  auto appender_status = [&app](std::string_view context) {
    duckdb_error_data e = duckdb_appender_error_data(app);
    absl::Status out = StatusFromDuckDbError(duckdb_error_data_error_type(e), duckdb_error_data_message(e), context);
    duckdb_destroy_error_data(&e);
    return out;
  };
  if (duckdb_appender_create_query(con_->raw(), apply_sql.c_str(), names.size(), st->batch_types->types.data(),
                                   kBatchRelation, names.data(), &app) == DuckDBError) {
    absl::Status error = app ? appender_status(apply_ctx) : absl::InternalError(StrCat(apply_ctx, ": no appender"));
    duckdb_appender_destroy(&app);
    return error;
  }
  absl::Status status;
  std::optional<size_t> failed_row;  // the row whose value the table refused
  std::string unchanged;
  for (const RowChange& row : batch.rows) {
    // A row of a chunk read again later was replaced by that read's rows.
    if (row.snapshot_chunk && latest_reads[ChunkOf(row)] != row.snapshot_chunk->read_time_us) continue;
    failed_row = static_cast<size_t>(&row - batch.rows.data());
    if (row.values.size() != table.columns.size()) {
      status = absl::InvalidArgumentError(StrCat("row has ", row.values.size(), " values for ",
                                                 table.columns.size(), " columns"));
      break;
    }
    unchanged.clear();
    for (size_t i = 0; i < row.values.size() && status.ok(); ++i) {
      status = AppendValue(app, table.columns[i], row.values[i]);
      if (row.values[i].kind == Value::Kind::kUnchanged) StrAppend(&unchanged, unchanged.empty() ? "," : "", i, ",");
    }
    if (!status.ok()) break;
    duckdb_append_uint64(app, row.version.commit_lsn.value);
    duckdb_append_uint64(app, row.version.change_lsn.value);
    const char op = static_cast<char>(row.op);
    duckdb_append_varchar_length(app, &op, 1);
    duckdb_append_timestamp(app, duckdb_timestamp{row.source_ts_ms * 1000});
    if (unchanged.empty()) duckdb_append_null(app);
    else duckdb_append_varchar_length(app, unchanged.data(), unchanged.size());
    if (st->change_log) {
      if (row.snapshot_chunk) {
        duckdb_append_int64(app, row.snapshot_chunk->chunk);
        duckdb_append_int64(app, row.snapshot_chunk->read_time_us);
      } else {
        duckdb_append_null(app);
        duckdb_append_null(app);
      }
    }
    if (duckdb_appender_end_row(app) == DuckDBError) {
      status = absl::InvalidArgumentError(duckdb_appender_error(app));
      break;
    }
  }
  if (!status.ok()) {
    duckdb_appender_destroy(&app);
    // A value the column refuses is that row's fault: load parks it and goes on.
    status = absl::Status(status.code(), StrCat("warehouse table ", table.id.ToString(), ": ", status.message()));
    return TableDataError(status, table.id, failed_row);
  }
  // Closing the appender runs the MERGE over the appended rows.
  const absl::Time merge_start = absl::Now();
  if (duckdb_appender_close(app) == DuckDBError) status = appender_status(apply_ctx);
  duckdb_appender_destroy(&app);
  phases_.merge += absl::Now() - merge_start;
  return status;
}

absl::StatusOr<std::map<DuckDbSink::SnapshotChunk, int64_t>> DuckDbSink::LatestChunkReads(const TableBatch& batch) {
  const WarehouseTable& table = *batch.table;
  std::map<SnapshotChunk, int64_t> latest;
  for (const RowChange& row : batch.rows) {
    if (!row.snapshot_chunk) continue;
    auto [it, fresh] = latest.emplace(ChunkOf(row), row.snapshot_chunk->read_time_us);
    if (!fresh) it->second = std::max(it->second, row.snapshot_chunk->read_time_us);
  }
  // Rows of one chunk read arrive over several partitions and batches, and
  // an earlier read's rows may arrive after a later read's (or be stored
  // already, in part): whichever comes second, only the latest read stays.
  const std::string target = Qualified(table.id);
  for (auto& [chunk, read] : latest) {
    const auto& [snapshot_lsn, index] = chunk;
    const std::string ctx = StrCat("snapshot chunk ", index, " of ", table.id.ToString());
    const std::string where = StrCat(" WHERE _cdc_lsn = ", snapshot_lsn, " AND _cdc_snapshot_chunk = ", index);
    QueryResult r;
    CDC_RETURN_IF_ERROR(con_->Query(StrCat("SELECT max(_cdc_snapshot_read_us) FROM ", target, where), ctx, r));
    if (duckdb_value_is_null(r.get(), 0, 0)) continue;
    const int64_t stored = duckdb_value_int64(r.get(), 0, 0);
    if (stored > read) {
      read = stored;
    } else if (stored < read) {
      CDC_RETURN_IF_ERROR(con_->Execute(StrCat("DELETE FROM ", target, where, " AND _cdc_snapshot_read_us < ", read), ctx));
      log::Info("sink", "snapshot chunk read again: rows of its earlier read replaced",
                {{"table", table.id.ToString()}, {"chunk", index}});
    }
  }
  return latest;
}

absl::Status DuckDbSink::ApplyTables(std::span<const TableBatch> batches) {
  for (const TableBatch& b : batches) {
    if (b.rows.empty() && !b.truncated_at && !b.swept_at) continue;
    CDC_RETURN_IF_ERROR(ApplyTable(b));
  }
  return absl::OkStatus();
}

absl::Status DuckDbSink::StoreOffsets(const std::string& stream_id, const OffsetMap& next_offsets,
                                      const PausedTables& newly_paused) {
  for (const auto& [table, reason] : newly_paused) {
    CDC_RETURN_IF_ERROR(con_->Execute(StrCat("INSERT OR REPLACE INTO ", kPausedTable, " VALUES (",
                                             QuoteLiteral(table.schema), ", ", QuoteLiteral(table.table), ", ",
                                             QuoteLiteral(reason), ", now())"),
                                      StrCat("pause warehouse table ", table.ToString())));
  }
  if (next_offsets.empty()) return absl::OkStatus();
  std::vector<std::string> values;
  for (const auto& [tp, off] : next_offsets) {
    values.push_back(StrCat("(", QuoteLiteral(stream_id), ", ", QuoteLiteral(tp.topic), ", ", tp.partition,
                                  ", ", off, ", now())"));
  }
  return con_->Execute(StrCat("INSERT OR REPLACE INTO ", kOffsetsTable, " VALUES ", absl::StrJoin(values, ", ")),
                       "store offsets in _cdc_offsets");
}

absl::Status DuckDbSink::Apply(std::span<const TableBatch> batches, const std::string& stream_id,
                               const OffsetMap& next_offsets, const PausedTables& newly_paused) {
  std::lock_guard one_batch_at_a_time(db_->batch_mutex());
  const absl::Time start = absl::Now();
  phases_ = ApplyPhases();
  swept_rows_ = 0;
  CDC_RETURN_IF_ERROR(con_->Execute("BEGIN TRANSACTION", "begin batch"));
  absl::Status st = ApplyTables(batches);
  const absl::Time tables_done = absl::Now();
  if (st.ok()) st = StoreOffsets(stream_id, next_offsets, newly_paused);
  if (st.ok()) st = con_->Execute("COMMIT", "commit batch");
  // ApplyTable timed the MERGEs; the rest of the tables' part was writing rows.
  phases_.write = tables_done - start - phases_.merge;
  phases_.commit = absl::Now() - tables_done;
  if (!st.ok()) {
    (void)con_->Execute("ROLLBACK", "roll back batch");
    // Cached table state may describe DDL that was rolled back: forget it.
    tables_.clear();
  }
  return st;
}

}  // namespace cdc::duck
