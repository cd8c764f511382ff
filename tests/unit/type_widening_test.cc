#include <gtest/gtest.h>

#include "sink/duckdb/duckdb_sink.h"

namespace cdc::duck {
namespace {

TEST(TypeWidening, HoldsOnlyWhatItCanRepresentExactly) {
  EXPECT_TRUE(TypeHolds("BIGINT", "INTEGER"));
  EXPECT_FALSE(TypeHolds("INTEGER", "BIGINT"));
  EXPECT_TRUE(TypeHolds("DECIMAL(20,4)", "DECIMAL(10,2)"));
  EXPECT_FALSE(TypeHolds("DECIMAL(10,6)", "DECIMAL(20,4)"));  // fewer integer digits
  EXPECT_FALSE(TypeHolds("DECIMAL(12,1)", "DECIMAL(12,2)"));  // less scale
  EXPECT_TRUE(TypeHolds("DECIMAL(18,0)", "INTEGER"));
  EXPECT_FALSE(TypeHolds("DECIMAL(9,0)", "INTEGER"));
  EXPECT_TRUE(TypeHolds("DOUBLE", "FLOAT"));
  EXPECT_TRUE(TypeHolds("DOUBLE", "INTEGER"));
  EXPECT_FALSE(TypeHolds("DOUBLE", "BIGINT"));  // not exact above 2^53
  EXPECT_TRUE(TypeHolds("VARCHAR", "TIMESTAMP WITH TIME ZONE"));
  EXPECT_FALSE(TypeHolds("INTEGER", "VARCHAR"));
  EXPECT_TRUE(TypeHolds("BIGINT[]", "INTEGER[]"));
  EXPECT_FALSE(TypeHolds("DATE", "TIMESTAMP"));
}

}  // namespace
}  // namespace cdc::duck
