#pragma once
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "core/schema_registry.h"
#include "http/http.h"

namespace cdc::registry {

/// A registry's HTTP reply as the error model has it (spec/03 §1), for
/// `what` (the subject or schema id asked about): 2xx OK, 401/403
/// PermissionDenied, 404 NotFound, 409 FailedPrecondition (incompatible),
/// 5xx Unavailable (retried), any other InvalidArgument.
absl::Status RegistryReplyStatus(const http::Response& reply, std::string_view what);

/// A Confluent Schema Registry over its REST API (spec/03 §2): registers
/// schemas under subjects and resolves ids, caching both for the process.
/// A registry that cannot be reached is retried a few times (it may be
/// restarting) before Unavailable is returned.
class ConfluentRegistryClient final : public SchemaRegistry {
 public:
  explicit ConfluentRegistryClient(http::Endpoint endpoint, int attempts = 4);

  absl::StatusOr<int32_t> Register(const std::string& subject, const std::string& schema) override;
  absl::StatusOr<std::string> SchemaById(int32_t id) override;

 private:
  /// A 2xx reply, or its status; an unreachable or 5xx registry is asked
  /// again up to `attempts_` times.
  absl::StatusOr<http::Response> Send(const std::string& method, const std::string& path, const std::string& body,
                                      std::string_view what);

  const http::Endpoint endpoint_;
  const int attempts_;
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, int32_t> ids_;  // (subject, schema) -> id
  std::map<int32_t, std::string> schemas_;
};

}  // namespace cdc::registry
