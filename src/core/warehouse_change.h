#pragma once
// The load-side vocabulary: a decoded change event in typed, warehouse-ready
// form, independent of the wire format it came in and of the warehouse.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/change_event.h"
#include "core/lsn.h"

namespace cdc {

enum class ColumnType : uint8_t {
  kBoolean, kInt16, kInt32, kInt64, kFloat, kDouble,
  kDecimal,      // precision/scale set; value as decimal text
  kText,         // also the exact fallback for unbounded numerics
  kDate,         // value: days since 1970-01-01 (±kInfinityDays for ±infinity)
  kTime,         // value: µs since midnight
  kTimestamp,    // value: µs since epoch, no zone (±kInfinityMicros for ±infinity)
  kTimestampTz,  // value: ISO-8601 text with zone
  kJson, kUuid,
  kBlob,         // value: raw bytes
  kTimeTz,       // value: text HH:MM:SS[.f]+00 (UTC)
  kInterval,     // value: Value::Interval
  kPoint,        // value: Value::List of x, y (doubles) and srid (int or null)
};

const char* ColumnTypeName(ColumnType type);

/// ±infinity of kTimestamp / kDate values (the largest magnitudes, as
/// PostgreSQL and DuckDB encode them).
inline constexpr int64_t kInfinityMicros = INT64_MAX;
inline constexpr int64_t kInfinityDays = INT32_MAX;

struct WarehouseColumn {
  std::string name;
  ColumnType type = ColumnType::kText;
  int precision = 0;
  int scale = 0;
  bool key = false;
  bool list = false;  // a LIST whose elements have type/precision/scale
  bool operator==(const WarehouseColumn&) const = default;
};

/// A target table as the event schema describes it.
struct WarehouseTable {
  TableId id;
  std::vector<WarehouseColumn> columns;
  bool HasKey() const {
    for (const auto& c : columns)
      if (c.key) return true;
    return false;
  }
};

/// A typed value. kUnchanged: the source did not send it (unchanged TOAST);
/// the warehouse must keep what it has. kList: `items` (arrays, and the
/// fields of a point). kInterval: months in `months`, days in `days`, µs in
/// `integer`.
struct Value {
  enum class Kind : uint8_t { kNull, kUnchanged, kBool, kInt, kDouble, kText, kList, kInterval };
  Kind kind = Kind::kNull;
  int64_t integer = 0;
  double real = 0;
  std::string text;
  std::vector<Value> items;
  int32_t months = 0;
  int32_t days = 0;

  static Value Null() { return {}; }
  static Value Unchanged() { return {Kind::kUnchanged, 0, 0, {}, {}, 0, 0}; }
  static Value Bool(bool b) { return {Kind::kBool, b ? 1 : 0, 0, {}, {}, 0, 0}; }
  static Value Int(int64_t i) { return {Kind::kInt, i, 0, {}, {}, 0, 0}; }
  static Value Double(double d) { return {Kind::kDouble, 0, d, {}, {}, 0, 0}; }
  static Value Text(std::string s) { return {Kind::kText, 0, 0, std::move(s), {}, 0, 0}; }
  static Value List(std::vector<Value> v) { return {Kind::kList, 0, 0, {}, std::move(v), 0, 0}; }
  static Value Interval(int32_t months, int32_t days, int64_t micros) {
    return {Kind::kInterval, micros, 0, {}, {}, months, days};
  }
};

/// Which read of which snapshot chunk a snapshot row of a change log came
/// from. A chunk in flight at a crash is read again after the restart, in a
/// new snapshot with a later read time; the rows of its latest read replace
/// those of earlier ones, which may have been loaded in part.
struct SnapshotChunkRead {
  int64_t chunk = 0;
  int64_t read_time_us = 0;  // the snapshot's read time (source.ts_us)
  bool operator==(const SnapshotChunkRead&) const = default;
};

/// One change for one table: for c/u/r the new row, for d the old key.
struct RowChange {
  std::shared_ptr<const WarehouseTable> table;
  Op op = Op::kCreate;
  std::vector<Value> values;  // one per table->columns
  Version version;
  int64_t source_ts_ms = 0;
  std::optional<SnapshotChunkRead> snapshot_chunk = std::nullopt;  // snapshot rows of change logs
};

/// About how many bytes of memory `change` holds (its values, their text and
/// items): what a batch of decoded changes costs, whatever the wire format.
size_t HeldBytes(const RowChange& change);

}  // namespace cdc
