// An informer for one resource type (after client-go's reflector and kube-rs' watcher): list
// (remember the list's resourceVersion), then watch from it with bookmarks; on 410 Gone relist;
// when a watch ends or breaks, watch again from the last resourceVersion seen (events and
// bookmarks advance it), backing off with jitter after failures. The objects go into a Store
// the reconcilers read, and every change calls the handlers (which usually enqueue the key).
// One thread per reflector; it blocks on the network or a condition variable, never spins.
#ifndef MINPRIV_KUBE_REFLECTOR_H_
#define MINPRIV_KUBE_REFLECTOR_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kube/backoff.h"
#include "kube/resource.h"
#include "kube/rest_client.h"
#include "kube/store.h"
#include "kube/watch.h"
#include "kube/work_queue.h"
#include "nlohmann/json.hpp"

namespace minpriv::kube {

// Called on the reflector's thread, one at a time, after the store was updated. Any may be
// empty.
struct EventHandlers {
  std::function<void(const nlohmann::json& object)> on_add;
  std::function<void(const nlohmann::json& old_object, const nlohmann::json& object)> on_update;
  std::function<void(const nlohmann::json& last_known)> on_delete;
};

// Handlers that Add() the object's key ("namespace/name") to `queue` on every change.
EventHandlers EnqueueKeys(WorkQueue* queue);

class Reflector {
 public:
  struct Options {
    ResourceRef resource;
    std::string ns;  // "" for all namespaces (or a cluster-scoped resource)
    std::string label_selector;
    std::string field_selector;
    int watch_timeout_seconds = 300;  // each watch asks the server to end after this long
    Backoff::Options backoff;         // reconnect delays: 0.5 s doubling to 30 s, jittered
    Backoff::Random random;           // injectable for tests; default a real random source
  };
  struct Stats {
    int64_t lists = 0;          // successful lists (the first and every relist)
    int64_t watches = 0;        // watches opened
    int64_t expired = 0;        // 410 Gone answers (each causes a relist)
    int64_t watch_errors = 0;   // broken or refused watches (each backs off)
    int64_t list_errors = 0;
  };

  Reflector(RestClient client, Options options, EventHandlers handlers);
  ~Reflector();  // Stop()
  Reflector(const Reflector&) = delete;
  Reflector& operator=(const Reflector&) = delete;

  // Starts the list/watch thread (once).
  void Start();
  // Stops it: cancels the open watch and wakes a backoff wait; returns when the thread ended.
  void Stop();

  // True once the first list has been stored.
  bool HasSynced() const { return synced_.load(); }
  // Waits (without spinning) until HasSynced() or the timeout; returns HasSynced().
  bool WaitForSync(absl::Duration timeout);

  const Store& store() const { return store_; }
  Stats stats() const;
  std::string last_resource_version() const;

 private:
  void Run();
  // Lists and replaces the store; false when stopping or the list failed (after a backoff).
  bool ListAndReplace();
  // Watches from the current resourceVersion until the watch ends; sets relist_ on 410.
  void WatchOnce();
  void Apply(const WatchEvent& event);
  // Sleeps the next backoff delay unless stopped first.
  void BackoffWait();
  bool stopping() const { return stopping_.load(); }

  RestClient client_;
  const Options options_;
  const EventHandlers handlers_;
  Store store_;
  Backoff backoff_;
  std::atomic<bool> synced_{false};
  std::atomic<bool> stopping_{false};
  bool relist_ = true;  // reflector thread only
  std::thread thread_;

  mutable absl::Mutex mu_;
  absl::CondVar cv_;  // Stop() and sync waits
  std::string resource_version_ ABSL_GUARDED_BY(mu_);
  WatchStream* current_watch_ ABSL_GUARDED_BY(mu_) = nullptr;
  Stats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace minpriv::kube

#endif  // MINPRIV_KUBE_REFLECTOR_H_
