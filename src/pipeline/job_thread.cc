#include "pipeline/job_thread.h"

#include <string>

#include "core/thread_name.h"

namespace cdc {

JobThread::JobThread(std::string_view name)
    : thread_([this, name = std::string(name)] {
        NameThisThread(name);
        Loop();
      }) {}

JobThread::~JobThread() {
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !job_; });
    ending_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

absl::Status JobThread::Start(std::function<absl::Status()> job) {
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !job_; });
    if (!status_.ok()) return status_;
    job_ = std::move(job);
    busy_ = true;
  }
  cv_.notify_all();
  return absl::OkStatus();
}

absl::Status JobThread::Wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !job_; });
  return status_;
}

absl::Status JobThread::status() {
  if (!failed_.load(std::memory_order_acquire)) return absl::OkStatus();
  std::lock_guard lock(mu_);
  return status_;
}

void JobThread::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return job_ || ending_; });
    if (ending_) return;
    lock.unlock();
    absl::Status st = job_();
    lock.lock();
    if (!st.ok() && status_.ok()) {
      status_ = std::move(st);
      failed_ = true;
    }
    job_ = nullptr;
    busy_ = false;
    cv_.notify_all();
  }
}

}  // namespace cdc
