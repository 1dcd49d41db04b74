#include "rbac.h"

#include <algorithm>
#include <vector>

namespace minpriv::apiserver {
namespace {

using nlohmann::json;

bool ListHas(const json& rule, const char* key, const std::string& value) {
  if (!rule.contains(key) || !rule[key].is_array()) return false;
  for (const json& v : rule[key]) {
    if (v.is_string() && (v == "*" || v == value)) return true;
  }
  return false;
}

bool SubjectMatches(const json& subject, const std::string& user) {
  if (!subject.is_object()) return false;
  const std::string kind = subject.value("kind", "");
  const std::string name = subject.value("name", "");
  if (kind == "User") return name == user;
  const std::string sa_prefix = "system:serviceaccount:";
  if (user.rfind(sa_prefix, 0) != 0) return false;
  const std::string rest = user.substr(sa_prefix.size());  // NS:NAME
  const std::string ns = rest.substr(0, rest.find(':'));
  if (kind == "ServiceAccount") return rest == subject.value("namespace", "") + ":" + name;
  if (kind == "Group") {
    return name == "system:serviceaccounts" || name == "system:serviceaccounts:" + ns ||
           name == "system:authenticated";
  }
  return false;
}

bool BindsUser(const json& binding, const std::string& user) {
  if (!binding.contains("subjects") || !binding["subjects"].is_array()) return false;
  return std::any_of(binding["subjects"].begin(), binding["subjects"].end(),
                     [&](const json& s) { return SubjectMatches(s, user); });
}

const ResourceType* RbacType(Store& store, const std::string& resource) {
  std::lock_guard<std::mutex> lock(store.mutex());
  return store.registry().Find("rbac.authorization.k8s.io", "v1", resource);
}

std::vector<json> ListAll(Store& store, const std::string& resource, const std::string& ns) {
  const ResourceType* t = RbacType(store, resource);
  if (t == nullptr) return {};
  ResourceType type = *t;
  return store.List(type, ns, Selector(), Selector(), 0, "").items;
}

// The rules of a binding's roleRef (none when the role does not exist).
json RoleRules(Store& store, const json& binding, const std::string& binding_ns) {
  const json ref = binding.value("roleRef", json::object());
  const std::string kind = ref.value("kind", "");
  const std::string name = ref.value("name", "");
  const bool cluster = kind == "ClusterRole";
  if (!cluster && kind != "Role") return json::array();
  const ResourceType* t = RbacType(store, cluster ? "clusterroles" : "roles");
  if (t == nullptr) return json::array();
  ResourceType type = *t;
  try {
    json role = store.Get(type, cluster ? "" : binding_ns, name);
    return role.value("rules", json::array());
  } catch (const ApiException&) {
    return json::array();
  }
}

bool AnyRuleAllows(const json& rules, const RequestAttributes& a) {
  if (!rules.is_array()) return false;
  return std::any_of(rules.begin(), rules.end(),
                     [&](const json& rule) { return RuleAllows(rule, a); });
}

std::string ForbiddenMessage(const RequestAttributes& a) {
  std::string resource = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
  std::string subject = QualifiedResource(a.resource, a.group);
  if (!a.name.empty()) subject += " \"" + a.name + "\"";
  std::string scope = a.ns.empty() ? "at the cluster scope" : "in the namespace \"" + a.ns + "\"";
  return subject + " is forbidden: User \"" + a.user + "\" cannot " + a.verb + " resource \"" +
         resource + "\" in API group \"" + a.group + "\" " + scope;
}

}  // namespace

std::string RbacVerb(const HttpRequest& req, bool named) {
  const std::string& m = req.method;
  if (m == "GET" || m == "HEAD") {
    std::string w = req.Query("watch");
    if (w == "1" || w == "true") return "watch";
    return named ? "get" : "list";
  }
  if (m == "POST") return "create";
  if (m == "PUT") return "update";
  if (m == "PATCH") return "patch";
  if (m == "DELETE") return named ? "delete" : "deletecollection";
  return "unknown";
}

bool RuleAllows(const json& rule, const RequestAttributes& a) {
  if (!rule.is_object()) return false;
  if (!ListHas(rule, "verbs", a.verb)) return false;
  if (!ListHas(rule, "apiGroups", a.group)) return false;
  const std::string full = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
  if (!ListHas(rule, "resources", full) &&
      !(a.subresource.empty() ? false : ListHas(rule, "resources", "*/" + a.subresource))) {
    return false;
  }
  if (rule.contains("resourceNames") && rule["resourceNames"].is_array() &&
      !rule["resourceNames"].empty()) {
    if (a.name.empty()) return false;
    return std::any_of(rule["resourceNames"].begin(), rule["resourceNames"].end(),
                       [&](const json& n) { return n == a.name; });
  }
  return true;
}

Authorizer::Authorizer(std::map<std::string, std::string> tokens, const std::string& audit_path)
    : tokens_(std::move(tokens)) {
  if (!audit_path.empty()) audit_ = std::fopen(audit_path.c_str(), "ae");
}

Authorizer::~Authorizer() {
  if (audit_ != nullptr) std::fclose(audit_);
}

std::optional<std::string> Authorizer::User(const HttpRequest& req) const {
  const std::string header = req.Header("authorization");
  const std::string prefix = "Bearer ";
  if (header.rfind(prefix, 0) != 0) return std::nullopt;
  auto it = tokens_.find(header.substr(prefix.size()));
  if (it == tokens_.end()) return std::nullopt;
  return it->second;
}

bool Authorizer::Allowed(Store& store, const RequestAttributes& a) {
  for (const json& b : ListAll(store, "clusterrolebindings", "")) {
    if (BindsUser(b, a.user) && AnyRuleAllows(RoleRules(store, b, ""), a)) return true;
  }
  if (a.ns.empty()) return false;
  for (const json& b : ListAll(store, "rolebindings", a.ns)) {
    if (BindsUser(b, a.user) && AnyRuleAllows(RoleRules(store, b, a.ns), a)) return true;
  }
  return false;
}

std::optional<ApiError> Authorizer::Authorize(Store& store, const RequestAttributes& a) {
  const bool allowed = Allowed(store, a);
  Audit(a, allowed);
  if (allowed) return std::nullopt;
  return MakeError(403, "Forbidden", ForbiddenMessage(a), a.name, a.group, a.resource);
}

void Authorizer::Audit(const RequestAttributes& a, bool allowed) {
  if (audit_ == nullptr) return;
  json line = {{"user", a.user},         {"verb", a.verb},   {"apiGroup", a.group},
               {"resource", a.resource}, {"subresource", a.subresource},
               {"namespace", a.ns},      {"name", a.name},   {"allowed", allowed}};
  std::lock_guard<std::mutex> lock(audit_mu_);
  std::fputs((line.dump() + "\n").c_str(), audit_);
  std::fflush(audit_);
}

}  // namespace minpriv::apiserver
