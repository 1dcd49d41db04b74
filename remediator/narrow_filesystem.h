// Narrowing of the file system: `readOnlyRootFilesystem` and emptyDir volumes where the
// workload writes (contract in narrowing.h). CollapseWritableDirs (proposer.h) is defined
// here.
#ifndef MINPRIV_REMEDIATOR_NARROW_FILESYSTEM_H_
#define MINPRIV_REMEDIATOR_NARROW_FILESYSTEM_H_

#include "crd/workload_profile.h"
#include "remediator/narrowing.h"
#include "remediator/proposer.h"
#include "yaml-cpp/yaml.h"

namespace minpriv::remediator {

// Writes under an existing writable mount stay allowed; writes under a read-only mount stay
// denied (a risk). Writes outside every mount get emptyDirs on CollapseWritableDirs of
// them, added to the pod's volumes (names unique in `ctx.volume_names`) and the container's
// volumeMounts, and the root becomes read-only; unless a written directory holds image
// content (the root, a system directory, a file the workload modified but did not create):
// then no emptyDir is added and the root stays writable, with the reason. Fills
// `out.new_mounts`. `out.name` must be set.
void NarrowFileSystem(YAML::Node container, YAML::Node sc, const crd::ContainerProfile& prof,
                      WorkloadContext& ctx, ContainerProposal& out);

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_NARROW_FILESYSTEM_H_
