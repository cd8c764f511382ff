#pragma once
// Names Debezium writes for a table: the topic, the Connect schema names
// and the field names of its columns, with Debezium's
// schema.name.adjustment.mode and field.name.adjustment.mode (Avro allows
// only [A-Za-z_][A-Za-z0-9_]* in names). Rules as in Debezium 3.4's
// SchemaNameAdjuster and TopicNameSanitizer, checked against a running
// Debezium (tests/compat/debezium_compat.py): they work on Java's UTF-16
// units, so a character outside the BMP is two units and two replacements.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace cdc::debezium {

enum class NameAdjustment : uint8_t {
  kNone,         // names as they are
  kAvro,         // each character Avro does not allow becomes '_' ("1st" -> "_1st")
  kAvroUnicode,  // ... becomes _uXXXX, '_' included ("a_b" -> "a_u005fb")
};

/// From Debezium's spelling: none | avro | avro_unicode; InvalidArgument
/// naming `option` otherwise.
absl::StatusOr<NameAdjustment> ParseNameAdjustment(std::string_view option, std::string_view mode);

/// A column's field name in the key and value schemas and payloads.
std::string AdjustFieldName(std::string_view name, NameAdjustment mode);

/// A Connect schema's full name ("<prefix>.<schema>.<table>.Value"); dots
/// stay, as they separate Avro namespaces.
std::string AdjustSchemaName(std::string_view full_name, NameAdjustment mode);

/// A Kafka topic name: each character outside [A-Za-z0-9._-] becomes '_'.
std::string SanitizeTopicName(std::string_view name);

}  // namespace cdc::debezium
