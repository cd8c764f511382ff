#include "core/strings.h"
#include "source/postgres/type_resolver.h"

#include "absl/strings/str_cat.h"

namespace cdc::pg {

bool IsPlainBuiltinType(uint32_t oid) {
  // Below FirstGenbkiObjectId and not an array: pgoutput sends no Type
  // message for these, and their meaning is fixed.
  switch (oid) {
    case 16: case 17: case 18: case 19: case 20: case 21: case 23: case 25: case 26: case 114: case 142:
    case 600: case 650: case 700: case 701: case 774: case 790: case 829: case 869: case 1042: case 1043:
    case 1082: case 1083: case 1114: case 1184: case 1186: case 1266: case 1560: case 1562: case 1700:
    case 2950: case 3614: case 3802: case 3904: case 3906: case 3908: case 3910: case 3912: case 3926:
      return true;
    default:
      return false;
  }
}

absl::StatusOr<std::shared_ptr<const SourceType>> TypeResolver::Lookup(Connection& conn, uint32_t oid, int depth) {
  if (auto it = cache_.find(oid); it != cache_.end()) return it->second;
  const std::string ctx = StrCat("type OID ", oid);
  if (depth > 8) return absl::FailedPreconditionError(StrCat(ctx, ": domain or array nesting too deep"));
  CDC_ASSIGN_OR_RETURN(Result r, conn.Exec(StrCat(
      "SELECT t.typname, t.typtype, t.typbasetype, t.typtypmod, t.typelem, t.typcategory "
      "FROM pg_type t WHERE t.oid = ", oid), ctx));
  if (PQntuples(r.get()) == 0) return absl::FailedPreconditionError(StrCat(ctx, " is not in pg_type"));
  const char kind = PQgetvalue(r.get(), 0, 1)[0];
  const uint32_t base = static_cast<uint32_t>(std::stoul(PQgetvalue(r.get(), 0, 2)));
  const int32_t typmod = std::stoi(PQgetvalue(r.get(), 0, 3));
  const uint32_t elem = static_cast<uint32_t>(std::stoul(PQgetvalue(r.get(), 0, 4)));
  const char category = PQgetvalue(r.get(), 0, 5)[0];
  auto type = std::make_shared<SourceType>();
  if (kind == 'd') {
    // A domain maps as its base type; its typmod applies to its columns
    // (Debezium inherits length/scale one level deep).
    CDC_ASSIGN_OR_RETURN(auto resolved, Lookup(conn, base, depth + 1));
    *type = *resolved;
    if (type->modifier < 0) type->modifier = typmod;
  } else {
    type->oid = oid;
    type->name = PQgetvalue(r.get(), 0, 0);
    type->kind = kind;
    if (category == 'A' && elem != 0) {
      CDC_ASSIGN_OR_RETURN(type->element, Lookup(conn, elem, depth + 1));
    }
    if (kind == 'e') {
      CDC_ASSIGN_OR_RETURN(Result labels, conn.Exec(StrCat(
          "SELECT enumlabel FROM pg_enum WHERE enumtypid = ", oid, " ORDER BY enumsortorder"), ctx));
      for (int i = 0; i < PQntuples(labels.get()); ++i) type->enum_labels.emplace_back(PQgetvalue(labels.get(), i, 0));
    }
  }
  cache_[oid] = type;
  return std::shared_ptr<const SourceType>(type);
}

absl::Status TypeResolver::Resolve(Connection& conn, SourceTable& table) {
  cache_.clear();
  for (SourceColumn& c : table.columns) {
    if (IsPlainBuiltinType(c.type_oid)) continue;
    auto type = Lookup(conn, c.type_oid, 0);
    if (!type.ok()) {
      return absl::Status(type.status().code(), StrCat("table ", table.id.ToString(), " column ", c.name, ": ",
                                                       type.status().message()));
    }
    c.type = *type;
  }
  return absl::OkStatus();
}

}  // namespace cdc::pg
