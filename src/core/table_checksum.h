#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/change_event.h"
#include "core/status.h"

namespace cdc {

/// How a column is rendered before hashing, so that PostgreSQL and the
/// warehouse produce identical text for equal values.
enum class CanonicalForm : uint8_t {
  kText,         // the type's plain text output (integers, text, decimals)
  kBoolean,      // "true" / "false"
  kEpochMicros,  // timestamps: µs since the epoch (the instant for timestamptz)
  kIsoDate,      // YYYY-MM-DD
  kFloat,        // shortest round-trip text; NaN, Infinity, -Infinity
  kTrimmedNumeric,  // unconstrained numeric: no trailing fraction zeros
  kTimeTzUtc,    // timetz at UTC: HH:MM:SS[.f]+00
  kHex,          // bytes as lowercase hex
  kBit1,         // bit(1) as "true" / "false"
  kPaddedChar,   // char(n) with its padding
  kMoney,        // money as a plain decimal
  kJsonArray,    // arrays of integers, text, booleans, uuids as JSON text
  kNotCompared,  // (keep last: the HTTP route checks the range) no exact common form (Debezium's encoding loses information): left out, and said so
};

struct ChecksumColumn {
  std::string name;
  CanonicalForm form = CanonicalForm::kText;
};

/// Row count plus an order-independent checksum: the wrapping sum of a
/// 64-bit hash of each row's canonical values.
struct TableChecksum {
  uint64_t rows = 0;
  uint64_t sum = 0;
  bool operator==(const TableChecksum&) const = default;
};

/// Adds one row (canonical values, nullopt for NULL) to `acc`.
void AddRowToChecksum(std::span<const std::optional<std::string_view>> values, TableChecksum& acc);

/// One side of `verify`: computes checksums of a table it holds.
class TableChecksummer {
 public:
  virtual ~TableChecksummer() = default;

  /// The table's columns with the canonical form of each, or nullopt when
  /// the table does not exist. Unavailable when the store cannot be reached.
  virtual absl::StatusOr<std::optional<std::vector<ChecksumColumn>>> Columns(const TableId& table) = 0;

  /// Count and checksum over `columns` of the live rows of `table`.
  virtual absl::StatusOr<TableChecksum> Checksum(const TableId& table,
                                                  std::span<const ChecksumColumn> columns) = 0;

  /// For a table kept as a change log (append mode: a row per event, as for
  /// keyless tables), the number of events per op letter; nullopt for a
  /// table that holds current state (every source table). Unavailable when
  /// the store cannot be reached.
  virtual absl::StatusOr<std::optional<std::map<char, uint64_t>>> ChangeLog(const TableId& table) {
    (void)table;
    return std::nullopt;
  }

  /// Why load paused the table (its events go to the dead-letter topic),
  /// or nullopt when it is not paused.
  virtual absl::StatusOr<std::optional<std::string>> PausedReason(const TableId& table) {
    (void)table;
    return std::nullopt;
  }
};

}  // namespace cdc
