#include "registry/confluent/registry_server.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "core/log.h"
#include "core/strings.h"

namespace cdc::registry {
namespace {

using nlohmann::json;

constexpr const char* kContentType = "application/vnd.schemaregistry.v1+json";

http::Response Reply(const json& body, int status = 200) { return {status, body.dump(), kContentType}; }

// The registry's error body (spec/03 §1): HTTP status = the code's first three digits.
http::Response Error(int error_code, const std::string& message) {
  const int status = error_code >= 10000 ? error_code / 100 : error_code;
  return Reply(json{{"error_code", error_code}, {"message", message}}, status);
}

}  // namespace

RegistryServer::RegistryServer(std::string store_path) : store_path_(std::move(store_path)) {}

RegistryServer::~RegistryServer() {
  Stop();
  if (store_) std::fclose(store_);
}

absl::StatusOr<std::unique_ptr<RegistryServer>> RegistryServer::Open(const std::string& store_path) {
  std::unique_ptr<RegistryServer> server(new RegistryServer(store_path));
  CDC_RETURN_IF_ERROR(server->Load());
  server->store_ = std::fopen(store_path.c_str(), "a");
  if (!server->store_) {
    return absl::FailedPreconditionError(StrCat("registry store ", store_path, ": ", std::strerror(errno)));
  }
  return server;
}

absl::Status RegistryServer::Load() {
  std::ifstream in(store_path_);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    const json j = json::parse(line, nullptr, false);
    if (j.is_object() && j.contains("config") && j["config"].is_string()) {
      // A compatibility level set ({"config": "<subject>" or "", "compatibilityLevel": ...}) or removed.
      const std::string subject = j["config"];
      const auto level = CompatibilityFromString(j.value("compatibilityLevel", ""));
      if (j.value("deleted", false)) levels_.erase(subject);
      else if (level) levels_[subject] = *level;
      else return absl::InvalidArgumentError(StrCat("registry store ", store_path_, " line ", n, ": unknown compatibility level"));
      continue;
    }
    if (j.is_discarded() || !j.contains("subject") || !j.contains("id") || !j.contains("schema") || !j.contains("version")) {
      return absl::InvalidArgumentError(StrCat("registry store ", store_path_, " line ", n, ": not a registration record"));
    }
    const int32_t id = j["id"];
    const std::string schema = j["schema"];
    if (id == static_cast<int32_t>(schemas_.size()) + 1) {
      schemas_.push_back(schema);
      ids_[schema] = id;
    } else if (id > static_cast<int32_t>(schemas_.size()) || schemas_[id - 1] != schema) {
      return absl::InvalidArgumentError(StrCat("registry store ", store_path_, " line ", n, ": id ", id, " out of order"));
    }
    subjects_[j["subject"]].push_back({j["version"].get<int>(), id});
  }
  return absl::OkStatus();
}

std::variant<std::string, http::Response> RegistryServer::SchemaOfBody(const std::string& body) const {
  const json request = json::parse(body, nullptr, false);
  if (!request.is_object() || !request.contains("schema") || !request["schema"].is_string()) {
    return Error(42201, "the body must be {\"schema\": \"<schema text>\"}");
  }
  if (request.value("schemaType", "AVRO") != "AVRO") return Error(42201, "this registry keeps Avro schemas only");
  if (request.contains("references") && !request["references"].empty()) {
    return Error(42201, "schema references are not supported by this registry");
  }
  const json schema = json::parse(request["schema"].get<std::string>(), nullptr, false);
  // An Avro schema is a type name, a union (array) or an object with a type.
  if (schema.is_discarded() || !(schema.is_string() || schema.is_array() || (schema.is_object() && schema.contains("type")))) {
    return Error(42201, "Invalid schema: not an Avro schema");
  }
  return schema.dump();  // canonical: nlohmann keeps object keys sorted
}

const RegistryServer::Version* RegistryServer::Find(const std::string& subject, int32_t id) const {
  auto it = subjects_.find(subject);
  if (it == subjects_.end()) return nullptr;
  for (const Version& v : it->second)
    if (v.id == id) return &v;
  return nullptr;
}

http::Response RegistryServer::RegisterVersion(const std::string& subject, const std::string& body) {
  auto schema = SchemaOfBody(body);
  if (auto* error = std::get_if<http::Response>(&schema)) return *error;
  const std::string& text = std::get<std::string>(schema);
  std::lock_guard lock(mu_);
  int32_t id;
  if (auto it = ids_.find(text); it != ids_.end()) {
    id = it->second;
    if (Find(subject, id)) return Reply(json{{"id", id}});  // registering again is idempotent
  } else {
    id = static_cast<int32_t>(schemas_.size()) + 1;
  }
  if (const auto problems = IncompatibilitiesLocked(subject, text, std::nullopt); !problems.empty()) {
    log::Warn("registry", "schema refused as incompatible", {{"subject", subject}, {"problem", problems.front()}});
    return Error(409, StrCat("Schema being registered is incompatible with an earlier schema for subject \"", subject,
                             "\", details: [", absl::StrJoin(problems, "; "), "]"));
  }
  auto& versions = subjects_[subject];
  const int version = versions.empty() ? 1 : versions.back().version + 1;
  // Durable before it is visible: a message may carry the id a moment later.
  if (absl::Status st = AppendLocked(json{{"subject", subject}, {"version", version}, {"id", id}, {"schema", text}}.dump());
      !st.ok()) {
    if (versions.empty()) subjects_.erase(subject);
    return Error(50001, std::string(st.message()));
  }
  if (id == static_cast<int32_t>(schemas_.size()) + 1) {
    schemas_.push_back(text);
    ids_[text] = id;
  }
  versions.push_back({version, id});
  log::Info("registry", "schema registered", {{"subject", subject}, {"version", std::to_string(version)}, {"id", std::to_string(id)}});
  return Reply(json{{"id", id}});
}

