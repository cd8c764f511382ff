#include "core/strings.h"
#include "pipeline/batch.h"

#include "absl/strings/str_cat.h"

namespace cdc {

std::string KeyOf(const RowChange& c) {
  std::string key;
  const auto& cols = c.table->columns;
  for (size_t i = 0; i < cols.size(); ++i) {
    if (!cols[i].key) continue;
    const Value& v = c.values[i];
    switch (v.kind) {
      case Value::Kind::kText: StrAppend(&key, "s", v.text.size(), ":", v.text); break;
      case Value::Kind::kInt:
      case Value::Kind::kBool: StrAppend(&key, "i", v.integer); break;
      case Value::Kind::kDouble: StrAppend(&key, "d", v.real); break;
      case Value::Kind::kInterval: StrAppend(&key, "v", v.months, ",", v.days, ",", v.integer); break;
      default: key += "n";  // lists and points are not key types in PostgreSQL practice
    }
    key.push_back('|');
  }
  return key;
}

Batch::TableRows& Batch::RowsOf(const TableId& table) {
  if (last_ && last_->first == table) return last_->second;
  auto [it, added] = tables_.try_emplace(table);
  if (added) {
    auto previous = previous_sizes_.find(table);
    if (previous != previous_sizes_.end()) {
      it->second.rows.reserve(previous->second.rows);
      it->second.by_key.reserve(previous->second.keys);
    }
  }
  last_ = &*it;
  return it->second;
}

bool Batch::IsChangeLog(TableRows& t, const std::shared_ptr<const WarehouseTable>& table) const {
  if (t.judged != table) {
    t.change_log = modes_.IsChangeLog(*table);
    t.judged = table;
  }
  return t.change_log;
}

void Batch::Add(RowChange change) {
  TableRows& t = RowsOf(change.table->id);
  ++rows_;
  if (change.op == Op::kTruncate) {
    AddTruncate(t, std::move(change));
    return;
  }
  AdoptSchema(t, change);
  if (IsChangeLog(t, change.table)) {
    t.rows.push_back(std::move(change));  // a change log keeps every event
    return;
  }
  auto [it, added] = t.by_key.try_emplace(KeyOf(change), t.rows.size());
  if (added) {
    t.rows.push_back(std::move(change));
    return;
  }
  RowChange& kept = t.rows[it->second];
  if (change.version < kept.version) return;  // a replayed older event
  if (change.op != Op::kDelete && kept.op != Op::kDelete) {
    for (size_t i = 0; i < change.values.size() && i < kept.values.size(); ++i) {
      if (change.values[i].kind == Value::Kind::kUnchanged) change.values[i] = kept.values[i];
    }
  }
  kept = std::move(change);
}

void Batch::AdoptSchema(TableRows& t, RowChange& change) {
  // Events of one table may carry different schemas in one batch (a column
  // added, dropped or retyped between them). The batch is applied under the
  // schema of the newest event by source version, not by arrival: keys in
  // other partitions arrive in any order, and rows coerced into an older
  // schema would be silently cast (numeric(10,6) into numeric(20,4)).
  // Older rows are mapped into the newer schema by column name.
  if (t.schema && t.schema != change.table && t.schema->columns != change.table->columns) {
    const bool newer = !t.schema_from_rows || change.version > t.schema_version;
    const auto& target = newer ? change.table : t.schema;
    auto map_into = [&target](RowChange& row) {
      std::vector<Value> mapped;
      for (const auto& col : target->columns) {
        size_t j = 0;
        while (j < row.table->columns.size() && row.table->columns[j].name != col.name) ++j;
        mapped.push_back(j < row.values.size() ? row.values[j] : Value::Null());
      }
      row.values = std::move(mapped);
      row.table = target;
    };
    if (newer) {
      for (auto& row : t.rows) map_into(row);
    } else {
      map_into(change);
    }
  }
  if (!t.schema_from_rows || change.version > t.schema_version) {
    t.schema = change.table;
    t.schema_version = change.version;
    t.schema_from_rows = true;
  }
}

void Batch::AddTruncate(TableRows& t, RowChange change) {
  // A TRUNCATE has a null Kafka key, so its schema may lack the key: whether
  // the table is a change log is judged from its row events. Without any in
  // the batch it becomes a truncation mark, which the sink records in a
  // change log and applies to a state table.
  if (t.schema_from_rows && IsChangeLog(t, t.schema)) {
    change.values.assign(t.schema->columns.size(), Value::Null());  // no row: nulls in the table's shape
    change.table = t.schema;
    t.rows.push_back(std::move(change));
    return;
  }
  if (!t.schema) t.schema = change.table;
  Truncate(t, change.version);
}

void Batch::Truncate(TableRows& t, const Version& at) {
  std::vector<RowChange> kept;
  t.by_key.clear();
  for (auto& row : t.rows) {
    if (row.version < at) continue;  // replaced by the truncation
    if (row.table->HasKey()) t.by_key.emplace(KeyOf(row), kept.size());
    kept.push_back(std::move(row));
  }
  t.rows = std::move(kept);
  if (!t.truncated_at || *t.truncated_at < at) t.truncated_at = at;
}

std::vector<TableBatch> Batch::Take() {
  std::vector<TableBatch> out;
  previous_sizes_.clear();
  for (auto& [id, t] : tables_) {
    previous_sizes_[id] = {t.rows.size(), t.by_key.size()};
    for (auto& row : t.rows) row.table = t.schema;
    out.push_back(TableBatch{t.schema, std::move(t.rows), t.truncated_at, std::nullopt});
  }
  tables_.clear();
  last_ = nullptr;
  rows_ = 0;
  return out;
}

}  // namespace cdc
