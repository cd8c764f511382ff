#pragma once
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/buffer_pool.h"
#include "core/event_serializer.h"
#include "core/schema_registry.h"

namespace simdjson::dom {
class parser;
}

namespace cdc::avro {

class ConnectAvroSchema;

/// Debezium PostgreSQL change events through Confluent's AvroConverter:
/// the records of a JsonConverter serializer (topics, keys, envelopes,
/// tombstones, headers), with key and value as Confluent-framed Avro whose
/// schemas are registered under <topic>-key / <topic>-value
/// (TopicNameStrategy). The JSON serializer builds each record and this one
/// re-encodes it, so both formats share one type mapping.
class DebeziumAvroSerializer final : public EventSerializer {
 public:
  /// `json_documents` writes each key and value as a JsonConverter document
  /// with its schema ({"schema":...,"payload":...}: DebeziumJsonSerializer
  /// with schemas on); its Connect schemas are what gets registered.
  /// `registry` is shared by the serializers of a capture; values are built
  /// in buffers from `value_buffers` when set (the JSON documents go back
  /// there).
  DebeziumAvroSerializer(std::unique_ptr<EventSerializer> json_documents, std::shared_ptr<SchemaRegistry> registry,
                         std::shared_ptr<BufferPool> value_buffers = nullptr);
  ~DebeziumAvroSerializer() override;

  absl::Status Serialize(const ChangeEvent& event, std::vector<OutgoingMessage>& out) override;
  absl::Status SerializeMessage(const DatabaseMessage& message, std::vector<OutgoingMessage>& out) override;
  void BeginTransaction(const TransactionBegin& begin) override;
  absl::Status EndTransaction(const TransactionCommit& commit, std::vector<OutgoingMessage>& out) override;
  absl::StatusOr<OutgoingMessage> Heartbeat(int64_t ts_ms) override;

 private:
  struct Registered;
  // (subject, Connect schema text) -> its compiled schema and id.
  using RegisteredMap = std::map<std::pair<std::string, std::string>, std::unique_ptr<Registered>>;
  /// Re-encodes out[first...] in place.
  absl::Status Convert(std::vector<OutgoingMessage>& out, size_t first);
  absl::Status ConvertOne(OutgoingMessage& m);
  /// The framed Avro of the JsonConverter document `doc` under `subject`.
  /// (`doc` may grow its capacity, for parsing in place.)
  absl::Status Encode(const std::string& subject, std::string& doc, std::string& framed);
  absl::StatusOr<const RegisteredMap::value_type*> SchemaFor(const std::string& subject, std::string_view schema_json);

  std::unique_ptr<EventSerializer> json_;
  std::shared_ptr<SchemaRegistry> registry_;
  std::shared_ptr<BufferPool> value_buffers_;
  BufferPoolClient buffers_{value_buffers_.get()};
  std::unique_ptr<simdjson::dom::parser> parser_;
  RegisteredMap registered_;
  // The entry a subject used last, checked first (a table's schema rarely changes).
  std::unordered_map<std::string, const RegisteredMap::value_type*> last_;
  std::unordered_map<std::string, std::pair<std::string, std::string>> subjects_;  // topic -> key, value subjects
};

}  // namespace cdc::avro
