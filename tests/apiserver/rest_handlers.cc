#include "rest_handlers.h"

#include <vector>

#include "discovery.h"
#include "ephemeral_containers.h"
#include "openapi.h"
#include "patch.h"
#include "pod_defaults.h"
#include "protobuf_decode.h"
#include "table.h"
#include "watch_handler.h"

namespace minpriv::apiserver {
namespace {

using nlohmann::json;

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    std::string p = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!p.empty()) parts.push_back(p);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

HttpResponse JsonResponse(int code, const json& body, const std::string& type = "application/json") {
  HttpResponse r;
  r.status = code;
  r.content_type = type;
  r.body = body.dump();
  return r;
}

ApiError PathNotFound() {
  return MakeError(404, "NotFound", "the server could not find the requested resource");
}

// Resolves a resource path, or nullopt when it names no served resource.
std::optional<Route> Resolve(Store& store, const std::string& path) {
  std::vector<std::string> p = Split(path);
  std::string group, version;
  size_t i;
  if (p.size() >= 3 && p[0] == "api" && p[1] == "v1") {
    version = "v1";
    i = 2;
  } else if (p.size() >= 4 && p[0] == "apis") {
    group = p[1];
    version = p[2];
    i = 3;
  } else {
    return std::nullopt;
  }
  Route route;
  std::vector<std::string> rest(p.begin() + i, p.end());
  bool namespaced_path = rest.size() >= 3 && rest[0] == "namespaces" && rest[2] != "status" &&
                         rest[2] != "finalize";
  if (namespaced_path) {
    route.ns = rest[1];
    rest.erase(rest.begin(), rest.begin() + 2);
  }
  if (rest.empty() || rest.size() > 3) return std::nullopt;
  std::lock_guard<std::mutex> lock(store.mutex());
  const ResourceType* t = store.registry().Find(group, version, rest[0]);
  if (!t || (namespaced_path && !t->namespaced)) return std::nullopt;
  route.type = *t;
  if (rest.size() >= 2) route.name = rest[1];
  if (rest.size() == 3) {
    route.subresource = rest[2];
    bool served = (route.subresource == "status" && t->has_status) ||
                  (route.subresource == kEphemeralContainers && ServesEphemeralContainers(*t));
    if (!served) return std::nullopt;
  }
  return route;
}

json ParseBody(const HttpRequest& req) {
  try {
    return json::parse(req.body);
  } catch (const std::exception& e) {
    throw ApiException{BadRequest(std::string("the body of the request was in an unknown format: ") +
                                  e.what())};
  }
}

void CheckKind(const Route& r, const json& obj) {
  if (!obj.is_object()) throw ApiException{BadRequest("the body of the request must be an object")};
  if (obj.contains("kind") && obj["kind"] != r.type.kind)
    throw ApiException{BadRequest("the kind of the object (" + obj.value("kind", "") +
                                  ") does not match the kind of the URL (" + r.type.kind + ")")};
  if (obj.contains("apiVersion") && obj["apiVersion"] != r.type.GroupVersion())
    throw ApiException{BadRequest("the API version in the data (" + obj.value("apiVersion", "") +
                                  ") does not match the expected API version (" +
                                  r.type.GroupVersion() + ")")};
}

HttpResponse List(Store& store, const Route& r, const HttpRequest& req) {
  int64_t limit = 0;
  if (!req.Query("limit").empty()) limit = std::stoll(req.Query("limit"));
  ListResult result = store.List(r.type, r.ns, ParseLabelSelector(req),
                                 ParseFieldSelector(r.type, req), limit, req.Query("continue"));
  json meta = {{"resourceVersion", std::to_string(result.resource_version)}};
  if (!result.continue_token.empty()) meta["continue"] = result.continue_token;
  if (result.remaining) meta["remainingItemCount"] = *result.remaining;
  if (WantsTable(req.Header("accept"))) {
    json table = ToTable(r.type, result.items, req.Query("includeObject"), true);
    table["metadata"] = meta;
    return JsonResponse(200, table, kTableContentType);
  }
  return JsonResponse(200, {{"kind", r.type.kind + "List"},
                            {"apiVersion", r.type.GroupVersion()},
                            {"metadata", meta},
                            {"items", result.items}});
}

json ApplyPatch(const Route& r, const HttpRequest& req, const json& current) {
  std::string type = req.Header("content-type");
  type = type.substr(0, type.find(';'));
  json patch = ParseBody(req);
  if (type == "application/merge-patch+json") return MergePatch(current, patch);
  if (type == "application/strategic-merge-patch+json") {
    if (r.type.from_crd)
      throw ApiException{MakeError(415, "UnsupportedMediaType",
                                   "strategic merge patch is not supported for custom resources")};
    return StrategicMergePatch(current, patch);
  }
  if (type == "application/json-patch+json") {
    json result = current;
    std::string error;
    bool test_failed = false;
    if (!JsonPatch(&result, patch, &error, &test_failed)) {
      if (!patch.is_array()) throw ApiException{BadRequest(error)};
      ApiError e = MakeError(422, "Invalid", error);
      (void)test_failed;
      throw ApiException{e};
    }
    return result;
  }
  throw ApiException{MakeError(415, "UnsupportedMediaType",
                               "the body of the request was in an unknown format - accepted "
                               "media types include: application/json-patch+json, "
                               "application/merge-patch+json, "
                               "application/strategic-merge-patch+json")};
}

// dryRun=All: the write is checked, admitted and answered, and nothing is stored. The only
// value the real server accepts.
bool IsDryRun(const HttpRequest& req) {
  std::string v = req.Query("dryRun");
  if (v.empty()) return false;
  if (v != "All")
    throw ApiException{MakeError(422, "Invalid", "dryRun: Unsupported value: \"" + v +
                                                     "\": supported values: \"All\"")};
  return true;
}

// The admission chain (admission.h) for a write of `object`; its warnings go to `warnings`.
json Admit(Store& store, const ServerOptions& options, const Route& r, const HttpRequest& req,
           const std::string& operation, json object, const json& old,
           std::vector<std::string>* warnings) {
  AdmissionAttributes a;
  a.operation = operation;
  a.type = r.type;
  a.ns = r.ns;
  a.name = r.name;
  a.subresource = r.subresource;
  a.dry_run = IsDryRun(req);
  if (r.type.namespaced && object.is_object() && !r.ns.empty()) {
    object["metadata"]["namespace"] = r.ns;
  }
  ApplyPodDefaults(r.type, &object);
  a.object = std::move(object);
  a.old_object = old;
  return RunAdmission(store, options.admission, a, warnings);
}

HttpResponse WithWarnings(HttpResponse response, const std::vector<std::string>& warnings) {
  for (const std::string& w : warnings) response.headers.emplace_back("Warning", WarningHeader(w));
  return response;
}

HttpResponse Dispatch(Store& store, const ServerOptions& options, const Route& r,
                      const HttpRequest& req, std::vector<std::string>* warnings) {
  const std::string& m = req.method;
  bool status = r.subresource == "status";
  bool ephemeral = r.subresource == kEphemeralContainers;
  bool dry_run = m != "GET" && IsDryRun(req);  // reads ignore it, as the real server does
  if (r.type.namespaced && r.ns.empty() && !r.name.empty())
    throw ApiException{PathNotFound()};
  if (r.name.empty()) {
    if (m == "GET") {
      std::string w = req.Query("watch");
      if (w == "1" || w == "true") return HandleWatch(store, options, r, req);
      return List(store, r, req);
    }
    if (m == "POST") {
      if (r.type.namespaced && r.ns.empty()) throw ApiException{PathNotFound()};
      json obj = ParseBody(req);
      CheckKind(r, obj);
      obj = Admit(store, options, r, req, "CREATE", std::move(obj), json(), warnings);
      return JsonResponse(201, store.Create(r.type, r.ns, std::move(obj), dry_run));
    }
    if (m == "DELETE") {
      std::vector<json> gone = store.DeleteCollection(r.type, r.ns, ParseLabelSelector(req),
                                                      ParseFieldSelector(r.type, req), dry_run);
      return JsonResponse(200, {{"kind", r.type.kind + "List"},
                                {"apiVersion", r.type.GroupVersion()},
                                {"metadata", json::object()},
                                {"items", gone}});
    }
  } else {
    if (m == "GET") {
      json obj = store.Get(r.type, r.ns, r.name);
      if (WantsTable(req.Header("accept")))
        return JsonResponse(200, ToTable(r.type, {obj}, req.Query("includeObject"), true),
                            kTableContentType);
      return JsonResponse(200, obj);
    }
    if (m == "PUT") {
      json obj = ParseBody(req);
      CheckKind(r, obj);
      if (ephemeral) obj = EphemeralContainersUpdate(store.Get(r.type, r.ns, r.name), obj);
      obj = Admit(store, options, r, req, "UPDATE", std::move(obj),
                  store.Get(r.type, r.ns, r.name), warnings);
      return JsonResponse(200,
                          store.Update(r.type, r.ns, r.name, std::move(obj), status, dry_run));
    }
    if (m == "PATCH") {
      // A patch applies to the latest version (retried when a write races it), unless it
      // names a resourceVersion itself: then a stale one is a 409 Conflict.
      for (int attempt = 0;; ++attempt) {
        json current = store.Get(r.type, r.ns, r.name);
        json patched = ApplyPatch(r, req, current);
        if (ephemeral) patched = EphemeralContainersUpdate(current, patched);
        std::string current_rv = current["metadata"].value("resourceVersion", "");
        std::string patch_rv = patched["metadata"].value("resourceVersion", "");
        bool explicit_rv = !patch_rv.empty() && patch_rv != current_rv;
        if (patch_rv.empty()) patched["metadata"]["resourceVersion"] = current_rv;
        warnings->clear();
        patched = Admit(store, options, r, req, "UPDATE", std::move(patched), current, warnings);
        try {
          return JsonResponse(200, store.Update(r.type, r.ns, r.name, patched, status, dry_run));
        } catch (const ApiException& e) {
          if (explicit_rv || e.error.code != 409 || attempt == 4) throw;
        }
      }
    }
    if (m == "DELETE" && r.subresource.empty()) {
      json options_body = req.body.empty() ? json::object() : ParseBody(req);
      json pre = options_body.is_object() ? options_body.value("preconditions", json::object())
                                          : json::object();
      // kubectl sends DeleteOptions.dryRun in the body.
      if (options_body.is_object() && options_body.contains("dryRun")) {
        for (const json& v : options_body["dryRun"]) {
          if (v != "All")
            throw ApiException{MakeError(422, "Invalid",
                                         "dryRun: Unsupported value: " + v.dump() +
                                             ": supported values: \"All\"")};
          dry_run = true;
        }
      }
      return JsonResponse(200, store.Delete(r.type, r.ns, r.name, pre, dry_run));
    }
  }
  throw ApiException{MakeError(405, "MethodNotAllowed",
                               "the server does not allow this method on the requested resource")};
}

// RBAC (rbac.h) for a request of a mapped bearer token; nullopt: allowed or an admin.
std::optional<ApiError> Authorize(Store& store, const ServerOptions& options, const Route& r,
                                  const HttpRequest& req) {
  if (options.authorizer == nullptr) return std::nullopt;
  std::optional<std::string> user = options.authorizer->User(req);
  if (!user) return std::nullopt;
  RequestAttributes a{*user, RbacVerb(req, !r.name.empty()), r.type.group, r.type.resource,
                      r.subresource, r.ns, r.name};
  if (a.resource == "namespaces" && !a.name.empty()) a.ns = a.name;
  return options.authorizer->Authorize(store, a);
}

}  // namespace

