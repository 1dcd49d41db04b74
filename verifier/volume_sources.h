// The host side of a replay's volumes: for each volume the container mounts, what backs it
// in the bundle (a fresh emptyDir directory, a hostPath scratch under --host-paths=scratch,
// a placeholder of the manifest's keys), recorded in SpecInputs for BuildOciSpec.
#ifndef MINPRIV_VERIFIER_VOLUME_SOURCES_H_
#define MINPRIV_VERIFIER_VOLUME_SOURCES_H_

#include "absl/status/status.h"
#include "verifier/bundle.h"
#include "verifier/oci_spec.h"

namespace minpriv::verifier {

// Uses in.pod, in.container and in.host_paths; fills in.empty_dir_sources,
// in.host_path_sources and in.placeholder_sources.
absl::Status PrepareVolumeSources(Bundle& bundle, SpecInputs& in);

}  // namespace minpriv::verifier

#endif  // MINPRIV_VERIFIER_VOLUME_SOURCES_H_
