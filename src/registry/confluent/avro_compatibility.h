#pragma once
// Avro schema compatibility as a Confluent Schema Registry checks it before
// it registers a subject's next version: whether data written with one
// schema can be read with another (the Avro specification's schema
// resolution), and the levels that say which versions must be readable by
// which (BACKWARD: the new schema reads the last one's data, ...).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace cdc::registry {

enum class Compatibility : uint8_t {
  kNone,
  kBackward,            // the new schema reads data of the latest
  kBackwardTransitive,  // ... of every earlier version
  kForward,             // the latest reads data of the new schema
  kForwardTransitive,   // every earlier version does
  kFull,                // both, with the latest
  kFullTransitive,      // both, with every earlier version
};

/// From the registry's spelling (NONE, BACKWARD, ..., FULL_TRANSITIVE).
std::optional<Compatibility> CompatibilityFromString(std::string_view level);
const char* CompatibilityName(Compatibility level);

/// Why data written with `writer` cannot be read with `reader` (parsed Avro
/// schemas), each reason naming its field path; empty when it can.
std::vector<std::string> ReadProblems(const nlohmann::json& reader, const nlohmann::json& writer);

/// Why `candidate` may not follow `earlier` (a subject's versions, oldest
/// first) under `level`; empty when it may.
std::vector<std::string> CompatibilityProblems(Compatibility level, const nlohmann::json& candidate,
                                               const std::vector<nlohmann::json>& earlier);

}  // namespace cdc::registry