http::Response RegistryServer::LookUp(const std::string& subject, const std::string& body) {
  auto schema = SchemaOfBody(body);
  if (auto* error = std::get_if<http::Response>(&schema)) return *error;
  std::lock_guard lock(mu_);
  if (!subjects_.contains(subject)) return Error(40401, StrCat("Subject '", subject, "' not found."));
  auto it = ids_.find(std::get<std::string>(schema));
  const Version* v = it == ids_.end() ? nullptr : Find(subject, it->second);
  if (!v) return Error(40403, "Schema not found");
  return Reply(json{{"subject", subject}, {"version", v->version}, {"id", v->id}, {"schema", schemas_[v->id - 1]}});
}

http::Response RegistryServer::SchemaOfId(const std::string& id_text, bool raw) {
  int32_t id = 0;
  std::lock_guard lock(mu_);
  if (!absl::SimpleAtoi(id_text, &id) || id < 1 || id > static_cast<int32_t>(schemas_.size())) {
    return Error(40403, "Schema not found");
  }
  const std::string& text = schemas_[id - 1];
  if (raw) return {200, text, kContentType};
  return Reply(json{{"schema", text}, {"schemaType", "AVRO"}});
}

http::Response RegistryServer::SubjectVersion(const std::string& subject, const std::string& version, bool raw) {
  std::lock_guard lock(mu_);
  auto it = subjects_.find(subject);
  if (it == subjects_.end()) return Error(40401, StrCat("Subject '", subject, "' not found."));
  const Version* found = nullptr;
  int wanted = 0;
  if (version == "latest" || version == "-1") {
    found = &it->second.back();
  } else if (!absl::SimpleAtoi(version, &wanted) || wanted < 1) {
    return Error(42202, "The specified version is not a valid version id.");
  } else {
    for (const Version& v : it->second)
      if (v.version == wanted) found = &v;
  }
  if (!found) return Error(40402, "Version not found.");
  const std::string& text = schemas_[found->id - 1];
  if (raw) return {200, text, kContentType};
  return Reply(json{{"subject", subject}, {"version", found->version}, {"id", found->id}, {"schemaType", "AVRO"}, {"schema", text}});
}

http::Response RegistryServer::Subjects() {
  std::lock_guard lock(mu_);
  json names = json::array();
  for (const auto& [name, versions] : subjects_) names.push_back(name);
  return Reply(names);
}

http::Response RegistryServer::VersionsOf(const std::string& subject) {
  std::lock_guard lock(mu_);
  auto it = subjects_.find(subject);
  if (it == subjects_.end()) return Error(40401, StrCat("Subject '", subject, "' not found."));
  json versions = json::array();
  for (const Version& v : it->second) versions.push_back(v.version);
  return Reply(versions);
}

