// Seccomp profiles as Kubernetes Localhost profiles carry them (the OCI/Docker JSON
// format), converted to the OCI runtime spec's linux.seccomp the way containerd loads a
// Localhost profile: `names`/`name`, `action`, `errnoRet`, `args`, `architectures` (or
// the Docker `archMap` entry for x86_64), `includes`/`excludes` by capability and arch.
#ifndef MINPRIV_VERIFIER_SECCOMP_H_
#define MINPRIV_VERIFIER_SECCOMP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace minpriv::verifier {

struct SeccompArg {
  uint32_t index = 0;
  uint64_t value = 0;
  uint64_t value_two = 0;
  std::string op;  // SCMP_CMP_EQ, ...
  bool operator==(const SeccompArg&) const = default;
};

struct SeccompRule {
  std::vector<std::string> names;
  std::string action;  // SCMP_ACT_*
  std::optional<uint32_t> errno_ret;
  std::vector<SeccompArg> args;
  bool operator==(const SeccompRule&) const = default;
};

struct SeccompProfile {
  std::string default_action;
  std::optional<uint32_t> default_errno_ret;
  std::vector<std::string> architectures;
  std::vector<std::string> flags;
  std::vector<SeccompRule> syscalls;

  // True when the profile lets `syscall` through for at least some arguments (an
  // allowing rule, conditional or not, or an allowing default action).
  bool Allows(std::string_view syscall) const;
  // Names of every syscall some rule allows (sorted, unique).
  std::vector<std::string> AllowedNames() const;
};

// Parses the JSON text. `capabilities` (Kubernetes spelling, no CAP_) is the container's
// bounding set, used to apply Docker-style `includes`/`excludes` conditions. Errors read
// "SOURCE:LINE:COLUMN: what; how to fix" (InvalidArgument).
absl::StatusOr<SeccompProfile> ParseSeccompProfile(std::string_view text,
                                                   std::string_view source,
                                                   const std::vector<std::string>& capabilities);

// The OCI runtime spec's linux.seccomp object.
nlohmann::json SeccompToOci(const SeccompProfile& profile);

// True for actions that let the call run (ALLOW, LOG).
bool IsAllowingAction(std::string_view action);

}  // namespace minpriv::verifier

#endif  // MINPRIV_VERIFIER_SECCOMP_H_
