#include "format/avro/connect_avro.h"

#include "format/avro/avro_node.h"

#include <simdjson.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <vector>

#include "absl/strings/escaping.h"
#include "core/strings.h"
#include "core/json_writer.h"

namespace cdc::avro {

using nlohmann::json;

namespace {

using Kind = Node::Kind;

constexpr const char* kDecimalName = "org.apache.kafka.connect.data.Decimal";

absl::Status Bad(std::string_view path, std::string_view what) {
  return absl::InvalidArgumentError(StrCat(path.empty() ? "the schema" : StrCat("field '", path, "'"), ": ", what));
}

std::string Join(std::string_view path, std::string_view name) {
  return path.empty() ? std::string(name) : StrCat(path, ".", name);
}

bool ValidAvroName(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

// A JsonConverter schema, read into Nodes.

struct ConnectType {
  const char* connect;  // the type's name (Connect's, or Avro's below)
  Kind kind;
};
constexpr ConnectType kConnectTypes[] = {
    {"boolean", Kind::kBoolean}, {"int8", Kind::kInt8},       {"int16", Kind::kInt16},     {"int32", Kind::kInt32},
    {"int64", Kind::kInt64},     {"float", Kind::kFloat32},   {"double", Kind::kFloat64}, {"string", Kind::kString},
    {"bytes", Kind::kBytes},     {"array", Kind::kArray},     {"map", Kind::kMap},         {"struct", Kind::kStruct},
};

const char* ConnectTypeName(Kind kind) {
  for (const auto& t : kConnectTypes)
    if (t.kind == kind) return t.connect;
  return "string";
}

// Avro's primitive types; int8 and int16 travel as "int" (AvroData).
constexpr ConnectType kAvroPrimitives[] = {
    {"boolean", Kind::kBoolean}, {"int", Kind::kInt32},  {"long", Kind::kInt64},   {"float", Kind::kFloat32},
    {"double", Kind::kFloat64},  {"bytes", Kind::kBytes}, {"string", Kind::kString},
};

std::optional<Kind> AvroPrimitiveKind(std::string_view name) {
  for (const auto& t : kAvroPrimitives)
    if (name == t.connect) return t.kind;
  return std::nullopt;
}

const char* AvroPrimitiveName(Kind kind) {
  if (kind == Kind::kInt8 || kind == Kind::kInt16) kind = Kind::kInt32;
  for (const auto& t : kAvroPrimitives)
    if (t.kind == kind) return t.connect;
  return "string";
}

absl::StatusOr<std::shared_ptr<Node>> FromConnectJson(const json& j, const std::string& path) {
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) return Bad(path, "a Connect schema needs a \"type\"");
  auto node = std::make_shared<Node>();
  const std::string type = j["type"];
  bool known = false;
  for (const auto& t : kConnectTypes) {
    if (type == t.connect) {
      node->kind = t.kind;
      known = true;
    }
  }
  if (!known) return Bad(path, StrCat("unknown Connect type '", type, "'"));
  node->optional = j.value("optional", false);
  node->name = j.value("name", "");
  if (j.contains("version") && j["version"].is_number_integer()) node->version = j["version"].get<int>();
  if (j.contains("parameters")) node->parameters = j["parameters"];
  if (j.contains("default")) node->default_value = j["default"];
  node->doc = j.value("doc", "");
  // AvroData: an optional schema with a default puts its type first, so the
  // union's first branch can hold the default.
  node->null_first = node->default_value.is_null();
  if (node->kind == Kind::kStruct) {
    if (!j.contains("fields") || !j["fields"].is_array()) return Bad(path, "a struct needs \"fields\"");
    for (const json& f : j["fields"]) {
      const std::string name = f.value("field", "");
      const std::string field_path = Join(path, name);
      if (!ValidAvroName(name)) {
        return Bad(field_path, "Avro names allow only letters, digits and '_' (not starting with a digit); set "
                               "source.postgres.field_name_adjustment_mode to avro, use format json, or rename "
                               "the column");
      }
      CDC_ASSIGN_OR_RETURN(auto schema, FromConnectJson(f, field_path));
      node->fields.push_back({name, std::move(schema)});
    }
  } else if (node->kind == Kind::kArray) {
    if (!j.contains("items")) return Bad(path, "an array needs \"items\"");
    CDC_ASSIGN_OR_RETURN(node->items, FromConnectJson(j["items"], path));
  } else if (node->kind == Kind::kMap) {
    if (!j.contains("keys") || !j.contains("values")) return Bad(path, "a map needs \"keys\" and \"values\"");
    if (j["keys"].value("type", "") != "string") return Bad(path, "Avro maps need string keys");
    CDC_ASSIGN_OR_RETURN(node->items, FromConnectJson(j["values"], path));
  }
  return node;
}

// Nodes, written as the Avro schema AvroData registers for them.

class AvroWriter {
 public:
  json Type(const Node& n) {
    json base = Base(n);
    if (!n.optional) return base;
    return n.null_first ? json::array({"null", base}) : json::array({base, "null"});
  }

