#pragma once
// Structured logging: one JSON object per line on stderr (ts, level,
// component, msg, then fields such as table, lsn, topic, partition, offset),
// or a human-readable line when stderr is a terminal. Thread-safe.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace cdc::log {

enum class Level { kDebug, kInfo, kWarn, kError };

struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v), quoted(true) {}
  Field(std::string_view k, const char* v) : key(k), value(v), quoted(true) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v), quoted(true) {}
  Field(std::string_view k, int64_t v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, uint64_t v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, int v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, unsigned v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, long long v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, unsigned long long v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, double v) : key(k), value(std::to_string(v)), quoted(false) {}
  std::string_view key;
  std::string value;
  bool quoted;
};

enum class Format { kAuto, kJson, kText };

/// Sets the minimum level and the format (kAuto: text on a terminal).
void Init(Level level, Format format = Format::kAuto);
/// Parses "debug|info|warn|error".
bool ParseLevel(std::string_view text, Level& out);

void Write(Level level, std::string_view component, std::string_view msg,
           std::initializer_list<Field> fields = {});

inline void Debug(std::string_view c, std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kDebug, c, m, f); }
inline void Info(std::string_view c, std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kInfo, c, m, f); }
inline void Warn(std::string_view c, std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kWarn, c, m, f); }
inline void Error(std::string_view c, std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kError, c, m, f); }

}  // namespace cdc::log
