#pragma once
// Column exclusion and masking between the source and the serializer
// (Debezium's column.exclude.list, column.mask.hash..., column.mask.with.N.chars,
// column.truncate.to.N.chars). Rules match "schema.table.column" in full.
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "core/change_event.h"
#include "core/status.h"

namespace cdc {

struct ColumnRule {
  enum class Action { kExclude, kHash, kMask, kTruncate };
  std::regex columns;     // full match on schema.table.column
  std::string pattern;    // the regex text, for messages
  Action action = Action::kExclude;
  std::string salt;       // kHash: hex SHA-256 of salt + value
  int length = 0;         // kMask: that many '*'; kTruncate: at most that many characters
};

/// Rewrites change events by the rules, the first matching rule per column
/// winning. Masked values become text (their column's type becomes text);
/// null and unchanged-TOAST values stay as they are. Not thread-safe.
class ColumnFilter {
 public:
  explicit ColumnFilter(std::vector<ColumnRule> rules) : rules_(std::move(rules)) {}

  bool empty() const { return rules_.empty(); }

  /// Applies the rules to `e`. FailedPrecondition naming the column when a
  /// rule would exclude or mask a key column (the event key must stay).
  absl::Status Apply(ChangeEvent& e);

 private:
  struct TablePlan {
    std::shared_ptr<const SourceTable> in;   // keeps the map key alive
    std::shared_ptr<const SourceTable> out;  // null: nothing to do
    std::vector<size_t> kept;                // input column index per output column
    std::vector<const ColumnRule*> mask;     // per output column, or null
  };
  absl::StatusOr<const TablePlan*> PlanFor(const std::shared_ptr<const SourceTable>& table);
  void Rewrite(const TablePlan& plan, Row& row) const;

  std::vector<ColumnRule> rules_;
  std::map<const SourceTable*, TablePlan> plans_;
};

/// Hex SHA-256 of `salt` followed by `value`.
std::string SaltedSha256Hex(std::string_view salt, std::string_view value);

}  // namespace cdc
