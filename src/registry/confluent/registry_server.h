#pragma once
// `cdcpipe registry`: a Confluent-compatible Schema Registry for where none
// is deployed (the embedded default, tests, benchmarks). It serves the REST
// subset producers and consumers use (spec/03 §2) and keeps every schema in
// an append-only file, fsynced before it answers, so ids survive restarts:
// a message in Kafka must always find its schema again.
//
// It does not check compatibility (its level is NONE): capture's schemas
// change only when the source table does, and load reads every version by
// id. Deployments that want checks run Confluent's or Karapace.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "core/status.h"
#include "http/http.h"

namespace cdc::registry {

class RegistryServer {
 public:
  /// Reads the store file (a missing one is created). InvalidArgument naming
  /// the file and line when it is damaged.
  static absl::StatusOr<std::unique_ptr<RegistryServer>> Open(const std::string& store_path);
  ~RegistryServer();

  /// Serves on `listen` (host:port; port 0 picks a free one, see port()).
  absl::Status Start(const std::string& listen);
  void Stop();
  int port() const;

 private:
  struct Version {
    int version;
    int32_t id;
  };
  explicit RegistryServer(std::string store_path);
  absl::Status Load();
  http::Response RegisterVersion(const std::string& subject, const std::string& body);
  http::Response LookUp(const std::string& subject, const std::string& body);
  http::Response SchemaOfId(const std::string& id, bool raw);
  http::Response SubjectVersion(const std::string& subject, const std::string& version, bool raw);
  http::Response Subjects();
  http::Response VersionsOf(const std::string& subject);
  /// The canonical text of a register/lookup body's schema, or the error reply.
  std::variant<std::string, http::Response> SchemaOfBody(const std::string& body) const;
  const Version* Find(const std::string& subject, int32_t id) const;

  const std::string store_path_;
  std::mutex mu_;
  std::vector<std::string> schemas_;  // id - 1 -> canonical schema text
  std::map<std::string, int32_t> ids_;  // canonical text -> id
  std::map<std::string, std::vector<Version>> subjects_;
  FILE* store_ = nullptr;
  http::Server server_;
};

}  // namespace cdc::registry
