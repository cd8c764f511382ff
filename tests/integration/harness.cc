#include "harness.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace cdc::testing {

std::string SourcePath(const std::string& relative) { return std::string(CDCPIPE_SOURCE_DIR) + "/" + relative; }
std::string CdcpipeBinary() { return CDCPIPE_BINARY; }

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

int Shell(const std::string& command, std::string* out) {
  FILE* p = popen(command.c_str(), "r");
  if (!p) return -1;
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) text.append(buf, n);
  int status = pclose(p);
  if (out) *out = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

namespace {
std::mutex temp_dirs_mu;
std::vector<std::string> temp_dirs;  // made by TempDir in this run
}  // namespace

std::string TempDir(const std::string& name) {
  const char* base = std::getenv("CDCPIPE_TEST_TMP");
  std::string dir = std::string(base ? base : "/tmp/cdcpipe-it") + "/" + name;
  Shell("rm -rf '" + dir + "' && mkdir -p '" + dir + "'");
  std::lock_guard<std::mutex> lock(temp_dirs_mu);
  temp_dirs.push_back(dir);
  return dir;
}

void RemoveTempDirs() {
  std::lock_guard<std::mutex> lock(temp_dirs_mu);
  for (const std::string& dir : temp_dirs) Shell("rm -rf '" + dir + "'");
  temp_dirs.clear();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Child::Child(std::vector<std::string> argv, const std::string& log_path) : log_(log_path) {
  pid_ = fork();
  if (pid_ == 0) {
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, STDERR_FILENO);
    dup2(fd, STDOUT_FILENO);
    setpgid(0, 0);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
}

Child::~Child() {
  if (Running()) {
    Signal(SIGKILL);
    Wait(10);
  }
}

void Child::Signal(int sig) {
  if (pid_ > 0 && !status_) kill(pid_, sig);
}

bool Child::Running() {
  if (status_ || pid_ <= 0) return false;
  int st;
  pid_t r = waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return false;
  }
  return true;
}

int Child::Wait(int timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (Running()) {
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return status_.value_or(-1);
}

int Child::Stop(int timeout_s) {
  Signal(SIGTERM);
  return Wait(timeout_s);
}

Services& Services::Get() {
  static Services* s = [] {
    auto* svc = new Services();
    svc->pg_dir = TempDir("pg");
    std::string out;
    if (Shell(SourcePath("scripts/pg") + " start " + svc->pg_dir, &out) != 0) {
      throw std::runtime_error("could not start PostgreSQL: " + out);
    }
    svc->admin_dsn = out.substr(0, out.find('\n'));
    svc->kafka_dir = TempDir("kafka");
    if (Shell(SourcePath("scripts/kafka") + " start " + svc->kafka_dir, &out) != 0) {
      svc->Stop();
      throw std::runtime_error("could not start Kafka: " + out);
    }
    svc->bootstrap = out.substr(0, out.find('\n'));
    return svc;
  }();
  return *s;
}

void Services::Stop() {
  if (std::getenv("CDCPIPE_TEST_KEEP_SERVICES")) return;  // for debugging a failed run
  if (!kafka_dir.empty()) Shell(SourcePath("scripts/kafka") + " stop " + kafka_dir);
  if (!pg_dir.empty()) Shell(SourcePath("scripts/pg") + " stop " + pg_dir);
}

std::string Services::CreateDatabase(const std::string& name) {
  Pg admin(admin_dsn);
  // Slots are cluster-wide: an earlier run's slot of this name must go first.
  admin.Exec("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '" + name +
             "' AND NOT active");
  admin.Exec("DROP DATABASE IF EXISTS " + name);
  admin.Exec("CREATE DATABASE " + name);
  std::string dsn = admin_dsn;
  dsn.replace(dsn.find("dbname=postgres"), std::string("dbname=postgres").size(), "dbname=" + name);
  return dsn;
}

Pg::Pg(const std::string& dsn) : conn_(PQconnectdb(dsn.c_str())) {
  if (PQstatus(conn_) != CONNECTION_OK) throw std::runtime_error(std::string("connect: ") + PQerrorMessage(conn_));
}
Pg::~Pg() { PQfinish(conn_); }

void Pg::Exec(const std::string& sql) {
  PGresult* r = PQexec(conn_, sql.c_str());
  const auto st = PQresultStatus(r);
  std::string err = PQresultErrorMessage(r);
  PQclear(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) throw std::runtime_error("SQL failed: " + sql + ": " + err);
}

std::string Pg::Scalar(const std::string& sql) {
  PGresult* r = PQexec(conn_, sql.c_str());
  std::string out;
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    std::string err = PQresultErrorMessage(r);
    PQclear(r);
    throw std::runtime_error("SQL failed: " + sql + ": " + err);
  }
  if (PQntuples(r) > 0) out = PQgetisnull(r, 0, 0) ? "NULL" : PQgetvalue(r, 0, 0);
  PQclear(r);
  return out;
}

Duck::Duck(const std::string& path) {
  duckdb_config cfg;
  duckdb_create_config(&cfg);
  duckdb_set_config(cfg, "access_mode", "READ_ONLY");
  char* err = nullptr;
  if (duckdb_open_ext(path.c_str(), &db_, cfg, &err) == DuckDBError) {
    std::string msg = err ? err : "";
    duckdb_free(err);
    duckdb_destroy_config(&cfg);
    throw std::runtime_error("open " + path + ": " + msg);
  }
  duckdb_destroy_config(&cfg);
  duckdb_connect(db_, &con_);
}

Duck::~Duck() {
  duckdb_disconnect(&con_);
  duckdb_close(&db_);
}

std::string Duck::Scalar(const std::string& sql) {
  duckdb_result r;
  if (duckdb_query(con_, sql.c_str(), &r) == DuckDBError) {
    std::string err = duckdb_result_error(&r);
    duckdb_destroy_result(&r);
    throw std::runtime_error("DuckDB: " + sql + ": " + err);
  }
  std::string out;
  if (duckdb_row_count(&r) > 0) {
    if (duckdb_value_is_null(&r, 0, 0)) {
      out = "NULL";
    } else {
      char* v = duckdb_value_varchar(&r, 0, 0);
      out = v;
      duckdb_free(v);
    }
  }
  duckdb_destroy_result(&r);
  return out;
}

PipelineFiles WriteConfig(const std::string& name, const std::string& dsn, const std::string& bootstrap,
                          const ConfigExtras& extras) {
  PipelineFiles f;
  f.dir = TempDir(name);
  f.config = f.dir + "/cdcpipe.yaml";
  f.duckdb = f.dir + "/warehouse.duckdb";
  f.http = "127.0.0.1:" + std::to_string(FreePort());
  std::ofstream out(f.config);
  out << "source:\n  postgres:\n    dsn: \"" << dsn << "\"\n    slot: " << name << "\n    publication: " << name
      << "_pub\n"
      << extras.postgres
      << "kafka:\n  bootstrap_servers: \"" << bootstrap << "\"\n  topic_prefix: " << name << "\n  group_id: " << name
      << "\n  properties:\n    session.timeout.ms: \"6000\"\n"
      << "sink:\n  duckdb:\n    path: " << f.duckdb << "\n  batch:\n    max_rows: 5000\n    max_ms: 100\n"
      << extras.sink
      << "http:\n  listen: " << f.http << "\n"
      << extras.top;
  return f;
}

int Verify(const PipelineFiles& f, std::string* out, int timeout_s) {
  return Shell(CdcpipeBinary() + " verify --timeout " + std::to_string(timeout_s) + " -c " + f.config + " 2>&1", out);
}

}  // namespace cdc::testing
