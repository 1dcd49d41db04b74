#include "openapi.h"

#include <functional>

namespace minpriv::apiserver {
namespace {

using nlohmann::json;

json GroupVersionDoc(Store& store, const std::string& group, const std::string& version) {
  json paths = json::object();
  for (const ResourceType* t : store.registry().InGroupVersion(group, version)) {
    std::string base = group.empty() ? "/api/v1" : "/apis/" + group + "/" + version;
    std::string path = base + (t->namespaced ? "/namespaces/{namespace}/" : "/") + t->resource +
                       "/{name}";
    json gvk = {{"group", t->group}, {"version", t->version}, {"kind", t->kind}};
    json params = json::array(
        {{{"name", "fieldValidation"}, {"in", "query"}, {"schema", {{"type", "string"}}},
          {"uniqueItems", true}},
         {{"name", "fieldManager"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
         {{"name", "dryRun"}, {"in", "query"}, {"schema", {{"type", "string"}}}}});
    paths[path] = {
        {"patch",
         {{"operationId", "patch" + t->kind}, {"parameters", params},
          {"x-kubernetes-action", "patch"}, {"x-kubernetes-group-version-kind", gvk},
          {"responses", {{"200", {{"description", "OK"}}}}}}},
        {"put",
         {{"operationId", "replace" + t->kind}, {"parameters", params},
          {"x-kubernetes-action", "put"}, {"x-kubernetes-group-version-kind", gvk},
          {"responses", {{"200", {{"description", "OK"}}}}}}}};
    std::string list_path = base + (t->namespaced ? "/namespaces/{namespace}/" : "/") + t->resource;
    paths[list_path] = {{"post",
                         {{"operationId", "create" + t->kind}, {"parameters", params},
                          {"x-kubernetes-action", "post"}, {"x-kubernetes-group-version-kind", gvk},
                          {"responses", {{"201", {{"description", "Created"}}}}}}}};
  }
  return {{"openapi", "3.0.0"},
          {"info", {{"title", "Kubernetes"}, {"version", "v1.34.0"}}},
          {"paths", paths},
          {"components", {{"schemas", json::object()}}}};
}

std::string Hash(const std::string& s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016zX", std::hash<std::string>{}(s));
  return buf;
}

}  // namespace

std::optional<HttpResponse> ServeOpenApi(Store& store, const HttpRequest& req) {
  if (req.method != "GET" || req.path.rfind("/openapi/v3", 0) != 0) return std::nullopt;
  std::lock_guard<std::mutex> lock(store.mutex());
  std::vector<std::pair<std::string, std::string>> gvs = {{"", "v1"}};
  for (const std::string& g : store.registry().Groups())
    for (const std::string& v : store.registry().Versions(g)) gvs.emplace_back(g, v);
  HttpResponse r;
  if (req.path == "/openapi/v3" || req.path == "/openapi/v3/") {
    json paths = json::object();
    for (const auto& [g, v] : gvs) {
      std::string key = g.empty() ? "api/v1" : "apis/" + g + "/" + v;
      paths[key] = {{"serverRelativeURL",
                     "/openapi/v3/" + key + "?hash=" + Hash(GroupVersionDoc(store, g, v).dump())}};
    }
    r.body = json{{"paths", paths}}.dump();
    return r;
  }
  for (const auto& [g, v] : gvs) {
    std::string key = "/openapi/v3/" + (g.empty() ? std::string("api/v1") : "apis/" + g + "/" + v);
    if (req.path == key) {
      r.body = GroupVersionDoc(store, g, v).dump();
      return r;
    }
  }
  return std::nullopt;
}

}  // namespace minpriv::apiserver
