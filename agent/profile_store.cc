#include "agent/profile_store.h"

#include "kube/status.h"

namespace minpriv::agent {

using nlohmann::json;

absl::StatusOr<std::optional<json>> ApiProfileStore::Load(const std::string& ns,
                                                          const std::string& name) {
  absl::StatusOr<json> got = client_.Get(kWorkloadProfiles, ns, name);
  if (absl::IsNotFound(got.status())) return std::optional<json>();
  if (!got.ok()) return got.status();
  return std::optional<json>(*std::move(got));
}

absl::StatusOr<json> ApiProfileStore::Save(const json& object) {
  const std::string ns = kube::MetaString(object, "namespace");
  const std::string name = kube::MetaString(object, "name");
  json o = object;
  absl::StatusOr<json> written = kube::MetaString(o, "resourceVersion").empty()
                                     ? client_.Create(kWorkloadProfiles, ns, o)
                                     : client_.Update(kWorkloadProfiles, ns, o);
  // Ours, written by someone else meanwhile (an earlier incarnation, a hand edit): replace
  // it with what this agent knows, which already includes what it resumed from.
  for (int attempt = 0; attempt < 3 && (absl::IsAlreadyExists(written.status()) ||
                                        kube::IsConflict(written.status()));
       ++attempt) {
    absl::StatusOr<json> current = client_.Get(kWorkloadProfiles, ns, name);
    if (!current.ok()) return current.status();
    o["metadata"]["resourceVersion"] = kube::MetaString(*current, "resourceVersion");
    written = client_.Update(kWorkloadProfiles, ns, o);
  }
  if (!written.ok() || !object.contains("status")) return written;
  // The status is a subresource: the write above kept the stored one.
  json with_status = *std::move(written);
  with_status["status"] = object["status"];
  absl::StatusOr<json> status = client_.UpdateStatus(kWorkloadProfiles, ns, with_status);
  if (kube::IsConflict(status.status())) {
    absl::StatusOr<json> current = client_.Get(kWorkloadProfiles, ns, name);
    if (!current.ok()) return current.status();
    with_status["metadata"]["resourceVersion"] = kube::MetaString(*current, "resourceVersion");
    status = client_.UpdateStatus(kWorkloadProfiles, ns, with_status);
  }
  return status;
}

}  // namespace minpriv::agent
