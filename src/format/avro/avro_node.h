#pragma once
// Internal to format/avro: a Connect schema compiled for Avro (built by
// connect_avro.cc) and the encoding steps its writers share.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace simdjson::dom {
class element;
class parser;
}  // namespace simdjson::dom

namespace cdc::avro {

struct Field;

/// A schema node: an Avro type with the Connect facts that Avro alone does
/// not keep (connect.name, connect.type, parameters, ...).
struct Node {
  enum class Kind : uint8_t { kBoolean, kInt8, kInt16, kInt32, kInt64, kFloat32, kFloat64, kString, kBytes, kArray, kMap, kStruct };
  Kind kind = Kind::kString;
  bool optional = false;
  bool null_first = true;  // the Avro union's order: ["null",T] or [T,"null"]
  // Connect facts Avro keeps only as properties.
  std::string name;
  std::optional<int> version;
  nlohmann::json parameters;     // object, or null
  nlohmann::json default_value;  // null when there is none (Connect cannot tell a null default from none either)
  std::string doc;
  std::vector<Field> fields;    // struct
  std::shared_ptr<Node> items;  // array items, map values
};

struct Field {
  Field(std::string field_name, std::shared_ptr<Node> field_schema);
  std::string name;
  std::shared_ptr<Node> schema;
  std::string json_key;  // "name": escaped once, for decoding to JSON
};

/// Where a value is, for errors only: built into text when one is reported
/// (a string per field per message would cost more than encoding it).
struct FieldPath {
  const FieldPath* parent = nullptr;
  std::string_view name;
  std::string ToString() const;
};

/// Avro's long: zigzag varint (inline: several per column on the hot path).
inline void AppendLong(std::string& out, int64_t v) {
  uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  char buf[10];
  size_t n = 0;
  while (z >= 0x80) {
    buf[n++] = static_cast<char>((z & 0x7f) | 0x80);
    z >>= 7;
  }
  buf[n++] = static_cast<char>(z);
  out.append(buf, n);
}

inline void AppendLengthPrefixed(std::string& out, std::string_view s) {
  AppendLong(out, static_cast<int64_t>(s.size()));
  out.append(s);
}

/// The union branch of an optional node for a null or a present value
/// (nothing for a node that is not optional).
inline void AppendBranch(std::string& out, const Node& n, bool null) {
  if (n.optional) out.push_back(n.null_first == null ? 0 : 2);  // zigzag 0 and 1
}

/// Appends the Avro binary of the JsonConverter value `e` of node `n`.
/// InvalidArgument naming `path` when the value does not fit.
absl::Status EncodeValue(const Node& n, simdjson::dom::element e, std::string& out, const FieldPath& path);

/// EncodeValue from the JSON text of one value, as format/debezium_json
/// writes it: numbers, booleans, plain strings and base64 bytes directly,
/// anything else parsed with `parser` first.
absl::Status EncodeJsonText(const Node& n, std::string_view text, std::string& out, simdjson::dom::parser& parser,
                            const FieldPath& path);

}  // namespace cdc::avro