HttpResponse ErrorResponse(const ApiError& e) { return JsonResponse(e.code, e.status); }

Selector ParseLabelSelector(const HttpRequest& req) {
  std::string error;
  std::optional<Selector> s = Selector::ParseLabels(req.Query("labelSelector"), &error);
  if (!s) throw ApiException{BadRequest(error)};
  return *s;
}

Selector ParseFieldSelector(const ResourceType& t, const HttpRequest& req) {
  std::vector<std::string> fields = {"metadata.name", "metadata.namespace"};
  if (t.kind == "Pod")
    fields.insert(fields.end(), {"spec.nodeName", "status.phase", "spec.restartPolicy",
                                 "spec.schedulerName", "spec.serviceAccountName", "status.podIP"});
  if (t.kind == "Event" && t.group.empty())
    fields.insert(fields.end(), {"involvedObject.kind", "involvedObject.name",
                                 "involvedObject.namespace", "involvedObject.uid", "reason",
                                 "type", "source"});
  if (t.kind == "Secret") fields.push_back("type");
  if (t.kind == "Node") fields.push_back("spec.unschedulable");
  std::string error;
  std::optional<Selector> s = Selector::ParseFields(req.Query("fieldSelector"), fields, &error);
  if (!s) throw ApiException{BadRequest(error)};
  return *s;
}

