#include "core/strings.h"
#include "pipeline/commands.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "core/log.h"
#include "core/thread_name.h"
#include "format/avro/debezium_avro_decoder.h"
#include "format/avro/debezium_avro_serializer.h"
#include "format/debezium_json/debezium_json_decoder.h"
#include "format/debezium_json/debezium_json_serializer.h"
#include "http/http.h"
#include "nlohmann/json.hpp"
#include "pipeline/capture_loop.h"
#include "pipeline/http_checksummer.h"
#include "pipeline/load_loop.h"
#include "pipeline/metrics.h"
#include "pipeline/snapshot_marker.h"
#include "pipeline/source_options.h"
#include "registry/confluent/registry_client.h"
#include "registry/confluent/registry_server.h"
#include "sink/duckdb/duckdb_capture_state_store.h"
#include "sink/duckdb/duckdb_inspection.h"
#include "sink/duckdb/duckdb_sink.h"
#include "source/postgres/postgres_source.h"
#include "source/postgres/preflight.h"
#include "source/postgres/snapshot_plan.h"
#include "source/postgres/snapshot_signal.h"
#include "transport/kafka/kafka_capture_state_store.h"
#include "transport/kafka/kafka_publisher.h"
#include "transport/kafka/kafka_subscriber.h"
#include "transport/kafka/mock_broker.h"

namespace cdc {

std::atomic<bool>& StopRequested() {
  static std::atomic<bool> stop{false};
  return stop;
}

namespace {

// The embedded broker keeps ~5 MiB per partition and drops older data:
// capture never lets more than this sit in a partition unloaded.
constexpr size_t kEmbeddedUncommittedBytes = 3 << 20;

// How long a start waits for the warehouse file's lock (see OpenWarehouse).
constexpr absl::Duration kWarehouseLockWait = absl::Seconds(60);

absl::Status StatusOf(const absl::Status& status) { return status; }
template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& result) { return result.status(); }

// Calls `attempt` until it succeeds, fails in a way `transient` says will
// not pass, `limit` is over or a stop is requested; waits 200 ms between
// tries, doubling up to 5 s, and logs each retry as `component`.
template <typename Attempt>
auto RetryStart(absl::Duration limit, bool (*transient)(const absl::Status&), const char* component,
                const char* message, Attempt attempt) -> decltype(attempt()) {
  absl::Duration backoff = absl::Milliseconds(200);
  const absl::Time give_up = absl::Now() + limit;
  while (true) {
    auto result = attempt();
    absl::Status st = StatusOf(result);
    if (st.ok() || !transient(st) || absl::Now() >= give_up || StopRequested()) return result;
    log::Warn(component, message, {{"error", std::string(st.message())},
                                   {"retry_in_ms", absl::ToInt64Milliseconds(backoff)}});
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(5));
  }
}

// Delivered values kept for reuse (BufferPool): a few thousand snapshot
// values with schemas, about what librdkafka acknowledges in one go; a value
// larger than 64 KiB (a TOASTed document) is freed instead.
constexpr size_t kValueBufferPoolBytes = 16 << 20;
constexpr size_t kValueBufferMaxBytes = 64 << 10;

