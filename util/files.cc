#include "util/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace minpriv::util {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string msg = absl::StrCat(path, ": cannot open: ", strerror(err));
    if (err == ENOENT) return absl::NotFoundError(msg);
    if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(msg);
    return absl::InvalidArgumentError(msg);
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      close(fd);
      return absl::InvalidArgumentError(absl::StrCat(path, ": cannot read: ", strerror(err)));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

namespace {

// Writes all of `contents` to `fd`; on failure closes it and names `path`.
absl::Status WriteAll(int fd, const std::string& path, std::string_view contents) {
  size_t off = 0;
  while (off < contents.size()) {
    ssize_t n = write(fd, contents.data() + off, contents.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      close(fd);
      return absl::InternalError(absl::StrCat(path, ": cannot write: ", strerror(err)));
    }
    off += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteFileAtomic(const std::string& path, std::string_view contents) {
  std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat(path, ": cannot create: ", strerror(errno)));
  }
  if (absl::Status s = WriteAll(fd, path, contents); !s.ok()) {
    unlink(tmp.c_str());
    return s;
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return absl::InternalError(absl::StrCat(path, ": cannot flush: ", strerror(err)));
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return absl::InternalError(absl::StrCat(path, ": cannot rename into place: ", strerror(err)));
  }
  return absl::OkStatus();
}

absl::Status WriteNewFile(const std::string& path, std::string_view contents) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::PermissionDeniedError(absl::StrCat(path, ": cannot create: ", strerror(errno)));
  }
  if (absl::Status s = WriteAll(fd, path, contents); !s.ok()) return s;
  if (close(fd) != 0) {
    return absl::InternalError(absl::StrCat(path, ": cannot close: ", strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status SyncFileSystem(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::InternalError(absl::StrCat(path, ": cannot open: ", strerror(errno)));
  const int rc = syncfs(fd);
  const int err = errno;
  close(fd);
  if (rc != 0) return absl::InternalError(absl::StrCat(path, ": cannot flush: ", strerror(err)));
  return absl::OkStatus();
}

bool PathUnder(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         path[dir.size()] == '/');
}

bool IsKernelFsPath(const std::string& path) {
  return PathUnder(path, "/dev") || PathUnder(path, "/proc") || PathUnder(path, "/sys");
}

}  // namespace minpriv::util
