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

absl::Status RegistryReplyStatus(const http::Response& reply, std::string_view what) {
  const int s = reply.status;
  if (s >= 200 && s < 300) return absl::OkStatus();
  const std::string text = StrCat("schema registry: ", what, ": ", ErrorText(reply));
  if (s == 401 || s == 403) return absl::PermissionDeniedError(StrCat(text, "; check schema_registry.user_info"));
  if (s == 404) return absl::NotFoundError(text);
  if (s == 409) {
    return absl::FailedPreconditionError(StrCat(text, " (incompatible with the subject's earlier versions); relax "
                                                "the subject's compatibility level or make the change compatible"));
  }
  // Store errors, timeouts, a leader change: the registry may answer later.
  if (s >= 500) return absl::UnavailableError(text);
  return absl::InvalidArgumentError(text);
}

ConfluentRegistryClient::ConfluentRegistryClient(http::Endpoint endpoint, int attempts)
    : endpoint_(std::move(endpoint)), attempts_(std::max(attempts, 1)) {}

absl::StatusOr<http::Response> ConfluentRegistryClient::Send(const std::string& method, const std::string& path,
                                                             const std::string& body, std::string_view what) {
  absl::Status st;
  for (int attempt = 0; attempt < attempts_; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(250 << attempt));
    absl::StatusOr<http::Response> r = http::Send(endpoint_, method, path, body, kContentType);
    if (r.ok()) {
      st = RegistryReplyStatus(*r, what);
      if (st.ok()) return r;
    } else {
      st = absl::UnavailableError(StrCat("schema registry ", endpoint_.url, ": ", what, ": ", r.status().message()));
    }
    if (!absl::IsUnavailable(st)) return st;  // only an unreachable or failing registry is asked again
  }
  return st;
}

absl::StatusOr<int32_t> ConfluentRegistryClient::Register(const std::string& subject, const std::string& schema) {
  std::lock_guard lock(mu_);
  const auto key = std::make_pair(subject, schema);
  if (auto it = ids_.find(key); it != ids_.end()) return it->second;
  const std::string what = StrCat("subject '", subject, "'");
  CDC_ASSIGN_OR_RETURN(http::Response r, Send("POST", StrCat("/subjects/", http::UrlEncode(subject), "/versions"),
                                               nlohmann::json{{"schema", schema}}.dump(), what));
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("id") || !j["id"].is_number_integer()) {
    return absl::InternalError(StrCat("schema registry: ", what, ": a reply without an id: ", r.body.substr(0, 200)));
  }
  const int32_t id = j["id"].get<int32_t>();
  ids_[key] = id;
  schemas_.emplace(id, schema);
  return id;
}

absl::StatusOr<std::string> ConfluentRegistryClient::SchemaById(int32_t id) {
  std::lock_guard lock(mu_);
  if (auto it = schemas_.find(id); it != schemas_.end()) return it->second;
  const std::string what = StrCat("schema id ", id);
  CDC_ASSIGN_OR_RETURN(http::Response r, Send("GET", StrCat("/schemas/ids/", id), "", what));
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("schema") || !j["schema"].is_string()) {
    return absl::InternalError(StrCat("schema registry: ", what, ": a reply without a schema: ", r.body.substr(0, 200)));
  }
  if (j.value("schemaType", "AVRO") != "AVRO") {
    return absl::InvalidArgumentError(StrCat(what, " is a ", j.value("schemaType", ""), " schema, not Avro"));
  }
  return schemas_.emplace(id, j["schema"].get<std::string>()).first->second;
}

}  // namespace cdc::registry
