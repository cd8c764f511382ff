#pragma once
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>

#include "core/status.h"

namespace cdc {

/// Runs jobs one at a time on a thread of its own, so that the caller goes
/// on while one runs (load decodes the next batch while the warehouse
/// applies this one). The first failure sticks: later jobs are not started.
class JobThread {
 public:
  /// `name` names the thread (NameThisThread).
  explicit JobThread(std::string_view name);
  /// Waits for the running job, then ends the thread.
  ~JobThread();
  JobThread(const JobThread&) = delete;
  JobThread& operator=(const JobThread&) = delete;

  /// Idle and status are asked by load once a message: they read atomics,
  /// not the mutex.
  bool Idle() const { return !busy_.load(std::memory_order_acquire); }
  /// Waits until no job runs, then starts `job` unless an earlier one failed.
  absl::Status Start(std::function<absl::Status()> job);
  /// Waits until no job runs; the first failure, if any.
  absl::Status Wait();
  /// The first failure so far, without waiting.
  absl::Status status();

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::function<absl::Status()> job_;  // set while a job waits or runs
  bool ending_ = false;
  absl::Status status_;
  std::atomic<bool> busy_ = false;    // job_ is set; written under mu_
  std::atomic<bool> failed_ = false;  // status_ is an error; written under mu_
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace cdc
