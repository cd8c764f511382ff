#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "registry/confluent/registry_client.h"
#include "registry/confluent/registry_server.h"

namespace cdc::registry {
namespace {

// An endpoint with the default timeouts and no credentials.
http::Endpoint EndpointAt(std::string url) {
  http::Endpoint endpoint;
  endpoint.url = std::move(url);
  return endpoint;
}

using nlohmann::json;

class SchemaRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::filesystem::temp_directory_path() /
             ("cdcpipe-registry-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".jsonl");
    std::filesystem::remove(store_);
    StartServer();
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove(store_);
  }
  void StartServer() {
    auto server = RegistryServer::Open(store_.string());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    ASSERT_TRUE(server_->Start("127.0.0.1:0").ok());
  }
  http::Endpoint Endpoint() const { return EndpointAt("http://127.0.0.1:" + std::to_string(server_->port())); }

  std::filesystem::path store_;
  std::unique_ptr<RegistryServer> server_;
};

const std::string kKey = R"({"type":"record","name":"Key","namespace":"shop.public.users","fields":[{"name":"id","type":"int"}]})";
const std::string kKey2 = R"({"type":"record","name":"Key","namespace":"shop.public.users","fields":[{"name":"id","type":"long"}]})";

TEST_F(SchemaRegistryTest, RegistersIdempotentlyAndResolvesIds) {
  ConfluentRegistryClient client(Endpoint());
  auto id = client.Register("shop.public.users-key", kKey);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, 1);
  // Ids are global: the same schema under another subject keeps its id.
  ConfluentRegistryClient other(Endpoint());
  EXPECT_EQ(*other.Register("shop.public.users-key", kKey), 1);
  EXPECT_EQ(*other.Register("other-key", kKey), 1);
  EXPECT_EQ(*other.Register("shop.public.users-key", kKey2), 2);

  auto schema = other.SchemaById(2);
  ASSERT_TRUE(schema.ok());
  EXPECT_EQ(json::parse(*schema), json::parse(kKey2));
  EXPECT_EQ(other.SchemaById(9).status().code(), absl::StatusCode::kNotFound);

  // The REST resources a Confluent client would read.
  auto versions = http::Send(Endpoint(), "GET", "/subjects/shop.public.users-key/versions");
  ASSERT_TRUE(versions.ok());
  EXPECT_EQ(json::parse(versions->body), json::parse("[1,2]"));
  auto latest = http::Send(Endpoint(), "GET", "/subjects/shop.public.users-key/versions/latest");
  EXPECT_EQ(json::parse(latest->body)["id"], 2);
  auto subjects = http::Send(Endpoint(), "GET", "/subjects");
  EXPECT_EQ(json::parse(subjects->body), json::parse(R"(["other-key","shop.public.users-key"])"));
  auto lookup = http::Send(Endpoint(), "POST", "/subjects/other-key", json{{"schema", kKey}}.dump(), "application/json");
  EXPECT_EQ(json::parse(lookup->body)["version"], 1);
  auto missing = http::Send(Endpoint(), "GET", "/subjects/nope/versions");
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(json::parse(missing->body)["error_code"], 40401);
}

TEST_F(SchemaRegistryTest, IdsSurviveARestartFromTheStore) {
  {
    ConfluentRegistryClient client(Endpoint());
    ASSERT_TRUE(client.Register("a-value", kKey).ok());
    ASSERT_TRUE(client.Register("a-value", kKey2).ok());
  }
  server_.reset();
  StartServer();
  ConfluentRegistryClient client(Endpoint());
  EXPECT_EQ(*client.Register("a-value", kKey2), 2);
  EXPECT_EQ(*client.Register("b-value", "\"string\""), 3);
  EXPECT_EQ(json::parse(*client.SchemaById(1)), json::parse(kKey));
}

TEST_F(SchemaRegistryTest, ErrorsNameTheSubjectOrTheStore) {
  ConfluentRegistryClient client(Endpoint());
  auto bad = client.Register("shop.public.users-value", "{not json");
  ASSERT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("shop.public.users-value"), std::string::npos);
  EXPECT_NE(bad.status().message().find("42201"), std::string::npos);

  const int port = server_->port();
  server_.reset();
  ConfluentRegistryClient down(EndpointAt("http://127.0.0.1:" + std::to_string(port)), /*attempts=*/1);
  EXPECT_EQ(down.Register("x-value", kKey).status().code(), absl::StatusCode::kUnavailable);
  ConfluentRegistryClient not_http(EndpointAt("ftp://127.0.0.1:1"), 1);
  EXPECT_FALSE(not_http.Register("x-value", kKey).ok());

  std::ofstream(store_, std::ios::app) << "garbage\n";
  auto damaged = RegistryServer::Open(store_.string());
  ASSERT_FALSE(damaged.ok());
  EXPECT_NE(damaged.status().message().find(store_.string()), std::string::npos);
}