std::string EscapeRegex(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view(".^$|()[]{}*+?\\").find(c) != std::string_view::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

kafka::KafkaOptions KafkaOptionsFor(const Config& c, const std::string& bootstrap) {
  kafka::KafkaOptions o;
  o.bootstrap_servers = bootstrap;
  o.properties = c.kafka.properties;
  o.partitions = c.kafka.partitions;
  o.replication_factor = c.kafka.replication_factor;
  return o;
}

std::vector<ColumnRule> ColumnRulesFor(const Config& c) {
  std::vector<ColumnRule> rules;
  for (const auto& p : c.postgres.column_exclude) rules.push_back({std::regex(p), p, ColumnRule::Action::kExclude, "", 0});
  for (const auto& m : c.postgres.column_masks) {
    const ColumnRule::Action action = !m.hash_salt.empty() ? ColumnRule::Action::kHash
                                      : m.mask_chars > 0   ? ColumnRule::Action::kMask
                                                           : ColumnRule::Action::kTruncate;
    for (const auto& p : m.columns) {
      rules.push_back({std::regex(p), p, action, m.hash_salt, action == ColumnRule::Action::kMask ? m.mask_chars : m.truncate_chars});
    }
  }
  return rules;
}

std::string RandomId() {
  std::random_device rd;
  return StrCat(absl::Hex(static_cast<uint64_t>(rd()) << 32 | rd(), absl::kZeroPad16));
}

/// Everything one process runs: optional embedded broker, capture, load,
/// and the HTTP endpoint that reports on them.
class Process {
 public:
  absl::Status Start(const Config& config, bool capture, bool load) {
    config_ = config;
    bootstrap_ = config.kafka.bootstrap_servers;
    if (config.kafka.Embedded()) {
      if (!(capture && load)) {
        return absl::InvalidArgumentError(
            "kafka.bootstrap_servers: \"embedded\" works only with `cdcpipe run` (capture and load in one process); "
            "use `cdcpipe dev-broker` for separate processes");
      }
      CDC_ASSIGN_OR_RETURN(broker_, kafka::MockBroker::Start());
      bootstrap_ = broker_->BootstrapServers();
      log::Info("kafka", "embedded broker started (not durable)", {{"bootstrap_servers", bootstrap_}});
      // Known to load's first assignment: created later, it would cost the
      // group a rebalance (seconds on this broker) before the first sweep.
      CDC_RETURN_IF_ERROR(broker_->CreateTopic(SnapshotMarkerTopic(config.kafka.topic_prefix), config.kafka.partitions));
    }
    if (config.format == "avro") CDC_RETURN_IF_ERROR(StartRegistry(capture && load));
    const bool embedded = config.kafka.Embedded();
    coordinator_ = std::make_unique<CheckpointCoordinator>(
        embedded ? CheckpointCoordinator::AckStage::kWarehouse : CheckpointCoordinator::AckStage::kBroker);
    // Embedded: the slot may advance only to what the warehouse holds.
    if (embedded) on_committed_ = [this](const OffsetMap& m) { coordinator_->OnWarehouseCommitted(m); };
    if (load) CDC_RETURN_IF_ERROR(StartLoad());
    if (capture) CDC_RETURN_IF_ERROR(StartCapture());
    return StartHttp();
  }

  absl::Status Wait() {
    if (capture_thread_.joinable()) capture_thread_.join();
    for (auto& loader : loaders_) {
      if (loader->thread.joinable()) loader->thread.join();
    }
    if (server_) server_->Stop();
    absl::Status st = capture_status_;
    for (const auto& loader : loaders_) st.Update(loader->status);
    return st;
  }

 private:
  absl::Status StartCapture() {
    const bool embedded = config_.kafka.Embedded();
    // Where the snapshot's completion is recorded: the warehouse when this
    // process loads it, otherwise a compacted Kafka topic.
    if (database_) {
      CDC_ASSIGN_OR_RETURN(state_store_, duck::DuckDbCaptureStateStore::Create(database_));
    } else {
      CDC_ASSIGN_OR_RETURN(state_store_, kafka::KafkaCaptureStateStore::Create(
          KafkaOptionsFor(config_, bootstrap_), config_.kafka.topic_prefix + ".cdcpipe-capture-state"));
    }
    source_ = std::make_unique<pg::PostgresSource>(SourceOptionsFor(config_), *state_store_);
    column_filter_ = ColumnFilter(ColumnRulesFor(config_));
    CDC_RETURN_IF_ERROR(StartSourceWithRetry());
    const auto& pc = config_.postgres;
    CDC_ASSIGN_OR_RETURN(auto types, debezium::MakeTypeMappingOptions(
        pc.decimal_handling_mode, pc.time_precision_mode, pc.binary_handling_mode, pc.interval_handling_mode,
        pc.hstore_handling_mode, pc.money_fraction_digits));
    debezium::SerializerOptions serializer_options{config_.kafka.topic_prefix, source_->database()};
    serializer_options.types = types;
    serializer_options.change_logs = TableModes(config_.sink.append_tables);
    CDC_ASSIGN_OR_RETURN(serializer_options.field_names,
                         debezium::ParseNameAdjustment("source.postgres.field_name_adjustment_mode",
                                                       pc.field_name_adjustment_mode));
    CDC_ASSIGN_OR_RETURN(serializer_options.schema_names,
                         debezium::ParseNameAdjustment("source.postgres.schema_name_adjustment_mode",
                                                       pc.schema_name_adjustment_mode));
    serializer_options.unavailable_value_placeholder = config_.unavailable_value_placeholder;
    serializer_options.transaction_metadata = pc.provide_transaction_metadata == "true";
    serializer_options.schemas = config_.format == "json";
    serializer_options.value_buffers = std::make_shared<BufferPool>(kValueBufferPoolBytes, kValueBufferMaxBytes);
    auto make_serializer = [serializer_options, registry = registry_]() -> std::unique_ptr<EventSerializer> {
      if (registry) return std::make_unique<avro::DebeziumAvroSerializer>(serializer_options, registry);
      return std::make_unique<debezium::DebeziumJsonSerializer>(serializer_options);
    };
    serializer_ = make_serializer();
    snapshot_serializers_ = make_serializer;
    kafka::KafkaPublisher::TopicCreator creator;
    if (broker_) {
      creator = [this](const std::string& topic) { return broker_->CreateTopic(topic, config_.kafka.partitions); };
    }
    CDC_ASSIGN_OR_RETURN(publisher_, kafka::KafkaPublisher::Create(
        KafkaOptionsFor(config_, bootstrap_),
        [this](const Delivery& d) { coordinator_->OnDelivered(d); }, creator));
    publisher_->RecycleValuesInto(serializer_options.value_buffers);
    capture_thread_ = std::thread([this, embedded] {
      NameThisThread("cdc-capture");
      absl::Duration backoff = absl::Milliseconds(200);
      while (true) {
        CaptureLoop loop(*source_, *serializer_, *publisher_, *coordinator_, capture_stats_,
                         embedded ? kEmbeddedUncommittedBytes : 0, &column_filter_);
        // As many serializer threads as connections reading the snapshot.
        loop.SerializeSnapshotInParallel(snapshot_serializers_, static_cast<int>(config_.postgres.snapshot_workers));
        // A durable broker has them once the snapshot is recorded.
        loop.PublishSnapshotMarkersTo(SnapshotMarkerTopic(config_.kafka.topic_prefix), /*again_at_each_start=*/embedded);
        capture_status_ = loop.Run(StopRequested());
        if (capture_status_.ok() || !absl::IsUnavailable(capture_status_) || StopRequested()) break;
        // Connection lost (server restart, network, terminated walsender):
        // reconnect and resume from the slot; what was not confirmed is sent
        // again and the warehouse's version guard absorbs it.
        log::Warn("capture", "replication connection lost; reconnecting",
                  {{"error", std::string(capture_status_.message())}, {"retry_in_ms", absl::ToInt64Milliseconds(backoff)}});
        coordinator_->AbandonOpenTransaction();
        absl::SleepFor(backoff);
        backoff = std::min(backoff * 2, absl::Seconds(10));
        source_ = std::make_unique<pg::PostgresSource>(SourceOptionsFor(config_), *state_store_);
        capture_status_ = StartSourceWithRetry();
        if (!capture_status_.ok()) break;
        backoff = absl::Milliseconds(200);
      }
      if (!capture_status_.ok()) {
        log::Error("capture", "capture stopped", {{"error", capture_status_.ToString()}});
        StopRequested() = true;
      }
    });
    return absl::OkStatus();
  }

  // Transient start failures (server restarting, slot still held by the
  // walsender of a capture that was just killed) are retried with backoff.
  absl::Status StartSourceWithRetry() {
    bool first = true;
    return RetryStart(absl::Seconds(config_.postgres.retry_seconds),
                      [](const absl::Status& st) { return absl::IsUnavailable(st); }, "capture",
                      "source not ready; retrying", [&] {
                        if (!first) source_ = std::make_unique<pg::PostgresSource>(SourceOptionsFor(config_), *state_store_);
                        first = false;
                        return source_->Start();
                      });
  }

  /// One consumer of load's group with what it alone uses. Several in one
  /// process share the DuckDB database: DuckDB allows one writing process,
  /// but concurrent transactions within it.
  struct Loader {
    std::unique_ptr<duck::DuckDbSink> sink;
    std::unique_ptr<kafka::KafkaSubscriber> subscriber;
    std::unique_ptr<EventDecoder> decoder;
    std::unique_ptr<DeadLetterQueue> dead_letters;  // outlives the publisher that reports to it
    std::unique_ptr<kafka::KafkaPublisher> dlq_publisher;
    std::unique_ptr<LoadLoop> loop;
    std::thread thread;
    absl::Status status;
  };

  /// Format avro: the client of schema_registry.url, shared by capture's
  /// serializers and load's decoders. "embedded" starts a registry in this
  /// process first (`run` only: separate processes could not share it),
  /// whose store lies beside the DuckDB file.
  absl::Status StartRegistry(bool single_process) {
    std::string url = config_.schema_registry.url;
    if (url == "embedded") {
      if (!single_process) {
        return absl::InvalidArgumentError("schema_registry.url: \"embedded\" works only with `cdcpipe run`; "
                                          "run `cdcpipe registry` for separate processes");
      }
      const std::string store = config_.sink.duckdb_path + ".schemas.jsonl";
      CDC_ASSIGN_OR_RETURN(registry_server_, registry::RegistryServer::Open(store));
      CDC_RETURN_IF_ERROR(registry_server_->Start("127.0.0.1:0"));
      url = StrCat("http://127.0.0.1:", registry_server_->port());
      log::Info("registry", "embedded schema registry started", {{"url", url}, {"store", store}});
    }
    registry_ = std::make_shared<registry::ConfluentRegistryClient>(http::Endpoint{url, config_.schema_registry.user_info});
    return absl::OkStatus();
  }

  // `verify` and `show` open the file read-only while no pipeline serves
  // them over HTTP, and hold its lock meanwhile: a start that meets that
  // lock waits for it (a while) instead of failing.
  absl::StatusOr<std::shared_ptr<duck::Database>> OpenWarehouse() {
    return RetryStart(kWarehouseLockWait,
                      [](const absl::Status& st) { return absl::StrContains(st.message(), "lock"); }, "load",
                      "warehouse file held by another process (verify or show?); retrying", [&] {
                        return duck::Database::Open(config_.sink.duckdb_path, /*read_only=*/false,
                                                    config_.sink.duckdb_checkpoint_mb, config_.sink.duckdb_threads);
                      });
  }

  absl::Status StartLoad() {
    CDC_ASSIGN_OR_RETURN(database_, OpenWarehouse());
    LoadOptions lo;
    lo.topics = config_.load.topics;
    if (lo.topics.empty()) lo.topics = {StrCat("^", EscapeRegex(config_.kafka.topic_prefix), "\\.[^.]+\\.[^.]+$")};
    // Snapshot markers: capture's control topic, read beside the tables'.
    lo.snapshot_marker_topic = SnapshotMarkerTopic(config_.kafka.topic_prefix);
    lo.topics.push_back(StrCat("^", EscapeRegex(lo.snapshot_marker_topic), "$"));
    lo.batch_max_rows = static_cast<size_t>(config_.sink.batch_max_rows);
    lo.batch_max_bytes = static_cast<size_t>(config_.sink.batch_max_mb) << 20;
    lo.batch_max_ms = config_.sink.batch_max_ms;
    lo.batch_linger_ms = config_.sink.batch_linger_ms;
    lo.table_modes = TableModes(config_.sink.append_tables);
    const std::string dlq_topic = config_.load.dead_letter_topic.empty() ? config_.kafka.topic_prefix + ".dlq"
                                                                         : config_.load.dead_letter_topic;
    lo.ignored_topics = {dlq_topic, config_.kafka.topic_prefix + ".cdcpipe-capture-state"};
    for (int i = 0; i < config_.load.consumers; ++i) {
      auto loader = std::make_unique<Loader>();
      CDC_RETURN_IF_ERROR(OpenLoader(*loader, lo, dlq_topic));
      if (i == 0) {
        CDC_ASSIGN_OR_RETURN(lo.stream_id, StreamId(*loader->subscriber));
      }
      lo.consumer = i + 1;
      loader->loop = std::make_unique<LoadLoop>(*loader->subscriber, *loader->decoder, *loader->sink,
                                                loader->dead_letters.get(), lo, load_stats_, on_committed_);
      loaders_.push_back(std::move(loader));
    }
    checksummer_ = std::make_unique<duck::DuckDbChecksummer>(database_);
    for (auto& loader : loaders_) {
      loader->thread = std::thread([this, l = loader.get()] {
        NameThisThread("cdc-load");
        l->status = l->loop->Run(StopRequested());
        if (!l->status.ok()) {
          log::Error("load", "load stopped", {{"error", l->status.ToString()}});
          StopRequested() = true;
        }
      });
    }
    return absl::OkStatus();
  }

  absl::Status OpenLoader(Loader& loader, const LoadOptions& lo, const std::string& dlq_topic) {
    CDC_ASSIGN_OR_RETURN(loader.sink, duck::DuckDbSink::Create(database_, duck::DuckDbSinkOptions{
        config_.sink.delete_mode == "soft" ? duck::DeleteMode::kSoft : duck::DeleteMode::kHard, lo.table_modes}));
    auto kopts = KafkaOptionsFor(config_, bootstrap_);
    if (broker_) kopts.properties.emplace("topic.metadata.refresh.interval.ms", "1000");
    CDC_ASSIGN_OR_RETURN(loader.subscriber, kafka::KafkaSubscriber::Create(kopts, config_.kafka.group_id));
    debezium::DecoderOptions decoder_options;
    decoder_options.wide_numeric_as_double = config_.load.wide_numeric == "double";
    decoder_options.unavailable_value_placeholder = config_.unavailable_value_placeholder;
    decoder_options.lossy_values = &load_stats_.lossy_values;
    if (registry_) {
      loader.decoder = std::make_unique<avro::DebeziumAvroDecoder>(std::move(decoder_options), registry_);
    } else {
      loader.decoder = std::make_unique<debezium::DebeziumJsonDecoder>(std::move(decoder_options));
    }
    kafka::KafkaPublisher::TopicCreator dlq_creator;
    if (broker_) dlq_creator = [this](const std::string& t) { return broker_->CreateTopic(t, 1); };
    auto dlq_kafka = KafkaOptionsFor(config_, bootstrap_);
    dlq_kafka.partitions = 1;
    CDC_ASSIGN_OR_RETURN(loader.dlq_publisher, kafka::KafkaPublisher::Create(
        dlq_kafka, [l = &loader](const Delivery& d) { l->dead_letters->OnDelivered(d); }, dlq_creator));
    loader.dead_letters = std::make_unique<DeadLetterQueue>(*loader.dlq_publisher, dlq_topic);
    return absl::OkStatus();
  }

  /// Names the offsets this process stores in the warehouse.
  absl::StatusOr<std::string> StreamId(kafka::KafkaSubscriber& subscriber) {
    // Offsets of an earlier embedded broker mean nothing to this one: a
    // fresh id per process, so only this process's offsets are found.
    if (broker_) return "embedded-" + RandomId();
    const std::string cluster = subscriber.ClusterId();
    if (cluster.empty()) {
      return absl::UnavailableError(StrCat("Kafka at ", bootstrap_, " (kafka.bootstrap_servers) did not answer"));
    }
    return "kafka-" + cluster;
  }

  absl::Status StartHttp() {
    if (config_.http.listen.empty()) return absl::OkStatus();
    server_ = std::make_unique<http::Server>();
    server_->Get("/healthz", [](const http::Params&) { return http::Response{200, "ok\n", "text/plain"}; });
    server_->Get("/metrics", [this](const http::Params&) {
      std::optional<int64_t> kafka_lag;
      if (!loaders_.empty()) {
        kafka_lag = 0;
        for (const auto& loader : loaders_) *kafka_lag += loader->loop->KafkaLag();
      }
      return http::Response{200, MetricsExposition(capture_stats_, load_stats_, kafka_lag),
                            "text/plain; version=0.0.4"};
    });
    server_->Get("/v1/progress", [this](const http::Params&) {
      nlohmann::json j;
      j["confirmed_lsn"] = Lsn{capture_stats_.confirmed_lsn.load()}.ToString();
      j["loading"] = !loaders_.empty();
      if (!loaders_.empty()) {
        LoadProgress progress;
        for (const auto& loader : loaders_) {
          auto one = loader->loop->Progress();
          if (!one.ok()) return http::Response{503, nlohmann::json{{"error", one.status().ToString()}}.dump()};
          progress.Merge(*one);
        }
        nlohmann::json partitions = nlohmann::json::array();
        for (const auto& [tp, pos] : progress.owned) {
          partitions.push_back({{"topic", tp.topic}, {"partition", tp.partition}, {"next", pos.next}, {"end", pos.end}});
        }
        j["lag"] = progress.Lag();
        j["partitions"] = std::move(partitions);
        j["assigned"] = progress.owned.size();
        j["unowned"] = progress.Unowned();
      }
      return http::Response{200, j.dump()};
    });
    if (checksummer_) RegisterChecksumRoutes(*server_, *checksummer_);
    if (absl::Status st = server_->Start(config_.http.listen); !st.ok()) {
      return absl::Status(st.code(), StrCat("http.listen: ", st.message()));
    }
    log::Info("http", "endpoint listening", {{"address", config_.http.listen}});
    return absl::OkStatus();
  }

  Config config_;
  std::string bootstrap_;
  std::unique_ptr<kafka::MockBroker> broker_;
  std::unique_ptr<CheckpointCoordinator> coordinator_;
  std::unique_ptr<CaptureStateStore> state_store_;
  std::unique_ptr<pg::PostgresSource> source_;
  std::unique_ptr<EventSerializer> serializer_;
  std::unique_ptr<registry::RegistryServer> registry_server_;  // schema_registry.url: embedded
  std::shared_ptr<SchemaRegistry> registry_;  // format avro: shared by capture's serializers and load's decoders
  SerializerPool::Factory snapshot_serializers_;  // one serializer per snapshot serializer thread
  std::unique_ptr<kafka::KafkaPublisher> publisher_;
  std::shared_ptr<duck::Database> database_;
  std::vector<std::unique_ptr<Loader>> loaders_;
  std::unique_ptr<duck::DuckDbChecksummer> checksummer_;
  std::unique_ptr<http::Server> server_;
  std::function<void(const OffsetMap&)> on_committed_;
  CaptureStats capture_stats_;
  ColumnFilter column_filter_{{}};
  LoadStats load_stats_;
  std::thread capture_thread_;
  absl::Status capture_status_;
};

absl::Status RunProcess(const Config& config, bool capture, bool load) {
  Process p;
  absl::Status st = p.Start(config, capture, load);
  if (!st.ok()) {
    StopRequested() = true;
    (void)p.Wait();
    return st;
  }
  return p.Wait();
}

}  // namespace

