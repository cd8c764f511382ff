#include "pipeline/serializer_pool.h"

#include "core/thread_name.h"

namespace cdc {

SerializerPool::SerializerPool(const Factory& factory, int threads, size_t batch_events)
    : batch_events_(std::max<size_t>(batch_events, 1)) {
  for (int i = 0; i < std::max(threads, 1); ++i) serializers_.push_back(factory());
  for (auto& s : serializers_) {
    threads_.emplace_back([this, s = s.get()] {
      NameThisThread("cdc-serialize");
      Work(*s);
    });
  }
}

SerializerPool::~SerializerPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  work_.notify_all();
  for (auto& t : threads_) t.join();
}

void SerializerPool::Add(ChangeEvent event) {
  if (!filling_) {
    filling_ = std::make_unique<Batch>();
    filling_->events.reserve(batch_events_);
  }
  filling_->events.push_back(std::move(event));
  if (filling_->events.size() == batch_events_) Seal();
}

void SerializerPool::Seal() {
  if (!filling_) return;
  Batch* b = filling_.get();
  order_.push_back(std::move(filling_));
  {
    std::lock_guard lock(mu_);
    todo_.push_back(b);
  }
  work_.notify_one();
}

std::optional<absl::StatusOr<std::vector<OutgoingMessage>>> SerializerPool::Take(bool wait) {
  if (order_.empty()) return std::nullopt;
  Batch& b = *order_.front();
  {
    std::unique_lock lock(mu_);
    if (!wait && !b.done) return std::nullopt;
    done_.wait(lock, [&] { return b.done; });
  }
  std::unique_ptr<Batch> taken = std::move(order_.front());
  order_.pop_front();
  if (!taken->status.ok()) return absl::StatusOr<std::vector<OutgoingMessage>>(taken->status);
  return absl::StatusOr<std::vector<OutgoingMessage>>(std::move(taken->messages));
}

void SerializerPool::Work(EventSerializer& serializer) {
  while (true) {
    Batch* b = nullptr;
    {
      std::unique_lock lock(mu_);
      work_.wait(lock, [&] { return stop_ || !todo_.empty(); });
      if (stop_) return;
      b = todo_.front();
      todo_.pop_front();
    }
    b->messages.reserve(b->events.size());
    for (const ChangeEvent& e : b->events) {
      b->status = serializer.Serialize(e, b->messages);
      if (!b->status.ok()) break;
    }
    // The rows are not needed any more: free them here, off the caller's thread.
    std::vector<ChangeEvent>().swap(b->events);
    {
      std::lock_guard lock(mu_);
      b->done = true;
    }
    done_.notify_all();
  }
}

}  // namespace cdc
