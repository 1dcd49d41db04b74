// admission.k8s.io/v1 AdmissionReview: the request the API server sends and the response it
// expects back. Decoding never throws and never crashes on any input; errors are
// InvalidArgument with a message for the HTTP 400 body.
#ifndef MINPRIV_WEBHOOKS_ADMISSION_REVIEW_H_
#define MINPRIV_WEBHOOKS_ADMISSION_REVIEW_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace minpriv::webhooks {

struct GroupVersionKind {
  std::string group, version, kind;
};

struct OwnerReference {
  std::string api_version, kind, name;
  bool controller = false;
};

struct AdmissionRequest {
  std::string uid;
  GroupVersionKind kind;   // of the object
  std::string resource;    // e.g. "deployments"
  std::string sub_resource;  // e.g. "scale", "status"; empty for the main resource
  std::string name;
  std::string namespace_;
  std::string operation;   // CREATE, UPDATE, DELETE, CONNECT
  bool dry_run = false;
  nlohmann::json object;      // null when absent (DELETE)
  nlohmann::json old_object;  // null unless UPDATE/DELETE
  // The object's metadata.name (request.name is empty on CREATE with generateName).
  std::string ObjectName() const;
  std::vector<OwnerReference> OwnerReferences() const;
};

// Deepest JSON nesting accepted: far beyond any Kubernetes object, far below a stack's limit.
inline constexpr int kMaxJsonDepth = 128;

absl::StatusOr<AdmissionRequest> DecodeAdmissionReview(std::string_view body);

struct AdmissionResponse {
  std::string uid;
  bool allowed = true;
  int code = 0;             // status.code when denied (403)
  std::string reason;       // status.reason when denied
  std::string message;      // status.message when denied
  std::vector<std::string> warnings;
  std::map<std::string, std::string> audit_annotations;
  std::string patch;        // JSON patch text; empty for none
};

// The AdmissionReview (apiVersion admission.k8s.io/v1) carrying `response`.
std::string EncodeAdmissionReview(const AdmissionResponse& response);

}  // namespace minpriv::webhooks

#endif  // MINPRIV_WEBHOOKS_ADMISSION_REVIEW_H_
