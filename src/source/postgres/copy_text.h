#pragma once
// Parser for one row of COPY ... TO STDOUT in text format (PostgreSQL docs,
// COPY "Text Format"): tab-separated, \N for NULL, backslash escapes.
#include <string_view>

#include "core/change_event.h"
#include "core/status.h"

namespace cdc::pg {

absl::StatusOr<Row> ParseCopyTextRow(std::string_view line, size_t expected_columns);

}  // namespace cdc::pg
