// Where the agent's partial WorkloadProfiles live: read back on resume, written on publish.
// ApiProfileStore is the Kubernetes API (the agent owns its partials, so a stale
// resourceVersion is re-read and the write repeated, never merged).
#ifndef MINPRIV_AGENT_PROFILE_STORE_H_
#define MINPRIV_AGENT_PROFILE_STORE_H_

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "kube/resource.h"
#include "kube/rest_client.h"

namespace minpriv::agent {

inline const kube::ResourceRef kWorkloadProfiles{"minpriv.dev", "v1alpha1", "workloadprofiles",
                                                 true};

class ProfileStore {
 public:
  virtual ~ProfileStore() = default;
  // The stored object, nullopt when there is none.
  virtual absl::StatusOr<std::optional<nlohmann::json>> Load(const std::string& ns,
                                                             const std::string& name) = 0;
  // Creates `object` (no metadata.resourceVersion) or replaces it (with one), then its
  // status (a subresource: a separate write); returns the stored object (its new
  // resourceVersion).
  virtual absl::StatusOr<nlohmann::json> Save(const nlohmann::json& object) = 0;
};

class ApiProfileStore : public ProfileStore {
 public:
  explicit ApiProfileStore(kube::RestClient client) : client_(std::move(client)) {}
  absl::StatusOr<std::optional<nlohmann::json>> Load(const std::string& ns,
                                                     const std::string& name) override;
  absl::StatusOr<nlohmann::json> Save(const nlohmann::json& object) override;

 private:
  kube::RestClient client_;
};

}  // namespace minpriv::agent

#endif  // MINPRIV_AGENT_PROFILE_STORE_H_
