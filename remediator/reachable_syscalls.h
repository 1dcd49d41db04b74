// The third source of a seccomp allow list, after observation and the runtime's needs: the
// syscalls a container's executed binaries can reach through their C library imports (the
// profile's `reachable` block), with the risks of what that cannot know.
#ifndef MINPRIV_REMEDIATOR_REACHABLE_SYSCALLS_H_
#define MINPRIV_REMEDIATOR_REACHABLE_SYSCALLS_H_

#include <set>
#include <string>

#include "crd/workload_profile.h"
#include "remediator/proposer.h"

namespace minpriv::remediator {

// When `prof` carries `reachable`: sets `out.reachability`, adds to `allowed` what is
// reachable and not yet in it (recorded in `out.reachable_only` with its evidence), and adds
// a risk per statically linked binary and one for unmapped imports. Otherwise does nothing.
void AddReachableSyscalls(const crd::ContainerProfile& prof, std::set<std::string>& allowed,
                          ContainerProposal& out);

// " + N reachable by import" for the seccomp change line when `out.reachability`, else "".
std::string ReachableChangeNote(const ContainerProposal& out);

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_REACHABLE_SYSCALLS_H_
