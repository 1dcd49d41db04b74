// WriteProposalDir: all-or-nothing output directory.
#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "remediator/proposer.h"
#include "util/files.h"

namespace minpriv::remediator {
namespace {

bool DirIsEmpty(const std::string& dir) {
  std::error_code ec;
  return std::filesystem::is_empty(dir, ec) && !ec;
}

void RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

}  // namespace

absl::Status WriteProposalDir(const std::map<std::string, std::string>& files,
                              const std::string& dir_in, bool force) {
  std::string dir = dir_in;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  if (dir.empty()) return absl::InvalidArgumentError("--out-dir: empty path");
  struct stat st;
  bool exists = lstat(dir.c_str(), &st) == 0;
  if (exists && !S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(dir, ": exists and is not a directory; choose another --out-dir"));
  }
  bool empty = exists && DirIsEmpty(dir);
  if (exists && !empty && !force) {
    return absl::InvalidArgumentError(absl::StrCat(
        dir, ": output directory exists and is not empty; pass --force to replace it or choose another --out-dir"));
  }
  std::string tmp = absl::StrCat(dir, ".minpriv-tmp.", getpid());
  RemoveTree(tmp);
  if (mkdir(tmp.c_str(), 0755) != 0) {
    int err = errno;
    if (err == ENOENT) {
      return absl::InvalidArgumentError(absl::StrCat(dir, ": parent directory does not exist; create it first"));
    }
    return absl::PermissionDeniedError(absl::StrCat(tmp, ": cannot create: ", strerror(err)));
  }
  for (const auto& [rel, contents] : files) {
    std::string path = absl::StrCat(tmp, "/", rel);
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    if (ec) {
      RemoveTree(tmp);
      return absl::InternalError(absl::StrCat(path, ": cannot create directory: ", ec.message()));
    }
    // The staging directory is private and renamed into place whole: plain writes, then
    // one flush of the file system rather than an fsync per file (2,000 workloads: 6,000).
    absl::Status s = util::WriteNewFile(path, contents);
    if (!s.ok()) {
      RemoveTree(tmp);
      return s;
    }
  }
  if (absl::Status s = util::SyncFileSystem(tmp); !s.ok()) {
    RemoveTree(tmp);
    return s;
  }
  if (exists && !empty) {
    // Swap atomically, then remove the old tree (now at `tmp`).
    if (syscall(SYS_renameat2, AT_FDCWD, tmp.c_str(), AT_FDCWD, dir.c_str(), RENAME_EXCHANGE) != 0) {
      int err = errno;
      RemoveTree(tmp);
      return absl::InternalError(absl::StrCat(dir, ": cannot replace: ", strerror(err)));
    }
    RemoveTree(tmp);
    return absl::OkStatus();
  }
  // rename(2) replaces an empty directory.
  if (rename(tmp.c_str(), dir.c_str()) != 0) {
    int err = errno;
    RemoveTree(tmp);
    return absl::InternalError(absl::StrCat(dir, ": cannot rename into place: ", strerror(err)));
  }
  return absl::OkStatus();
}

}  // namespace minpriv::remediator
