#include "core/lsn.h"

#include <charconv>

#include "absl/strings/str_format.h"

namespace cdc {

std::string Lsn::ToString() const {
  return absl::StrFormat("%X/%X", static_cast<uint32_t>(value >> 32),
                         static_cast<uint32_t>(value));
}

absl::StatusOr<Lsn> Lsn::Parse(std::string_view text) {
  const auto slash = text.find('/');
  auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrFormat("invalid LSN '%s': expected X/Y in hex", text));
  };
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size()) return bad();
  uint32_t hi = 0, lo = 0;
  const char* end_hi = text.data() + slash;
  const char* end_lo = text.data() + text.size();
  auto r1 = std::from_chars(text.data(), end_hi, hi, 16);
  auto r2 = std::from_chars(end_hi + 1, end_lo, lo, 16);
  if (r1.ec != std::errc() || r1.ptr != end_hi || r2.ec != std::errc() || r2.ptr != end_lo) {
    return bad();
  }
  return Lsn{(static_cast<uint64_t>(hi) << 32) | lo};
}

}  // namespace cdc
