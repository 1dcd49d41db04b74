// cgroup v2 helpers. Works on a pure v2 host (/sys/fs/cgroup is cgroup2) and on a hybrid
// one (v2 unified hierarchy at /sys/fs/cgroup/unified).
#ifndef MINPRIV_UTIL_CGROUP_H_
#define MINPRIV_UTIL_CGROUP_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace minpriv::util {

// Mount point of the cgroup v2 hierarchy.
absl::StatusOr<std::string> CgroupV2Root();

// The cgroup id the kernel reports (bpf_get_current_cgroup_id()): the directory's inode.
absl::StatusOr<uint64_t> CgroupId(const std::string& cgroup_path);

// Creates (or reuses) the cgroup `relative` under the v2 root; returns its absolute path.
absl::StatusOr<std::string> CreateCgroup(const std::string& relative);

// Moves process `pid` into the cgroup.
absl::Status MoveToCgroup(const std::string& cgroup_path, pid_t pid);

// Every process in the cgroup and its descendants (empty when it is gone).
std::vector<pid_t> CgroupProcs(const std::string& cgroup_path);

// Sends `sig` to every process in the cgroup and below it (SIGKILL through cgroup.kill
// where the kernel has it, which also catches processes forked meanwhile).
void SignalCgroup(const std::string& cgroup_path, int sig);

// Kills every process left in the cgroup (SIGKILL, repeated until empty, at most
// `attempts` rounds of 10 ms) and removes the directory.
absl::Status RemoveCgroup(const std::string& cgroup_path, int attempts = 300);

// Move-only owner of a cgroup created for a workload: removed on destruction.
class ScopedCgroup {
 public:
  static absl::StatusOr<ScopedCgroup> Create(const std::string& relative);
  ScopedCgroup() = default;
  ScopedCgroup(ScopedCgroup&& other) noexcept;
  ScopedCgroup& operator=(ScopedCgroup&& other) noexcept;
  ScopedCgroup(const ScopedCgroup&) = delete;
  ScopedCgroup& operator=(const ScopedCgroup&) = delete;
  ~ScopedCgroup();

  const std::string& path() const { return path_; }
  uint64_t id() const { return id_; }

 private:
  std::string path_;
  uint64_t id_ = 0;
};

}  // namespace minpriv::util

#endif  // MINPRIV_UTIL_CGROUP_H_
