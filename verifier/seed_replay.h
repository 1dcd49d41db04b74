// The replay's side of an emptyDir seeded from the image (remediator/seed_volumes.h): an init
// container of the proposal that runs `cp -a DIR/. /seed/` with the volume at /seed fills the
// volume with the image's DIR before the workload starts; the replay, which runs only the
// workload's container, does the same copy from the replay's root (the host's).
#ifndef MINPRIV_VERIFIER_SEED_REPLAY_H_
#define MINPRIV_VERIFIER_SEED_REPLAY_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "verifier/workload.h"

namespace minpriv::verifier {

// Copies into `host_dir` (the prepared directory of emptyDir `volume`) what each seeding
// init container of `pod` would copy into it, with `cp -a`, reading DIR under `root`; a note
// per copy. An init container that mounts the volume but runs anything else is not replayed
// (a note says so).
absl::Status SeedLikeInitContainers(const PodTemplate& pod, const std::string& volume,
                                    const std::string& host_dir, const std::string& root,
                                    std::vector<std::string>& notes);

}  // namespace minpriv::verifier

#endif  // MINPRIV_VERIFIER_SEED_REPLAY_H_
