// JSON form of the WorkloadProfile resource, for the Kubernetes API: the same
// apiVersion/kind/metadata/spec/status, the same keys and the same omission rules as the YAML
// form (profile_codec.h), so a profile read from a file and the custom resource agree.
#ifndef MINPRIV_CRD_PROFILE_JSON_H_
#define MINPRIV_CRD_PROFILE_JSON_H_

#include <string_view>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "crd/object_meta.h"
#include "crd/workload_profile.h"

namespace minpriv::crd {

// Canonical (canonicalises a copy first). metadata holds name, namespace and labels only.
nlohmann::json WorkloadProfileToJson(const WorkloadProfile& profile);

// Strict on spec and status (the YAML codec's rules: unknown fields, wrong types, unknown
// syscalls, ... are InvalidArgument naming the field); metadata fields the API server adds
// (uid, resourceVersion, managedFields, ...) are accepted and, when `meta` is given, returned
// there. Error positions ("LINE:COLUMN") refer to the object printed with 2-space indent.
absl::StatusOr<WorkloadProfile> WorkloadProfileFromJson(const nlohmann::json& j,
                                                        ObjectMeta* meta = nullptr);
// The same from JSON text; malformed JSON is InvalidArgument.
absl::StatusOr<WorkloadProfile> ParseWorkloadProfileJson(std::string_view text,
                                                         ObjectMeta* meta = nullptr);

}  // namespace minpriv::crd

#endif  // MINPRIV_CRD_PROFILE_JSON_H_
