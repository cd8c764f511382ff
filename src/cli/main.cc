// cdcpipe command line: parses flags, loads the config, runs a subcommand,
// and maps its Status to an exit code (0 ok, 1 failure, 2 bad config/usage,
// 3 verify mismatch).
#include <csignal>
#include <cstdio>
#include <optional>

#include "CLI/CLI.hpp"
#include "config/config.h"
#include "core/log.h"
#include "core/version.h"
#include "pipeline/commands.h"

namespace {

void OnSignal(int) { cdc::StopRequested() = true; }

int ExitCode(const absl::Status& st, const char* command) {
  if (st.ok()) return 0;
  if (absl::IsInvalidArgument(st)) {
    std::fprintf(stderr, "cdcpipe %s: %s\n", command, std::string(st.message()).c_str());
    return 2;
  }
  cdc::log::Error("cli", "command failed", {{"command", command}, {"code", absl::StatusCodeToString(st.code())},
                                            {"error", std::string(st.message())}});
  if (absl::IsDataLoss(st) && std::string(command) == "verify") return 3;
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cdcpipe: PostgreSQL -> Kafka -> warehouse change data capture"};
  app.set_version_flag("--version", std::string("cdcpipe ") + cdc::kVersion);
  app.require_subcommand(1);
  app.fallthrough();  // global flags may follow the subcommand
  std::string config_path, log_level, log_format = "auto";
  app.add_option("--log-level", log_level, "debug | info | warn | error (overrides log.level)");
  app.add_option("--log-format", log_format, "auto | json | text")->check(CLI::IsMember({"auto", "json", "text"}));

  auto add_config = [&](CLI::App* sub) { sub->add_option("-c,--config", config_path, "YAML config file")->required(); };
  CLI::App* run = app.add_subcommand("run", "capture and load in one process (the embedded default)");
  CLI::App* capture = app.add_subcommand("capture", "stream PostgreSQL changes into Kafka");
  CLI::App* load = app.add_subcommand("load", "apply Kafka change events to the warehouse");
  CLI::App* verify = app.add_subcommand("verify", "compare source tables with warehouse tables");
  CLI::App* broker = app.add_subcommand("dev-broker", "run an embedded (mock, not durable) Kafka broker");
  CLI::App* show = app.add_subcommand("show", "print the newest rows of each warehouse table");
  CLI::App* preflight = app.add_subcommand("preflight", "check that PostgreSQL is ready for capture");
  CLI::App* reset = app.add_subcommand("reset-snapshot", "forget the initial snapshot so the next start takes a new one");
  bool reset_kafka = false;
  reset->add_flag("--kafka", reset_kafka, "the state of `capture` (in Kafka) rather than of `run` (in the warehouse)");
  std::vector<std::string> reset_tables;
  reset->add_option("--table", reset_tables,
                    "schema.table to read again at the next start, keeping the slot (repeatable); without it, "
                    "every table and a new slot if the old one is gone");
  CLI::App* execute = app.add_subcommand(
      "execute-snapshot", "ask a running capture to read chosen tables again (Debezium's execute-snapshot signal)");
  std::vector<std::string> execute_tables;
  execute->add_option("--table", execute_tables, "schema.table to read again (repeatable)")->required();
  bool execute_blocking = false;
  execute->add_flag("--blocking", execute_blocking,
                    "pause the stream while the tables are read (default: read them in steps between its transactions)");
  CLI::App* stop_snapshot = app.add_subcommand(
      "stop-snapshot", "ask a running capture to stop its incremental snapshot (Debezium's stop-snapshot signal)");
  std::vector<std::string> stop_tables;
  stop_snapshot->add_option("--table", stop_tables, "schema.table to stop reading (repeatable; default: every table)");
  CLI::App* pause_snapshot = app.add_subcommand(
      "pause-snapshot", "ask a running capture to pause its incremental snapshot (the stream goes on)");
  CLI::App* resume_snapshot = app.add_subcommand(
      "resume-snapshot", "ask a running capture to resume its paused incremental snapshot");
  CLI::App* registry = app.add_subcommand("registry", "run a Confluent-compatible Schema Registry (Avro)");
  std::string registry_listen = "127.0.0.1:8081", registry_store = "cdcpipe-registry.jsonl";
  registry->add_option("--listen", registry_listen, "host:port to serve on (port 0: any free one)")->default_val(registry_listen);
  registry->add_option("--store", registry_store, "file that keeps the schemas (append-only)")->default_val(registry_store);
  CLI::App* settings = app.add_subcommand("config-keys", "list every configuration key");
  for (CLI::App* s : {run, capture, load, verify, show, preflight, reset, execute, stop_snapshot, pause_snapshot,
                       resume_snapshot}) {
    add_config(s);
  }
  int show_limit = 5;
  show->add_option("--limit", show_limit, "rows per table")->default_val(5);
  std::optional<std::string> http_listen;
  for (CLI::App* s : {run, capture, load, verify}) {
    s->add_option("--http-listen", http_listen, "override http.listen (\"\" turns the endpoint off)");
  }
  cdc::VerifyOptions verify_options;
  verify->add_option("--timeout", verify_options.timeout_seconds, "seconds to wait for the pipeline to catch up")
      ->default_val(120);
  std::string bootstrap_file;
  int partitions = 4;
  std::vector<std::string> topics;
  broker->add_option("--bootstrap-file", bootstrap_file, "also write the bootstrap servers here");
  broker->add_option("--partitions", partitions, "partitions of --topic topics")->default_val(4);
  broker->add_option("--topic", topics, "topic to create up front (repeatable)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);
  auto format = log_format == "json" ? cdc::log::Format::kJson
                : log_format == "text" ? cdc::log::Format::kText : cdc::log::Format::kAuto;
  cdc::log::Level level = cdc::log::Level::kInfo;
  if (!log_level.empty() && !cdc::log::ParseLevel(log_level, level)) {
    std::fprintf(stderr, "cdcpipe: --log-level must be debug, info, warn or error\n");
    return 2;
  }
  cdc::log::Init(level, format);

  if (*settings) {
    std::printf("%s", cdc::DescribeSettings().c_str());
    return 0;
  }
  if (*broker) return ExitCode(cdc::RunDevBroker(bootstrap_file, partitions, topics), "dev-broker");
  if (*registry) return ExitCode(cdc::RunRegistry(registry_listen, registry_store), "registry");

  cdc::ConfigNeeds needs;
  if (*load || *show) needs.source = false;
  if (*show || *execute || *stop_snapshot || *pause_snapshot || *resume_snapshot) needs.kafka = false;
  auto config = cdc::LoadConfigFile(config_path, needs);
  if (!config.ok()) {
    std::fprintf(stderr, "cdcpipe: %s\n", std::string(config.status().message()).c_str());
    return 2;
  }
  if (http_listen) config->http.listen = *http_listen;
  if (log_level.empty()) {
    cdc::log::ParseLevel(config->log_level, level);
    cdc::log::Init(level, format);
  }
  if (*run) return ExitCode(cdc::RunAll(*config), "run");
  if (*capture) return ExitCode(cdc::RunCapture(*config), "capture");
  if (*load) return ExitCode(cdc::RunLoad(*config), "load");
  if (*verify) return ExitCode(cdc::RunVerify(*config, verify_options), "verify");
  if (*show) return ExitCode(cdc::RunShow(*config, show_limit), "show");
  if (*preflight) return ExitCode(cdc::RunPreflight(*config), "preflight");
  if (*reset) return ExitCode(cdc::RunResetSnapshot(*config, reset_kafka, reset_tables), "reset-snapshot");
  if (*execute) return ExitCode(cdc::RunExecuteSnapshot(*config, execute_tables, execute_blocking), "execute-snapshot");
  if (*stop_snapshot) return ExitCode(cdc::RunStopSnapshot(*config, stop_tables), "stop-snapshot");
  if (*pause_snapshot) return ExitCode(cdc::RunPauseSnapshot(*config, true), "pause-snapshot");
  if (*resume_snapshot) return ExitCode(cdc::RunPauseSnapshot(*config, false), "resume-snapshot");
  return 2;
}