 private:
  static void ConnectProps(const Node& n, json& o) {
    if (n.kind == Kind::kInt8 || n.kind == Kind::kInt16) o["connect.type"] = ConnectTypeName(n.kind);
    if (!n.doc.empty()) o["connect.doc"] = n.doc;
    if (n.version) o["connect.version"] = *n.version;
    if (n.parameters.is_object()) o["connect.parameters"] = n.parameters;
    if (!n.default_value.is_null()) o["connect.default"] = n.default_value;
    if (!n.name.empty()) o["connect.name"] = n.name;
  }

  json Base(const Node& n) {
    if (n.kind == Kind::kStruct) {
      std::string full = n.name;
      if (full.empty()) full = StrCat("io.confluent.connect.avro.ConnectDefault", ++unnamed_ > 1 ? std::to_string(unnamed_) : "");
      if (defined_.contains(full)) return full;
      defined_.insert(full);
      const size_t dot = full.rfind('.');
      json o = json::object();
      o["type"] = "record";
      o["name"] = dot == std::string::npos ? full : full.substr(dot + 1);
      if (dot != std::string::npos) o["namespace"] = full.substr(0, dot);
      json fields = json::array();
      for (const Field& f : n.fields) {
        json field = {{"name", f.name}, {"type", Type(*f.schema)}};
        if (f.schema->optional && f.schema->null_first) field["default"] = nullptr;
        else if (!f.schema->default_value.is_null()) field["default"] = f.schema->default_value;
        fields.push_back(std::move(field));
      }
      o["fields"] = std::move(fields);
      ConnectProps(n, o);
      return o;
    }
    json o = json::object();
    if (n.kind == Kind::kArray) {
      o["type"] = "array";
      o["items"] = Type(*n.items);
    } else if (n.kind == Kind::kMap) {
      o["type"] = "map";
      o["values"] = Type(*n.items);
    } else {
      o["type"] = AvroPrimitiveName(n.kind);
    }
    if (n.name == kDecimalName) {
      // AvroData: precision from connect.decimal.precision, 64 when absent.
      int scale = 0, precision = 64;
      if (n.parameters.is_object()) {
        if (n.parameters.contains("scale")) scale = std::stoi(n.parameters["scale"].get<std::string>());
        if (n.parameters.contains("connect.decimal.precision")) {
          precision = std::stoi(n.parameters["connect.decimal.precision"].get<std::string>());
        }
      }
      o["scale"] = scale;
      o["precision"] = precision;
      o["logicalType"] = "decimal";
    }
    ConnectProps(n, o);
    if (o.size() == 1) return o["type"];  // a plain primitive is written as its name
    return o;
  }

