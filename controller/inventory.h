// The live inventory the remediator names NetworkPolicy peers with (remediator/inventory.h,
// the structure `propose --inventory` reads from a file), built from the informers' caches:
// Pods, Services and Namespaces through the remediator's own parser, then the endpoints of
// Services' EndpointSlices (discovery.k8s.io/v1) whose addresses no cached Pod has, as pods
// labelled with their Service's selector, so a peer address behind a Service becomes a
// podSelector/namespaceSelector rule even when the Pod itself is not in the cache (another
// namespace than --namespace, a Pod not listed yet).
#ifndef MINPRIV_CONTROLLER_INVENTORY_H_
#define MINPRIV_CONTROLLER_INVENTORY_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "kube/store.h"
#include "remediator/inventory.h"

namespace minpriv::controller {

struct InventorySources {
  const kube::Store* pods = nullptr;
  const kube::Store* services = nullptr;
  const kube::Store* namespaces = nullptr;
  const kube::Store* endpoint_slices = nullptr;  // may be null
};

// Builds the inventory from lists of objects as the informers cache them (no kind field).
remediator::Inventory BuildInventory(const std::vector<nlohmann::json>& pods,
                                     const std::vector<nlohmann::json>& services,
                                     const std::vector<nlohmann::json>& namespaces,
                                     const std::vector<nlohmann::json>& endpoint_slices);

// The inventory, rebuilt from the caches only after one of them changed (Invalidate).
class InventoryCache {
 public:
  void Invalidate() { generation_.fetch_add(1); }
  std::shared_ptr<const remediator::Inventory> Get(const InventorySources& sources);

 private:
  std::atomic<int64_t> generation_{1};
  absl::Mutex mu_;
  int64_t built_ ABSL_GUARDED_BY(mu_) = 0;
  std::shared_ptr<const remediator::Inventory> inventory_ ABSL_GUARDED_BY(mu_);
};

}  // namespace minpriv::controller

#endif  // MINPRIV_CONTROLLER_INVENTORY_H_
