#pragma once
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/buffer_pool.h"
#include "core/event_serializer.h"
#include "core/table_modes.h"
#include "format/debezium_json/name_adjustment.h"
#include "format/debezium_json/type_mapping.h"

namespace cdc::debezium {

class RecordWriter;

/// JsonConverter's document around a record with schemas:
/// {"schema":<schema>,"payload":<payload>}.
inline constexpr std::string_view kDocumentOpen = "{\"schema\":", kPayloadOpen = ",\"payload\":";

struct SerializerOptions {
  std::string topic_prefix;
  std::string database;  // source.db
  std::string unavailable_value_placeholder = "__debezium_unavailable_value";
  TypeMappingOptions types = {};
  /// The tables load keeps as change logs (keyless ones, sink.append_tables):
  /// their snapshot rows carry kSnapshotChunkHeader.
  TableModes change_logs = {};
  /// Debezium's field.name.adjustment.mode and schema.name.adjustment.mode.
  NameAdjustment field_names = NameAdjustment::kNone;
  NameAdjustment schema_names = NameAdjustment::kNone;
  /// Debezium's provide.transaction.metadata: BEGIN/END records on
  /// <prefix>.transaction and a `transaction` block in each streamed event.
  bool transaction_metadata = false;
  /// Where event values are built, when set: buffers given back by the
  /// publisher once delivered (shared by every serializer of a capture).
  std::shared_ptr<BufferPool> value_buffers = nullptr;
  /// JsonConverter's schemas.enable: {"schema":...,"payload":...} when true;
  /// the payload alone when false (events ~4x smaller, but what a value
  /// means, e.g. a decimal's scale, is then known only to the consumer).
  bool schemas = true;
  /// When set, the keys and values of change events are written by it (it
  /// must outlive the serializer) instead of as JsonConverter documents;
  /// Debezium's own records stay documents.
  RecordWriter* record_writer = nullptr;
};

/// How one table's change events are written: topic, column mappings and
/// the Connect schemas of key and envelope, built once per table shape and
/// kept while the serializer lives (so its address names one shape).
struct TableEncoding {
  std::shared_ptr<const SourceTable> table;
  std::string topic;
  std::vector<ColumnMapping> columns;
  std::vector<size_t> key_columns;
  bool change_log = false;  // loaded as a change log (SerializerOptions::change_logs)
  // {"schema":S,"payload": of the key and the value documents, formatted once.
  std::string key_document_head, value_document_head;
  /// The Connect schemas (JsonConverter form) of the key and the envelope.
  std::string_view key_schema() const { return SchemaIn(key_document_head); }
  std::string_view value_schema() const { return SchemaIn(value_document_head); }
  /// Each column's field name in the events (field_names of the options).
  std::vector<std::string> field_names;
  // JSON text escaped once, for the documents:
  std::vector<std::string> quoted_names;  // "name": per column
  std::string source_names;               // ,"schema":"...","table":"..." of source

  static std::string_view SchemaIn(std::string_view head) {
    return head.substr(kDocumentOpen.size(), head.size() - kDocumentOpen.size() - kPayloadOpen.size());
  }
};

/// The fields of an event's `source` block that vary by event.
struct SourceBlock {
  int64_t ts_us;
  std::string_view snapshot;           // false, true, first, first_in_data_collection, ...
  std::optional<uint64_t> commit_lsn;  // sequence[0]
  uint64_t lsn;                        // sequence[1] and lsn
  std::string_view schema, table;
  std::optional<int64_t> tx_id;
};

/// Debezium's `transaction` block of a streamed event (provide.transaction.metadata).
struct TransactionPosition {
  uint32_t xid;
  uint64_t lsn;  // the event's own: the block's id is "<xid>:<lsn>"
  int64_t total_order;
  int64_t data_collection_order;
};

/// What a change event's value says: Debezium's envelope, without the
/// processing time, which the writer takes when it writes.
struct EventEnvelope {
  Op op;
  const Row* before;  // null when absent
  const Row* after;
  SourceBlock source;
  std::optional<TransactionPosition> transaction;
};

/// Writes the keys and values of change events in another encoding than
/// JsonConverter documents (format/avro). The serializer decides which
/// records there are (tombstones, key changes, headers, transaction
/// metadata); a writer only how a key and an envelope are encoded.
class RecordWriter {
 public:
  virtual ~RecordWriter() = default;
  virtual absl::Status WriteKey(const TableEncoding& table, const Row& row, std::string& out) = 0;
  virtual absl::Status WriteValue(const TableEncoding& table, const EventEnvelope& envelope, std::string& out) = 0;
};

/// The JSON value of column `i` of a row: its mapped value, null, or for an
/// unchanged TOAST value Debezium's placeholder (in string and bytes
/// columns; null otherwise). InvalidArgument naming table and column.
absl::Status AppendColumnJson(std::string& out, const TableEncoding& table, size_t i, const Datum& d,
                              std::string_view unavailable_value_placeholder);
/// The JSON value of key column `i`; InvalidArgument when it has no value.
absl::Status AppendKeyColumnJson(std::string& out, const TableEncoding& table, size_t i, const Row& row);

/// Header listing the columns whose value was not sent (unchanged TOAST),
/// comma-separated, so a loader keeps what it stored.
inline constexpr const char* kUnchangedColumnsHeader = "cdcpipe.unchanged.columns";
/// Header of a snapshot row of a change log: "<chunk>@<read time, µs>", the
/// plan's chunk it was read in and the snapshot's read time. A chunk read
/// again after a crash has a later read time, so load keeps the rows of
/// its latest read only (a change log has no key to converge on).
inline constexpr const char* kSnapshotChunkHeader = "cdcpipe.snapshot.chunk";
/// Version string written to source.version.
inline constexpr const char* kConnectorVersion = "cdcpipe-0.1.0";

/// Debezium PostgreSQL change events through Kafka's JsonConverter:
/// {"schema": ..., "payload": ...} for key and value, or the payload alone
/// with `schemas` off (spec/02 §1-3). Topic <prefix>.<schema>.<table>; deletes are followed by a
/// tombstone; a key change becomes delete + tombstone + create.
class DebeziumJsonSerializer final : public EventSerializer {
 public:
  explicit DebeziumJsonSerializer(SerializerOptions options);
  ~DebeziumJsonSerializer() override;

