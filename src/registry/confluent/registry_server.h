#pragma once
// `cdcpipe registry`: a Confluent-compatible Schema Registry for where none
// is deployed (the embedded default, tests, benchmarks). It serves the REST
// subset producers and consumers use (spec/03 §2) and keeps every schema in
// an append-only file, fsynced before it answers, so ids survive restarts:
// a message in Kafka must always find its schema again.
//
// Compatibility is checked as Confluent's registry checks it
// (avro_compatibility.h), at a level set with PUT /config (globally) or
// PUT /config/<subject>. The global level starts at NONE, not at
// Confluent's BACKWARD: capture's schemas change only when a source table
// does, and a refused schema stops capture for every table, whereas load
// reads every version by id and pauses only a table whose column it cannot
// widen. Levels are kept in the store file with the schemas.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/status.h"
#include "http/http.h"
#include "registry/confluent/avro_compatibility.h"

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
  /// GET, PUT and DELETE of /config and /config/<subject> (empty: global).
  http::Response GetConfig(const std::string& subject);
  http::Response PutConfig(const std::string& subject, const std::string& body);
  http::Response DeleteConfig(const std::string& subject);
  /// POST /compatibility/subjects/<subject>/versions/<version>.
  http::Response TestCompatibility(const std::string& subject, const std::string& version, const std::string& body);
  /// The subject's level, or the global one. Under mu_.
  Compatibility LevelOfLocked(const std::string& subject) const;
  /// Why `schema` may not be registered as `subject`'s next version at the
  /// subject's level; empty when it may. Under mu_.
  std::vector<std::string> IncompatibilitiesLocked(const std::string& subject, const std::string& schema,
                                                   std::optional<int> only_version) const;
  /// Appends one record to the store, fsynced. Under mu_.
  absl::Status AppendLocked(const std::string& record);
  /// The canonical text of a register/lookup body's schema, or the error reply.
  std::variant<std::string, http::Response> SchemaOfBody(const std::string& body) const;
  const Version* Find(const std::string& subject, int32_t id) const;

  const std::string store_path_;
  std::mutex mu_;
  std::vector<std::string> schemas_;  // id - 1 -> canonical schema text
  std::map<std::string, int32_t> ids_;  // canonical text -> id
  std::map<std::string, std::vector<Version>> subjects_;
  std::map<std::string, Compatibility> levels_;  // "" (global) or a subject -> level
  FILE* store_ = nullptr;
  http::Server server_;
};

}  // namespace cdc::registry
