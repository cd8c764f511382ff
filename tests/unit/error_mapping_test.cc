// Third-party errors become Status codes that carry the retry decision
// (STYLE.md "Errors"): one table-tested function per adapter.
#include <gtest/gtest.h>

#include "sink/duckdb/duckdb_connection.h"
#include "source/postgres/pg_connection.h"
#include "transport/kafka/kafka_common.h"

namespace cdc {
namespace {

TEST(ErrorMapping, PostgresSqlStates) {
  struct Case {
    const char* sqlstate;
    absl::StatusCode code;
  } cases[] = {
      {"", absl::StatusCode::kUnavailable},           // no answer from the server
      {"08006", absl::StatusCode::kUnavailable},      // connection failure
      {"57P01", absl::StatusCode::kUnavailable},      // admin shutdown
      {"55006", absl::StatusCode::kUnavailable},      // slot still held by a dying walsender
      {"40001", absl::StatusCode::kUnavailable},      // serialization failure
      {"53400", absl::StatusCode::kFailedPrecondition},  // all replication slots in use
      {"42501", absl::StatusCode::kFailedPrecondition},  // insufficient privilege
      {"42P01", absl::StatusCode::kFailedPrecondition},  // undefined table
      {"28P01", absl::StatusCode::kFailedPrecondition},  // bad password
      {"22P02", absl::StatusCode::kInvalidArgument},     // bad text representation
      {"XX000", absl::StatusCode::kInternal},
  };
  for (const auto& c : cases) {
    absl::Status st = pg::StatusFromSqlState(c.sqlstate, "boom\n", "slot s1");
    EXPECT_EQ(st.code(), c.code) << c.sqlstate;
    EXPECT_NE(std::string(st.message()).find("slot s1: boom"), std::string::npos) << st;
  }
}

TEST(ErrorMapping, KafkaErrors) {
  EXPECT_TRUE(kafka::StatusFromKafkaError(RD_KAFKA_RESP_ERR_NO_ERROR, "x").ok());
  EXPECT_EQ(kafka::StatusFromKafkaError(RD_KAFKA_RESP_ERR__QUEUE_FULL, "x").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(kafka::StatusFromKafkaError(RD_KAFKA_RESP_ERR__TRANSPORT, "x").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(kafka::StatusFromKafkaError(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION, "x").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(kafka::StatusFromKafkaError(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, "x").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(kafka::StatusFromKafkaError(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, "x").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(kafka::StatusFromKafkaError(RD_KAFKA_RESP_ERR__FATAL, "x").code(), absl::StatusCode::kDataLoss);
  absl::Status st = kafka::StatusFromKafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, "produce to topic t");
  EXPECT_NE(std::string(st.message()).find("produce to topic t"), std::string::npos);
}

TEST(ErrorMapping, DuckDbErrors) {
  EXPECT_EQ(duck::StatusFromDuckDbError(DUCKDB_ERROR_TRANSACTION, "conflict", "t").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(duck::StatusFromDuckDbError(DUCKDB_ERROR_IO, "disk", "t").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(duck::StatusFromDuckDbError(DUCKDB_ERROR_CONVERSION, "cast", "t").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(duck::StatusFromDuckDbError(DUCKDB_ERROR_CATALOG, "no table", "t").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(duck::StatusFromDuckDbError(DUCKDB_ERROR_FATAL, "bad", "t").code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace cdc