  absl::Status Serialize(const ChangeEvent& event, std::vector<OutgoingMessage>& out) override;
  /// Debezium's op m record on <prefix>.message, keyed by the prefix.
  absl::Status SerializeMessage(const DatabaseMessage& message, std::vector<OutgoingMessage>& out) override;
  void BeginTransaction(const TransactionBegin& begin) override;
  absl::Status EndTransaction(const TransactionCommit& commit, std::vector<OutgoingMessage>& out) override;
  /// Debezium's heartbeat record on __debezium-heartbeat.<prefix> (spec/02 §7).
  absl::StatusOr<OutgoingMessage> Heartbeat(int64_t ts_ms) override;

  /// The topic for a table (characters outside [A-Za-z0-9._-] become '_';
  /// at most 249 characters).
  std::string TopicFor(const TableId& table) const override;

 private:
  /// InvalidArgument when two columns have one field name after adjustment.
  absl::StatusOr<const TableEncoding*> EncodingFor(const std::shared_ptr<const SourceTable>& table);
  absl::Status AppendRow(std::string& out, const TableEncoding& enc, const Row& row) const;
  absl::StatusOr<std::optional<std::string>> Key(const TableEncoding& enc, const Row& row) const;
  /// The key's payload alone, e.g. {"id":1} (no schema).
  absl::StatusOr<std::string> KeyPayload(const TableEncoding& enc, const Row& row) const;
  absl::Status AppendKeyPayload(std::string& out, const TableEncoding& enc, const Row& row) const;
  /// The converter's document of a record: schema and payload, or the
  /// payload alone (SerializerOptions::schemas).
  std::string Document(std::string_view schema, std::string payload) const;
  /// The key of Debezium's own records (messages, heartbeats, transaction
  /// metadata): a version-1 struct `schema_name` of one string field.
  std::string SingleStringKey(std::string_view schema_name, std::string_view field, bool optional,
                              std::string_view value) const;
  /// Appends the event's value to `v` (an empty buffer).
  absl::Status Value(std::string& v, const TableEncoding& enc, const EventEnvelope& e);
  /// Appends the envelope as JsonConverter JSON.
  absl::Status AppendEnvelope(std::string& v, const TableEncoding& enc, const EventEnvelope& e);
  /// The `source` block of a snapshot row (AppendSource), formatted once:
  /// the rows of a snapshot share their read time and LSN, and those of a
  /// table differ in it by their marker only.
  void AppendSnapshotSource(std::string& v, const TableEncoding& enc, const SourceBlock& f);

  // The streamed transaction in progress (transaction_metadata).
  struct OpenTransaction {
    bool active = false;
    bool begun = false;  // its BEGIN record was emitted (at its first event)
    uint32_t xid = 0;
    std::string id;      // "<txId>:<first LSN>" of the BEGIN and END records
    int64_t ts_ms = 0;
    int64_t total = 0;
    std::map<std::string, int64_t> per_table;  // schema.table -> events
  };
  /// The `transaction` block for one more event of `table` (none outside a
  /// transaction with metadata); emits the BEGIN record at the first.
  std::optional<TransactionPosition> TransactionBlock(const TableId& table, Lsn lsn, std::vector<OutgoingMessage>& out);
  OutgoingMessage TransactionRecord(bool end) const;
  OpenTransaction tx_;
  /// `names_json`, when set: schema and table, already escaped.
  void AppendSource(std::string& v, const SourceBlock& f, std::string_view names_json = {}) const;
  // The last snapshot row's source block and what it was formatted from
  // (encodings are never dropped, so the pointer names one table).
  struct SnapshotSource {
    const TableEncoding* encoding = nullptr;
    int64_t ts_us = 0;
    uint64_t lsn = 0;
    std::string_view marker;
    std::string json;
  };
  SnapshotSource snapshot_source_;

  SerializerOptions options_;
  BufferPoolClient value_buffers_{options_.value_buffers.get()};
  std::string source_head_;  // "source":{"version":...,"name":"<prefix>"
  std::string db_json_;      // ,"db":"<database>"
  std::map<const SourceTable*, std::unique_ptr<TableEncoding>> encodings_;
  std::set<std::string> warned_columns_;  // "schema.table.column" already warned about
};

}  // namespace cdc::debezium