  std::set<std::string> defined_;
  int unnamed_ = 0;
};

// A registered Avro schema, read into Nodes (Connect's facts from its connect.* properties).

class AvroReader {
 public:
  absl::StatusOr<std::shared_ptr<Node>> Read(const json& j, const std::string& ns, const std::string& path) {
    if (j.is_array()) {
      if (j.size() != 2 || (j[0] != "null" && j[1] != "null")) {
        return Bad(path, "only unions of null and one type have a Connect form");
      }
      const bool null_first = j[0] == "null";
      CDC_ASSIGN_OR_RETURN(auto inner, Read(null_first ? j[1] : j[0], ns, path));
      auto node = std::make_shared<Node>(*inner);  // a named type may be used elsewhere without the union
      node->optional = true;
      node->null_first = null_first;
      return node;
    }
    if (j.is_string()) {
      const std::string name = j;
      if (auto kind = AvroPrimitiveKind(name)) {
        auto node = std::make_shared<Node>();
        node->kind = *kind;
        return node;
      }
      const std::string full = name.find('.') == std::string::npos && !ns.empty() ? StrCat(ns, ".", name) : name;
      auto it = named_.find(full);
      if (it == named_.end()) return Bad(path, StrCat("unknown Avro type '", name, "'"));
      return std::make_shared<Node>(*it->second);
    }
    if (!j.is_object() || !j.contains("type")) return Bad(path, "not an Avro schema");
    const json& type = j["type"];
    if (!type.is_string()) return Read(type, ns, path);
    const std::string t = type;
    auto node = std::make_shared<Node>();
    std::string full;  // a record's full name, which names its fields' namespace
    if (t == "record") {
      node->kind = Kind::kStruct;
      // Avro: a dotted name is full; otherwise its namespace, or the enclosing one.
      const std::string name = j.value("name", "");
      const std::string space = name.find('.') != std::string::npos ? "" : j.value("namespace", ns);
      full = space.empty() ? name : StrCat(space, ".", name);
      const std::string inner_ns = full.substr(0, full.find('.') == std::string::npos ? 0 : full.rfind('.'));
      node->name = full;
      if (!j.contains("fields") || !j["fields"].is_array()) return Bad(path, "a record needs \"fields\"");
      for (const json& f : j["fields"]) {
        const std::string fname = f.value("name", "");
        CDC_ASSIGN_OR_RETURN(auto schema, Read(f.contains("type") ? f["type"] : json(), inner_ns, Join(path, fname)));
        if (f.contains("default") && !f["default"].is_null()) schema->default_value = f["default"];
        node->fields.push_back({fname, std::move(schema)});
      }
    } else if (t == "array") {
      node->kind = Kind::kArray;
      CDC_ASSIGN_OR_RETURN(node->items, Read(j.contains("items") ? j["items"] : json(), ns, path));
    } else if (t == "map") {
      node->kind = Kind::kMap;
      CDC_ASSIGN_OR_RETURN(node->items, Read(j.contains("values") ? j["values"] : json(), ns, path));
    } else if (auto kind = AvroPrimitiveKind(t)) {
      node->kind = *kind;
      const std::string connect_type = j.value("connect.type", "");
      if (connect_type == "int8") node->kind = Kind::kInt8;
      if (connect_type == "int16") node->kind = Kind::kInt16;
      const std::string logical = j.value("logicalType", "");
      if (logical == "decimal" && node->kind == Kind::kBytes) {
        // A decimal another writer registered without Connect properties.
        node->name = kDecimalName;
        node->version = 1;
        node->parameters = {{"scale", std::to_string(j.value("scale", 0))},
                            {"connect.decimal.precision", std::to_string(j.value("precision", 64))}};
      } else if (logical == "date" && node->kind == Kind::kInt32) {
        node->name = "org.apache.kafka.connect.data.Date";
      } else if (logical == "time-millis" && node->kind == Kind::kInt32) {
        node->name = "org.apache.kafka.connect.data.Time";
      } else if (logical == "timestamp-millis" && node->kind == Kind::kInt64) {
        node->name = "org.apache.kafka.connect.data.Timestamp";
      }
    } else {
      return Bad(path, StrCat("Avro type '", t, "' has no Connect form here"));
    }
    // Connect's own facts win over what the Avro type implies.
    if (j.contains("connect.name")) node->name = j["connect.name"];
    if (j.contains("connect.version") && j["connect.version"].is_number_integer()) node->version = j["connect.version"].get<int>();
    if (j.contains("connect.parameters")) node->parameters = j["connect.parameters"];
    if (j.contains("connect.default")) node->default_value = j["connect.default"];
    if (j.contains("connect.doc")) node->doc = j["connect.doc"];
    if (t == "record") named_[full] = node;
    return node;
  }

