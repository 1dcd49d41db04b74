// ObjectMeta: the part of Kubernetes' metadata minpriv's resources use, and the reference
// to a target workload. Plain data plus a JSON codec that is lenient about metadata fields
// the API server adds (managedFields, finalizers, ...): they are ignored when decoding.
#ifndef MINPRIV_CRD_OBJECT_META_H_
#define MINPRIV_CRD_OBJECT_META_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "crd/workload_profile.h"  // Target

namespace minpriv::crd {

inline constexpr char kGroup[] = "minpriv.dev";
inline constexpr char kVersion[] = "v1alpha1";

// Labels minpriv puts on its WorkloadProfiles (and proposals).
inline constexpr char kNodeLabel[] = "minpriv.dev/node";
inline constexpr char kWorkloadKindLabel[] = "minpriv.dev/workload-kind";
inline constexpr char kWorkloadNameLabel[] = "minpriv.dev/workload-name";

struct OwnerReference {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string uid;
  bool controller = false;
  bool block_owner_deletion = false;
  bool operator==(const OwnerReference&) const = default;
};

struct ObjectMeta {
  std::string name;
  std::string namespace_;  // empty for cluster-scoped objects
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  // Set by the API server; empty/0 on objects not yet created.
  std::string uid;
  std::string resource_version;
  int64_t generation = 0;
  std::string creation_timestamp;
  std::vector<OwnerReference> owner_references;
  bool operator==(const ObjectMeta&) const = default;
};

// Empty fields are omitted; maps in key order.
nlohmann::json ObjectMetaToJson(const ObjectMeta& meta);
// `path` names the field in errors (usually "metadata").
absl::StatusOr<ObjectMeta> ObjectMetaFromJson(const nlohmann::json& j,
                                              const std::string& path = "metadata");

nlohmann::json TargetToJson(const Target& target);
// All three fields are required and non-empty.
absl::StatusOr<Target> TargetFromJson(const nlohmann::json& j, const std::string& path);

}  // namespace minpriv::crd

#endif  // MINPRIV_CRD_OBJECT_META_H_
