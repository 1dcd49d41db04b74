// Kubernetes `Status` bodies for API errors (metav1.Status, reason + code + details).
#ifndef MINPRIV_TESTS_APISERVER_API_STATUS_H_
#define MINPRIV_TESTS_APISERVER_API_STATUS_H_

#include <string>

#include <nlohmann/json.hpp>

namespace minpriv::apiserver {

// A failed API call: the HTTP code and its Status body.
struct ApiError {
  int code;
  nlohmann::json status;
};

// Builds a Failure Status. `group`/`kind`/`name` fill details when non-empty.
inline ApiError MakeError(int code, const std::string& reason, const std::string& message,
                          const std::string& name = "", const std::string& group = "",
                          const std::string& kind = "") {
  nlohmann::json s = {{"kind", "Status"},       {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
                      {"status", "Failure"},    {"message", message}, {"reason", reason},
                      {"code", code}};
  nlohmann::json details = nlohmann::json::object();
  if (!name.empty()) details["name"] = name;
  if (!group.empty()) details["group"] = group;
  if (!kind.empty()) details["kind"] = kind;
  if (!details.empty()) s["details"] = details;
  return {code, s};
}

// "deployments.apps" or "pods": how the real server names a resource in messages.
inline std::string QualifiedResource(const std::string& resource, const std::string& group) {
  return group.empty() ? resource : resource + "." + group;
}

inline ApiError NotFound(const std::string& resource, const std::string& group,
                         const std::string& name) {
  return MakeError(404, "NotFound",
                   QualifiedResource(resource, group) + " \"" + name + "\" not found", name,
                   group, resource);
}

inline ApiError AlreadyExists(const std::string& resource, const std::string& group,
                              const std::string& name) {
  return MakeError(409, "AlreadyExists",
                   QualifiedResource(resource, group) + " \"" + name + "\" already exists", name,
                   group, resource);
}

inline ApiError Conflict(const std::string& resource, const std::string& group,
                         const std::string& name) {
  return MakeError(409, "Conflict",
                   "Operation cannot be fulfilled on " + QualifiedResource(resource, group) +
                       " \"" + name +
                       "\": the object has been modified; please apply your changes to the "
                       "latest version and try again",
                   name, group, resource);
}

inline ApiError Invalid(const std::string& kind, const std::string& group, const std::string& name,
                        const std::string& detail) {
  return MakeError(422, "Invalid",
                   kind + (group.empty() ? "" : "." + group) + " \"" + name +
                       "\" is invalid: " + detail,
                   name, group, kind);
}

inline ApiError BadRequest(const std::string& message) {
  return MakeError(400, "BadRequest", message);
}

inline ApiError Expired(const std::string& message) { return MakeError(410, "Expired", message); }

}  // namespace minpriv::apiserver

#endif  // MINPRIV_TESTS_APISERVER_API_STATUS_H_
