#pragma once
// The subcommands, wired from adapters. The CLI maps their Status to an
// exit code.
#include <atomic>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/status.h"

namespace cdc {

/// Set by the signal handler; every long-running command stops cleanly.
std::atomic<bool>& StopRequested();

absl::Status RunCapture(const Config& config);
absl::Status RunLoad(const Config& config);
/// capture + load in one process (hosts the embedded broker when
/// kafka.bootstrap_servers is "embedded").
absl::Status RunAll(const Config& config);

struct VerifyOptions {
  int timeout_seconds = 120;
};
/// Prints one line per table; OK only when every table matches.
absl::Status RunVerify(const Config& config, const VerifyOptions& options);

/// Checks the source is ready for capture; prints each check and how to fix
/// what fails. FailedPrecondition when any check fails.
absl::Status RunPreflight(const Config& config);

/// Forgets that the slot's initial snapshot was taken (in the warehouse, or
/// in Kafka when `kafka_store`), so the next start takes a new one. With
/// `tables` ("schema.table"), only those are read again at the next start,
/// and the slot is kept.
absl::Status RunResetSnapshot(const Config& config, bool kafka_store, const std::vector<std::string>& tables);

/// Asks a running capture to read `tables` ("schema.table") again while it
/// streams: writes an execute-snapshot signal into the source's WAL. The
/// slot must exist; capture reads the tables when its stream reaches the
/// signal (at its next start if it is stopped), in steps between the
/// stream's transactions, or all at once with the stream paused
/// (`blocking`).
absl::Status RunExecuteSnapshot(const Config& config, const std::vector<std::string>& tables, bool blocking);

/// Asks a running capture to stop reading `tables` ("schema.table"; none:
/// every table) in the incremental snapshot it reads (Debezium's
/// stop-snapshot signal); the rows read so far stay.
absl::Status RunStopSnapshot(const Config& config, const std::vector<std::string>& tables);

/// Asks a running capture to pause (`pause`) or resume its incremental
/// snapshot (Debezium's pause-snapshot / resume-snapshot signals); while
/// paused the stream goes on and no chunk is read.
absl::Status RunPauseSnapshot(const Config& config, bool pause);

/// Prints the newest rows of each warehouse table (opens the DuckDB file
/// read-only: the pipeline must not be running).
absl::Status RunShow(const Config& config, int limit);

/// Runs an embedded broker until stopped; prints its bootstrap servers on
/// stdout and to `bootstrap_file` when set.
absl::Status RunDevBroker(const std::string& bootstrap_file, int partitions,
                          const std::vector<std::string>& topics);

/// Runs a Confluent-compatible Schema Registry on `listen` until stopped,
/// keeping its schemas in `store_path`; prints the bound address on stdout.
absl::Status RunRegistry(const std::string& listen, const std::string& store_path);

}  // namespace cdc
