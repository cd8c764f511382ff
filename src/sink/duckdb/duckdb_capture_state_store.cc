#include "sink/duckdb/duckdb_capture_state_store.h"

#include "core/strings.h"

namespace cdc::duck {

absl::StatusOr<std::unique_ptr<DuckDbCaptureStateStore>> DuckDbCaptureStateStore::Create(std::shared_ptr<Database> db) {
  CDC_ASSIGN_OR_RETURN(auto con, db->Connect());
  CDC_RETURN_IF_ERROR(con->Execute("CREATE TABLE IF NOT EXISTS _cdc_capture_state (slot VARCHAR PRIMARY KEY, "
                                   "snapshot_completed BOOLEAN, updated_at TIMESTAMPTZ)",
                                   "create _cdc_capture_state"));
  // Added after 0.1.0: warehouses created by it gain the column here.
  CDC_RETURN_IF_ERROR(con->Execute("ALTER TABLE _cdc_capture_state ADD COLUMN IF NOT EXISTS snapshot_progress VARCHAR",
                                   "upgrade _cdc_capture_state"));
  CDC_RETURN_IF_ERROR(con->Execute("ALTER TABLE _cdc_capture_state ADD COLUMN IF NOT EXISTS delivered_lsn UBIGINT",
                                   "upgrade _cdc_capture_state"));
  return std::unique_ptr<DuckDbCaptureStateStore>(new DuckDbCaptureStateStore(std::move(con)));
}

absl::StatusOr<std::optional<CaptureState>> DuckDbCaptureStateStore::Load(const std::string& slot) {
  QueryResult r;
  CDC_RETURN_IF_ERROR(con_->Query(StrCat("SELECT snapshot_completed, coalesce(snapshot_progress, ''), coalesce(delivered_lsn, 0) "
                                         "FROM _cdc_capture_state WHERE slot = ", QuoteLiteral(slot)),
                                  "read _cdc_capture_state", r));
  if (duckdb_row_count(r.get()) == 0) return std::nullopt;
  CaptureState state;
  state.completed = duckdb_value_boolean(r.get(), 0, 0);
  char* progress = duckdb_value_varchar(r.get(), 1, 0);
  if (progress != nullptr) state.progress = progress;
  duckdb_free(progress);
  state.delivered = Lsn{duckdb_value_uint64(r.get(), 2, 0)};
  return state;
}

absl::Status DuckDbCaptureStateStore::Save(const std::string& slot, const CaptureState& state) {
  return con_->Execute(StrCat("INSERT OR REPLACE INTO _cdc_capture_state (slot, snapshot_completed, updated_at, "
                              "snapshot_progress, delivered_lsn) VALUES (", QuoteLiteral(slot), ", ",
                              state.completed ? "true" : "false", ", now(), ", QuoteLiteral(state.progress), ", ",
                              state.delivered.value, ")"),
                       "write _cdc_capture_state");
}

absl::Status DuckDbCaptureStateStore::Clear(const std::string& slot) {
  return con_->Execute(StrCat("DELETE FROM _cdc_capture_state WHERE slot = ", QuoteLiteral(slot)),
                       "reset _cdc_capture_state");
}

}  // namespace cdc::duck