HttpResponse HandleRequest(Store& store, const ServerOptions& options, const HttpRequest& req) {
  std::vector<std::string> warnings;  // from admission webhooks
  try {
    if (req.path == "/healthz" || req.path == "/readyz" || req.path == "/livez") {
      HttpResponse r;
      r.content_type = "text/plain; charset=utf-8";
      r.body = "ok";
      return r;
    }
    if (std::optional<HttpResponse> d = ServeDiscovery(store, req)) return *d;
    if (std::optional<HttpResponse> o = ServeOpenApi(store, req)) return *o;
    HttpRequest converted;
    const HttpRequest* request = &req;
    if (!req.body.empty() &&
        req.Header("content-type").find("application/vnd.kubernetes.protobuf") == 0) {
      std::optional<json> decoded = DecodeKubernetesProtobuf(req.body);
      if (decoded) {
        converted = req;
        converted.body = decoded->dump();
        converted.headers["content-type"] = "application/json";
        request = &converted;
      }
    }
    if (request->Header("content-type").find("application/vnd.kubernetes.protobuf") == 0)
      return ErrorResponse(MakeError(415, "UnsupportedMediaType",
                                     "the body of the request was in an unknown format - "
                                     "accepted media types include: application/json, "
                                     "application/yaml"));
    std::optional<Route> route = Resolve(store, req.path);
    if (!route) return ErrorResponse(PathNotFound());
    if (std::optional<ApiError> denied = Authorize(store, options, *route, *request))
      return ErrorResponse(*denied);
    try {
      return WithWarnings(Dispatch(store, options, *route, *request, &warnings), warnings);
    } catch (const ApiException& e) {
      return WithWarnings(ErrorResponse(e.error), warnings);
    }
  } catch (const ApiException& e) {
    return ErrorResponse(e.error);
  } catch (const std::exception& e) {
    return ErrorResponse(MakeError(500, "InternalError", e.what()));
  }
}

}  // namespace minpriv::apiserver