// Levels are set per subject (or globally) as on Confluent's registry; a
// schema the level refuses is a 409 that names the subject and the field,
// which the client turns into FailedPrecondition; levels survive a restart.
TEST_F(SchemaRegistryTest, RefusesWhatTheSubjectsLevelForbidsAndKeepsLevels) {
  ConfluentRegistryClient client(Endpoint());
  ASSERT_TRUE(client.Register("shop.public.users-key", kKey2).ok());  // id: long
  auto global = http::Send(Endpoint(), "GET", "/config");
  ASSERT_TRUE(global.ok());
  EXPECT_EQ(json::parse(global->body)["compatibilityLevel"], "NONE");

  auto bad_level = http::Send(Endpoint(), "PUT", "/config/shop.public.users-key", R"({"compatibility":"SOMETIMES"})",
                              "application/json");
  ASSERT_TRUE(bad_level.ok());
  EXPECT_EQ(json::parse(bad_level->body)["error_code"], 42203);
  auto put = http::Send(Endpoint(), "PUT", "/config/shop.public.users-key", R"({"compatibility":"BACKWARD"})",
                        "application/json");
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(json::parse(put->body)["compatibility"], "BACKWARD");

  // id back to int: the new schema cannot read the long ids written before.
  auto test = http::Send(Endpoint(), "POST", "/compatibility/subjects/shop.public.users-key/versions/latest",
                         json{{"schema", kKey}}.dump(), "application/json");
  ASSERT_TRUE(test.ok());
  EXPECT_EQ(json::parse(test->body)["is_compatible"], false) << test->body;
  auto refused = client.Register("shop.public.users-key", kKey);
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  for (const char* part : {"shop.public.users-key", "409", "'id'"}) {
    EXPECT_NE(refused.status().message().find(part), std::string::npos) << part << ": " << refused.status();
  }
  // Other subjects keep the global level.
  EXPECT_TRUE(client.Register("other-key", kKey2).ok());
  EXPECT_TRUE(client.Register("other-key", kKey).ok());

  server_.reset();
  StartServer();
  ConfluentRegistryClient again(Endpoint());
  auto level = http::Send(Endpoint(), "GET", "/config/shop.public.users-key");
  ASSERT_TRUE(level.ok());
  EXPECT_EQ(json::parse(level->body)["compatibilityLevel"], "BACKWARD");
  EXPECT_EQ(again.Register("shop.public.users-key", kKey).status().code(), absl::StatusCode::kFailedPrecondition);
  auto removed = http::Send(Endpoint(), "DELETE", "/config/shop.public.users-key");
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(json::parse(removed->body)["compatibilityLevel"], "BACKWARD");
  auto registered = again.Register("shop.public.users-key", kKey);
  EXPECT_TRUE(registered.ok()) << registered.status();
}

TEST(RegistryReplyStatus, MapsEachHttpStatusToTheErrorModel) {
  const struct {
    int status;
    absl::StatusCode code;
  } cases[] = {
      {200, absl::StatusCode::kOk},
      {401, absl::StatusCode::kPermissionDenied},
      {403, absl::StatusCode::kPermissionDenied},
      {404, absl::StatusCode::kNotFound},
      {409, absl::StatusCode::kFailedPrecondition},
      {422, absl::StatusCode::kInvalidArgument},
      {400, absl::StatusCode::kInvalidArgument},
      {500, absl::StatusCode::kUnavailable},
      {503, absl::StatusCode::kUnavailable},
  };
  for (const auto& c : cases) {
    const absl::Status st = RegistryReplyStatus({c.status, R"({"error_code":40401,"message":"Subject not found."})"},
                                                "subject 'a-value'");
    EXPECT_EQ(st.code(), c.code) << c.status;
    if (!st.ok()) {
      EXPECT_NE(st.message().find("subject 'a-value'"), std::string::npos) << st;
      EXPECT_NE(st.message().find("Subject not found."), std::string::npos) << st;
    }
  }
  // A body that is not the registry's error shape is quoted as it is.
  EXPECT_NE(RegistryReplyStatus({502, "<html>bad gateway</html>"}, "schema id 3").message().find("bad gateway"),
            std::string::npos);
}

}  // namespace
}  // namespace cdc::registry
