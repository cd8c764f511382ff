#pragma once
#include <string_view>

namespace cdc {

/// Names the calling thread, as `top -H`, `ps -L`, perf and
/// /proc/PID/task/*/comm show it, so that an operator (and bench/run) can
/// tell which of cdcpipe's threads uses the CPU. Linux keeps 15 bytes of a
/// name; the rest is cut. librdkafka names its own threads (rdk:...).
void NameThisThread(std::string_view name);

}  // namespace cdc
