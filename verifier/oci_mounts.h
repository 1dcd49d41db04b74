// The mounts part of the OCI runtime spec (oci_spec.h describes the mapping): the runtime's
// default mounts, then the container's volume mounts ordered by depth.
#ifndef MINPRIV_VERIFIER_OCI_MOUNTS_H_
#define MINPRIV_VERIFIER_OCI_MOUNTS_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "verifier/oci_spec.h"

namespace minpriv::verifier {

struct OciMounts {
  nlohmann::json mounts;                    // config.json "mounts", in mount order
  std::vector<std::string> writable_paths;  // container paths of writable mounts, sorted
};

// `where` prefixes the user's mistakes (InvalidArgument); differences from a real node are
// added to `notes`.
absl::StatusOr<OciMounts> BuildOciMounts(const SpecInputs& in, bool privileged,
                                         const std::string& where,
                                         std::set<std::string>& notes);

}  // namespace minpriv::verifier

#endif  // MINPRIV_VERIFIER_OCI_MOUNTS_H_
