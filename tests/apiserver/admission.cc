#include "admission.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "patch.h"
#include "webhook_client.h"

namespace minpriv::apiserver {
namespace {

using nlohmann::json;

std::string Base64Decode(const std::string& in) {
  std::string clean;
  for (char c : in) {
    if (c != '\n' && c != '\r' && c != ' ') clean += c;
  }
  if (clean.size() % 4 != 0) return "";
  std::string out(clean.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(clean.data()),
                          static_cast<int>(clean.size()));
  if (n < 0) return "";
  size_t pad = 0;
  if (!clean.empty() && clean.back() == '=') ++pad;
  if (clean.size() > 1 && clean[clean.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string NewUid() {
  unsigned char b[16];
  RAND_bytes(b, sizeof b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  char s[37];
  std::snprintf(s, sizeof s,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                b[14], b[15]);
  return s;
}

bool ListHas(const json& list, const std::string& value) {
  if (!list.is_array()) return false;
  for (const json& v : list) {
    if (v.is_string() && (v == "*" || v == value)) return true;
  }
  return false;
}

// A rules[].resources entry against "resource" or "resource/subresource".
bool ResourceMatches(const std::string& pattern, const std::string& resource,
                     const std::string& sub) {
  size_t slash = pattern.find('/');
  std::string pr = pattern.substr(0, slash);
  std::string ps = slash == std::string::npos ? "" : pattern.substr(slash + 1);
  if (pr != "*" && pr != resource) return false;
  if (slash == std::string::npos) return sub.empty();
  return ps == "*" || ps == sub;
}

bool RuleMatches(const json& rule, const AdmissionAttributes& a) {
  if (!rule.is_object()) return false;
  if (!ListHas(rule.value("operations", json()), a.operation)) return false;
  if (!ListHas(rule.value("apiGroups", json()), a.type.group)) return false;
  if (!ListHas(rule.value("apiVersions", json()), a.type.version)) return false;
  bool resource = false;
  for (const json& r : rule.value("resources", json::array())) {
    if (r.is_string() && ResourceMatches(r.get<std::string>(), a.type.resource, a.subresource)) {
      resource = true;
    }
  }
  if (!resource) return false;
  std::string scope = rule.value("scope", "*");
  if (scope == "Cluster") return !a.type.namespaced;
  if (scope == "Namespaced") return a.type.namespaced;
  return true;
}

// metav1.LabelSelector: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist).
// An absent selector matches everything.
bool LabelSelectorMatches(const json& selector, const json& labels) {
  if (!selector.is_object()) return true;
  auto label = [&](const std::string& key) -> std::optional<std::string> {
    if (!labels.is_object() || !labels.contains(key) || !labels[key].is_string()) {
      return std::nullopt;
    }
    return labels[key].get<std::string>();
  };
  const json match_labels = selector.value("matchLabels", json::object());
  for (const auto& [key, value] : match_labels.items()) {
    if (!value.is_string() || label(key) != value.get<std::string>()) return false;
  }
  for (const json& e : selector.value("matchExpressions", json::array())) {
    std::optional<std::string> v = label(e.value("key", ""));
    std::string op = e.value("operator", "");
    json values = e.value("values", json::array());
    bool in = v && std::find(values.begin(), values.end(), json(*v)) != values.end();
    if (op == "In" && !in) return false;
    if (op == "NotIn" && in) return false;
    if (op == "Exists" && !v) return false;
    if (op == "DoesNotExist" && v) return false;
  }
  return true;
}

json Labels(const json& object) {
  if (!object.is_object()) return json::object();
  return object.value("metadata", json::object()).value("labels", json::object());
}

bool Matches(Store& store, const json& webhook, const AdmissionAttributes& a) {
  bool rule = false;
  for (const json& r : webhook.value("rules", json::array())) rule = rule || RuleMatches(r, a);
  if (!rule) return false;
  if (a.type.namespaced && webhook.contains("namespaceSelector")) {
    json labels = json::object();
    try {
      ResourceType ns_type;
      {
        std::lock_guard<std::mutex> lock(store.mutex());
        ns_type = *store.registry().Find("", "v1", "namespaces");
      }
      labels = Labels(store.Get(ns_type, "", a.ns));
    } catch (const ApiException&) {
    }
    labels["kubernetes.io/metadata.name"] = a.ns;
    if (!LabelSelectorMatches(webhook["namespaceSelector"], labels)) return false;
  }
  if (webhook.contains("objectSelector")) {
    const json& sel = webhook["objectSelector"];
    if (!LabelSelectorMatches(sel, Labels(a.object)) &&
        !(a.old_object.is_object() && LabelSelectorMatches(sel, Labels(a.old_object)))) {
      return false;
    }
  }
  return true;
}

json Review(const AdmissionAttributes& a, const json& object, const std::string& uid) {
  json gvk = {{"group", a.type.group}, {"version", a.type.version}, {"kind", a.type.kind}};
  json gvr = {{"group", a.type.group}, {"version", a.type.version},
              {"resource", a.type.resource}};
  std::string name = a.name;
  if (name.empty() && object.is_object()) {
    name = object.value("metadata", json::object()).value("name", "");
  }
  json req = {{"uid", uid},
              {"kind", gvk},
              {"resource", gvr},
              {"requestKind", gvk},
              {"requestResource", gvr},
              {"name", name},
              {"operation", a.operation},
              {"userInfo", {{"username", "minpriv-test-admin"},
                            {"groups", {"system:masters", "system:authenticated"}}}},
              {"object", object},
              {"oldObject", a.old_object.is_object() ? a.old_object : json()},
              {"dryRun", a.dry_run},
              {"options", {{"apiVersion", "meta.k8s.io/v1"},
                           {"kind", a.operation == "CREATE" ? "CreateOptions" : "UpdateOptions"}}}};
  if (!a.subresource.empty()) {
    req["subResource"] = a.subresource;
    req["requestSubResource"] = a.subresource;
  }
  if (a.type.namespaced) req["namespace"] = a.ns;
  return {{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"request", req}};
}

ApiError CallFailed(const std::string& name, const std::string& why) {
  return MakeError(500, "InternalError",
                   "Internal error occurred: failed calling webhook \"" + name + "\": " + why);
}

ApiError Denied(const std::string& name, const json& status) {
  json s = status.is_object() ? status : json::object();
  int code = s.value("code", 0);
  if (code < 400) code = 400;
  std::string message = s.value("message", "");
  std::string reason = s.value("reason", "");
  std::string denied = "admission webhook \"" + name + "\" denied the request";
  if (!message.empty()) {
    message = denied + ": " + message;
  } else if (!reason.empty()) {
    message = denied + ": " + reason;
  } else {
    message = denied + " without explanation";
  }
  ApiError e = MakeError(code, reason, message);
  if (reason.empty()) e.status.erase("reason");
  if (s.contains("details")) e.status["details"] = s["details"];
  return e;
}

// Calls one webhook; returns its `response` or nullopt when the call failed and the failure
// policy is Ignore. Throws for Fail.
std::optional<json> Call(const AdmissionOptions& options, const json& webhook,
                         const AdmissionAttributes& a, const json& object) {
  std::string name = webhook.value("name", "");
  bool fail_closed = webhook.value("failurePolicy", "Fail") != "Ignore";
  auto failed = [&](const std::string& why) -> std::optional<json> {
    if (fail_closed) throw ApiException{CallFailed(name, why)};
    std::fprintf(stderr, "admission: webhook %s failed, ignored (failurePolicy Ignore): %s\n",
                 name.c_str(), why.c_str());
    return std::nullopt;
  };
  const json cc = webhook.value("clientConfig", json::object());
  WebhookCall call;
  call.ca_pem = Base64Decode(cc.value("caBundle", ""));
  int timeout = webhook.value("timeoutSeconds", 10);
  call.timeout = std::chrono::seconds(std::clamp(timeout, 1, 30));
  if (cc.contains("url")) {
    call.url = cc.value("url", "");
  } else if (cc.contains("service")) {
    const json svc = cc["service"];
    std::string key = svc.value("namespace", "") + "/" + svc.value("name", "");
    call.url = "https://" + svc.value("name", "") + "." + svc.value("namespace", "") +
               ".svc:" + std::to_string(svc.value("port", 443)) + svc.value("path", "/");
    auto it = options.services.find(key);
    if (it == options.services.end()) {
      return failed("failed to call webhook: service \"" + key + "\" has no address here");
    }
    call.connect_to = it->second;
  } else {
    return failed("failed to call webhook: clientConfig has neither url nor service");
  }
  std::string uid = NewUid();
  call.body = Review(a, object, uid).dump();
  WebhookReply reply = PostWebhook(call);
  if (!reply.error.empty()) return failed("failed to call webhook: " + reply.error);
  if (reply.status != 200) {
    return failed("received invalid webhook response: expected response code 200, got " +
                  std::to_string(reply.status));
  }
  json review = json::parse(reply.body, nullptr, false);
  if (!review.is_object() || !review.contains("response") || !review["response"].is_object()) {
    return failed("received invalid webhook response: no response in the AdmissionReview");
  }
  const json& response = review["response"];
  if (response.value("uid", "") != uid) {
    return failed("expected response.uid=\"" + uid + "\", got \"" + response.value("uid", "") +
                  "\"");
  }
  return response;
}

std::vector<json> Webhooks(Store& store, const char* resource) {
  ResourceType t;
  {
    std::lock_guard<std::mutex> lock(store.mutex());
    t = *store.registry().Find("admissionregistration.k8s.io", "v1", resource);
  }
  std::vector<json> out;
  // Configurations are called in the order of their names, then their webhooks' order.
  for (const json& config : store.List(t, "", Selector(), Selector(), 0, "").items) {
    for (const json& w : config.value("webhooks", json::array())) out.push_back(w);
  }
  return out;
}

void Warnings(const json& response, std::vector<std::string>* out) {
  for (const json& w : response.value("warnings", json::array())) {
    if (w.is_string()) out->push_back(w.get<std::string>());
  }
}

}  // namespace

std::string WarningHeader(const std::string& warning) {
  std::string escaped;
  for (char c : warning) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += (c == '\n' || c == '\r') ? ' ' : c;
  }
  return "299 - \"" + escaped + "\"";
}

json RunAdmission(Store& store, const AdmissionOptions& options, const AdmissionAttributes& a,
                  std::vector<std::string>* warnings) {
  json object = a.object;
  for (const json& w : Webhooks(store, "mutatingwebhookconfigurations")) {
    AdmissionAttributes current = a;
    current.object = object;
    if (!Matches(store, w, current)) continue;
    std::optional<json> response = Call(options, w, current, object);
    if (!response) continue;
    Warnings(*response, warnings);
    std::string name = w.value("name", "");
    if (!response->value("allowed", false)) {
      throw ApiException{Denied(name, response->value("status", json()))};
    }
    if (response->contains("patch")) {
      if (response->value("patchType", "") != "JSONPatch") {
        throw ApiException{CallFailed(name, "unsupported patch type \"" +
                                                response->value("patchType", "") + "\"")};
      }
      json patch = json::parse(Base64Decode((*response)["patch"].get<std::string>()), nullptr,
                               false);
      std::string error;
      bool test_failed = false;
      json patched = object;
      if (patch.is_discarded() || !JsonPatch(&patched, patch, &error, &test_failed)) {
        throw ApiException{CallFailed(name, "JSONPatch failed: " + error)};
      }
      object = std::move(patched);
    }
  }
  AdmissionAttributes final_attributes = a;
  final_attributes.object = object;
  for (const json& w : Webhooks(store, "validatingwebhookconfigurations")) {
    if (!Matches(store, w, final_attributes)) continue;
    std::optional<json> response = Call(options, w, final_attributes, object);
    if (!response) continue;
    Warnings(*response, warnings);
    if (!response->value("allowed", false)) {
      throw ApiException{Denied(w.value("name", ""), response->value("status", json()))};
    }
  }
  return object;
}

}  // namespace minpriv::apiserver