absl::Status RegistryServer::AppendLocked(const std::string& record) {
  const std::string line = record + "\n";
  if (std::fwrite(line.data(), 1, line.size(), store_) != line.size() || std::fflush(store_) != 0 ||
      fsync(fileno(store_)) != 0) {
    log::Error("registry", "cannot write the store", {{"path", store_path_}, {"error", std::strerror(errno)}});
    return absl::UnavailableError(StrCat("Error in the backend data store: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

std::vector<std::string> RegistryServer::IncompatibilitiesLocked(const std::string& subject, const std::string& schema,
                                                                 std::optional<int> only_version) const {
  const Compatibility level = LevelOfLocked(subject);
  auto versions = subjects_.find(subject);
  if (level == Compatibility::kNone || versions == subjects_.end()) return {};
  std::vector<json> earlier;
  for (const Version& v : versions->second) {
    if (!only_version || v.version == *only_version) earlier.push_back(json::parse(schemas_[v.id - 1]));
  }
  return CompatibilityProblems(level, json::parse(schema), earlier);
}

Compatibility RegistryServer::LevelOfLocked(const std::string& subject) const {
  // A subject without a level of its own has the global one.
  auto it = levels_.find(subject);
  if (it == levels_.end()) it = levels_.find("");
  return it == levels_.end() ? Compatibility::kNone : it->second;
}

http::Response RegistryServer::GetConfig(const std::string& subject) {
  std::lock_guard lock(mu_);
  return Reply(json{{"compatibilityLevel", CompatibilityName(LevelOfLocked(subject))}});
}

http::Response RegistryServer::PutConfig(const std::string& subject, const std::string& body) {
  const json request = json::parse(body, nullptr, false);
  const auto level = request.is_object() ? CompatibilityFromString(request.value("compatibility", "")) : std::nullopt;
  if (!level) {
    return Error(42203, "Invalid compatibility level. Valid values are NONE, BACKWARD, FORWARD, FULL, "
                        "BACKWARD_TRANSITIVE, FORWARD_TRANSITIVE and FULL_TRANSITIVE");
  }
  std::lock_guard lock(mu_);
  if (absl::Status st = AppendLocked(json{{"config", subject}, {"compatibilityLevel", CompatibilityName(*level)}}.dump());
      !st.ok()) {
    return Error(50001, std::string(st.message()));
  }
  levels_[subject] = *level;
  log::Info("registry", "compatibility level set",
            {{"subject", subject.empty() ? "(global)" : subject}, {"compatibility", CompatibilityName(*level)}});
  return Reply(json{{"compatibility", CompatibilityName(*level)}});
}

http::Response RegistryServer::DeleteConfig(const std::string& subject) {
  std::lock_guard lock(mu_);
  auto it = levels_.find(subject);
  if (it == levels_.end()) {
    return Error(40408, StrCat("Subject '", subject, "' does not have subject-level compatibility configured"));
  }
  if (absl::Status st = AppendLocked(json{{"config", subject}, {"deleted", true}}.dump()); !st.ok()) {
    return Error(50001, std::string(st.message()));
  }
  const Compatibility old = it->second;
  levels_.erase(it);
  return Reply(json{{"compatibilityLevel", CompatibilityName(old)}});
}

http::Response RegistryServer::TestCompatibility(const std::string& subject, const std::string& version,
                                                 const std::string& body) {
  auto schema = SchemaOfBody(body);
  if (auto* error = std::get_if<http::Response>(&schema)) return *error;
  std::lock_guard lock(mu_);
  auto it = subjects_.find(subject);
  if (it == subjects_.end()) return Error(40401, StrCat("Subject '", subject, "' not found."));
  // "latest" checks as registering would (every version under a transitive
  // level); a version number, against that version alone.
  std::optional<int> only;
  if (version != "latest" && version != "-1") {
    int wanted = 0;
    if (!absl::SimpleAtoi(version, &wanted) || wanted < 1) return Error(42202, "The specified version is not a valid version id.");
    if (std::none_of(it->second.begin(), it->second.end(), [&](const Version& v) { return v.version == wanted; })) {
      return Error(40402, "Version not found.");
    }
    only = wanted;
  }
  const std::vector<std::string> problems = IncompatibilitiesLocked(subject, std::get<std::string>(schema), only);
  return Reply(json{{"is_compatible", problems.empty()}, {"messages", problems}});
}

absl::Status RegistryServer::Start(const std::string& listen) {
  using Req = http::Request;
  server_.Route("POST", "/subjects/([^/]+)/versions", [this](const Req& r) { return RegisterVersion(r.path_groups[0], r.body); });
  server_.Route("POST", "/subjects/([^/]+)", [this](const Req& r) { return LookUp(r.path_groups[0], r.body); });
  server_.Route("GET", "/schemas/ids/([0-9]+)", [this](const Req& r) { return SchemaOfId(r.path_groups[0], false); });
  server_.Route("GET", "/schemas/ids/([0-9]+)/schema", [this](const Req& r) { return SchemaOfId(r.path_groups[0], true); });
  server_.Route("GET", "/subjects", [this](const Req&) { return Subjects(); });
  server_.Route("GET", "/subjects/([^/]+)/versions", [this](const Req& r) { return VersionsOf(r.path_groups[0]); });
  server_.Route("GET", "/subjects/([^/]+)/versions/([^/]+)",
                [this](const Req& r) { return SubjectVersion(r.path_groups[0], r.path_groups[1], false); });
  server_.Route("GET", "/subjects/([^/]+)/versions/([^/]+)/schema",
                [this](const Req& r) { return SubjectVersion(r.path_groups[0], r.path_groups[1], true); });
  server_.Route("GET", "/config", [this](const Req&) { return GetConfig(""); });
  server_.Route("GET", "/config/([^/]+)", [this](const Req& r) { return GetConfig(r.path_groups[0]); });
  server_.Route("PUT", "/config", [this](const Req& r) { return PutConfig("", r.body); });
  server_.Route("PUT", "/config/([^/]+)", [this](const Req& r) { return PutConfig(r.path_groups[0], r.body); });
  server_.Route("DELETE", "/config", [this](const Req&) { return DeleteConfig(""); });
  server_.Route("DELETE", "/config/([^/]+)", [this](const Req& r) { return DeleteConfig(r.path_groups[0]); });
  server_.Route("POST", "/compatibility/subjects/([^/]+)/versions/([^/]+)",
                [this](const Req& r) { return TestCompatibility(r.path_groups[0], r.path_groups[1], r.body); });
  return server_.Start(listen);
}

void RegistryServer::Stop() { server_.Stop(); }
int RegistryServer::port() const { return server_.port(); }

}  // namespace cdc::registry
