// YAML codec for WorkloadProfile. The emitter writes canonical, deterministic YAML (same
// profile, same bytes); the parser reports errors as "SOURCE:LINE:COLUMN: what, how to
// fix" in an InvalidArgument status (NotFound for a missing file).
#ifndef MINPRIV_CRD_PROFILE_CODEC_H_
#define MINPRIV_CRD_PROFILE_CODEC_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "crd/workload_profile.h"

namespace minpriv::crd {

// `source` names the input in error messages (a file path, "<stdin>").
absl::StatusOr<WorkloadProfile> ParseWorkloadProfile(std::string_view yaml,
                                                     std::string_view source);
absl::StatusOr<WorkloadProfile> ReadWorkloadProfileFile(const std::string& path);

// True for strings a YAML reader would take for something else (numbers, booleans, null,
// dates, the empty string): the emitters (this codec's and EmitYaml's) double-quote them.
bool LooksLikeNonString(const std::string& s);

// The file operations fileWrites[].ops may name (sorted), for schemas and messages.
const std::vector<std::string>& FileOperationNames();

// Canonical YAML of the resource (canonicalises a copy first).
std::string EmitWorkloadProfile(const WorkloadProfile& profile);

}  // namespace minpriv::crd

#endif  // MINPRIV_CRD_PROFILE_CODEC_H_
