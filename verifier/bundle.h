// An OCI bundle in a temporary directory, owning everything it mounted and created.
//
// Root file system: the host's root (or, with --image, the image's cached root file
// system), seen through an overlay (lower: the host's "/" file system alone — submounts
// such as /proc are not part of it — or the image's root; upper: a tmpfs private to the
// bundle). The runtime then creates missing mount points in the throw-away upper layer
// instead of the host, and with root.readonly the runtime remounts it read-only, so the
// container cannot modify the host; with a writable root (readOnlyRootFilesystem unset)
// its writes land in the tmpfs and vanish with the bundle.
//
// Destruction unmounts in reverse order and removes the directory (unless kept), never
// descending into another file system, so an unmount failure cannot touch the host.
#ifndef MINPRIV_VERIFIER_BUNDLE_H_
#define MINPRIV_VERIFIER_BUNDLE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace minpriv::verifier {

class Bundle {
 public:
  // Creates PARENT/minpriv-verify-XXXXXX with the overlay root at rootfs/: `lower` (the
  // host's "/", or an image's cached root file system) under a throw-away tmpfs layer.
  static absl::StatusOr<Bundle> Create(const std::string& parent = "/tmp",
                                       const std::string& lower = "/");

  Bundle() = default;
  Bundle(Bundle&& other) noexcept;
  Bundle& operator=(Bundle&& other) noexcept;
  Bundle(const Bundle&) = delete;
  Bundle& operator=(const Bundle&) = delete;
  ~Bundle();

  const std::string& dir() const { return dir_; }
  std::string rootfs() const { return dir_ + "/rootfs"; }

  // A fresh directory backing the emptyDir volume `name` (mode 0777 like the kubelet's;
  // group `fs_group` with the setgid bit when fs_group >= 0).
  absl::StatusOr<std::string> AddEmptyDir(const std::string& name, int64_t fs_group);

  // An empty scratch directory (or, with `file`, an empty file) standing in for the hostPath
  // volume `name`: nothing of the host, gone with the bundle.
  absl::StatusOr<std::string> AddScratch(const std::string& name, bool file);

  // A directory of empty files named `keys` (relative paths) standing in for the secret,
  // configMap, projected or downwardAPI volume `name`.
  absl::StatusOr<std::string> AddPlaceholder(const std::string& name,
                                             const std::vector<std::string>& keys);

  absl::Status WriteConfig(const nlohmann::json& config);

  // Leave the directory (config.json, volumes) in place on destruction; mounts are still
  // removed.
  void Keep() { keep_ = true; }

 private:
  void Release();
  std::string dir_;
  std::vector<std::string> mounts_;  // in mount order
  bool keep_ = false;
};

}  // namespace minpriv::verifier

#endif  // MINPRIV_VERIFIER_BUNDLE_H_
