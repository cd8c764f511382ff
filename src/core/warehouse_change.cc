#include "core/warehouse_change.h"

namespace cdc {

const char* ColumnTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kBoolean: return "boolean";
    case ColumnType::kInt16: return "int16";
    case ColumnType::kInt32: return "int32";
    case ColumnType::kInt64: return "int64";
    case ColumnType::kFloat: return "float";
    case ColumnType::kDouble: return "double";
    case ColumnType::kDecimal: return "decimal";
    case ColumnType::kText: return "text";
    case ColumnType::kDate: return "date";
    case ColumnType::kTime: return "time";
    case ColumnType::kTimestamp: return "timestamp";
    case ColumnType::kTimestampTz: return "timestamptz";
    case ColumnType::kJson: return "json";
    case ColumnType::kUuid: return "uuid";
    case ColumnType::kBlob: return "blob";
    case ColumnType::kTimeTz: return "timetz";
    case ColumnType::kInterval: return "interval";
    case ColumnType::kPoint: return "point";
  }
  return "unknown";
}

namespace {

size_t HeldBytes(const std::vector<Value>& values) {
  size_t bytes = values.capacity() * sizeof(Value);
  for (const Value& v : values) {
    // Text within the small-string buffer is already counted in sizeof(Value).
    if (v.text.capacity() > std::string().capacity()) bytes += v.text.capacity() + 1;
    if (!v.items.empty()) bytes += HeldBytes(v.items);
  }
  return bytes;
}

}  // namespace

size_t HeldBytes(const RowChange& change) { return sizeof(RowChange) + HeldBytes(change.values); }

}  // namespace cdc
