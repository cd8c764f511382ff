#include "core/strings.h"
#include "pipeline/http_checksummer.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "http/http.h"
#include "nlohmann/json.hpp"

namespace cdc {
namespace {

// Table and column lists travel as JSON in one query parameter.
nlohmann::json TableJson(const TableId& t) { return {{"schema", t.schema}, {"table", t.table}}; }

absl::StatusOr<TableId> TableFromParams(const http::Params& p) {
  auto it = p.find("table");
  if (it == p.end()) return absl::InvalidArgumentError("missing 'table'");
  auto j = nlohmann::json::parse(it->second, nullptr, false);
  if (!j.is_object() || !j.contains("schema") || !j.contains("table")) return absl::InvalidArgumentError("bad 'table'");
  return TableId{j["schema"].get<std::string>(), j["table"].get<std::string>()};
}

http::Response Error(const absl::Status& st) {
  return http::Response{st.code() == absl::StatusCode::kInvalidArgument ? 400 : 500,
                        nlohmann::json{{"error", st.ToString()}}.dump()};
}

}  // namespace

absl::StatusOr<LoadCatchUp::State> LoadCatchUp::Observe(std::string_view progress_json) {
  auto j = nlohmann::json::parse(progress_json, nullptr, false);
  if (!j.is_object() || !j.value("loading", false)) {
    return absl::FailedPreconditionError("does not load into the warehouse");
  }
  if (j.value("unowned", 1) != 0 || !j.contains("partitions") || !j["partitions"].is_array()) {
    caught_up_once_ = false;
    return State::kBehind;
  }
  std::map<Partition, int64_t> next, end;
  for (const auto& p : j["partitions"]) {
    const Partition partition{p.value("topic", ""), p.value("partition", -1)};
    next[partition] = p.value("next", int64_t{0});
    end[partition] = p.value("end", int64_t{0});
  }
  if (!target_) target_ = std::move(end);
  bool done = true;
  for (const auto& [partition, target] : *target_) {
    auto it = next.find(partition);
    done = done && it != next.end() && it->second >= target;
  }
  if (!done) {
    caught_up_once_ = false;
    return State::kBehind;
  }
  if (caught_up_once_) return State::kCaughtUp;
  caught_up_once_ = true;
  return State::kCaughtUpOnce;
}

absl::StatusOr<std::optional<std::vector<ChecksumColumn>>> HttpChecksummer::Columns(const TableId& table) {
  CDC_ASSIGN_OR_RETURN(std::string body, http::Get(address_, "/v1/columns?table=" + http::UrlEncode(TableJson(table).dump())));
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object()) return absl::InternalError(StrCat("bad answer from ", address_));
  if (!j.value("exists", false)) return std::nullopt;
  std::vector<ChecksumColumn> out;
  for (const auto& name : j["columns"]) out.push_back({name.get<std::string>(), CanonicalForm::kText});
  return out;
}

absl::StatusOr<TableChecksum> HttpChecksummer::Checksum(const TableId& table, std::span<const ChecksumColumn> columns) {
  nlohmann::json cols = nlohmann::json::array();
  for (const auto& c : columns) cols.push_back({c.name, static_cast<int>(c.form)});
  CDC_ASSIGN_OR_RETURN(std::string body,
                       http::Get(address_, StrCat("/v1/checksum?table=", http::UrlEncode(TableJson(table).dump()),
                                                        "&columns=", http::UrlEncode(cols.dump())), 600000));
  auto j = nlohmann::json::parse(body, nullptr, false);
  uint64_t rows = 0, sum = 0;
  if (!j.is_object() || !absl::SimpleAtoi(j.value("rows", ""), &rows) || !absl::SimpleAtoi(j.value("sum", ""), &sum)) {
    return absl::InternalError(StrCat("bad checksum answer from ", address_, ": ", body));
  }
  return TableChecksum{rows, sum};
}

