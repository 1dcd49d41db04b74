// The real image for `minpriv verify --image REF`: fetched with skopeo into an OCI layout,
// unpacked once with umoci into a read-only root file system cached by manifest digest,
// and its configuration (Entrypoint, Cmd, Env, WorkingDir, User) read from the layout.
//
// REF uses skopeo's transports: oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE,
// docker://NAME[:TAG] (needs the registry to be reachable). Local transports are copied
// without a signature policy (there is nothing to verify); docker:// follows the system's
// /etc/containers/policy.json.
//
// Cache: DIR/sha256-<hex>/rootfs, DIR = $XDG_CACHE_HOME/minpriv/images when XDG_CACHE_HOME
// is set, else /var/cache/minpriv/images. An entry is unpacked into a temporary directory
// next to it and renamed into place, so concurrent runs never see half an image; the
// loser of a race removes its copy and uses the winner's.
#ifndef MINPRIV_VERIFIER_IMAGE_H_
#define MINPRIV_VERIFIER_IMAGE_H_

#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace minpriv::verifier {

struct Image {
  std::string ref;     // as given
  std::string digest;  // the manifest's, "sha256:…"
  std::string rootfs;  // the cached root file system (never written to)
  bool cache_hit = false;
  // The image configuration (config.config of the OCI image config).
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;  // "NAME=value"
  std::string working_dir;
  std::string user;  // as written: "", "1000", "1000:1000", "app", "app:app"
};

std::string DefaultImageCacheDir();

// Fetches, unpacks (unless cached) and reads the image. InvalidArgument for a malformed or
// missing REF (the user's), FailedPrecondition when skopeo/umoci are missing or fail.
absl::StatusOr<Image> PrepareImage(const std::string& ref, const std::string& cache_dir);

// The image's user as numbers: a name or group looked up in the image's /etc/passwd and
// /etc/group. InvalidArgument when a name is not there (the kubelet cannot run it either).
struct ImageUser {
  uint32_t uid = 0;
  std::optional<uint32_t> gid;  // from "uid:gid" or the passwd entry
};
absl::StatusOr<ImageUser> ResolveImageUser(const std::string& user, const std::string& rootfs);

// The process the kubelet runs: the manifest's command replaces the Entrypoint (and drops
// Cmd), its args replace Cmd.
std::vector<std::string> KubeletCommand(const Image& image,
                                        const std::vector<std::string>& command,
                                        const std::vector<std::string>& args);

// A file of `root` (an image's root file system) read, or stat'ed, with its symbolic links
// resolved inside that root (openat2 RESOLVE_IN_ROOT), never on this host.
absl::StatusOr<std::string> ReadFileInRoot(const std::string& root, const std::string& path);
bool StatInRoot(const std::string& root, const std::string& path, struct stat* st);

// PATH from an environment list ("NAME=value"), empty when unset.
std::string PathOf(const std::vector<std::string>& env);

}  // namespace minpriv::verifier

#endif  // MINPRIV_VERIFIER_IMAGE_H_
