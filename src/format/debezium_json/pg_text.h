#pragma once
// PostgreSQL's text output forms, read into their parts: dates and times
// (DateStyle ISO), intervals (IntervalStyle postgres or iso_8601), money,
// one-dimensional arrays, hstore and bytea (hex). pgoutput sends every column
// in its text form; type_mapping writes the parts as Debezium encodes them.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace cdc::debezium {

/// InvalidArgument "cannot parse <what> from '<text>'", the text cut at 64
/// bytes (a value can be megabytes long).
absl::Status CannotParse(std::string_view what, std::string_view text);

/// Strips the " BC" era suffix; true when it was there. Years BC then count
/// as astronomical years (1 BC = year 0), as java.time counts them.
bool StripBc(std::string_view& text);

/// Proleptic Gregorian days since 1970-01-01 and back. A day past the
/// month's end counts on into the next month, as absl::CivilDay normalizes it.
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day);

struct YearMonthDay {
  int64_t year;
  int month, day;
};
YearMonthDay CivilFromDays(int64_t days);

// The readers of one part of a value start at `pos` and advance it past the
// part; false when the text there is not one (`pos` is then unspecified).
// The hot path of the snapshot reads a timestamptz in every row: they
// return no Status and build no string.

/// "YYYY-MM-DD" (years may have more than 4 digits) -> days since
/// 1970-01-01; `bc` when StripBc found the era suffix.
bool ParseDate(std::string_view s, size_t& pos, int64_t& days, bool bc = false);

/// "HH:MM:SS[.ffffff]" -> µs since midnight (24:00:00 allowed, as
/// PostgreSQL allows it). Digits past the sixth are dropped.
bool ParseTime(std::string_view s, size_t& pos, int64_t& micros);

/// "+HH[:MM[:SS]]" -> seconds east of UTC.
bool ParseOffset(std::string_view s, size_t& pos, int64_t& seconds);

/// An interval in pgjdbc PGInterval's fields (Debezium reads intervals
/// through pgjdbc, so its encodings start from these).
struct IntervalFields {
  int64_t years = 0, months = 0, days = 0, hours = 0, minutes = 0;
  std::string seconds = "0";  // decimal text, signed
};
absl::StatusOr<IntervalFields> ParseInterval(std::string_view text);

/// Money output (lc_monetary C or en_US: "-$1,234.56") -> plain decimal text.
absl::StatusOr<std::string> MoneyDecimal(std::string_view text);

/// Array output -> its elements (nullopt for NULL), appended to `out`.
/// Multidimensional arrays are refused with an error that says so.
absl::Status ParseArray(std::string_view text, std::vector<std::optional<std::string>>& out);

/// hstore output ("a"=>"1", "b"=>NULL) -> pairs in output order, appended.
absl::Status ParseHstore(std::string_view text, std::vector<std::pair<std::string, std::optional<std::string>>>& out);

/// bytea output in hex format ("\x0a1b") -> the bytes.
absl::StatusOr<std::string> ByteaBytes(std::string_view text);

}  // namespace cdc::debezium
