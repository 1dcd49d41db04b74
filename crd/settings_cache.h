// The cluster's minpriv settings objects (crd/settings.h) as their informers see them, and
// their resolution per workload: shared by the controller (windows, delivery, learning) and
// the agent (which namespaces and workloads it learns). Only the objects named "default"
// count: the ClusterMinprivSettings and each namespace's MinprivSettings. Precedence, last
// wins: the defaults given here (flags) < ClusterMinprivSettings "default" < the namespace's
// MinprivSettings "default" < its spec.workloads entry for the workload. An object that does
// not decode is ignored, as if absent, with its error returned for a log line and an Event.
// Thread-safe: informer threads write, any thread resolves.
#ifndef MINPRIV_CRD_SETTINGS_CACHE_H_
#define MINPRIV_CRD_SETTINGS_CACHE_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "crd/settings.h"

namespace minpriv::crd {

class SettingsCache {
 public:
  explicit SettingsCache(EffectiveSettings defaults) : defaults_(defaults) {}

  // From the informers (either kind); objects not named "default" are ignored. Returns the
  // decoding error of an object that does not decode (it is then treated as absent).
  absl::Status Upsert(const nlohmann::json& object);
  void Remove(const nlohmann::json& object);

  // The settings of workload kind/name in namespace `ns`; an empty kind and name give the
  // namespace's own settings (no workload entry applies).
  EffectiveSettings Resolve(std::string_view ns, std::string_view kind,
                            std::string_view name) const;
  // True when no workload of namespace `ns` is learned: learning is off for the namespace
  // and no spec.workloads entry turns it back on (decidable before a pod's owner is known).
  bool LearnsNothingIn(std::string_view ns) const;

 private:
  const EffectiveSettings defaults_;
  mutable absl::Mutex mu_;
  std::optional<MinprivSettings> cluster_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, MinprivSettings, std::less<>> by_namespace_ ABSL_GUARDED_BY(mu_);
};

}  // namespace minpriv::crd

#endif  // MINPRIV_CRD_SETTINGS_CACHE_H_
