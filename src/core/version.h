#pragma once
// cdcpipe's version: `cdcpipe --version` and the build_info metric.

namespace cdc {

inline constexpr const char* kVersion = "0.1.0";

}  // namespace cdc
