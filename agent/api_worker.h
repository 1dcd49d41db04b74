// The agent's one thread for Kubernetes API calls (partial profile reads and writes, owner
// lookups), so that the observer's polling thread never waits on the network: an API outage
// or a slow API server delays publication, never observation.
//
// Tasks are keyed by the object they concern. The queue is bounded (`max_queued` keys) and
// latest-wins per key: a task submitted under a key whose task is still queued replaces it
// (the older one never runs); under a key whose task is running, it is queued behind it, so
// per key the tasks run in submission order. Tasks run one at a time, in queue order.
#ifndef MINPRIV_AGENT_API_WORKER_H_
#define MINPRIV_AGENT_API_WORKER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace minpriv::agent {

struct ApiWorkerCounters {
  uint64_t done = 0;      // tasks run
  uint64_t replaced = 0;  // queued tasks replaced by a newer one of the same key
  uint64_t rejected = 0;  // submissions refused because the queue was full
  uint64_t queued = 0;    // waiting now
};

class ApiWorker {
 public:
  explicit ApiWorker(size_t max_queued = 4096);
  ~ApiWorker();  // Stop()
  ApiWorker(const ApiWorker&) = delete;
  ApiWorker& operator=(const ApiWorker&) = delete;

  // Queues `task` under `key` (see above); false when the queue is full (try again later).
  // Thread-safe, never blocks on a running task.
  bool Submit(const std::string& key, std::function<void()> task);
  // Waits until nothing is queued or running, up to `timeout`; true when idle.
  bool WaitIdle(absl::Duration timeout) const;
  // Lets the running task finish and drops the queued ones; the thread is joined.
  void Stop();
  ApiWorkerCounters counters() const;

 private:
  void Loop();

  const size_t max_queued_;
  mutable absl::Mutex mu_;
  std::deque<std::string> order_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::function<void()>> queued_ ABSL_GUARDED_BY(mu_);
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  ApiWorkerCounters counters_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace minpriv::agent

#endif  // MINPRIV_AGENT_API_WORKER_H_
