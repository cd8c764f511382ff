#pragma once
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

namespace cdc {

/// Spare string buffers, handed back from where message values are freed
/// (the publisher, once a delivery report says the broker has them) to where
/// values are built (serializers, on other threads). A snapshot builds and
/// frees a ~3.5 KB value per row; allocating on one thread and freeing on
/// another costs the allocator its slow path on both sides, and fresh pages
/// for every batch, which reused buffers do not.
///
/// Thread-safe. Buffers move in and out in bunches, so that the lock is taken
/// once per bunch, not once per message. Memory stays bounded: the pool keeps
/// at most `max_bytes` of capacity, and no buffer larger than
/// `max_buffer_bytes` (a huge value is freed, not kept for small ones).
class BufferPool {
 public:
  BufferPool(size_t max_bytes, size_t max_buffer_bytes)
      : max_bytes_(max_bytes), max_buffer_bytes_(max_buffer_bytes) {}

  /// Moves up to `n` spare buffers (empty, with their capacity) to the end
  /// of `out`; none when the pool is empty.
  void TakeUpTo(size_t n, std::vector<std::string>& out);
  /// Keeps the buffers of `buffers` that fit, frees the others; leaves
  /// `buffers` empty.
  void GiveAll(std::vector<std::string>& buffers);

  /// Capacity kept now, in bytes.
  size_t Bytes() const;

  /// Whether `buffer` holds memory of its own (a short string lives inside
  /// the object, and reusing it saves nothing).
  static bool WorthKeeping(const std::string& buffer) { return buffer.capacity() > std::string().capacity(); }

 private:
  const size_t max_bytes_;
  const size_t max_buffer_bytes_;
  mutable std::mutex mu_;
  std::vector<std::string> spare_;
  size_t bytes_ = 0;
};

/// One thread's end of a BufferPool: takes and gives one buffer at a time,
/// and goes to the pool only for a bunch. Not thread-safe; a null pool
/// makes Take return fresh strings and Give free them.
class BufferPoolClient {
 public:
  explicit BufferPoolClient(BufferPool* pool, size_t bunch = 64) : pool_(pool), bunch_(bunch) {}
  ~BufferPoolClient() { Flush(); }
  BufferPoolClient(const BufferPoolClient&) = delete;
  BufferPoolClient& operator=(const BufferPoolClient&) = delete;

  /// An empty buffer, with the capacity of one given back when there is one.
  std::string Take() {
    if (taken_.empty() && pool_ != nullptr) pool_->TakeUpTo(bunch_, taken_);
    if (taken_.empty()) return {};
    std::string s = std::move(taken_.back());
    taken_.pop_back();
    return s;
  }
  /// Hands `buffer` back (its contents are dropped).
  void Give(std::string&& buffer) {
    if (pool_ == nullptr || !BufferPool::WorthKeeping(buffer)) return;
    given_.push_back(std::move(buffer));
    if (given_.size() >= bunch_) pool_->GiveAll(given_);
  }
  /// Hands back whatever this end still holds.
  void Flush() {
    if (pool_ == nullptr) return;
    pool_->GiveAll(given_);
    pool_->GiveAll(taken_);
  }

 private:
  BufferPool* pool_;
  const size_t bunch_;
  std::vector<std::string> taken_;
  std::vector<std::string> given_;
};

}  // namespace cdc
