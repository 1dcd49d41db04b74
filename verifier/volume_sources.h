// The host side of a replay's volumes: for each volume the container mounts, what backs it
// in the bundle (a fresh emptyDir directory, a hostPath scratch under --host-paths=scratch,
// a placeholder of the manifest's keys), recorded in SpecInputs for BuildOciSpec.
#ifndef MINPRIV_VERIFIER_VOLUME_SOURCES_H_
#define MINPRIV_VERIFIER_VOLUME_SOURCES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "verifier/bundle.h"
#include "verifier/oci_spec.h"

namespace minpriv::verifier {

// Uses in.pod, in.container and in.host_paths; fills in.empty_dir_sources,
// in.host_path_sources and in.placeholder_sources. An emptyDir that an init container of the
// proposal seeds from the image (seed_replay.h) is filled from `seed_root` (the image's root
// file system, or "/" when the host's serves as the image), a note per copy in `seed_notes`.
absl::Status PrepareVolumeSources(Bundle& bundle, SpecInputs& in, const std::string& seed_root,
                                  std::vector<std::string>& seed_notes);

}  // namespace minpriv::verifier

#endif  // MINPRIV_VERIFIER_VOLUME_SOURCES_H_
