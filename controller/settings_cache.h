// minpriv's settings as the controller sees them: the ClusterMinprivSettings and
// MinprivSettings objects named "default" (crd/settings.h), decoded when their informers
// see them, and resolved per workload. Precedence, last wins: the controller's flags <
// ClusterMinprivSettings "default" < the namespace's MinprivSettings "default" < its
// spec.workloads entry for the workload (and, for delivery only, the proposal's own
// spec.delivery above all). An object that does not decode is ignored, as if absent, with
// its error kept for a log line and an Event.
#ifndef MINPRIV_CONTROLLER_SETTINGS_CACHE_H_
#define MINPRIV_CONTROLLER_SETTINGS_CACHE_H_

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "controller/merge.h"
#include "controller/resources.h"
#include "crd/settings.h"

namespace minpriv::controller {

// The flags' values as settings defaults.
crd::EffectiveSettings DefaultSettings(const Windows& windows, crd::Delivery delivery);
Windows WindowsOf(const crd::EffectiveSettings& settings);

class SettingsCache {
 public:
  explicit SettingsCache(crd::EffectiveSettings defaults) : defaults_(defaults) {}

  // From the informers (either kind); objects not named "default" are ignored. Returns the
  // decoding error of an object that does not decode (it is then treated as absent).
  absl::Status Upsert(const nlohmann::json& object);
  void Remove(const nlohmann::json& object);

  crd::EffectiveSettings Resolve(const WorkloadKey& key) const;

 private:
  const crd::EffectiveSettings defaults_;
  mutable absl::Mutex mu_;
  std::optional<crd::MinprivSettings> cluster_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, crd::MinprivSettings> by_namespace_ ABSL_GUARDED_BY(mu_);
};

}  // namespace minpriv::controller

#endif  // MINPRIV_CONTROLLER_SETTINGS_CACHE_H_