 private:
  std::map<std::string, std::shared_ptr<Node>> named_;
};

// Nodes, written back as a JsonConverter schema.

json ConnectJson(const Node& n) {
  json o = json::object();
  o["type"] = ConnectTypeName(n.kind);
  if (n.kind == Kind::kStruct) {
    json fields = json::array();
    for (const Field& f : n.fields) {
      json field = ConnectJson(*f.schema);
      field["field"] = f.name;
      fields.push_back(std::move(field));
    }
    o["fields"] = std::move(fields);
  } else if (n.kind == Kind::kArray) {
    o["items"] = ConnectJson(*n.items);
  } else if (n.kind == Kind::kMap) {
    o["keys"] = {{"type", "string"}, {"optional", false}};
    o["values"] = ConnectJson(*n.items);
  }
  o["optional"] = n.optional;
  if (!n.default_value.is_null()) o["default"] = n.default_value;
  if (!n.name.empty()) o["name"] = n.name;
  if (n.version) o["version"] = *n.version;
  if (!n.doc.empty()) o["doc"] = n.doc;
  if (n.parameters.is_object()) o["parameters"] = n.parameters;
  return o;
}

// JsonConverter payloads to Avro binary (spec/03 §7).

template <typename T>
void AppendLittleEndian(std::string& out, T v) {
  char buf[sizeof v];
  std::memcpy(buf, &v, sizeof v);  // x86-64 and aarch64 Linux are little-endian, as Avro
  out.append(buf, sizeof v);
}

std::string_view Spelled(simdjson::dom::element e) {
  std::string_view s;
  return e.get(s) == simdjson::SUCCESS ? s : std::string_view{};
}

}  // namespace

Field::Field(std::string field_name, std::shared_ptr<Node> field_schema)
    : name(std::move(field_name)), schema(std::move(field_schema)) {
  cdc::json::AppendKey(json_key, name);
}

std::string FieldPath::ToString() const {
  if (parent == nullptr) return std::string(name);
  return Join(parent->ToString(), name);
}

namespace {

// int8, int16 and int32 travel as Avro's int.
bool FitsIn(const Node& n, int64_t v) {
  return n.kind == Kind::kInt64 || (v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max());
}

absl::StatusOr<double> NumberOrSpecial(simdjson::dom::element e, const FieldPath& path) {
  double d;
  if (e.get(d) == simdjson::SUCCESS) return d;
  int64_t i;
  if (e.get(i) == simdjson::SUCCESS) return static_cast<double>(i);
  // JsonConverter (Jackson) writes NaN and the infinities as strings.
  const std::string_view s = Spelled(e);
  if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (s == "Infinity") return std::numeric_limits<double>::infinity();
  if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
  return Bad(path.ToString(), "expected a number");
}

}  // namespace

absl::Status EncodeValue(const Node& n, simdjson::dom::element e, std::string& out, const FieldPath& path) {
  if (e.is_null()) {
    if (!n.optional) return Bad(path.ToString(), "null in a field that is not optional");
    AppendBranch(out, n, /*null=*/true);
    return absl::OkStatus();
  }
  AppendBranch(out, n, /*null=*/false);
  switch (n.kind) {
    case Kind::kBoolean: {
      bool b;
      if (e.get(b) != simdjson::SUCCESS) return Bad(path.ToString(), "expected a boolean");
      out.push_back(b ? 1 : 0);
      return absl::OkStatus();
    }
    case Kind::kInt8:
    case Kind::kInt16:
    case Kind::kInt32:
    case Kind::kInt64: {
      int64_t v;
      if (e.get(v) != simdjson::SUCCESS) return Bad(path.ToString(), "expected an integer");
      if (!FitsIn(n, v)) return Bad(path.ToString(), StrCat(v, " does not fit an int"));
      AppendLong(out, v);
      return absl::OkStatus();
    }
    case Kind::kFloat32: {
      CDC_ASSIGN_OR_RETURN(double d, NumberOrSpecial(e, path));
      AppendLittleEndian(out, static_cast<float>(d));
      return absl::OkStatus();
    }
    case Kind::kFloat64: {
      CDC_ASSIGN_OR_RETURN(double d, NumberOrSpecial(e, path));
      AppendLittleEndian(out, d);
      return absl::OkStatus();
    }
    case Kind::kString: {
      std::string_view s;
      if (e.get(s) != simdjson::SUCCESS) return Bad(path.ToString(), "expected a string");
      AppendLengthPrefixed(out, s);
      return absl::OkStatus();
    }
    case Kind::kBytes: {
      // JsonConverter writes bytes as base64.
      std::string_view s;
      std::string raw;
      if (e.get(s) != simdjson::SUCCESS || !absl::Base64Unescape(Piece(s), &raw)) return Bad(path.ToString(), "expected base64 bytes");
      AppendLengthPrefixed(out, raw);
      return absl::OkStatus();
    }
    case Kind::kArray: {
      simdjson::dom::array items;
      if (e.get(items) != simdjson::SUCCESS) return Bad(path.ToString(), "expected an array");
      const size_t count = items.size();
      if (count > 0) {
        AppendLong(out, static_cast<int64_t>(count));
        for (simdjson::dom::element item : items) CDC_RETURN_IF_ERROR(EncodeValue(*n.items, item, out, path));
      }
      AppendLong(out, 0);
      return absl::OkStatus();
    }
    case Kind::kMap: {
      simdjson::dom::object entries;
      if (e.get(entries) != simdjson::SUCCESS) return Bad(path.ToString(), "expected an object");
      const size_t count = entries.size();
      if (count > 0) {
        AppendLong(out, static_cast<int64_t>(count));
        for (auto [key, value] : entries) {
          AppendLengthPrefixed(out, key);
          CDC_RETURN_IF_ERROR(EncodeValue(*n.items, value, out, path));
        }
      }
      AppendLong(out, 0);
      return absl::OkStatus();
    }
    case Kind::kStruct: {
      simdjson::dom::object object;
      if (e.get(object) != simdjson::SUCCESS) return Bad(path.ToString(), "expected an object");
      // Fields usually come in schema order: follow the object's own order
      // and look a field up only when it is elsewhere or missing.
      auto it = object.begin();
      for (const Field& f : n.fields) {
        const FieldPath field_path{&path, f.name};
        simdjson::dom::element value;
        if (it != object.end() && it.key() == f.name) {
          value = it.value();
          ++it;
        } else if (object.at_key(f.name).get(value) != simdjson::SUCCESS) {
          if (!f.schema->optional) return Bad(field_path.ToString(), "missing");
          AppendBranch(out, *f.schema, /*null=*/true);
          continue;
        }
        CDC_RETURN_IF_ERROR(EncodeValue(*f.schema, value, out, field_path));
      }
      return absl::OkStatus();
    }
  }
  return absl::InternalError("unhandled Avro node");
}

absl::Status EncodeJsonText(const Node& n, std::string_view text, std::string& out, simdjson::dom::parser& parser,
                            const FieldPath& path) {
  if (text == "null") {
    if (!n.optional) return Bad(path.ToString(), "null in a field that is not optional");
    AppendBranch(out, n, /*null=*/true);
    return absl::OkStatus();
  }
  const char* const end = text.data() + text.size();
  // A string without escapes: its bytes are between the quotes.
  const bool plain_string =
      text.size() >= 2 && text.front() == '"' && text.back() == '"' && text.find('\\') == std::string_view::npos;
  switch (n.kind) {
    case Kind::kBoolean:
      if (text != "true" && text != "false") break;
      AppendBranch(out, n, /*null=*/false);
      out.push_back(text[0] == 't' ? 1 : 0);
      return absl::OkStatus();
    case Kind::kInt8:
    case Kind::kInt16:
    case Kind::kInt32:
    case Kind::kInt64: {
      int64_t v;
      const auto [p, ec] = std::from_chars(text.data(), end, v);
      if (ec != std::errc() || p != end || !FitsIn(n, v)) break;  // EncodeValue names what is wrong
      AppendBranch(out, n, /*null=*/false);
      AppendLong(out, v);
      return absl::OkStatus();
    }
    case Kind::kFloat32:
    case Kind::kFloat64: {
      double d;
      const auto [p, ec] = std::from_chars(text.data(), end, d);
      if (ec != std::errc() || p != end) break;  // NaN and the infinities are strings
      AppendBranch(out, n, /*null=*/false);
      if (n.kind == Kind::kFloat32) AppendLittleEndian(out, static_cast<float>(d));
      else AppendLittleEndian(out, d);
      return absl::OkStatus();
    }
    case Kind::kString:
      if (!plain_string) break;
      AppendBranch(out, n, /*null=*/false);
      AppendLengthPrefixed(out, text.substr(1, text.size() - 2));
      return absl::OkStatus();
    case Kind::kBytes: {
      std::string raw;
      if (!plain_string || !absl::Base64Unescape(Piece(text.substr(1, text.size() - 2)), &raw)) break;
      AppendBranch(out, n, /*null=*/false);
      AppendLengthPrefixed(out, raw);
      return absl::OkStatus();
    }
    case Kind::kArray:
    case Kind::kMap:
    case Kind::kStruct:
      break;
  }
  simdjson::dom::element e;
  if (auto error = parser.parse(text.data(), text.size(), /*realloc_if_needed=*/true).get(e); error) {
    return Bad(path.ToString(), StrCat("not a JSON value: ", simdjson::error_message(error)));
  }
  return EncodeValue(n, e, out, path);
}

namespace {

// Avro binary back to JsonConverter payloads.

class Reader {
 public:
  explicit Reader(std::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}
  bool done() const { return p_ == end_; }

