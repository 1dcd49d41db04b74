// The agent's view of minpriv's settings: informers on ClusterMinprivSettings and
// MinprivSettings feeding a crd::SettingsCache (the resolution the controller uses too), so
// the agent can tell which namespaces and workloads have learning off. Optional: when the
// API does not serve those resources (CRDs not installed, or not readable), Start says so in
// a warning and nothing is excluded by settings.
#ifndef MINPRIV_AGENT_SETTINGS_WATCH_H_
#define MINPRIV_AGENT_SETTINGS_WATCH_H_

#include <atomic>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "crd/settings_cache.h"
#include "kube/reflector.h"
#include "kube/rest_client.h"

namespace minpriv::agent {

inline const kube::ResourceRef kMinprivSettingsResource{"minpriv.dev", "v1alpha1",
                                                        "minprivsettings", true};
inline const kube::ResourceRef kClusterMinprivSettingsResource{"minpriv.dev", "v1alpha1",
                                                               "clusterminprivsettings", false};

class SettingsWatch {
 public:
  explicit SettingsWatch(kube::RestClient client) : client_(std::move(client)) {}
  ~SettingsWatch() { Stop(); }

  // Starts the informers and waits up to `timeout` for their first lists. OK without them
  // when the resources are not served; an error when they are but do not list in time.
  absl::Status Start(absl::Duration timeout);
  void Stop();

  // The cache, once Start found the resources served; null otherwise.
  const crd::SettingsCache* cache() const { return active_ ? &cache_ : nullptr; }
  // True once after any settings object changed (and at first).
  bool TakeChanged() { return changed_.exchange(false); }

 private:
  kube::RestClient client_;
  crd::SettingsCache cache_{crd::EffectiveSettings{}};
  std::vector<std::unique_ptr<kube::Reflector>> reflectors_;
  std::atomic<bool> changed_{true};
  bool active_ = false;
};

}  // namespace minpriv::agent

#endif  // MINPRIV_AGENT_SETTINGS_WATCH_H_
