#include "source/postgres/table_keys.h"

#include <algorithm>

#include "core/strings.h"

namespace cdc::pg {

absl::Status AssignKeyColumns(Connection& conn, SourceTable& table, const MessageKeyColumns& overrides) {
  std::vector<std::string> key;
  if (auto it = overrides.find(table.id); it != overrides.end()) {
    key = it->second;
    for (const std::string& name : key) {
      if (std::none_of(table.columns.begin(), table.columns.end(), [&](const SourceColumn& c) { return c.name == name; })) {
        return absl::FailedPreconditionError(StrCat("source.postgres.message_key_columns: table ", table.id.ToString(),
                                                    " has no column '", name, "'"));
      }
    }
  } else {
    CDC_ASSIGN_OR_RETURN(Result pk, conn.Exec(StrCat(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = ", table.relation_id, " AND i.indisprimary"),
        StrCat("primary key of ", table.id.ToString())));
    for (int r = 0; r < PQntuples(pk.get()); ++r) key.emplace_back(PQgetvalue(pk.get(), r, 0));
  }
  for (SourceColumn& c : table.columns) c.key = std::find(key.begin(), key.end(), c.name) != key.end();
  return absl::OkStatus();
}

}  // namespace cdc::pg
