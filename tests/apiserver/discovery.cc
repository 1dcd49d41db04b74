#include "discovery.h"

#include <vector>

#include "ephemeral_containers.h"

namespace minpriv::apiserver {
namespace {

using nlohmann::json;

constexpr char kAggregatedType[] =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

bool WantsAggregated(const HttpRequest& req) {
  std::string accept = req.Header("accept");
  return accept.find("g=apidiscovery.k8s.io") != std::string::npos &&
         accept.find("v=v2;") != std::string::npos &&
         accept.find("as=APIGroupDiscoveryList") != std::string::npos;
}

HttpResponse Json(const json& body, const std::string& type = "application/json") {
  HttpResponse r;
  r.content_type = type;
  r.body = body.dump();
  return r;
}

json ResourceList(Store& store, const std::string& group, const std::string& version) {
  json resources = json::array();
  for (const ResourceType* t : store.registry().InGroupVersion(group, version)) {
    json r = {{"name", t->resource},   {"singularName", t->singular}, {"namespaced", t->namespaced},
              {"kind", t->kind},       {"verbs", t->Verbs()}};
    if (!t->short_names.empty()) r["shortNames"] = t->short_names;
    if (!t->categories.empty()) r["categories"] = t->categories;
    resources.push_back(r);
    if (t->has_status)
      resources.push_back({{"name", t->resource + "/status"},
                           {"singularName", ""},
                           {"namespaced", t->namespaced},
                           {"kind", t->kind},
                           {"verbs", {"get", "patch", "update"}}});
    if (ServesEphemeralContainers(*t))
      resources.push_back({{"name", t->resource + "/" + kEphemeralContainers},
                           {"singularName", ""},
                           {"namespaced", t->namespaced},
                           {"kind", t->kind},
                           {"verbs", {"get", "patch", "update"}}});
  }
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", group.empty() ? version : group + "/" + version},
          {"resources", resources}};
}

json AggregatedGroup(Store& store, const std::string& group) {
  json versions = json::array();
  for (const std::string& v : store.registry().Versions(group)) {
    json resources = json::array();
    for (const ResourceType* t : store.registry().InGroupVersion(group, v)) {
      json kind = {{"group", t->group}, {"version", t->version}, {"kind", t->kind}};
      json r = {{"resource", t->resource},
                {"responseKind", kind},
                {"scope", t->namespaced ? "Namespaced" : "Cluster"},
                {"singularResource", t->singular},
                {"verbs", t->Verbs()}};
      if (!t->short_names.empty()) r["shortNames"] = t->short_names;
      if (!t->categories.empty()) r["categories"] = t->categories;
      if (t->has_status)
        r["subresources"] = json::array({{{"subresource", "status"},
                                          {"responseKind", kind},
                                          {"verbs", {"get", "patch", "update"}}}});
      if (ServesEphemeralContainers(*t))
        r["subresources"].push_back({{"subresource", kEphemeralContainers},
                                     {"responseKind", kind},
                                     {"verbs", {"get", "patch", "update"}}});
      resources.push_back(r);
    }
    versions.push_back({{"version", v}, {"resources", resources}, {"freshness", "Current"}});
  }
  json meta = json::object();
  if (!group.empty()) meta["name"] = group;
  return {{"metadata", meta}, {"versions", versions}};
}

json AggregatedList(json items) {
  return {{"kind", "APIGroupDiscoveryList"},
          {"apiVersion", "apidiscovery.k8s.io/v2"},
          {"metadata", json::object()},
          {"items", items}};
}

}  // namespace

std::optional<HttpResponse> ServeDiscovery(Store& store, const HttpRequest& req) {
  const std::string& p = req.path;
  if (req.method != "GET") return std::nullopt;
  std::lock_guard<std::mutex> lock(store.mutex());
  if (p == "/version" || p == "/version/") {
    return Json({{"major", "1"},
                 {"minor", "34"},
                 {"gitVersion", "v1.34.0-minpriv-test"},
                 {"gitCommit", "0000000000000000000000000000000000000000"},
                 {"gitTreeState", "clean"},
                 {"buildDate", "2025-01-01T00:00:00Z"},
                 {"goVersion", "go1.24"},
                 {"compiler", "gc"},
                 {"platform", "linux/amd64"}});
  }
  if (p == "/api" || p == "/api/") {
    if (WantsAggregated(req))
      return Json(AggregatedList(json::array({AggregatedGroup(store, "")})), kAggregatedType);
    return Json({{"kind", "APIVersions"},
                 {"versions", {"v1"}},
                 {"serverAddressByClientCIDRs",
                  json::array({{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", "127.0.0.1"}}})}});
  }
  if (p == "/apis" || p == "/apis/") {
    if (WantsAggregated(req)) {
      json items = json::array();
      for (const std::string& g : store.registry().Groups())
        items.push_back(AggregatedGroup(store, g));
      return Json(AggregatedList(items), kAggregatedType);
    }
    json groups = json::array();
    for (const std::string& g : store.registry().Groups()) {
      json versions = json::array();
      for (const std::string& v : store.registry().Versions(g))
        versions.push_back({{"groupVersion", g + "/" + v}, {"version", v}});
      groups.push_back({{"name", g}, {"versions", versions}, {"preferredVersion", versions[0]}});
    }
    return Json({{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}});
  }
  if (p == "/api/v1" || p == "/api/v1/") return Json(ResourceList(store, "", "v1"));
  if (p.rfind("/apis/", 0) == 0) {
    std::string rest = p.substr(6);
    if (!rest.empty() && rest.back() == '/') rest.pop_back();
    size_t slash = rest.find('/');
    std::string group = rest.substr(0, slash);
    std::vector<std::string> versions = store.registry().Versions(group);
    if (versions.empty()) return std::nullopt;
    if (slash == std::string::npos) {
      json vs = json::array();
      for (const std::string& v : versions)
        vs.push_back({{"groupVersion", group + "/" + v}, {"version", v}});
      return Json({{"kind", "APIGroup"},
                   {"apiVersion", "v1"},
                   {"name", group},
                   {"versions", vs},
                   {"preferredVersion", vs[0]}});
    }
    std::string version = rest.substr(slash + 1);
    if (version.find('/') != std::string::npos) return std::nullopt;
    for (const std::string& v : versions)
      if (v == version) return Json(ResourceList(store, group, version));
  }
  return std::nullopt;
}

}  // namespace minpriv::apiserver
