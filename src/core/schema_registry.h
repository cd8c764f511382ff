#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace cdc {

/// Where Avro schemas get their ids (a Confluent-compatible Schema
/// Registry). Implementations cache: each schema costs one round trip per
/// process. Thread-safe.
class SchemaRegistry {
 public:
  virtual ~SchemaRegistry() = default;

  /// The id of `schema` under `subject`, registering it if new.
  /// FailedPrecondition when the registry refuses it as incompatible,
  /// InvalidArgument when it is not a schema, Unavailable when the registry
  /// cannot be reached; each names the subject.
  virtual absl::StatusOr<int32_t> Register(const std::string& subject, const std::string& schema) = 0;

  /// The schema with `id`. NotFound when the registry has none.
  virtual absl::StatusOr<std::string> SchemaById(int32_t id) = 0;
};

}  // namespace cdc
