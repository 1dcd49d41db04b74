// A rate-limited work queue of object keys, as controllers use it (after client-go's
// workqueue): a key is queued at most once however often it is added; a key being processed
// is not handed out again until Done(), and re-added then if it changed meanwhile; failures
// back off per key exponentially (AddRateLimited) until Forget(); AddAfter requeues later.
// Get() blocks on a condition variable (no polling); ShutDown() releases every Get().
#ifndef MINPRIV_KUBE_WORK_QUEUE_H_
#define MINPRIV_KUBE_WORK_QUEUE_H_

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace minpriv::kube {

class WorkQueue {
 public:
  struct Options {
    absl::Duration base_delay = absl::Milliseconds(5);  // first AddRateLimited delay
    absl::Duration max_delay = absl::Seconds(1000);     // cap of the per-key backoff
  };
  WorkQueue() : WorkQueue(Options()) {}
  explicit WorkQueue(Options options) : options_(options) {}
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Queues `key` unless it is already queued (dedup). Ignored after ShutDown().
  void Add(const std::string& key);
  // Queues `key` after `delay` (at once when ≤ 0). A key already waiting keeps the earlier time.
  void AddAfter(const std::string& key, absl::Duration delay);
  // Queues `key` after its backoff: base_delay · 2^(failures so far), at most max_delay.
  void AddRateLimited(const std::string& key);
  // The key succeeded: its backoff starts over.
  void Forget(const std::string& key);
  // How many times AddRateLimited was called for `key` since its last Forget.
  int NumRequeues(const std::string& key) const;

  // Blocks until a key is ready; nullopt once ShutDown() was called. The caller must call
  // Done(key) when finished with it.
  std::optional<std::string> Get();
  void Done(const std::string& key);

  void ShutDown();
  bool ShuttingDown() const;
  // Keys ready to be handed out now (the queue depth metric).
  size_t Len() const;
  // Keys waiting for a delay (AddAfter / AddRateLimited).
  size_t Waiting() const;

 private:
  void AddLocked(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PromoteDueLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  mutable absl::Mutex mu_;
  absl::CondVar cv_;
  std::deque<std::string> queue_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> dirty_ ABSL_GUARDED_BY(mu_);       // queued or re-added while processing
  std::set<std::string> processing_ ABSL_GUARDED_BY(mu_);  // handed out, not Done yet
  std::map<std::string, absl::Time> waiting_ ABSL_GUARDED_BY(mu_);           // key → ready at
  std::set<std::pair<absl::Time, std::string>> timeline_ ABSL_GUARDED_BY(mu_);  // same, by time
  std::map<std::string, int> failures_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace minpriv::kube

#endif  // MINPRIV_KUBE_WORK_QUEUE_H_