absl::StatusOr<std::optional<std::map<char, uint64_t>>> HttpChecksummer::ChangeLog(const TableId& table) {
  CDC_ASSIGN_OR_RETURN(std::string body, http::Get(address_, "/v1/changelog?table=" + http::UrlEncode(TableJson(table).dump())));
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("ops")) return absl::InternalError(StrCat("bad change-log answer from ", address_, ": ", body));
  if (j["ops"].is_null()) return std::nullopt;
  std::map<char, uint64_t> out;
  for (const auto& [op, n] : j["ops"].items()) {
    if (op.size() != 1 || !n.is_number_unsigned()) return absl::InternalError(StrCat("bad change-log answer from ", address_));
    out[op[0]] = n.get<uint64_t>();
  }
  return out;
}

absl::StatusOr<std::optional<std::string>> HttpChecksummer::PausedReason(const TableId& table) {
  CDC_ASSIGN_OR_RETURN(std::string body, http::Get(address_, "/v1/paused?table=" + http::UrlEncode(TableJson(table).dump())));
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("reason")) return absl::InternalError(StrCat("bad pause answer from ", address_, ": ", body));
  if (j["reason"].is_null()) return std::nullopt;
  return j["reason"].get<std::string>();
}

void RegisterChecksumRoutes(http::Server& server, TableChecksummer& checksummer) {
  server.Get("/v1/paused", [&checksummer](const http::Params& p) {
    auto table = TableFromParams(p);
    if (!table.ok()) return Error(table.status());
    auto reason = checksummer.PausedReason(*table);
    if (!reason.ok()) return Error(reason.status());
    nlohmann::json j{{"reason", nullptr}};
    if (*reason) j["reason"] = **reason;
    return http::Response{200, j.dump()};
  });
  server.Get("/v1/changelog", [&checksummer](const http::Params& p) {
    auto table = TableFromParams(p);
    if (!table.ok()) return Error(table.status());
    auto log = checksummer.ChangeLog(*table);
    if (!log.ok()) return Error(log.status());
    nlohmann::json j{{"ops", nullptr}};
    if (*log) {
      j["ops"] = nlohmann::json::object();
      for (const auto& [op, n] : **log) j["ops"][std::string(1, op)] = n;
    }
    return http::Response{200, j.dump()};
  });
  server.Get("/v1/columns", [&checksummer](const http::Params& p) {
    auto table = TableFromParams(p);
    if (!table.ok()) return Error(table.status());
    auto cols = checksummer.Columns(*table);
    if (!cols.ok()) return Error(cols.status());
    nlohmann::json j{{"exists", cols->has_value()}, {"columns", nlohmann::json::array()}};
    if (*cols) for (const auto& c : **cols) j["columns"].push_back(c.name);
    return http::Response{200, j.dump()};
  });
  server.Get("/v1/checksum", [&checksummer](const http::Params& p) {
    auto table = TableFromParams(p);
    if (!table.ok()) return Error(table.status());
    auto it = p.find("columns");
    auto cols_json = nlohmann::json::parse(it == p.end() ? "" : it->second, nullptr, false);
    if (!cols_json.is_array()) return Error(absl::InvalidArgumentError("bad 'columns'"));
    std::vector<ChecksumColumn> cols;
    for (const auto& c : cols_json) {
      if (!c.is_array() || c.size() != 2) return Error(absl::InvalidArgumentError("bad column"));
      const int form = c[1].get<int>();
      if (form < 0 || form > static_cast<int>(CanonicalForm::kNotCompared)) return Error(absl::InvalidArgumentError("bad form"));
      cols.push_back({c[0].get<std::string>(), static_cast<CanonicalForm>(form)});
    }
    auto sum = checksummer.Checksum(*table, cols);
    if (!sum.ok()) return Error(sum.status());
    return http::Response{200, nlohmann::json{{"rows", std::to_string(sum->rows)}, {"sum", std::to_string(sum->sum)}}.dump()};
  });
}

}  // namespace cdc
