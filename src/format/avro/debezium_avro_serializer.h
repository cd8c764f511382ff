#pragma once
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/buffer_pool.h"
#include "core/event_serializer.h"
#include "core/schema_registry.h"
#include "format/debezium_json/debezium_json_serializer.h"

namespace simdjson::dom {
class parser;
}

namespace cdc::avro {

class ConnectAvroSchema;
struct Node;

/// Debezium PostgreSQL change events through Confluent's AvroConverter:
/// the records of the JSON serializer (topics, keys, envelopes, tombstones,
/// headers), with key and value as Confluent-framed Avro whose schemas are
/// registered under <topic>-key / <topic>-value (TopicNameStrategy).
///
/// Both formats share one type mapping and one record structure: the JSON
/// serializer decides the records and their Connect schemas, and hands the
/// keys and envelopes of change events to this one (its RecordWriter), which
/// writes them in Avro straight from the row, each column's value from its
/// JSON text. Debezium's own, rarer records (transaction metadata,
/// messages, heartbeats) are JsonConverter documents re-encoded here.
class DebeziumAvroSerializer final : public EventSerializer, private debezium::RecordWriter {
 public:
  /// `options` as for the JSON serializer (`schemas` and `record_writer`
  /// are set here). `registry` is shared by the serializers of a capture.
  DebeziumAvroSerializer(debezium::SerializerOptions options, std::shared_ptr<SchemaRegistry> registry);
  ~DebeziumAvroSerializer() override;

  absl::Status Serialize(const ChangeEvent& event, std::vector<OutgoingMessage>& out) override;
  absl::Status SerializeMessage(const DatabaseMessage& message, std::vector<OutgoingMessage>& out) override;
  void BeginTransaction(const TransactionBegin& begin) override;
  absl::Status EndTransaction(const TransactionCommit& commit, std::vector<OutgoingMessage>& out) override;
  absl::StatusOr<OutgoingMessage> Heartbeat(int64_t ts_ms) override;
  std::string TopicFor(const TableId& table) const override { return json_->TopicFor(table); }

 private:
  absl::Status WriteKey(const debezium::TableEncoding& table, const Row& row, std::string& out) override;
  absl::Status WriteValue(const debezium::TableEncoding& table, const debezium::EventEnvelope& envelope,
                          std::string& out) override;
  struct TableSchemas;
  /// The registered key and value schemas of a table's records.
  absl::StatusOr<const TableSchemas*> SchemasFor(const debezium::TableEncoding& table);
  /// `row` (or null) as the optional struct `node`.
  absl::Status WriteRow(std::string& out, const debezium::TableEncoding& table, const Node& node, std::string_view field,
                        const Row* row);
  void WriteSource(std::string& out, const Node& node, const debezium::SourceBlock& source) const;

  struct Registered;
  // (subject, Connect schema text) -> its compiled schema and id.
  using RegisteredMap = std::map<std::pair<std::string, std::string>, std::unique_ptr<Registered>>;
  /// Re-encodes the JsonConverter documents among out[first...] in place.
  absl::Status Convert(std::vector<OutgoingMessage>& out, size_t first);
  absl::Status ConvertOne(OutgoingMessage& m);
  /// The framed Avro of the JsonConverter document `doc` under `subject`.
  /// (`doc` may grow its capacity, for parsing in place.)
  absl::Status Encode(const std::string& subject, std::string& doc, std::string& framed);
  absl::StatusOr<const RegisteredMap::value_type*> SchemaFor(const std::string& subject, std::string_view schema_json);

  const debezium::SerializerOptions options_;
  std::unique_ptr<debezium::DebeziumJsonSerializer> json_;
  std::shared_ptr<SchemaRegistry> registry_;
  BufferPoolClient buffers_{options_.value_buffers.get()};
  std::unique_ptr<simdjson::dom::parser> parser_;
  std::string value_text_;  // one column's JSON text, reused
  std::unordered_map<const debezium::TableEncoding*, std::unique_ptr<TableSchemas>> tables_;
  RegisteredMap registered_;
  // The entry a subject used last, checked first (a table's schema rarely changes).
  std::unordered_map<std::string, const RegisteredMap::value_type*> last_;
  std::unordered_map<std::string, std::pair<std::string, std::string>> subjects_;  // topic -> key, value subjects
};

}  // namespace cdc::avro