absl::Status RunCapture(const Config& config) { return RunProcess(config, true, false); }
absl::Status RunLoad(const Config& config) { return RunProcess(config, false, true); }
absl::Status RunAll(const Config& config) { return RunProcess(config, true, true); }

absl::Status RunDevBroker(const std::string& bootstrap_file, int partitions, const std::vector<std::string>& topics) {
  CDC_ASSIGN_OR_RETURN(auto broker, kafka::MockBroker::Start());
  for (const auto& t : topics) CDC_RETURN_IF_ERROR(broker->CreateTopic(t, partitions));
  const std::string bootstrap = broker->BootstrapServers();
  std::printf("%s\n", bootstrap.c_str());
  std::fflush(stdout);
  if (!bootstrap_file.empty()) {
    std::ofstream out(bootstrap_file);
    out << bootstrap << "\n";
    if (!out) return absl::InvalidArgumentError(StrCat("cannot write --bootstrap-file ", bootstrap_file));
  }
  log::Info("dev-broker", "embedded broker running (not durable; development only)", {{"bootstrap_servers", bootstrap}});
  while (!StopRequested()) absl::SleepFor(absl::Milliseconds(100));
  return absl::OkStatus();
}

absl::Status RunRegistry(const std::string& listen, const std::string& store_path) {
  CDC_ASSIGN_OR_RETURN(auto registry, registry::RegistryServer::Open(store_path));
  CDC_RETURN_IF_ERROR(registry->Start(listen));
  const std::string address = StrCat("http://", listen.substr(0, listen.rfind(':')), ":", registry->port());
  std::printf("%s\n", address.c_str());
  std::fflush(stdout);
  log::Info("registry", "schema registry running", {{"url", address}, {"store", store_path}});
  while (!StopRequested()) absl::SleepFor(absl::Milliseconds(100));
  return absl::OkStatus();
}

