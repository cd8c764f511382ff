#include "core/buffer_pool.h"

#include <gtest/gtest.h>

#include <thread>

namespace cdc {
namespace {

std::string Buffer(size_t capacity) {
  std::string s;
  s.reserve(capacity);
  s = "contents";
  return s;
}

// (An initializer list would copy the strings, without their capacity.)
std::vector<std::string> Buffers(std::initializer_list<size_t> capacities) {
  std::vector<std::string> v;
  for (size_t c : capacities) v.push_back(Buffer(c));
  return v;
}

TEST(BufferPool, GivesBuffersBackEmptyWithTheirCapacity) {
  BufferPool pool(1 << 20, 1 << 16);
  std::vector<std::string> given = Buffers({4000, 5000});
  pool.GiveAll(given);
  EXPECT_TRUE(given.empty());
  EXPECT_GE(pool.Bytes(), 9000u);
  std::vector<std::string> taken;
  pool.TakeUpTo(5, taken);
  ASSERT_EQ(taken.size(), 2u);
  for (const auto& s : taken) {
    EXPECT_TRUE(s.empty());
    EXPECT_GE(s.capacity(), 4000u);
  }
  EXPECT_EQ(pool.Bytes(), 0u);
}

TEST(BufferPool, KeepsNoMoreThanItsBytesNorAnyBufferOverItsLimit) {
  BufferPool pool(10000, 6000);
  std::vector<std::string> given = Buffers({4000, 7000, 4000, 4000});
  given.push_back("short");
  pool.GiveAll(given);
  // The 7000-byte buffer is over the limit, the third 4000 would pass
  // 10000 bytes, and a short string has no memory of its own.
  std::vector<std::string> taken;
  pool.TakeUpTo(10, taken);
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_LE(taken[0].capacity() + taken[1].capacity(), 10000u);
}

TEST(BufferPoolClient, GoesToThePoolOnlyInBunchesAndFlushesWhenDone) {
  BufferPool pool(1 << 20, 1 << 16);
  {
    BufferPoolClient giver(&pool, 4);
    for (int i = 0; i < 3; ++i) giver.Give(Buffer(1000));
    EXPECT_EQ(pool.Bytes(), 0u);  // not a whole bunch yet
    giver.Give(Buffer(1000));
    EXPECT_GE(pool.Bytes(), 4000u);
    giver.Give(Buffer(1000));
  }  // the fifth goes back when the client is destroyed
  BufferPoolClient taker(&pool, 4);
  for (int i = 0; i < 5; ++i) EXPECT_GE(taker.Take().capacity(), 1000u);
  EXPECT_LE(taker.Take().capacity(), std::string().capacity());  // pool empty: a fresh string
}

TEST(BufferPoolClient, WithoutAPoolMakesFreshStrings) {
  BufferPoolClient client(nullptr);
  client.Give(Buffer(1000));
  EXPECT_LE(client.Take().capacity(), std::string().capacity());
}

TEST(BufferPool, BuffersCrossThreadsWithoutLoss) {
  BufferPool pool(1 << 30, 1 << 16);
  constexpr int kRounds = 20000;
  std::thread giver([&] {
    BufferPoolClient client(&pool, 16);
    for (int i = 0; i < kRounds; ++i) client.Give(Buffer(100 + i % 50));
  });
  size_t reused = 0;
  {
    BufferPoolClient taker(&pool, 16);
    for (int i = 0; i < kRounds; ++i) reused += taker.Take().capacity() >= 100 ? 1 : 0;
  }
  giver.join();
  std::vector<std::string> rest;
  pool.TakeUpTo(kRounds, rest);
  // Every buffer given was either taken once or is still in the pool.
  EXPECT_EQ(reused + rest.size(), static_cast<size_t>(kRounds));
}

}  // namespace
}  // namespace cdc
