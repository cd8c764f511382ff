#pragma once
#include <cstdint>
#include <map>
#include <memory>

#include "core/change_event.h"
#include "source/postgres/pg_connection.h"

namespace cdc::pg {

/// Looks up in pg_type/pg_enum what a type OID alone does not say: enum
/// labels, a domain's base type and typmod, an array's element type, the
/// name of an extension type (hstore, citext...). Built-in scalar types are
/// left alone (the serializer knows their OIDs). Not thread-safe.
class TypeResolver {
 public:
  /// Fills `type` of every column of `table` that needs it. Lookups are
  /// fresh per call (enum labels can change), cached within it.
  absl::Status Resolve(Connection& conn, SourceTable& table);

 private:
  absl::StatusOr<std::shared_ptr<const SourceType>> Lookup(Connection& conn, uint32_t oid, int depth);
  std::map<uint32_t, std::shared_ptr<const SourceType>> cache_;
};

/// True for built-in scalar types the serializer maps by OID alone.
bool IsPlainBuiltinType(uint32_t oid);

}  // namespace cdc::pg
