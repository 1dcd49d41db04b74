#include "agent/api_worker.h"

#include <utility>

namespace minpriv::agent {

ApiWorker::ApiWorker(size_t max_queued)
    : max_queued_(max_queued), thread_([this] { Loop(); }) {}

ApiWorker::~ApiWorker() { Stop(); }

bool ApiWorker::Submit(const std::string& key, std::function<void()> task) {
  absl::MutexLock lock(&mu_);
  if (stop_) return false;
  auto it = queued_.find(key);
  if (it != queued_.end()) {
    it->second = std::move(task);
    ++counters_.replaced;
    return true;
  }
  if (queued_.size() >= max_queued_) {
    ++counters_.rejected;
    return false;
  }
  queued_.emplace(key, std::move(task));
  order_.push_back(key);
  counters_.queued = queued_.size();
  return true;
}

bool ApiWorker::WaitIdle(absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stop_ || (!running_ && queued_.empty());
  };
  return mu_.AwaitWithTimeout(absl::Condition(&idle), timeout);
}

void ApiWorker::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    queued_.clear();
    order_.clear();
    counters_.queued = 0;
  }
  if (thread_.joinable()) thread_.join();
}

ApiWorkerCounters ApiWorker::counters() const {
  absl::MutexLock lock(&mu_);
  return counters_;
}

void ApiWorker::Loop() {
  absl::MutexLock lock(&mu_);
  while (true) {
    auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_ || !order_.empty(); };
    mu_.Await(absl::Condition(&ready));
    if (stop_) return;
    const std::string key = std::move(order_.front());
    order_.pop_front();
    auto it = queued_.find(key);
    std::function<void()> task = std::move(it->second);
    queued_.erase(it);
    counters_.queued = queued_.size();
    running_ = true;
    mu_.Unlock();
    task();
    task = nullptr;  // what it captured goes now, not under the lock
    mu_.Lock();
    running_ = false;
    ++counters_.done;
  }
}

}  // namespace minpriv::agent
