#pragma once
#include <memory>

#include "core/capture_state_store.h"
#include "sink/duckdb/duckdb_connection.h"

namespace cdc::duck {

/// Capture state kept in the warehouse itself (`cdcpipe run`): the
/// warehouse is what must hold the snapshot, so it is also the truth about
/// whether it does. Thread-safe (own connection, serialized).
class DuckDbCaptureStateStore final : public CaptureStateStore {
 public:
  static absl::StatusOr<std::unique_ptr<DuckDbCaptureStateStore>> Create(std::shared_ptr<Database> db);
  absl::StatusOr<std::optional<CaptureState>> Load(const std::string& slot) override;
  absl::Status Save(const std::string& slot, const CaptureState& state) override;
  absl::Status Clear(const std::string& slot) override;

 private:
  explicit DuckDbCaptureStateStore(std::unique_ptr<Connection> con) : con_(std::move(con)) {}
  std::unique_ptr<Connection> con_;
};

}  // namespace cdc::duck
