#include "resource_types.h"

#include <algorithm>
#include <set>

namespace minpriv::apiserver {
namespace {

ResourceType Builtin(std::string group, std::string resource, std::string singular,
                     std::string kind, bool namespaced, bool has_status,
                     std::vector<std::string> short_names = {},
                     std::vector<std::string> categories = {}) {
  ResourceType t;
  t.group = std::move(group);
  t.version = "v1";
  t.resource = std::move(resource);
  t.singular = std::move(singular);
  t.kind = std::move(kind);
  t.namespaced = namespaced;
  t.has_status = has_status;
  t.short_names = std::move(short_names);
  t.categories = std::move(categories);
  return t;
}

}  // namespace

ResourceRegistry::ResourceRegistry() {
  const std::vector<std::string> all = {"all"};
  builtin_ = {
      Builtin("", "namespaces", "namespace", "Namespace", false, true, {"ns"}),
      Builtin("", "pods", "pod", "Pod", true, true, {"po"}, all),
      Builtin("", "services", "service", "Service", true, true, {"svc"}, all),
      Builtin("", "endpoints", "endpoints", "Endpoints", true, false, {"ep"}),
      Builtin("", "configmaps", "configmap", "ConfigMap", true, false, {"cm"}),
      Builtin("", "secrets", "secret", "Secret", true, false),
      Builtin("", "events", "event", "Event", true, false, {"ev"}),
      Builtin("", "serviceaccounts", "serviceaccount", "ServiceAccount", true, false, {"sa"}),
      Builtin("", "nodes", "node", "Node", false, true, {"no"}),
      Builtin("apps", "deployments", "deployment", "Deployment", true, true, {"deploy"}, all),
      Builtin("apps", "replicasets", "replicaset", "ReplicaSet", true, true, {"rs"}, all),
      Builtin("apps", "statefulsets", "statefulset", "StatefulSet", true, true, {"sts"}, all),
      Builtin("apps", "daemonsets", "daemonset", "DaemonSet", true, true, {"ds"}, all),
      Builtin("batch", "jobs", "job", "Job", true, true, {}, all),
      Builtin("batch", "cronjobs", "cronjob", "CronJob", true, true, {"cj"}, all),
      Builtin("networking.k8s.io", "networkpolicies", "networkpolicy", "NetworkPolicy", true,
              false, {"netpol"}),
      Builtin("discovery.k8s.io", "endpointslices", "endpointslice", "EndpointSlice", true,
              false),
      Builtin("events.k8s.io", "events", "event", "Event", true, false, {"ev"}),
      Builtin("coordination.k8s.io", "leases", "lease", "Lease", true, false),
      // What minpriv's chart and manifests install (deploy/): RBAC, disruption budgets and
      // admission webhook configurations.
      Builtin("rbac.authorization.k8s.io", "clusterroles", "clusterrole", "ClusterRole", false,
              false),
      Builtin("rbac.authorization.k8s.io", "clusterrolebindings", "clusterrolebinding",
              "ClusterRoleBinding", false, false),
      Builtin("rbac.authorization.k8s.io", "roles", "role", "Role", true, false),
      Builtin("rbac.authorization.k8s.io", "rolebindings", "rolebinding", "RoleBinding", true,
              false),
      Builtin("policy", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget",
              true, true, {"pdb"}),
      Builtin("admissionregistration.k8s.io", "validatingwebhookconfigurations",
              "validatingwebhookconfiguration", "ValidatingWebhookConfiguration", false, false),
      Builtin("admissionregistration.k8s.io", "mutatingwebhookconfigurations",
              "mutatingwebhookconfiguration", "MutatingWebhookConfiguration", false, false),
      Builtin("apiextensions.k8s.io", "customresourcedefinitions", "customresourcedefinition",
              "CustomResourceDefinition", false, true, {"crd", "crds"}, {"api-extensions"}),
  };
}

const ResourceType* ResourceRegistry::Find(const std::string& group, const std::string& version,
                                           const std::string& resource) const {
  for (const auto& t : builtin_)
    if (t.group == group && t.version == version && t.resource == resource) return &t;
  for (const auto& [name, types] : crds_)
    for (const auto& t : types)
      if (t.group == group && t.version == version && t.resource == resource) return &t;
  return nullptr;
}

std::vector<std::string> ResourceRegistry::Groups() const {
  std::set<std::string> groups;
  for (const auto& t : builtin_)
    if (!t.group.empty()) groups.insert(t.group);
  for (const auto& [name, types] : crds_)
    for (const auto& t : types) groups.insert(t.group);
  return {groups.begin(), groups.end()};
}

std::vector<std::string> ResourceRegistry::Versions(const std::string& group) const {
  std::vector<std::string> versions;
  auto add = [&](const ResourceType& t) {
    if (t.group == group &&
        std::find(versions.begin(), versions.end(), t.version) == versions.end())
      versions.push_back(t.version);
  };
  for (const auto& t : builtin_) add(t);
  for (const auto& [name, types] : crds_)
    for (const auto& t : types) add(t);
  return versions;  // CRD order: the storage version is listed first by ApplyCrd
}

std::vector<const ResourceType*> ResourceRegistry::InGroupVersion(
    const std::string& group, const std::string& version) const {
  std::vector<const ResourceType*> out;
  for (const auto& t : builtin_)
    if (t.group == group && t.version == version) out.push_back(&t);
  for (const auto& [name, types] : crds_)
    for (const auto& t : types)
      if (t.group == group && t.version == version) out.push_back(&t);
  std::sort(out.begin(), out.end(),
            [](const ResourceType* a, const ResourceType* b) { return a->resource < b->resource; });
  return out;
}

void ResourceRegistry::ApplyCrd(const std::string& crd_name, const nlohmann::json& crd) {
  crds_.erase(crd_name);
  if (crd.is_null()) return;
  const nlohmann::json& spec = crd.value("spec", nlohmann::json::object());
  const nlohmann::json& names = spec.value("names", nlohmann::json::object());
  std::vector<ResourceType> types;
  std::vector<nlohmann::json> versions;
  for (const auto& v : spec.value("versions", nlohmann::json::array()))
    if (v.value("served", true)) versions.push_back(v);
  // The storage version first: clients prefer the first listed version.
  std::stable_sort(versions.begin(), versions.end(), [](const auto& a, const auto& b) {
    return a.value("storage", false) && !b.value("storage", false);
  });
  for (const auto& v : versions) {
    ResourceType t;
    t.group = spec.value("group", "");
    t.version = v.value("name", "");
    t.resource = names.value("plural", "");
    t.kind = names.value("kind", "");
    t.singular = names.value("singular", "");
    if (t.singular.empty()) {
      t.singular = t.kind;
      std::transform(t.singular.begin(), t.singular.end(), t.singular.begin(), ::tolower);
    }
    t.namespaced = spec.value("scope", "Namespaced") == "Namespaced";
    t.has_status = v.contains("subresources") && v["subresources"].contains("status");
    t.from_crd = true;
    t.short_names = names.value("shortNames", std::vector<std::string>{});
    t.categories = names.value("categories", std::vector<std::string>{});
    t.printer_columns = v.value("additionalPrinterColumns", nlohmann::json::array());
    types.push_back(std::move(t));
  }
  crds_[crd_name] = std::move(types);
}

}  // namespace minpriv::apiserver
