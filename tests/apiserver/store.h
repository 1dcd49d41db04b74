// The object store: one global resourceVersion counter (as etcd's), a bounded history of
// events for watches, and the watchers themselves. One lock guards everything, including
// the registry of kinds (CRDs change it).
#ifndef MINPRIV_TESTS_APISERVER_STORE_H_
#define MINPRIV_TESTS_APISERVER_STORE_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_status.h"
#include "resource_types.h"
#include "selectors.h"

namespace minpriv::apiserver {

// Thrown inside the server for an API failure; the request dispatcher turns it into a
// response. Never leaves the program.
struct ApiException {
  ApiError error;
};

struct WatchFilter {
  std::string key;        // ResourceType::Key()
  std::string namespace_;  // empty: all namespaces
  Selector labels;
  Selector fields;
};

// One watch stream's queue. Events are {type, object} documents.
struct Watcher {
  WatchFilter filter;
  std::deque<nlohmann::json> queue;
  bool closed = false;   // the stream must end (server stopping, or the watcher fell behind)
  uint64_t last_rv = 0;  // the newest resourceVersion this watcher has been told about
  std::condition_variable cv;
};

struct ListResult {
  std::vector<nlohmann::json> items;
  uint64_t resource_version;
  std::string continue_token;
  std::optional<int64_t> remaining;
};

class Store {
 public:
  explicit Store(size_t history_limit);

  std::mutex& mutex() { return mu_; }
  // Callers hold mutex() for these two.
  ResourceRegistry& registry() { return registry_; }
  uint64_t resource_version() const { return rv_; }

  // CRUD. Each takes the lock; failures throw ApiException with the real server's Status.
  // `dry_run` (dryRun=All) checks and answers as the real write would but stores nothing, as
  // the real server's dry-run storage: a create comes back without a resourceVersion, an
  // update with the stored one, a delete with the object still there.
  nlohmann::json Create(const ResourceType& t, const std::string& ns, nlohmann::json obj,
                        bool dry_run = false);
  nlohmann::json Get(const ResourceType& t, const std::string& ns, const std::string& name);
  ListResult List(const ResourceType& t, const std::string& ns, const Selector& labels,
                  const Selector& fields, int64_t limit, const std::string& continue_token);
  // `status_only`: the /status subresource (only .status changes); otherwise the main
  // resource (status is kept when the kind has a status subresource).
  nlohmann::json Update(const ResourceType& t, const std::string& ns, const std::string& name,
                        nlohmann::json obj, bool status_only, bool dry_run = false);
  nlohmann::json Delete(const ResourceType& t, const std::string& ns, const std::string& name,
                        const nlohmann::json& preconditions, bool dry_run = false);
  std::vector<nlohmann::json> DeleteCollection(const ResourceType& t, const std::string& ns,
                                               const Selector& labels, const Selector& fields,
                                               bool dry_run = false);

  // Registers a watcher starting after `from_rv` (nullopt: now, with synthetic ADDED events of
  // the current objects first). Throws 410 Expired when `from_rv` is older than the history.
  std::shared_ptr<Watcher> StartWatch(const ResourceType& t, WatchFilter filter,
                                      std::optional<uint64_t> from_rv, bool initial_events);
  void StopWatch(const std::shared_ptr<Watcher>& w);
  // Ends every watch (server shutdown).
  void CloseAllWatches();

 private:
  struct Event {
    uint64_t rv;
    std::string type;
    std::string key;
    nlohmann::json object;  // new state (DELETED: last state)
    nlohmann::json old;     // previous state for MODIFIED
  };

  std::map<std::string, nlohmann::json>& Objects(const ResourceType& t) {
    return objects_[t.Key()];
  }
  static std::string ObjectKey(const std::string& ns, const std::string& name) {
    return ns + "/" + name;
  }
  void RequireNamespace(const std::string& ns);
  void Record(const std::string& type, const std::string& key, const nlohmann::json& obj,
              const nlohmann::json& old);
  void Deliver(Watcher& w, const Event& e);
  nlohmann::json DeleteLocked(const ResourceType& t, const std::string& ns,
                              const std::string& name);
  void OnCrdChange(nlohmann::json& crd, bool deleted);

  std::mutex mu_;
  ResourceRegistry registry_;
  uint64_t rv_ = 1000;
  uint64_t compacted_rv_ = 1000;  // events after this one are still in history_
  size_t history_limit_;
  std::deque<Event> history_;
  std::map<std::string, std::map<std::string, nlohmann::json>> objects_;
  std::list<std::shared_ptr<Watcher>> watchers_;
};

// Helpers shared by the handlers.
std::string NowRfc3339();
std::string RandomSuffix(size_t n);

}  // namespace minpriv::apiserver

#endif  // MINPRIV_TESTS_APISERVER_STORE_H_
