#pragma once
// Test harness for integration tests on real parts: a throwaway PostgreSQL
// 15 cluster (scripts/pg), a real Apache Kafka broker (scripts/kafka), the
// cdcpipe binary as a child process, and DuckDB files read back directly.
#include <duckdb.h>
#include <libpq-fe.h>
#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cdc::testing {

std::string SourcePath(const std::string& relative);
std::string CdcpipeBinary();
int FreePort();
/// Runs a shell command; returns its exit code, stdout in `out`.
int Shell(const std::string& command, std::string* out = nullptr);
std::string TempDir(const std::string& name);
/// Removes every directory TempDir made in this run: after a run whose
/// tests all passed (a failed run keeps them, its logs and data, to look
/// at). The PostgreSQL cluster and Kafka's log are among them: ~1 GB.
void RemoveTempDirs();

/// A child process with its stderr in a log file. Never outlives the test.
class Child {
 public:
  Child(std::vector<std::string> argv, const std::string& log_path);
  ~Child();
  void Signal(int sig);
  /// Exit code (or 128+signal); -1 if still running after `timeout_s`.
  int Wait(int timeout_s);
  /// SIGTERM, then Wait: the exit code of a clean stop is 0.
  int Stop(int timeout_s = 60);
  bool Running();
  const std::string& log() const { return log_; }

 private:
  pid_t pid_ = -1;
  std::string log_;
  std::optional<int> status_;
};

/// The shared PostgreSQL cluster and Kafka broker, started once per run.
struct Services {
  static Services& Get();
  std::string pg_dir, kafka_dir;
  std::string admin_dsn;   // the postgres database
  std::string bootstrap;   // real Kafka
  void Stop();
  /// A fresh database for one test; returns its DSN.
  std::string CreateDatabase(const std::string& name);
};

class Pg {
 public:
  explicit Pg(const std::string& dsn);
  ~Pg();
  void Exec(const std::string& sql);
  std::string Scalar(const std::string& sql);

 private:
  PGconn* conn_;
};

/// Read-only access to a DuckDB file (after the pipeline has stopped).
class Duck {
 public:
  explicit Duck(const std::string& path);
  ~Duck();
  /// First column of the first row as text ("NULL" for null, "" for no row).
  std::string Scalar(const std::string& sql);

 private:
  duckdb_database db_ = nullptr;
  duckdb_connection con_ = nullptr;
};

struct PipelineFiles {
  std::string dir, config, duckdb, http;
};

/// Extra YAML lines for a test's config, each section's lines indented as
/// they stand in it (e.g. "    heartbeat_interval_ms: 300\n" for postgres).
struct ConfigExtras {
  std::string postgres = {};  // under source.postgres
  std::string sink = {};      // under sink
  std::string top = {};       // top-level keys (e.g. "format: json_schemaless\n")
};

/// Writes a config for one test: `bootstrap` is "embedded" or host:port.
PipelineFiles WriteConfig(const std::string& name, const std::string& dsn, const std::string& bootstrap,
                          const ConfigExtras& extras = {});

std::string ReadFile(const std::string& path);

/// `cdcpipe verify` on the test's config: its exit code (0: every table
/// matches, 3: a difference), its output in `out`.
int Verify(const PipelineFiles& f, std::string* out, int timeout_s = 120);

}  // namespace cdc::testing
