#include "remediator/narrow_seccomp.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "remediator/markdown.h"
#include "remediator/reachable_syscalls.h"
#include "remediator/runtime_syscalls.h"
#include "remediator/workload.h"
#include "remediator/yaml_io.h"

namespace minpriv::remediator {

std::string SeccompName(const std::string& ns, const std::string& workload, const std::string& container) {
  return ns.empty() ? absl::StrCat(workload, "-", container) : absl::StrCat(ns, "-", workload, "-", container);
}

void NarrowSeccomp(YAML::Node sc, const YAML::Node& pod_sc, const crd::ContainerProfile& prof,
                   const WorkloadContext& ctx, ContainerProposal& out) {
  std::set<std::string> allowed(prof.syscalls.begin(), prof.syscalls.end());
  std::set<std::string> observed = allowed;
  for (const auto& s : RuntimeRequiredSyscalls()) {
    if (allowed.insert(s).second) out.runtime_only.push_back(s);
  }
  if (ctx.startup_not_observed) {
    // What a dynamically linked program's start-up (the loader, libc's initialisation) calls
    // before main: a profile learned by attaching to a running workload could not see it, and
    // the container would not start without it. `minpriv learn -- /bin/true` records all of
    // these but fstat (older glibc's loader) and getrandom (glibc's malloc initialisation in
    // programs that allocate), measured on Debian 12's glibc 2.36.
    static const char* const kStartup[] = {
        "access",     "arch_prctl", "brk",      "close",     "execve",          "fstat",
        "getrandom",  "mmap",       "mprotect", "munmap",    "newfstatat",      "openat",
        "pread64",    "prlimit64",  "read",     "rseq",      "set_robust_list", "set_tid_address"};
    std::vector<std::string> added;
    for (const char* s : kStartup) {
      if (allowed.insert(s).second) {
        out.runtime_only.push_back(s);
        added.push_back(s);
      }
    }
    if (!added.empty()) {
      out.risks.push_back(absl::StrCat(
          "the profile was learned by attaching to a running workload, so its start-up was not "
          "observed: allowed the start-up calls of the dynamic loader and libc ",
          CodeList(added), " unobserved; learn it from its start to know them"));
    }
  }
  if (ctx.seccomp_reachable) AddReachableSyscalls(prof, allowed, out);
  out.seccomp_allowed.assign(allowed.begin(), allowed.end());
  out.seccomp_name = SeccompName(ctx.namespace_, ctx.workload_name, out.name);
  std::string localhost = absl::StrCat("minpriv/", out.seccomp_name, ".json");
  YAML::Node seccomp = Child(sc, "seccompProfile");
  bool container_level = seccomp.IsDefined();
  if (!container_level) seccomp.reset(Child(pod_sc, "seccompProfile"));
  std::string type = ScalarAt(seccomp, "type");
  std::string existing_lh = ScalarAt(seccomp, "localhostProfile");
  const auto& rd = RuntimeDefaultSyscalls();
  std::set<std::string> runtime_default(rd.begin(), rd.end());
  std::vector<std::string> outside_default;
  for (const auto& s : allowed) {
    if (runtime_default.count(s) == 0) outside_default.push_back(s);
  }
  size_t removed = 0;
  for (const auto& s : rd) removed += allowed.count(s) == 0 ? 1 : 0;
  if (type == "Localhost" && !absl::StartsWith(existing_lh, "minpriv/")) {
    out.risks.push_back(absl::StrCat("the manifest already uses its own seccomp profile ", Code(existing_lh),
                                     "; kept it (minpriv's profile is written to seccomp/", out.seccomp_name,
                                     ".json for comparison)"));
    return;
  }
  if (type == "RuntimeDefault" && !outside_default.empty()) {
    out.risks.push_back(absl::StrCat("kept `seccompProfile: RuntimeDefault`: the generated allow list would add ",
                                     CodeList(outside_default), " which RuntimeDefault denies"));
    return;
  }
  YAML::Node want = NewMap();
  want["type"] = Str("Localhost");
  want["localhostProfile"] = Str(localhost);
  if (!container_level || !NodesEqual(Child(sc, "seccompProfile"), want)) sc["seccompProfile"] = want;
  out.seccomp_referenced = true;
  out.changes.push_back(absl::StrCat(
      "seccomp: `Localhost` ", Code(localhost), " allows ", allowed.size(), " syscalls (", observed.size(),
      " observed + ", out.runtime_only.size(), " for the runtime: ", CodeList(out.runtime_only),
      ReachableChangeNote(out), ")",
      " instead of the ", runtime_default.size(), " RuntimeDefault allows; removes ", removed,
      outside_default.empty() ? "" : absl::StrCat("; beyond RuntimeDefault: ", CodeList(outside_default)),
      type.empty() ? " (the manifest had no seccomp profile: Unconfined)" : absl::StrCat(" (was ", type, ")")));
}

}  // namespace minpriv::remediator