  absl::StatusOr<int64_t> Long() {
    uint64_t z = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return Truncated();
      const uint8_t b = static_cast<uint8_t>(*p_++);
      z |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
    }
    return absl::InvalidArgumentError("Avro datum: a varint longer than 10 bytes");
  }
  absl::StatusOr<std::string_view> Bytes(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) return Truncated();
    std::string_view s(p_, n);
    p_ += n;
    return s;
  }
  absl::StatusOr<std::string_view> LengthPrefixed() {
    CDC_ASSIGN_OR_RETURN(int64_t n, Long());
    if (n < 0) return absl::InvalidArgumentError("Avro datum: a negative length");
    return Bytes(static_cast<size_t>(n));
  }

 private:
  static absl::Status Truncated() { return absl::InvalidArgumentError("Avro datum: truncated"); }
  const char* p_;
  const char* end_;
};

template <typename T>
void AppendShortest(std::string& out, T v) {
  if (std::isnan(v)) out += "\"NaN\"";
  else if (std::isinf(v)) out += v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  else {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, end);
  }
}

absl::Status DecodeBlocks(Reader& r, const std::function<absl::Status()>& item) {
  for (;;) {
    CDC_ASSIGN_OR_RETURN(int64_t count, r.Long());
    if (count == 0) return absl::OkStatus();
    if (count < 0) {
      count = -count;
      CDC_RETURN_IF_ERROR(r.Long().status());  // the block's size in bytes, for skipping
    }
    for (int64_t i = 0; i < count; ++i) CDC_RETURN_IF_ERROR(item());
  }
}

