// A workload's root file system seen from the host ("/" or /proc/PID/root): container paths
// are resolved inside it, symbolic links included (an absolute link target starts again at
// the root, ".." stops at the root), so nothing of the host outside the root is ever read.
#ifndef MINPRIV_IMPORTS_ROOT_FS_H_
#define MINPRIV_IMPORTS_ROOT_FS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "imports/elf_file.h"
#include "util/fd.h"

namespace minpriv::imports {

class RootFs {
 public:
  // Opens the root directory. NotFound / InvalidArgument when it is not a directory.
  static absl::StatusOr<RootFs> Open(const std::string& host_path);

  // The canonical container path of `path` (absolute, no symlinks, no "." or ".."). Relative
  // paths are taken from the root. NotFound when a component is missing, InvalidArgument on
  // a symlink loop.
  absl::StatusOr<std::string> Resolve(const std::string& path) const;

  // Opens a regular file for reading at its container path (resolved inside the root by the
  // kernel too: openat2 with RESOLVE_IN_ROOT).
  absl::StatusOr<std::unique_ptr<ByteSource>> OpenFile(const std::string& path) const;

  // Whole small text file (configuration), or NotFound.
  absl::StatusOr<std::string> ReadText(const std::string& path) const;

  // Names in a directory, sorted; empty when it does not exist.
  std::vector<std::string> ListDirectory(const std::string& path) const;

 private:
  explicit RootFs(util::UniqueFd fd) : fd_(std::make_shared<util::UniqueFd>(std::move(fd))) {}
  absl::StatusOr<util::UniqueFd> OpenInRoot(const std::string& path, int flags) const;

  std::shared_ptr<util::UniqueFd> fd_;
};

}  // namespace minpriv::imports

#endif  // MINPRIV_IMPORTS_ROOT_FS_H_
