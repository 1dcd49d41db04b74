// An emptyDir seeded from the image: an init container of the same image copies the
// directory's shipped content into the volume before the workload starts, the pattern
// used by hand for images that ship content in a directory the workload writes to (nginx's
// /var/cache/nginx, a /run with the image's files).
#ifndef MINPRIV_REMEDIATOR_SEED_VOLUMES_H_
#define MINPRIV_REMEDIATOR_SEED_VOLUMES_H_

#include <string>

#include "remediator/narrowing.h"
#include "remediator/proposer.h"

namespace minpriv::remediator {

// Where a seeding init container mounts the volume it fills.
inline constexpr char kSeedMountPath[] = "/seed";

// Adds to the pod an init container running `image` with `cp -a DIR/. /seed/` and the
// volume `volume` mounted at /seed (read-only root, no privilege escalation, only the
// capabilities cp -a needs to keep owners and modes), records `dir` in
// `out.seeded_mounts`, a change line and the risk that the image must have `cp`.
void AddSeedInitContainer(const std::string& dir, const std::string& volume,
                          const std::string& image, WorkloadContext& ctx, ContainerProposal& out);

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_SEED_VOLUMES_H_
