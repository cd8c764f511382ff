#include "pipeline/snapshot_marker.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace cdc {

std::string SnapshotMarkerTopic(const std::string& topic_prefix) { return topic_prefix + ".cdcpipe-snapshots"; }

OutgoingMessage EncodeTableSnapshotMarker(const std::string& control_topic, const TableSnapshotMarker& marker) {
  const nlohmann::json value = {{"schema", marker.table.schema},
                                {"table", marker.table.table},
                                {"topic", marker.topic},
                                {"snapshot_lsn", marker.snapshot_lsn.ToString()}};
  return OutgoingMessage{control_topic, marker.topic, value.dump(), {}};
}

absl::StatusOr<TableSnapshotMarker> DecodeTableSnapshotMarker(const IncomingMessage& message) {
  const std::string where = absl::StrCat("snapshot marker at ", message.source.topic, "/", message.source.partition,
                                         "@", message.offset);
  if (!message.value) return absl::InvalidArgumentError(absl::StrCat(where, ": no value"));
  const nlohmann::json value = nlohmann::json::parse(*message.value, nullptr, /*allow_exceptions=*/false);
  TableSnapshotMarker marker;
  for (auto [field, out] : {std::pair{"schema", &marker.table.schema}, std::pair{"table", &marker.table.table},
                            std::pair{"topic", &marker.topic}}) {
    if (!value.is_object() || !value.contains(field) || !value[field].is_string() ||
        value[field].get_ref<const std::string&>().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": no string field \"", field, "\""));
    }
    *out = value[field].get<std::string>();
  }
  if (!value.contains("snapshot_lsn") || !value["snapshot_lsn"].is_string()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": no string field \"snapshot_lsn\""));
  }
  absl::StatusOr<Lsn> lsn = Lsn::Parse(value["snapshot_lsn"].get<std::string>());
  if (!lsn.ok()) return absl::InvalidArgumentError(absl::StrCat(where, ": ", lsn.status().message()));
  marker.snapshot_lsn = *lsn;
  return marker;
}

}  // namespace cdc
