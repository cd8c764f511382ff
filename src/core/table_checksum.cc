#include "core/table_checksum.h"

namespace cdc {
namespace {

// FNV-1a, then a splitmix64 finalizer so that summing row hashes does not
// let structured differences cancel out.
constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void Feed(uint64_t& h, unsigned char byte) {
  h ^= byte;
  h *= kFnvPrime;
}

}  // namespace

void AddRowToChecksum(std::span<const std::optional<std::string_view>> values, TableChecksum& acc) {
  uint64_t h = kFnvOffset;
  for (const auto& v : values) {
    if (!v) {
      Feed(h, 0xff);  // NULL differs from any text, including ""
      continue;
    }
    Feed(h, 0x01);
    for (unsigned char c : *v) Feed(h, c);
    Feed(h, 0x00);
  }
  acc.rows += 1;
  acc.sum += Mix(h);
}

}  // namespace cdc
