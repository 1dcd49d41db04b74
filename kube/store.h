// The informer's local cache: the current objects of one resource type keyed by
// "namespace/name" (see ObjectKey). Thread-safe; readers get copies. It holds only the
// current version of each object, so its memory is bounded by what exists in the cluster.
#ifndef MINPRIV_KUBE_STORE_H_
#define MINPRIV_KUBE_STORE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"

namespace minpriv::kube {

class Store {
 public:
  // Inserts or replaces; returns the previous object, if any.
  std::optional<nlohmann::json> Upsert(const std::string& key, nlohmann::json object);
  // Removes; returns the removed object, if any.
  std::optional<nlohmann::json> Remove(const std::string& key);
  // Replaces everything (a relist); returns the previous contents.
  std::map<std::string, nlohmann::json> Replace(std::map<std::string, nlohmann::json> objects);

  std::optional<nlohmann::json> Get(const std::string& key) const;
  // All objects, ordered by key.
  std::vector<nlohmann::json> List() const;
  // The objects in namespace `ns`, ordered by key.
  std::vector<nlohmann::json> ListNamespace(const std::string& ns) const;
  std::vector<std::string> Keys() const;
  size_t size() const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, nlohmann::json> objects_ ABSL_GUARDED_BY(mu_);
};

}  // namespace minpriv::kube

#endif  // MINPRIV_KUBE_STORE_H_
