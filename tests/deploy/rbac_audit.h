// Reading the test API server's audit log (`--audit-log`, tests/apiserver/rbac.h) against
// the RBAC a chart rendering grants: which granted verbs a component's requests used.
#ifndef MINPRIV_TESTS_DEPLOY_RBAC_AUDIT_H_
#define MINPRIV_TESTS_DEPLOY_RBAC_AUDIT_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace minpriv::deploy_test {

// One verb on one resource of one API group, as a rule of a Role or ClusterRole grants it.
struct GrantedRule {
  std::string key;       // "VERB GROUP/RESOURCE[/SUB]"
  nlohmann::json rule;   // the one-verb, one-group, one-resource rule (resourceNames kept)
  std::string ns;        // a Role's namespace; empty: cluster-wide
};

// The rules the rendered `objects` bind to `user` ("system:serviceaccount:NS:NAME") through
// ClusterRoleBindings and RoleBindings, one per verb and resource.
std::vector<GrantedRule> GrantedTo(const std::vector<nlohmann::json>& objects,
                                   const std::string& user);

// Whether the audited, allowed `request` used `rule`.
bool Uses(const nlohmann::json& request, const GrantedRule& rule);

// Whether `audit` holds a request of `user` with `verb` on `resource` ("pods",
// "remediationproposals/status") named `name` ("" for a list or watch).
bool Audited(const std::vector<nlohmann::json>& audit, const std::string& user,
             const std::string& verb, const std::string& resource, const std::string& name);

// The audit log's lines, parsed (a line that is not JSON is skipped).
std::vector<nlohmann::json> ReadAuditLog(const std::string& path);

}  // namespace minpriv::deploy_test

#endif  // MINPRIV_TESTS_DEPLOY_RBAC_AUDIT_H_
