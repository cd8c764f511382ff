#include "core/sink.h"

#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_cat.h"

namespace cdc {
namespace {

// The payload is "schema \x1f table \x1f row" (row empty for a whole batch).
constexpr absl::string_view kTableDataErrorUrl = "cdcpipe/table-data-error";

}  // namespace

absl::Status TableDataError(absl::Status error, const TableId& table, std::optional<size_t> row) {
  error.SetPayload(kTableDataErrorUrl,
                   absl::Cord(absl::StrCat(table.schema, "\x1f", table.table, "\x1f", row ? absl::StrCat(*row) : "")));
  return error;
}

std::optional<TableDataErrorInfo> TableDataErrorOf(const absl::Status& error) {
  auto payload = error.GetPayload(kTableDataErrorUrl);
  if (!payload) return std::nullopt;
  std::vector<std::string> parts = absl::StrSplit(std::string(*payload), '\x1f');
  if (parts.size() != 3) return std::nullopt;
  TableDataErrorInfo info{{parts[0], parts[1]}, std::nullopt};
  size_t row = 0;
  if (!parts[2].empty() && absl::SimpleAtoi(parts[2], &row)) info.row = row;
  return info;
}

}  // namespace cdc
