#include "tests/deploy/rbac_audit.h"

#include <algorithm>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace minpriv::deploy_test {

using nlohmann::json;

std::vector<GrantedRule> GrantedTo(const std::vector<json>& objects, const std::string& user) {
  auto bound = [&](const json& binding) {
    for (const json& s : binding.value("subjects", json::array())) {
      if (s.value("kind", "") == "ServiceAccount" &&
          absl::StrCat("system:serviceaccount:", s.value("namespace", ""), ":",
                       s.value("name", "")) == user) {
        return true;
      }
    }
    return false;
  };
  std::vector<GrantedRule> out;
  for (const json& b : objects) {
    const std::string kind = b.value("kind", "");
    if ((kind != "ClusterRoleBinding" && kind != "RoleBinding") || !bound(b)) continue;
    const std::string ns = kind == "RoleBinding" ? b["metadata"].value("namespace", "") : "";
    const json& ref = b["roleRef"];
    for (const json& role : objects) {
      if (role.value("kind", "") != ref.value("kind", "") ||
          role["metadata"].value("name", "") != ref.value("name", "")) {
        continue;
      }
      for (const json& rule : role.value("rules", json::array())) {
        for (const json& group : rule["apiGroups"]) {
          for (const json& resource : rule["resources"]) {
            for (const json& verb : rule["verbs"]) {
              json one = rule;
              one["apiGroups"] = json::array({group});
              one["resources"] = json::array({resource});
              one["verbs"] = json::array({verb});
              out.push_back({absl::StrCat(verb.get<std::string>(), " ",
                                          group.get<std::string>(), "/",
                                          resource.get<std::string>()),
                             one, ns});
            }
          }
        }
      }
    }
  }
  return out;
}

bool Uses(const json& request, const GrantedRule& g) {
  if (!request.value("allowed", false)) return false;
  if (!g.ns.empty() && request.value("namespace", "") != g.ns) return false;
  std::string resource = request.value("resource", "");
  if (!request.value("subresource", "").empty()) resource += "/" + request.value("subresource", "");
  if (g.rule["verbs"][0] != request.value("verb", "") ||
      g.rule["apiGroups"][0] != request.value("apiGroup", "") || g.rule["resources"][0] != resource) {
    return false;
  }
  const json names = g.rule.value("resourceNames", json::array());
  if (names.empty()) return true;
  return std::find(names.begin(), names.end(), json(request.value("name", ""))) != names.end();
}

bool Audited(const std::vector<json>& audit, const std::string& user, const std::string& verb,
             const std::string& resource, const std::string& name) {
  return std::any_of(audit.begin(), audit.end(), [&](const json& l) {
    std::string r = l.value("resource", "");
    if (!l.value("subresource", "").empty()) r += "/" + l.value("subresource", "");
    return l.value("user", "") == user && l.value("verb", "") == verb && r == resource &&
           l.value("name", "") == name;
  });
}

std::vector<json> ReadAuditLog(const std::string& path) {
  std::vector<json> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    json parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded()) lines.push_back(std::move(parsed));
  }
  return lines;
}

}  // namespace minpriv::deploy_test
