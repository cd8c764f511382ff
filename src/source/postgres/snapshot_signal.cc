#include "source/postgres/snapshot_signal.h"

#include <algorithm>
#include <regex>

#include "absl/strings/numbers.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "core/strings.h"
#include "nlohmann/json.hpp"

namespace cdc::pg {

std::optional<std::string_view> SignalTypeOfMessage(std::string_view prefix) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {kExecuteSnapshotPrefix, "execute-snapshot"},
      {kStopSnapshotPrefix, "stop-snapshot"},
      {kPauseSnapshotPrefix, "pause-snapshot"},
      {kResumeSnapshotPrefix, "resume-snapshot"},
  };
  for (const auto& [message_prefix, type] : kTypes) {
    if (prefix == message_prefix) return type;
  }
  return std::nullopt;
}

namespace {

// What the snapshot signals share: Debezium's data-collections and type,
// and cdcpipe's slot. `signal` names the signal in errors.
struct SignalData {
  std::vector<std::string> data_collections;
  std::optional<std::string> slot;
  std::string type;  // "" when left out
};

absl::StatusOr<SignalData> ParseSignalData(std::string_view data, std::string_view signal, bool collections_required) {
  auto invalid = [&](std::string_view why) { return absl::InvalidArgumentError(StrCat(signal, " signal: ", why)); };
  const nlohmann::json doc = nlohmann::json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return invalid("data is not a JSON object");
  for (const auto& [key, value] : doc.items()) {
    if (key == "type") {
      if (!value.is_string() || (value != "blocking" && value != "incremental")) {
        return invalid(StrCat("type ", value.dump(), " is not \"blocking\" or \"incremental\""));
      }
    } else if (key == "slot") {
      if (!value.is_string()) return invalid("slot must be a string");
    } else if (key != "data-collections") {
      return invalid(StrCat("\"", key, "\" is not supported (only \"data-collections\", \"type\" and \"slot\")"));
    }
  }
  SignalData out;
  if (const auto slot = doc.find("slot"); slot != doc.end()) out.slot = slot->get<std::string>();
  out.type = doc.value("type", "");
  const auto names = doc.find("data-collections");
  if (names == doc.end() || names->is_null()) {
    if (collections_required) return invalid("\"data-collections\" must be a non-empty array");
    return out;
  }
  if (!names->is_array() || (names->empty() && collections_required)) {
    return invalid(StrCat("\"data-collections\" must be a", collections_required ? " non-empty" : "n", " array"));
  }
  for (const nlohmann::json& pattern : *names) {
    if (!pattern.is_string() || pattern.get<std::string>().empty()) {
      return invalid(StrCat("data collection ", pattern.dump(), " is not a table name or regular expression"));
    }
    const std::string text = pattern.get<std::string>();
    try {
      std::regex check(text);
    } catch (const std::regex_error& e) {
      return invalid(StrCat("data collection \"", text, "\" is not a valid regular expression: ", e.what()));
    }
    if (std::find(out.data_collections.begin(), out.data_collections.end(), text) == out.data_collections.end()) {
      out.data_collections.push_back(text);
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<ExecuteSnapshotRequest> ParseExecuteSnapshotSignal(std::string_view data) {
  CDC_ASSIGN_OR_RETURN(SignalData signal, ParseSignalData(data, "execute-snapshot", true));
  return ExecuteSnapshotRequest{std::move(signal.data_collections), std::move(signal.slot), signal.type == "blocking"};
}

absl::StatusOr<StopSnapshotRequest> ParseStopSnapshotSignal(std::string_view data) {
  CDC_ASSIGN_OR_RETURN(SignalData signal, ParseSignalData(data, "stop-snapshot", false));
  if (signal.type == "blocking") {
    return absl::InvalidArgumentError("stop-snapshot signal: only incremental snapshots can be stopped (a blocking "
                                      "one holds the stream until it ends)");
  }
  return StopSnapshotRequest{std::move(signal.data_collections), std::move(signal.slot)};
}

absl::StatusOr<std::optional<std::string>> ParseSnapshotControlSignal(std::string_view data, std::string_view signal) {
  if (data.find_first_not_of(" \t\r\n") == std::string_view::npos) return std::nullopt;
  CDC_ASSIGN_OR_RETURN(SignalData parsed, ParseSignalData(data, signal, false));
  if (!parsed.data_collections.empty()) {
    return absl::InvalidArgumentError(StrCat(signal, " signal: it acts on the whole incremental snapshot; "
                                             "\"data-collections\" is not supported"));
  }
  if (parsed.type == "blocking") {
    return absl::InvalidArgumentError(StrCat(signal, " signal: only incremental snapshots can be paused and resumed"));
  }
  return parsed.slot;
}

absl::StatusOr<std::string> ParseLogSignal(std::string_view data, std::string_view position) {
  const nlohmann::json doc = nlohmann::json::parse(data, nullptr, /*allow_exceptions=*/false);
  const auto message = doc.is_object() ? doc.find("message") : doc.end();
  if (!doc.is_object() || message == doc.end() || !message->is_string()) {
    return absl::InvalidArgumentError("log signal: data must be a JSON object with a string \"message\"");
  }
  const absl::string_view at(position.data(), position.size());
  return absl::StrReplaceAll(message->get<std::string>(), {{"{}", at}});
}

std::string SnapshotControlSignal(const std::string& slot) {
  return nlohmann::json{{"type", "incremental"}, {"slot", slot}}.dump();
}

namespace {

// A table name as a pattern matching only itself. The dot between schema
// and table stays unescaped, for readable signals, when the names have no
// dot of their own: it then matches no other character in a whole match.
std::string LiteralPattern(const TableId& t) {
  const bool dotted = t.schema.find('.') != std::string::npos || t.table.find('.') != std::string::npos;
  std::string out;
  for (const char c : t.ToString()) {
    if (std::string_view(dotted ? "\\^$|?*+()[]{}." : "\\^$|?*+()[]{}").find(c) != std::string_view::npos) {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string ExecuteSnapshotSignal(const std::vector<TableId>& tables, const std::string& slot, bool blocking) {
  nlohmann::json names = nlohmann::json::array();
  for (const TableId& t : tables) names.push_back(LiteralPattern(t));
  return nlohmann::json{{"data-collections", names}, {"type", blocking ? "blocking" : "incremental"}, {"slot", slot}}.dump();
}

std::string StopSnapshotSignal(const std::vector<TableId>& tables, const std::string& slot) {
  nlohmann::json names = nlohmann::json::array();
  for (const TableId& t : tables) names.push_back(LiteralPattern(t));
  return nlohmann::json{{"data-collections", names}, {"type", "incremental"}, {"slot", slot}}.dump();
}

std::vector<TableId> MatchDataCollections(const std::vector<std::string>& data_collections,
                                          const std::vector<TableId>& captured, std::vector<std::string>& unmatched) {
  std::vector<bool> chosen(captured.size(), false);
  for (const std::string& pattern : data_collections) {
    const std::regex re(pattern);  // checked when the signal was read
    bool any = false;
    for (size_t i = 0; i < captured.size(); ++i) {
      if (std::regex_match(captured[i].ToString(), re)) chosen[i] = any = true;
    }
    if (!any) unmatched.push_back(pattern);
  }
  std::vector<TableId> tables;
  for (size_t i = 0; i < captured.size(); ++i) {
    if (chosen[i]) tables.push_back(captured[i]);
  }
  return tables;
}

absl::StatusOr<bool> SnapshotSeesCommits(std::string_view pg_snapshot, const std::vector<uint32_t>& committed) {
  auto bad = [&] { return absl::InvalidArgumentError(StrCat("unexpected pg_current_snapshot() '", pg_snapshot, "'")); };
  const std::vector<absl::string_view> parts =
      absl::StrSplit(absl::string_view(pg_snapshot.data(), pg_snapshot.size()), ':');
  uint64_t xmax = 0;  // parts[0], xmin, is not needed
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[1], &xmax)) return bad();
  std::vector<uint64_t> in_progress;
  for (absl::string_view xip : absl::StrSplit(parts[2], ',', absl::SkipEmpty())) {
    uint64_t xid = 0;
    if (!absl::SimpleAtoi(xip, &xid)) return bad();
    in_progress.push_back(xid);
  }
  for (const uint32_t xid : committed) {
    // The 64-bit xid nearest xmax with these low bits (xids wrap modulo
    // 2^32; a recent one is within 2^31 of xmax).
    const auto distance = static_cast<int32_t>(xid - static_cast<uint32_t>(xmax));
    if (distance >= 0) return false;  // xmax or after: not started when the snapshot was taken
    const uint64_t full = xmax - static_cast<uint64_t>(-static_cast<int64_t>(distance));
    if (std::find(in_progress.begin(), in_progress.end(), full) != in_progress.end()) return false;
  }
  return true;
}

}  // namespace cdc::pg