absl::Status RunPreflight(const Config& config) {
  CDC_ASSIGN_OR_RETURN(auto checks, pg::RunPreflight(config.postgres.dsn, config.postgres.slot,
                                                     config.postgres.publication, config.postgres.tables));
  int failed = 0;
  for (const auto& c : checks) {
    std::printf("%-4s %-40s %s\n", c.ok ? "OK" : "FAIL", c.name.c_str(), c.detail.c_str());
    if (!c.ok) {
      std::printf("     fix: %s\n", c.fix.c_str());
      ++failed;
    }
  }
  std::fflush(stdout);
  if (failed) return absl::FailedPreconditionError(StrCat(failed, " preflight checks failed"));
  return absl::OkStatus();
}

namespace {

// "schema.table" names, each once.
absl::StatusOr<std::vector<TableId>> ParseTableNames(const std::vector<std::string>& names) {
  std::vector<TableId> tables;
  for (const std::string& name : names) {
    std::optional<TableId> id = ParseTableId(name);
    if (!id) return absl::InvalidArgumentError(StrCat("--table '", name, "': expected schema.table"));
    if (std::find(tables.begin(), tables.end(), *id) == tables.end()) tables.push_back(*std::move(id));
  }
  return tables;
}

// InvalidArgument when the config's snapshot mode is `refused`, which
// `does` (what that mode does instead).
absl::Status RefuseSnapshotMode(const Config& config, pg::SnapshotMode refused, const char* does) {
  if (SourceOptionsFor(config).snapshot != refused) return absl::OkStatus();
  return absl::InvalidArgumentError(
      StrCat("--table: source.postgres.snapshot is '", config.postgres.snapshot, "', which ", does));
}

// Checks that capture has each of `tables`, so that a wrong name fails
// here, not in capture. Returns the session it checked on.
absl::StatusOr<std::unique_ptr<pg::Connection>> CheckTablesCaptured(const Config& config,
                                                                    const std::vector<TableId>& tables,
                                                                    const char* command) {
  const pg::PostgresSourceOptions options = SourceOptionsFor(config);
  CDC_ASSIGN_OR_RETURN(auto sql, pg::Connection::Open(config.postgres.dsn, false, command));
  CDC_ASSIGN_OR_RETURN(pg::Result exists, sql->Exec(StrCat("SELECT 1 FROM pg_publication WHERE pubname = ",
                                                       sql->Quote(config.postgres.publication)),
                                                StrCat("publication ", config.postgres.publication)));
  if (PQntuples(exists.get()) == 0) {
    return absl::FailedPreconditionError(StrCat(
        "publication ", config.postgres.publication, " does not exist yet: the first start of capture creates it "
        "and reads every table"));
  }
  CDC_ASSIGN_OR_RETURN(std::vector<TableId> captured, pg::CapturedTables(*sql, options));
  for (const TableId& t : tables) {
    if (std::find(captured.begin(), captured.end(), t) == captured.end()) {
      return absl::InvalidArgumentError(StrCat(
          "--table ", t.ToString(), ": capture does not have this table (it is not in publication ",
          config.postgres.publication, ", or table_include_list / table_exclude_list leave it out)"));
    }
  }
  return sql;
}

}  // namespace

