#pragma once
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace cdc {

/// A PostgreSQL WAL position (XLogRecPtr). Printed as "X/Y": the upper and
/// lower 32 bits in hex, as PostgreSQL does.
struct Lsn {
  uint64_t value = 0;

  auto operator<=>(const Lsn&) const = default;
  std::string ToString() const;
  /// Parses "X/Y"; InvalidArgument naming the text when malformed.
  static absl::StatusOr<Lsn> Parse(std::string_view text);
};

/// The order of change events: (commit LSN of the transaction, LSN of the
/// change). Snapshot rows carry (snapshot LSN, 0). A warehouse row is only
/// ever replaced by a change with a greater version (ARCHITECTURE.md,
/// "Delivery contract" 4).
struct Version {
  Lsn commit_lsn;
  Lsn change_lsn;
  auto operator<=>(const Version&) const = default;
};

}  // namespace cdc
