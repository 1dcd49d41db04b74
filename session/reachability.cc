// Reachability of a learned container: execs → imports::FindReachableSyscalls → crd block.
#include "session/reachability.h"

#include <unistd.h>

#include <set>

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "imports/reachable.h"
#include "util/cgroup.h"
#include "util/syscalls.h"

namespace minpriv::session {

std::string WorkloadRoot(bool attached, const std::string& cgroup_path, std::string& note) {
  note.clear();
  if (!attached) return "/";
  for (pid_t pid : util::CgroupProcs(cgroup_path)) {
    std::string root = absl::StrCat("/proc/", pid, "/root");
    if (access(absl::StrCat(root, "/.").c_str(), X_OK) == 0) {
      note = absl::StrCat("reachable syscalls were read through the workload's root ", root,
                          " (a process still in ", cgroup_path, ")");
      return root;
    }
  }
  note = absl::StrCat("reachable syscalls were read through the host's root /: no process "
                      "was left in ", cgroup_path, " to read the workload's own root from; "
                      "they are wrong if the workload runs from another image");
  return "/";
}

absl::StatusOr<crd::Reachability> ComputeReachability(const crd::ContainerProfile& container,
                                                      const std::string& root) {
  imports::ReachInput input;
  input.root = root;
  for (const crd::Exec& e : container.execs) input.executables.push_back(e.path);
  auto found = imports::FindReachableSyscalls(input);
  if (!found.ok()) return found.status();
  crd::Reachability out;
  for (const auto& [name, evidence] : found->syscalls) {
    if (!util::SyscallNumber(name).has_value()) continue;  // not an x86_64 call
    crd::ReachableSyscall r;
    r.name = name;
    std::set<std::string> texts;
    for (const imports::Evidence& e : evidence) texts.insert(e.ToString());
    for (const std::string& t : texts) {
      if (r.evidence.size() == kMaxEvidencePerSyscall) break;
      r.evidence.push_back(t);
    }
    out.syscalls.push_back(std::move(r));
  }
  for (const imports::BinaryReport& b : found->binaries) {
    if (b.executable && b.status.ok() && b.is_static) out.static_binaries.push_back(b.path);
  }
  out.unmapped_imports = found->UnmappedImportCount();
  return out;
}

void AddReachability(crd::ContainerProfile& container, bool attached,
                     const std::string& cgroup_path, const std::string& whose,
                     std::vector<std::string>& warnings) {
  std::string note;
  const std::string root = WorkloadRoot(attached, cgroup_path, note);
  if (!note.empty()) warnings.push_back(whose + note);
  const absl::Time start = absl::Now();
  auto reach = ComputeReachability(container, root);
  const absl::Duration took = absl::Now() - start;
  if (!reach.ok()) {
    warnings.push_back(absl::StrCat(whose, "reachable syscalls are unknown: ",
                                    reach.status().message()));
    return;
  }
  spdlog::info("{}reachable syscalls of {} executables through {}: {} ({} statically linked) "
               "in {}", whose, container.execs.size(), root, reach->syscalls.size(),
               reach->static_binaries.size(), absl::FormatDuration(took));
  container.reachable = std::move(*reach);
}

}  // namespace minpriv::session
