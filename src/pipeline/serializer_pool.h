#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/change_event.h"
#include "core/event_serializer.h"
#include "core/message.h"
#include "core/status.h"

namespace cdc {

/// Serializes change events on worker threads and gives their messages
/// back in the order the events were added. Serializing is most of the
/// capture thread's work during a snapshot, and snapshot rows depend on
/// nothing but themselves (no transaction state), so they can be spread
/// over threads; the caller still publishes every message from one thread,
/// in order, which keeps per-key order and the chunk durability accounting
/// (CaptureLoop) exactly as without the pool.
///
/// Each worker owns a serializer from `factory` (EventSerializer is not
/// thread-safe). Add, Seal and Take are called from one thread.
class SerializerPool {
 public:
  using Factory = std::function<std::unique_ptr<EventSerializer>()>;

  SerializerPool(const Factory& factory, int threads, size_t batch_events);
  /// Stops the workers; batches not taken are dropped.
  ~SerializerPool();

  /// Queues `event`; a full batch goes to the workers.
  void Add(ChangeEvent event);
  /// Hands the partial batch, if any, to the workers.
  void Seal();
  /// Batches handed to the workers and not yet taken.
  size_t Outstanding() const { return order_.size(); }
  /// The messages of the oldest batch handed to the workers, in event
  /// order; nullopt when there is none, or when `wait` is false and it is
  /// not serialized yet. An error is the first event of the batch that
  /// failed (InvalidArgument from the serializer).
  std::optional<absl::StatusOr<std::vector<OutgoingMessage>>> Take(bool wait);

 private:
  struct Batch {
    std::vector<ChangeEvent> events;
    std::vector<OutgoingMessage> messages;
    absl::Status status;
    bool done = false;
  };
  void Work(EventSerializer& serializer);

  const size_t batch_events_;
  std::unique_ptr<Batch> filling_;
  std::deque<std::unique_ptr<Batch>> order_;  // handed out, oldest first (caller's thread only)

  std::mutex mu_;
  std::condition_variable work_;  // todo_ has a batch, or stopping
  std::condition_variable done_;  // a batch is done
  std::deque<Batch*> todo_;
  bool stop_ = false;
  std::vector<std::unique_ptr<EventSerializer>> serializers_;
  std::vector<std::thread> threads_;
};

}  // namespace cdc
