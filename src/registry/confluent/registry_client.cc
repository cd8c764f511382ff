#include "registry/confluent/registry_client.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/strings.h"

namespace cdc::registry {
namespace {

constexpr const char* kContentType = "application/vnd.schemaregistry.v1+json";

// The registry's {"error_code", "message"} body, or the raw body.
std::string ErrorText(const http::Response& r) {
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("message")) {
    return StrCat("HTTP ", r.status, ", error ", j.value("error_code", 0), ": ", j.value("message", ""));
  }
  return StrCat("HTTP ", r.status, ": ", r.body.substr(0, 200));
}

}  // namespace

ConfluentRegistryClient::ConfluentRegistryClient(http::Endpoint endpoint, int attempts)
    : endpoint_(std::move(endpoint)), attempts_(std::max(attempts, 1)) {}

absl::StatusOr<http::Response> ConfluentRegistryClient::Send(const std::string& method, const std::string& path,
                                                             const std::string& body) {
  absl::StatusOr<http::Response> r;
  for (int attempt = 0; attempt < attempts_; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(250 << attempt));
    r = http::Send(endpoint_, method, path, body, kContentType);
    // Unreachable, or a 5xx (store error, timeout, leader change): retry.
    if (r.ok() && r->status < 500) return r;
  }
  if (!r.ok()) return absl::UnavailableError(StrCat("schema registry ", endpoint_.url, ": ", r.status().message()));
  return absl::UnavailableError(StrCat("schema registry ", endpoint_.url, " ", method, " ", path, ": ", ErrorText(*r)));
}

absl::StatusOr<int32_t> ConfluentRegistryClient::Register(const std::string& subject, const std::string& schema) {
  std::lock_guard lock(mu_);
  const auto key = std::make_pair(subject, schema);
  if (auto it = ids_.find(key); it != ids_.end()) return it->second;
  const std::string body = nlohmann::json{{"schema", schema}}.dump();
  CDC_ASSIGN_OR_RETURN(http::Response r, Send("POST", StrCat("/subjects/", http::UrlEncode(subject), "/versions"), body));
  if (r.status == 409) {
    return absl::FailedPreconditionError(StrCat(
        "schema registry refused the new schema of subject '", subject, "' as incompatible with its earlier "
        "versions (", ErrorText(r), "); relax the subject's compatibility level or make the change compatible"));
  }
  if (r.status == 401 || r.status == 403) {
    return absl::PermissionDeniedError(StrCat("schema registry: subject '", subject, "': ", ErrorText(r),
                                              "; check schema_registry.user_info"));
  }
  if (r.status != 200) {
    return absl::InvalidArgumentError(StrCat("schema registry refused subject '", subject, "': ", ErrorText(r)));
  }
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("id") || !j["id"].is_number_integer()) {
    return absl::InternalError(StrCat("schema registry: subject '", subject, "': a reply without an id: ", r.body));
  }
  const int32_t id = j["id"].get<int32_t>();
  ids_[key] = id;
  schemas_.emplace(id, schema);
  return id;
}

absl::StatusOr<std::string> ConfluentRegistryClient::SchemaById(int32_t id) {
  std::lock_guard lock(mu_);
  if (auto it = schemas_.find(id); it != schemas_.end()) return it->second;
  CDC_ASSIGN_OR_RETURN(http::Response r, Send("GET", StrCat("/schemas/ids/", id), ""));
  if (r.status == 404) return absl::NotFoundError(StrCat("not in the schema registry at ", endpoint_.url));
  if (r.status != 200) return absl::InternalError(StrCat("schema registry: schema id ", id, ": ", ErrorText(r)));
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("schema") || !j["schema"].is_string()) {
    return absl::InternalError(StrCat("schema registry: schema id ", id, ": a reply without a schema: ", r.body.substr(0, 200)));
  }
  if (j.value("schemaType", "AVRO") != "AVRO") {
    return absl::InvalidArgumentError(StrCat("schema id ", id, " is a ", j.value("schemaType", ""), " schema, not Avro"));
  }
  return schemas_.emplace(id, j["schema"].get<std::string>()).first->second;
}

}  // namespace cdc::registry
