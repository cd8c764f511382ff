#pragma once
// A schema registry that lives in the process, for tests and benchmarks:
// they measure or check encoding, not HTTP (a real registry is asked once
// per schema). Ids are global and given in registration order, as a
// Confluent registry gives them.
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/schema_registry.h"

namespace cdc::registry {

class InMemorySchemaRegistry final : public SchemaRegistry {
 public:
  absl::StatusOr<int32_t> Register(const std::string& subject, const std::string& schema) override {
    std::lock_guard lock(mu_);
    subjects_.insert(subject);
    for (size_t i = 0; i < schemas_.size(); ++i)
      if (schemas_[i] == schema) return static_cast<int32_t>(i + 1);
    schemas_.push_back(schema);
    return static_cast<int32_t>(schemas_.size());
  }
  absl::StatusOr<std::string> SchemaById(int32_t id) override {
    std::lock_guard lock(mu_);
    if (id < 1 || id > static_cast<int32_t>(schemas_.size())) return absl::NotFoundError("no such schema id");
    return schemas_[id - 1];
  }

  std::set<std::string> subjects() const {
    std::lock_guard lock(mu_);
    return subjects_;
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return schemas_.size();
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> schemas_;  // id - 1 -> schema
  std::set<std::string> subjects_;
};

}  // namespace cdc::registry
