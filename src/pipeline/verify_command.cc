// `cdcpipe verify`: waits until the pipeline holds everything the source
// has committed, then compares each table's rows on both sides.
#include <cstdio>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/log.h"
#include "format/debezium_json/name_adjustment.h"
#include "http/http.h"
#include "pipeline/commands.h"
#include "pipeline/http_checksummer.h"
#include "pipeline/source_options.h"
#include "pipeline/table_comparison.h"
#include "sink/duckdb/duckdb_inspection.h"
#include "source/postgres/postgres_checksummer.h"

namespace cdc {
namespace {

using absl::StrCat;

// Until the slot has sent everything committed up to now (a slot that does
// not exist yet may be about to be created), or the deadline.
absl::Status WaitForSlot(pg::PostgresChecksummer& source, const Config& config, absl::Time deadline) {
  std::optional<Lsn> target;
  while (true) {
    // The target is taken once the slot exists: a slot's confirmed position
    // starts at its consistent point, before its snapshot is delivered.
    absl::StatusOr<bool> caught_up = absl::NotFoundError(
        StrCat("replication slot ", config.postgres.slot, " (source.postgres.slot) does not exist: is capture running?"));
    if (target) {
      caught_up = source.SlotCaughtUp(config.postgres.slot, config.postgres.publication, *target);
    } else if (source.SlotCaughtUp(config.postgres.slot, config.postgres.publication, Lsn{0}).ok()) {
      CDC_ASSIGN_OR_RETURN(target, source.MarkWalPosition());
      continue;
    }
    if (caught_up.ok() && *caught_up) return absl::OkStatus();
    if (!caught_up.ok() && !absl::IsNotFound(caught_up.status())) return caught_up.status();
    if (absl::Now() > deadline) {
      if (!caught_up.ok()) return caught_up.status();
      log::Warn("verify", "slot did not reach the source WAL position in time; comparing anyway",
                {{"lsn", target->ToString()}});
      return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
}

// Through the running process if there is one (it holds the DuckDB file and
// knows its Kafka lag), once it has caught up; else by opening the file
// read-only. A process that is starting holds the file before it answers,
// so both are tried until the deadline.
absl::StatusOr<std::unique_ptr<TableChecksummer>> OpenWarehouse(const Config& config, absl::Time deadline) {
  LoadCatchUp catch_up;
  while (true) {
    auto progress = config.http.listen.empty() ? absl::StatusOr<std::string>(absl::UnavailableError("no endpoint"))
                                               : http::Get(config.http.listen, "/v1/progress", 10000);
    if (progress.ok()) {
      auto state = catch_up.Observe(*progress);
      if (!state.ok()) {
        return absl::Status(state.status().code(),
                            StrCat("the cdcpipe process at ", config.http.listen, " (http.listen) ",
                                   state.status().message()));
      }
      if (*state == LoadCatchUp::State::kCaughtUpOnce) {
        absl::SleepFor(absl::Milliseconds(500));
        continue;
      }
      if (*state == LoadCatchUp::State::kCaughtUp) return std::make_unique<HttpChecksummer>(config.http.listen);
      if (absl::Now() > deadline) {
        log::Warn("verify", "warehouse still behind Kafka at timeout; comparing anyway", {{"progress", *progress}});
        return std::make_unique<HttpChecksummer>(config.http.listen);
      }
    } else {
      auto opened = duck::Database::Open(config.sink.duckdb_path, /*read_only=*/true);
      if (opened.ok()) return std::make_unique<duck::DuckDbChecksummer>(*opened);
      if (absl::Now() > deadline) return opened.status();
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
}

}  // namespace

absl::Status RunVerify(const Config& config, const VerifyOptions& options) {
  CDC_ASSIGN_OR_RETURN(const debezium::NameAdjustment field_names,
                       debezium::ParseNameAdjustment("source.postgres.field_name_adjustment_mode",
                                                     config.postgres.field_name_adjustment_mode));
  CDC_ASSIGN_OR_RETURN(auto source, pg::PostgresChecksummer::Connect(config.postgres.dsn));
  const absl::Time deadline = absl::Now() + absl::Seconds(options.timeout_seconds);
  CDC_RETURN_IF_ERROR(WaitForSlot(*source, config, deadline));
  CDC_ASSIGN_OR_RETURN(std::unique_ptr<TableChecksummer> warehouse, OpenWarehouse(config, deadline));

  // The publication exists once the slot does (capture creates both).
  std::vector<TableId> tables = config.postgres.tables;
  if (tables.empty()) {
    CDC_ASSIGN_OR_RETURN(tables, source->PublicationTables(config.postgres.publication));
  }
  // Tables the include/exclude lists leave out are not in the warehouse.
  const pg::PostgresSourceOptions captured = SourceOptionsFor(config);
  std::erase_if(tables, [&](const TableId& t) { return !pg::TableCaptured(captured, t); });
  if (tables.empty()) {
    return absl::FailedPreconditionError(StrCat("nothing to verify: publication ", config.postgres.publication,
                                                " (source.postgres.publication) has no tables"));
  }
  // The warehouse's columns bear the events' field names.
  const FieldNameOf field_name_of = [field_names](std::string_view column) {
    return debezium::AdjustFieldName(column, field_names);
  };
  int mismatches = 0;
  int logs = 0;
  for (const TableId& table : tables) {
    CDC_ASSIGN_OR_RETURN(TableComparison c, CompareTable(*source, *warehouse, table, field_name_of));
    std::fputs(c.report.c_str(), stdout);
    mismatches += c.outcome == TableComparison::Outcome::kMismatch ? 1 : 0;
    logs += c.outcome == TableComparison::Outcome::kChangeLog ? 1 : 0;
  }
  if (logs) std::printf("%d change-log tables not compared with the source\n", logs);
  std::fflush(stdout);
  if (mismatches) return absl::DataLossError(StrCat(mismatches, " of ", tables.size(), " tables differ"));
  return absl::OkStatus();
}

}  // namespace cdc
