#include "registry/confluent/avro_compatibility.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "core/strings.h"

namespace cdc::registry {
namespace {

using nlohmann::json;

constexpr std::pair<Compatibility, const char*> kNames[] = {
    {Compatibility::kNone, "NONE"},
    {Compatibility::kBackward, "BACKWARD"},
    {Compatibility::kBackwardTransitive, "BACKWARD_TRANSITIVE"},
    {Compatibility::kForward, "FORWARD"},
    {Compatibility::kForwardTransitive, "FORWARD_TRANSITIVE"},
    {Compatibility::kFull, "FULL"},
    {Compatibility::kFullTransitive, "FULL_TRANSITIVE"},
};

constexpr const char* kPrimitives[] = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"};

bool IsPrimitive(std::string_view type) {
  return std::find(std::begin(kPrimitives), std::end(kPrimitives), type) != std::end(kPrimitives);
}

// The named types (records, enums, fixed) of one schema by full name, so
// that a later reference by name finds its definition.
class NamedTypes {
 public:
  explicit NamedTypes(const json& schema) { Collect(schema, ""); }

  // The definition `schema` stands for: itself, or the named type it names
  // (looked up in `ns`, the namespace it appears in, then as a full name).
  const json& Resolve(const json& schema, std::string* ns) const {
    if (!schema.is_string() || IsPrimitive(schema.get<std::string>())) return schema;
    const std::string name = schema.get<std::string>();
    for (const std::string& full : {ns->empty() || name.find('.') != std::string::npos ? name : *ns + "." + name, name}) {
      if (auto it = types_.find(full); it != types_.end()) {
        *ns = it->second.second;
        return *it->second.first;
      }
    }
    return schema;  // unknown: compared by name below
  }

  // The namespace a named type's members are in.
  static std::string Namespace(const json& named, const std::string& enclosing) {
    const std::string name = named.value("name", "");
    if (const size_t dot = name.rfind('.'); dot != std::string::npos) return name.substr(0, dot);
    if (named.contains("namespace") && named["namespace"].is_string()) return named["namespace"].get<std::string>();
    return enclosing;
  }

 private:
  void Collect(const json& s, const std::string& ns) {
    if (s.is_array()) {
      for (const json& branch : s) Collect(branch, ns);
      return;
    }
    if (!s.is_object()) return;
    const std::string type = s.value("type", "");
    if (type == "record" || type == "error" || type == "enum" || type == "fixed") {
      const std::string inner = Namespace(s, ns);
      const std::string name = s.value("name", "");
      const std::string full = name.find('.') != std::string::npos || inner.empty() ? name : inner + "." + name;
      types_[full] = {&s, inner};
      if (s.contains("fields") && s["fields"].is_array()) {
        for (const json& f : s["fields"]) {
          if (f.contains("type")) Collect(f["type"], inner);
        }
      }
      return;
    }
    if (type == "array" && s.contains("items")) Collect(s["items"], ns);
    if (type == "map" && s.contains("values")) Collect(s["values"], ns);
    if (s.contains("type") && (s["type"].is_object() || s["type"].is_array())) Collect(s["type"], ns);
  }

