#include "pipeline/source_options.h"

#include <map>

namespace cdc {

pg::PostgresSourceOptions SourceOptionsFor(const Config& c) {
  pg::PostgresSourceOptions o;
  o.dsn = c.postgres.dsn;
  o.slot = c.postgres.slot;
  o.publication = c.postgres.publication;
  o.tables = c.postgres.tables;
  static const std::map<std::string, pg::SnapshotMode> kModes = {
      {"initial", pg::SnapshotMode::kInitial}, {"initial_only", pg::SnapshotMode::kInitialOnly},
      {"never", pg::SnapshotMode::kNever}, {"always", pg::SnapshotMode::kAlways},
      {"when_needed", pg::SnapshotMode::kWhenNeeded}};
  o.snapshot = kModes.at(c.postgres.snapshot);  // validated by the config
  o.snapshot_workers = c.postgres.snapshot_workers;
  o.snapshot_chunk_rows = c.postgres.snapshot_chunk_rows;
  o.message_key_columns = c.postgres.message_key_columns;
  for (const auto& p : c.postgres.message_prefix_include) o.message_prefix_include.emplace_back(p);
  for (const auto& p : c.postgres.message_prefix_exclude) o.message_prefix_exclude.emplace_back(p);
  for (const auto& p : c.postgres.table_include) o.table_include.emplace_back(p);
  for (const auto& p : c.postgres.table_exclude) o.table_exclude.emplace_back(p);
  o.signal_table = c.postgres.signal_table;
  o.status_interval = absl::Milliseconds(c.postgres.status_interval_ms);
  o.heartbeat_interval = absl::Milliseconds(c.postgres.heartbeat_interval_ms);
  return o;
}

}  // namespace cdc