absl::Status RunResetSnapshot(const Config& config, bool kafka_store, const std::vector<std::string>& table_names) {
  CDC_ASSIGN_OR_RETURN(std::vector<TableId> tables, ParseTableNames(table_names));
  if (!tables.empty()) {
    CDC_RETURN_IF_ERROR(RefuseSnapshotMode(config, pg::SnapshotMode::kNever, "reads no table"));
    CDC_RETURN_IF_ERROR(RefuseSnapshotMode(config, pg::SnapshotMode::kAlways, "reads every table at every start"));
    CDC_RETURN_IF_ERROR(CheckTablesCaptured(config, tables, "reset-snapshot").status());
  }
  std::unique_ptr<CaptureStateStore> store;
  std::shared_ptr<duck::Database> db;
  if (kafka_store) {
    if (config.kafka.Embedded()) {
      return absl::InvalidArgumentError("--kafka: kafka.bootstrap_servers is \"embedded\", whose state lives in the warehouse");
    }
    CDC_ASSIGN_OR_RETURN(store, kafka::KafkaCaptureStateStore::Create(
        KafkaOptionsFor(config, config.kafka.bootstrap_servers), config.kafka.topic_prefix + ".cdcpipe-capture-state"));
  } else {
    auto opened = duck::Database::Open(config.sink.duckdb_path);
    if (!opened.ok()) {
      return absl::FailedPreconditionError(StrCat(opened.status().message(), "\n(stop the pipeline first)"));
    }
    db = *opened;
    CDC_ASSIGN_OR_RETURN(store, duck::DuckDbCaptureStateStore::Create(db));
  }
  const std::string& slot = config.postgres.slot;
  if (tables.empty()) {
    CDC_RETURN_IF_ERROR(store->Clear(slot));
    std::printf("capture state of slot %s reset: the next start creates the slot if needed and takes a new snapshot\n",
                slot.c_str());
    return absl::OkStatus();
  }
  CDC_ASSIGN_OR_RETURN(std::optional<CaptureState> state, store->Load(slot));
  if (!state || (!state->completed && state->progress.empty())) {
    std::printf("nothing is recorded for slot %s yet: its next start reads every table\n", slot.c_str());
    return absl::OkStatus();
  }
  if (absl::StatusOr<pg::SnapshotPlan> pending = pg::SnapshotPlan::Parse(state->progress);
      pending.ok() && pg::IsTableSnapshotRequest(*pending)) {
    // Asked before, not started yet: the tables asked for then are read too.
    for (const pg::SnapshotTablePlan& t : pending->tables) {
      if (std::find(tables.begin(), tables.end(), t.id) == tables.end()) tables.push_back(t.id);
    }
  } else if (!state->completed) {
    return absl::FailedPreconditionError(StrCat(
        "a snapshot of slot ", slot, " is in progress: start capture to finish it, then ask for the tables again"));
  }
  // The slot and the position it may be confirmed to stay: only the tables
  // are read again, and streaming goes on from where it was.
  state->completed = false;
  state->progress = pg::TableSnapshotRequest(tables).Serialize();
  CDC_RETURN_IF_ERROR(store->Save(slot, *state));
  std::vector<std::string> names;
  for (const TableId& t : tables) names.push_back(t.ToString());
  std::printf("the next start of capture on slot %s reads %s again, then streams from the slot where it stands\n",
              slot.c_str(), absl::StrJoin(names, ", ").c_str());
  return absl::OkStatus();
}

