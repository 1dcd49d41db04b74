#include "pod_defaults.h"

namespace minpriv::apiserver {

void ApplyPodDefaults(const ResourceType& t, nlohmann::json* object) {
  if (!t.group.empty() || t.kind != "Pod" || !object->is_object()) return;
  nlohmann::json& spec = (*object)["spec"];
  if (spec.is_null()) spec = nlohmann::json::object();
  if (!spec.is_object()) return;  // validation's to reject
  if (!spec.contains("securityContext") || spec["securityContext"].is_null())
    spec["securityContext"] = nlohmann::json::object();
}

}  // namespace minpriv::apiserver