absl::Status DecodeValue(const Node& n, Reader& r, std::string& out) {
  if (n.optional) {
    CDC_ASSIGN_OR_RETURN(int64_t branch, r.Long());
    if (branch != 0 && branch != 1) return absl::InvalidArgumentError(StrCat("Avro datum: union branch ", branch, " of 2"));
    if ((branch == 0) == n.null_first) {
      out += "null";
      return absl::OkStatus();
    }
  }
  switch (n.kind) {
    case Kind::kBoolean: {
      CDC_ASSIGN_OR_RETURN(std::string_view b, r.Bytes(1));
      out += b[0] ? "true" : "false";
      return absl::OkStatus();
    }
    case Kind::kInt8:
    case Kind::kInt16:
    case Kind::kInt32:
    case Kind::kInt64: {
      CDC_ASSIGN_OR_RETURN(int64_t v, r.Long());
      cdc::json::AppendInt(out, v);
      return absl::OkStatus();
    }
    case Kind::kFloat32: {
      CDC_ASSIGN_OR_RETURN(std::string_view b, r.Bytes(4));
      float f;
      std::memcpy(&f, b.data(), 4);
      AppendShortest(out, f);
      return absl::OkStatus();
    }
    case Kind::kFloat64: {
      CDC_ASSIGN_OR_RETURN(std::string_view b, r.Bytes(8));
      double d;
      std::memcpy(&d, b.data(), 8);
      AppendShortest(out, d);
      return absl::OkStatus();
    }
    case Kind::kString: {
      CDC_ASSIGN_OR_RETURN(std::string_view s, r.LengthPrefixed());
      cdc::json::AppendEscaped(out, s);
      return absl::OkStatus();
    }
    case Kind::kBytes: {
      CDC_ASSIGN_OR_RETURN(std::string_view s, r.LengthPrefixed());
      cdc::json::AppendEscaped(out, absl::Base64Escape(Piece(s)));
      return absl::OkStatus();
    }
    case Kind::kArray: {
      out.push_back('[');
      bool first = true;
      CDC_RETURN_IF_ERROR(DecodeBlocks(r, [&]() -> absl::Status {
        if (!first) out.push_back(',');
        first = false;
        return DecodeValue(*n.items, r, out);
      }));
      out.push_back(']');
      return absl::OkStatus();
    }
    case Kind::kMap: {
      out.push_back('{');
      bool first = true;
      CDC_RETURN_IF_ERROR(DecodeBlocks(r, [&]() -> absl::Status {
        if (!first) out.push_back(',');
        first = false;
        CDC_ASSIGN_OR_RETURN(std::string_view key, r.LengthPrefixed());
        cdc::json::AppendEscaped(out, key);
        out.push_back(':');
        return DecodeValue(*n.items, r, out);
      }));
      out.push_back('}');
      return absl::OkStatus();
    }
    case Kind::kStruct: {
      out.push_back('{');
      for (size_t i = 0; i < n.fields.size(); ++i) {
        if (i) out.push_back(',');
        out += n.fields[i].json_key;
        CDC_RETURN_IF_ERROR(DecodeValue(*n.fields[i].schema, r, out));
      }
      out.push_back('}');
      return absl::OkStatus();
    }
  }
  return absl::InternalError("unhandled Avro node");
}

}  // namespace