namespace {

// Writes a signal (a transactional logical decoding message) for the
// capture of the config's slot; returns its LSN. Transactional: capture
// reads it once committed, in the order of the WAL, and acts from there.
absl::StatusOr<std::string> WriteSnapshotSignal(pg::Connection& sql, const Config& config, const char* prefix,
                                                const std::string& data) {
  const std::string& slot = config.postgres.slot;
  CDC_ASSIGN_OR_RETURN(pg::Result exists, sql.Exec(StrCat("SELECT 1 FROM pg_replication_slots WHERE slot_name = ",
                                                          sql.Quote(slot)), StrCat("replication slot ", slot)));
  if (PQntuples(exists.get()) == 0) {
    // A signal before the slot is in no WAL capture will read.
    return absl::FailedPreconditionError(StrCat("replication slot ", slot, " does not exist yet: the first start "
                                                "of capture creates it and reads every table"));
  }
  CDC_ASSIGN_OR_RETURN(pg::Result signal, sql.Exec(StrCat(
      "SELECT pg_logical_emit_message(true, ", sql.Quote(prefix), ", ", sql.Quote(data), ")"),
      StrCat(prefix, " signal")));
  return std::string(PQgetvalue(signal.get(), 0, 0));
}

}  // namespace

absl::Status RunExecuteSnapshot(const Config& config, const std::vector<std::string>& table_names, bool blocking) {
  CDC_ASSIGN_OR_RETURN(std::vector<TableId> tables, ParseTableNames(table_names));
  if (tables.empty()) return absl::InvalidArgumentError("--table: name at least one schema.table");
  CDC_RETURN_IF_ERROR(RefuseSnapshotMode(config, pg::SnapshotMode::kNever, "reads no table"));
  CDC_RETURN_IF_ERROR(RefuseSnapshotMode(config, pg::SnapshotMode::kInitialOnly, "reads once and never streams"));
  CDC_ASSIGN_OR_RETURN(auto sql, CheckTablesCaptured(config, tables, "execute-snapshot"));
  const std::string& slot = config.postgres.slot;
  CDC_ASSIGN_OR_RETURN(std::string lsn, WriteSnapshotSignal(*sql, config, pg::kExecuteSnapshotPrefix,
                                                            pg::ExecuteSnapshotSignal(tables, slot, blocking)));
  std::printf("signal written at %s: capture on slot %s reads %s again when its stream reaches it, %s\n",
              lsn.c_str(), slot.c_str(), pg::JoinTables(tables).c_str(),
              blocking ? "pausing the stream meanwhile" : "in steps between transactions of the stream");
  return absl::OkStatus();
}

