// RBAC for the test API server, as the real one authorizes: bearer tokens given with
// `--token TOKEN=USER` authenticate as USER (e.g. system:serviceaccount:NS:NAME), and each of
// their resource requests is allowed only when a Role/ClusterRole stored in the server, bound
// to that user by a RoleBinding/ClusterRoleBinding, has a matching rule; otherwise 403 with a
// Forbidden Status worded like the real server's. Every other client (the client certificate,
// the kubeconfig's own token, plain HTTP without a mapped token) is an unrestricted admin.
// With `--audit-log FILE`, every request of a mapped user is appended to FILE as one JSON line:
// {"user","verb","apiGroup","resource","subresource","namespace","name","allowed"}.
#ifndef MINPRIV_TESTS_APISERVER_RBAC_H_
#define MINPRIV_TESTS_APISERVER_RBAC_H_

#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api_status.h"
#include "http_server.h"
#include "store.h"

namespace minpriv::apiserver {

// What RBAC decides on: the request's verb (get, list, watch, create, update, patch, delete,
// deletecollection) and its resource.
struct RequestAttributes {
  std::string user;
  std::string verb;
  std::string group;
  std::string resource;
  std::string subresource;
  std::string ns;
  std::string name;
};

// The RBAC verb of an HTTP request on a resource path (`named`: the path names an object).
std::string RbacVerb(const HttpRequest& req, bool named);

// Whether one PolicyRule (rbac.authorization.k8s.io/v1) grants `a`.
bool RuleAllows(const nlohmann::json& rule, const RequestAttributes& a);

class Authorizer {
 public:
  // `tokens`: bearer token → user name. `audit_path` may be empty.
  Authorizer(std::map<std::string, std::string> tokens, const std::string& audit_path);
  ~Authorizer();
  Authorizer(const Authorizer&) = delete;
  Authorizer& operator=(const Authorizer&) = delete;

  const std::map<std::string, std::string>& tokens() const { return tokens_; }
  // The mapped user of a request, nullopt for an admin.
  std::optional<std::string> User(const HttpRequest& req) const;
  // nullopt when allowed; the 403 Forbidden otherwise. Audits the decision.
  std::optional<ApiError> Authorize(Store& store, const RequestAttributes& a);

 private:
  bool Allowed(Store& store, const RequestAttributes& a);
  void Audit(const RequestAttributes& a, bool allowed);

  std::map<std::string, std::string> tokens_;
  std::mutex audit_mu_;
  std::FILE* audit_ = nullptr;
};

}  // namespace minpriv::apiserver

#endif  // MINPRIV_TESTS_APISERVER_RBAC_H_
