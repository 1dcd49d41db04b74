// The seccomp profiles the agent installs for the kubelet: <seccomp dir>/minpriv/<name>.json,
// which a pod's `seccompProfile: {type: Localhost, localhostProfile: minpriv/<name>.json}`
// names. Writes are atomic (a temporary file in the same directory, fsync, rename; mode
// 0644), so the kubelet never reads half a profile, and happen only when the content differs,
// so a file in use is not replaced by an identical one.
#ifndef MINPRIV_AGENT_SECCOMP_FILES_H_
#define MINPRIV_AGENT_SECCOMP_FILES_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace minpriv::agent {

inline constexpr char kSeccompSubdir[] = "minpriv";

class SeccompFiles {
 public:
  explicit SeccompFiles(std::string seccomp_dir) : seccomp_dir_(std::move(seccomp_dir)) {}

  // <seccomp dir>/minpriv/<name>.json
  std::string PathOf(const std::string& name) const;
  // The bytes written for `profile` (deterministic: sorted keys, a final newline).
  static std::string Render(const nlohmann::json& profile);

  // Creates the directories when missing and writes the profile unless the file already
  // holds exactly that; true when it wrote. InvalidArgument for a name that is not a plain
  // file name.
  absl::StatusOr<bool> Install(const std::string& name, const nlohmann::json& profile) const;
  // Removes the profile's file; true when there was one.
  absl::StatusOr<bool> Remove(const std::string& name) const;
  // Names of the *.json files present (sorted); empty when the directory does not exist.
  std::vector<std::string> Installed() const;

 private:
  std::string seccomp_dir_;
};

}  // namespace minpriv::agent

#endif  // MINPRIV_AGENT_SECCOMP_FILES_H_