absl::Status RunStopSnapshot(const Config& config, const std::vector<std::string>& table_names) {
  CDC_ASSIGN_OR_RETURN(std::vector<TableId> tables, ParseTableNames(table_names));
  CDC_ASSIGN_OR_RETURN(auto sql, CheckTablesCaptured(config, tables, "stop-snapshot"));
  const std::string& slot = config.postgres.slot;
  CDC_ASSIGN_OR_RETURN(std::string lsn, WriteSnapshotSignal(*sql, config, pg::kStopSnapshotPrefix,
                                                            pg::StopSnapshotSignal(tables, slot)));
  std::printf("signal written at %s: capture on slot %s stops reading %s in its incremental snapshot when its "
              "stream reaches it (the log says what it stopped)\n",
              lsn.c_str(), slot.c_str(), tables.empty() ? "every table" : pg::JoinTables(tables).c_str());
  return absl::OkStatus();
}

absl::Status RunPauseSnapshot(const Config& config, bool pause) {
  CDC_ASSIGN_OR_RETURN(auto sql, CheckTablesCaptured(config, {}, pause ? "pause-snapshot" : "resume-snapshot"));
  const std::string& slot = config.postgres.slot;
  CDC_ASSIGN_OR_RETURN(std::string lsn, WriteSnapshotSignal(*sql, config,
                                                            pause ? pg::kPauseSnapshotPrefix : pg::kResumeSnapshotPrefix,
                                                            pg::SnapshotControlSignal(slot)));
  std::printf("signal written at %s: capture on slot %s %s its incremental snapshot when its stream reaches it "
              "(the log says whether one was being read)\n",
              lsn.c_str(), slot.c_str(), pause ? "pauses" : "resumes");
  return absl::OkStatus();
}

absl::Status RunShow(const Config& config, int limit) {
  auto db = duck::Database::Open(config.sink.duckdb_path, /*read_only=*/true);
  if (!db.ok()) {
    return absl::FailedPreconditionError(StrCat(db.status().message(),
                                                "\n(stop the cdcpipe process that holds it, then run show again)"));
  }
  CDC_ASSIGN_OR_RETURN(std::vector<TableId> tables, duck::ListTables(**db));
  for (const TableId& t : tables) {
    CDC_ASSIGN_OR_RETURN(std::string text, duck::RenderTable(**db, t, limit));
    std::printf("%s\n", text.c_str());
  }
  std::fflush(stdout);
  return absl::OkStatus();
}

}  // namespace cdc