  std::map<std::string, std::pair<const json*, std::string>> types_;
};

// "int", "record Value", ... for messages.
std::string Describe(const json& s) {
  if (s.is_string()) return s.get<std::string>();
  if (s.is_array()) return "union";
  const std::string type = s.value("type", "?");
  if (s.contains("name")) return StrCat(type, " ", s.value("name", ""));
  return type;
}

std::string UnqualifiedName(const json& named) {
  const std::string name = named.is_object() ? named.value("name", "") : "";
  const size_t dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

// A type's kind: a primitive's name, or record/enum/array/map/fixed.
std::string Kind(const json& s) {
  if (s.is_string()) return s.get<std::string>();
  if (s.is_object() && s.contains("type")) {
    if (s["type"].is_string()) return s["type"].get<std::string>() == "error" ? "record" : s["type"].get<std::string>();
    return Kind(s["type"]);  // {"type": {...}}: the inner type
  }
  return "";
}

// Avro's promotions: the writer's type on the right, what reads it on the left.
bool Promotes(std::string_view reader, std::string_view writer) {
  if (reader == writer) return true;
  if (writer == "int") return reader == "long" || reader == "float" || reader == "double";
  if (writer == "long") return reader == "float" || reader == "double";
  if (writer == "float") return reader == "double";
  if (writer == "string") return reader == "bytes";
  if (writer == "bytes") return reader == "string";
  return false;
}

class Checker {
 public:
  Checker(const json& reader, const json& writer) : reader_types_(reader), writer_types_(writer) {}

  void Check(const json& reader_in, std::string reader_ns, const json& writer_in, std::string writer_ns,
             const std::string& path) {
    const json& r = Unwrap(reader_types_.Resolve(reader_in, &reader_ns));
    const json& w = Unwrap(writer_types_.Resolve(writer_in, &writer_ns));
    const std::string at = path.empty() ? "the schema" : StrCat("'", path, "'");
    if (w.is_array()) {
      // Each branch the writer may have written must be readable.
      for (const json& branch : w) Check(r, reader_ns, branch, writer_ns, path);
      return;
    }
    if (r.is_array()) {
      // Some branch must read it; when none does, the branch of the same
      // kind (the record of the same name, ...) says why.
      std::vector<std::string> closest;
      for (const json& branch : r) {
        // The branch's problems, apart from those found before it.
        std::vector<std::string> found;
        found.swap(problems_);
        Check(branch, reader_ns, w, writer_ns, path);
        found.swap(problems_);
        if (found.empty()) return;
        std::string branch_ns = reader_ns;
        const json& resolved = Unwrap(reader_types_.Resolve(branch, &branch_ns));
        if (closest.empty() && Kind(resolved) == Kind(w) && UnqualifiedName(resolved) == UnqualifiedName(w)) {
          closest = std::move(found);
        }
      }
      if (closest.empty()) {
        problems_.push_back(StrCat(at, ": the reader's union has no branch that reads the writer's ", Describe(w)));
      }
      problems_.insert(problems_.end(), closest.begin(), closest.end());
      return;
    }
    const std::string rk = Kind(r), wk = Kind(w);
    if (IsPrimitive(rk) || IsPrimitive(wk)) {
      if (!Promotes(rk, wk)) problems_.push_back(StrCat(at, ": the reader's ", rk, " cannot read the writer's ", wk));
      return;
    }
    if (rk != wk) {
      problems_.push_back(StrCat(at, ": the reader's ", Describe(r), " cannot read the writer's ", Describe(w)));
      return;
    }
    if (rk == "record" || rk == "enum" || rk == "fixed") {
      if (UnqualifiedName(r) != UnqualifiedName(w)) {
        problems_.push_back(StrCat(at, ": the reader's ", Describe(r), " is not the writer's ", Describe(w)));
        return;
      }
    }
    if (rk == "record") {
      // A recursive type refers to itself: a pair being checked is not
      // checked again inside itself.
      if (!in_progress_.insert({&r, &w}).second) return;
      const std::string rn = NamedTypes::Namespace(r, reader_ns), wn = NamedTypes::Namespace(w, writer_ns);
      for (const json& rf : Member(r, "fields")) {
        const std::string name = rf.value("name", "");
        const json& aliases = Member(rf, "aliases");
        const json* match = nullptr;
        for (const json& wf : Member(w, "fields")) {
          const std::string wname = wf.value("name", "");
          if (wname == name || std::find(aliases.begin(), aliases.end(), wname) != aliases.end()) match = &wf;
        }
        const std::string field_path = path.empty() ? name : StrCat(path, ".", name);
        if (match) {
          Check(rf["type"], rn, (*match)["type"], wn, field_path);
        } else if (!rf.contains("default")) {
          problems_.push_back(StrCat("'", field_path, "': a field the writer lacks, without a default"));
        }
      }
      in_progress_.erase({&r, &w});
    } else if (rk == "enum") {
      if (r.contains("default")) return;
      const json& symbols = Member(r, "symbols");
      for (const json& s : Member(w, "symbols")) {
        if (std::find(symbols.begin(), symbols.end(), s) == symbols.end()) {
          problems_.push_back(StrCat(at, ": the writer's symbol ", s.dump(), " is not the reader's"));
        }
      }
    } else if (rk == "fixed") {
      if (r.value("size", -1) != w.value("size", -1)) problems_.push_back(StrCat(at, ": fixed sizes differ"));
    } else if (rk == "array") {
      Check(r["items"], reader_ns, w["items"], writer_ns, StrCat(path, "[]"));
    } else if (rk == "map") {
      Check(r["values"], reader_ns, w["values"], writer_ns, StrCat(path, "{}"));
    }
  }

  std::vector<std::string> problems_;

 private:
  // An object's array member, or an empty array: never a copy, since
  // fields found in it are pointed to.
  static const json& Member(const json& object, const char* key) {
    static const json kNone = json::array();
    auto it = object.find(key);
    return it != object.end() && it->is_array() ? *it : kNone;
  }

  // {"type": {...}} and {"type": "long", "logicalType": ...} read as their type.
  static const json& Unwrap(const json& s) {
    if (s.is_object() && s.contains("type") && !s["type"].is_string()) return s["type"];
    return s;
  }

  NamedTypes reader_types_, writer_types_;
  std::set<std::pair<const json*, const json*>> in_progress_;
};

}  // namespace

std::optional<Compatibility> CompatibilityFromString(std::string_view level) {
  for (const auto& [value, name] : kNames)
    if (level == name) return value;
  return std::nullopt;
}

const char* CompatibilityName(Compatibility level) {
  for (const auto& [value, name] : kNames)
    if (level == value) return name;
  return "NONE";
}

std::vector<std::string> ReadProblems(const json& reader, const json& writer) {
  Checker checker(reader, writer);
  checker.Check(reader, "", writer, "", "");
  return checker.problems_;
}

std::vector<std::string> CompatibilityProblems(Compatibility level, const json& candidate,
                                               const std::vector<json>& earlier) {
  if (level == Compatibility::kNone || earlier.empty()) return {};
  const bool transitive = level == Compatibility::kBackwardTransitive || level == Compatibility::kForwardTransitive ||
                          level == Compatibility::kFullTransitive;
  const bool backward = level != Compatibility::kForward && level != Compatibility::kForwardTransitive;
  const bool forward = level != Compatibility::kBackward && level != Compatibility::kBackwardTransitive;
  std::vector<std::string> problems;
  const size_t first = transitive ? 0 : earlier.size() - 1;
  for (size_t i = first; i < earlier.size(); ++i) {
    const std::string which = StrCat("version ", i + 1, " of ", earlier.size());
    if (backward) {
      for (std::string& p : ReadProblems(candidate, earlier[i])) problems.push_back(StrCat("reading ", which, ": ", p));
    }
    if (forward) {
      for (std::string& p : ReadProblems(earlier[i], candidate)) problems.push_back(StrCat(which, " reading it: ", p));
    }
  }
  return problems;
}

}  // namespace cdc::registry
