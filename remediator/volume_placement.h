// Where emptyDirs go when the profile says what the workload used from its file system and
// what the image shipped where it wrote (crd::FileSystemUse): each volume at the widest
// directory, no wider than CollapseWritableDirs would mount, that hides nothing the workload
// did not create itself. A written directory that itself holds the image's content gets a
// volume seeded from the image by an init container, or, when that cannot be done, keeps
// the root writable with the reason. Pure: no manifests, no file system.
#ifndef MINPRIV_REMEDIATOR_VOLUME_PLACEMENT_H_
#define MINPRIV_REMEDIATOR_VOLUME_PLACEMENT_H_

#include <string>
#include <vector>

#include "crd/workload_profile.h"

namespace minpriv::remediator {

struct PlacedVolume {
  std::string dir;
  bool seed = false;  // the image's content of `dir` is copied in by an init container first
  std::vector<std::string> evidence;  // report lines (markdown): why here, why seeded
};

struct VolumePlan {
  // Sorted by dir, none nested in another; empty when any directory is blocked.
  std::vector<PlacedVolume> volumes;
  // Written directories no volume can serve (the root stays writable), each with the reason
  // in `blocked_reasons` (same order).
  std::vector<std::string> blocked;
  std::vector<std::string> blocked_reasons;
};

// The parent of an absolute path ("/" for "/x" and "/").
std::string ParentDir(const std::string& path);
// The directory a write lands in (a summarized write names its directory).
std::string WriteDir(const crd::FileWrite& w);
// Directories that ship content in almost every image (/etc, /usr, /opt, ...).
bool SystemContentDir(const std::string& dir);
// The write made its path (create, mkdir, symlink, link, mknod, or a rename onto it).
bool CreatedByWorkload(const crd::FileWrite& w);

// `writes`: the writes outside every existing mount; `use`: the profile's fileSystemUse;
// `can_seed`: the container names its image (an init container can run it). Deterministic.
VolumePlan PlaceVolumes(const std::vector<crd::FileWrite>& writes, const crd::ContainerProfile& prof,
                        const crd::FileSystemUse& use, bool can_seed);

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_VOLUME_PLACEMENT_H_