ConnectAvroSchema::ConnectAvroSchema(ConnectAvroSchema&&) noexcept = default;
ConnectAvroSchema& ConnectAvroSchema::operator=(ConnectAvroSchema&&) noexcept = default;
ConnectAvroSchema::~ConnectAvroSchema() = default;

absl::StatusOr<ConnectAvroSchema> ConnectAvroSchema::FromConnect(std::string_view connect_schema_json) {
  const json j = json::parse(connect_schema_json, nullptr, false);
  if (j.is_discarded()) return absl::InvalidArgumentError("a Connect schema that is not JSON");
  ConnectAvroSchema s;
  CDC_ASSIGN_OR_RETURN(auto root, FromConnectJson(j, ""));
  if (root->kind == Kind::kStruct && !root->name.empty()) {
    // Record names become Avro names too: each dotted part must be one.
    std::string_view name = root->name;
    for (size_t start = 0; start <= name.size();) {
      const size_t dot = std::min(name.find('.', start), name.size());
      if (!ValidAvroName(name.substr(start, dot - start))) {
        return absl::InvalidArgumentError(StrCat("schema name '", name, "': each dotted part must be an Avro name "
                                                 "(letters, digits, '_'); set source.postgres.schema_name_adjustment_mode "
                                                 "to avro, or use format json"));
      }
      start = dot + 1;
    }
  }
  s.avro_json_ = AvroWriter().Type(*root).dump();
  s.connect_json_ = std::string(connect_schema_json);
  s.root_ = std::move(root);
  return s;
}

absl::StatusOr<ConnectAvroSchema> ConnectAvroSchema::FromAvro(std::string_view avro_schema_json) {
  const json j = json::parse(avro_schema_json, nullptr, false);
  if (j.is_discarded()) return absl::InvalidArgumentError("an Avro schema that is not JSON");
  ConnectAvroSchema s;
  CDC_ASSIGN_OR_RETURN(auto root, AvroReader().Read(j, "", ""));
  s.avro_json_ = std::string(avro_schema_json);
  s.connect_json_ = ConnectJson(*root).dump();
  s.root_ = std::move(root);
  return s;
}

absl::Status ConnectAvroSchema::Encode(const simdjson::dom::element& payload, std::string& out) const {
  return EncodeValue(*root_, payload, out, FieldPath{});
}

absl::Status ConnectAvroSchema::Decode(std::string_view bytes, std::string& out) const {
  Reader r(bytes);
  CDC_RETURN_IF_ERROR(DecodeValue(*root_, r, out));
  if (!r.done()) return absl::InvalidArgumentError("Avro datum: bytes left after the value");
  return absl::OkStatus();
}

void AppendFrameHeader(std::string& out, int32_t schema_id) {
  const auto id = static_cast<uint32_t>(schema_id);
  const char header[kFrameHeaderSize] = {0, static_cast<char>(id >> 24), static_cast<char>(id >> 16),
                                         static_cast<char>(id >> 8), static_cast<char>(id)};
  out.append(header, kFrameHeaderSize);
}

absl::StatusOr<int32_t> FrameSchemaId(std::string_view message) {
  if (message.size() < kFrameHeaderSize) {
    return absl::InvalidArgumentError(StrCat("an Avro message of ", message.size(), " bytes, shorter than its 5-byte header"));
  }
  if (message[0] != 0) {
    return absl::InvalidArgumentError(StrCat("magic byte ", static_cast<int>(static_cast<uint8_t>(message[0])),
                                             ", not 0: not Confluent-framed Avro"));
  }
  uint32_t id = 0;
  for (size_t i = 1; i < kFrameHeaderSize; ++i) id = (id << 8) | static_cast<uint8_t>(message[i]);
  return static_cast<int32_t>(id);
}

}  // namespace cdc::avro
