#include "core/buffer_pool.h"

namespace cdc {

void BufferPool::TakeUpTo(size_t n, std::vector<std::string>& out) {
  std::lock_guard lock(mu_);
  while (n-- > 0 && !spare_.empty()) {
    bytes_ -= spare_.back().capacity();
    out.push_back(std::move(spare_.back()));
    spare_.pop_back();
  }
}

void BufferPool::GiveAll(std::vector<std::string>& buffers) {
  {
    std::lock_guard lock(mu_);
    for (std::string& b : buffers) {
      const size_t capacity = b.capacity();
      if (!WorthKeeping(b) || capacity > max_buffer_bytes_ || bytes_ + capacity > max_bytes_) continue;
      b.clear();
      bytes_ += capacity;
      spare_.push_back(std::move(b));
    }
  }
  // The buffers not kept are freed here, outside the lock.
  buffers.clear();
}

size_t BufferPool::Bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

}  // namespace cdc
