#pragma once
// Debian's abseil (20220623) is built with its own absl::string_view, which
// does not convert from std::string_view. These wrappers let the rest of
// the code use std::string_view with absl's string helpers.
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace cdc {

inline absl::string_view Piece(std::string_view s) { return absl::string_view(s.data(), s.size()); }
template <typename T>
const T& Piece(const T& t) {
  return t;
}

template <typename... Args>
std::string StrCat(const Args&... args) {
  return absl::StrCat(Piece(args)...);
}

template <typename... Args>
void StrAppend(std::string* out, const Args&... args) {
  absl::StrAppend(out, Piece(args)...);
}

}  // namespace cdc
