// minpriv's settings as the controller sees them: crd::SettingsCache (shared with the
// agent) resolved per WorkloadKey, with the controller's flags as the defaults. Precedence,
// last wins: the controller's flags < ClusterMinprivSettings "default" < the namespace's
// MinprivSettings "default" < its spec.workloads entry for the workload (and, for delivery
// only, the proposal's own spec.delivery above all).
#ifndef MINPRIV_CONTROLLER_SETTINGS_CACHE_H_
#define MINPRIV_CONTROLLER_SETTINGS_CACHE_H_

#include "controller/merge.h"
#include "controller/resources.h"
#include "crd/settings.h"
#include "crd/settings_cache.h"

namespace minpriv::controller {

// The flags' values as settings defaults.
crd::EffectiveSettings DefaultSettings(const Windows& windows, crd::Delivery delivery);
Windows WindowsOf(const crd::EffectiveSettings& settings);

class SettingsCache : public crd::SettingsCache {
 public:
  using crd::SettingsCache::SettingsCache;
  using crd::SettingsCache::Resolve;
  crd::EffectiveSettings Resolve(const WorkloadKey& key) const {
    return Resolve(key.ns, key.kind, key.name);
  }
};

}  // namespace minpriv::controller

#endif  // MINPRIV_CONTROLLER_SETTINGS_CACHE_H_
