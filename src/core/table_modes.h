#pragma once
#include <algorithm>
#include <regex>
#include <string>
#include <vector>

#include "core/warehouse_change.h"

namespace cdc {

/// How each warehouse table is loaded: as the source's state (upsert, the
/// default) or as a change log, a row per event (append). Tables without a
/// key are always change logs: there is nothing to upsert on.
class TableModes {
 public:
  TableModes() = default;
  /// `append_patterns`: regexes matched against "schema.table".
  explicit TableModes(const std::vector<std::string>& append_patterns) {
    for (const auto& p : append_patterns) append_.emplace_back(p);
  }

  bool IsChangeLog(const WarehouseTable& table) const { return IsChangeLog(table.id, table.HasKey()); }
  bool IsChangeLog(const TableId& table, bool has_key) const {
    if (!has_key) return true;
    const std::string name = table.ToString();
    return std::any_of(append_.begin(), append_.end(), [&](const std::regex& r) { return std::regex_match(name, r); });
  }

 private:
  std::vector<std::regex> append_;
};

}  // namespace cdc
