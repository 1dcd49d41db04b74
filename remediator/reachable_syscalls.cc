#include "remediator/reachable_syscalls.h"

#include "absl/strings/str_cat.h"
#include "remediator/markdown.h"

namespace minpriv::remediator {

void AddReachableSyscalls(const crd::ContainerProfile& prof, std::set<std::string>& allowed,
                          ContainerProposal& out) {
  if (!prof.reachable.has_value()) return;
  out.reachability = true;
  for (const crd::ReachableSyscall& r : prof.reachable->syscalls) {  // sorted by name
    if (allowed.insert(r.name).second) out.reachable_only.push_back({r.name, r.evidence});
  }
  for (const std::string& b : prof.reachable->static_binaries) {
    out.risks.push_back(absl::StrCat(Code(b), " is statically linked: only observed syscalls are "
                                     "known for it; a path it did not take while learning may be "
                                     "denied"));
  }
  if (prof.reachable->unmapped_imports > 0) {
    out.risks.push_back(absl::StrCat(prof.reachable->unmapped_imports,
                                     " C library imports of the executed binaries are not in "
                                     "minpriv's table: the syscalls they make are allowed only "
                                     "when observed"));
  }
}

std::string ReachableChangeNote(const ContainerProposal& out) {
  if (!out.reachability) return "";
  return absl::StrCat(" + ", out.reachable_only.size(), " reachable by import");
}

}  // namespace minpriv::remediator
