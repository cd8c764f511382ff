#include "core/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"

namespace cdc::log {
namespace {

std::atomic<Level> g_level{Level::kInfo};
std::atomic<bool> g_json{true};

std::shared_ptr<spdlog::logger> Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stderr_color_mt("cdcpipe");
    l->set_pattern("%v");
    l->set_level(spdlog::level::trace);
    l->flush_on(spdlog::level::trace);
    return l;
  }();
  return logger;
}

const char* LevelName(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

}  // namespace

void Init(Level level, Format format) {
  g_level = level;
  g_json = format == Format::kJson || (format == Format::kAuto && !isatty(STDERR_FILENO));
}

bool ParseLevel(std::string_view text, Level& out) {
  if (text == "debug") out = Level::kDebug;
  else if (text == "info") out = Level::kInfo;
  else if (text == "warn" || text == "warning") out = Level::kWarn;
  else if (text == "error") out = Level::kError;
  else return false;
  return true;
}

void Write(Level level, std::string_view component, std::string_view msg,
           std::initializer_list<Field> fields) {
  if (level < g_level.load()) return;
  const std::string ts = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  std::string line;
  if (g_json) {
    nlohmann::ordered_json j;
    j["ts"] = ts;
    j["level"] = LevelName(level);
    j["component"] = component;
    j["msg"] = msg;
    for (const auto& f : fields) {
      if (f.quoted) {
        j[std::string(f.key)] = f.value;
      } else {
        j[std::string(f.key)] = nlohmann::ordered_json::parse(f.value, nullptr, false);
      }
    }
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = ts + " " + LevelName(level) + " [" + std::string(component) + "] " + std::string(msg);
    for (const auto& f : fields) line += " " + std::string(f.key) + "=" + f.value;
  }
  Logger()->info(line);
}

}  // namespace cdc::log
