// Path resolution and file access confined to a workload's root.
#include "imports/root_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace minpriv::imports {
namespace {

constexpr int kMaxSymlinks = 40;  // the kernel's MAXSYMLINKS
constexpr uint64_t kMaxTextBytes = 1 << 20;

absl::Status ErrnoStatus(int err, const std::string& what) {
  std::string msg = absl::StrCat(what, ": ", std::strerror(err));
  if (err == ENOENT || err == ENOTDIR) return absl::NotFoundError(msg);
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(msg);
  return absl::InvalidArgumentError(msg);
}

// "a/b" for the components {a, b}; "." for none (the root itself).
std::string Relative(const std::vector<std::string>& parts) {
  return parts.empty() ? "." : absl::StrJoin(parts, "/");
}

class FileByteSource : public ByteSource {
 public:
  FileByteSource(util::UniqueFd fd, uint64_t size) : fd_(std::move(fd)), size_(size) {}
  uint64_t Size() const override { return size_; }
  absl::StatusOr<std::string> Read(uint64_t offset, uint64_t length) const override {
    if (offset > size_ || length > size_ - offset) {
      return absl::OutOfRangeError("read past the end of the file");
    }
    std::string out(length, '\0');
    uint64_t done = 0;
    while (done < length) {
      ssize_t n = pread(fd_.get(), out.data() + done, length - done, offset + done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoStatus(errno, "read");
      if (n == 0) return absl::OutOfRangeError("file shrank while reading");
      done += n;
    }
    return out;
  }

 private:
  util::UniqueFd fd_;
  uint64_t size_;
};

}  // namespace

absl::StatusOr<RootFs> RootFs::Open(const std::string& host_path) {
  int fd = open(host_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("root ", host_path));
  return RootFs(util::UniqueFd(fd));
}

absl::StatusOr<std::string> RootFs::Resolve(const std::string& path) const {
  std::deque<std::string> pending;
  for (absl::string_view p : absl::StrSplit(path, '/', absl::SkipEmpty())) pending.emplace_back(p);
  std::vector<std::string> done;
  int links = 0;
  while (!pending.empty()) {
    std::string part = std::move(pending.front());
    pending.pop_front();
    if (part == ".") continue;
    if (part == "..") {
      if (!done.empty()) done.pop_back();
      continue;
    }
    done.push_back(part);
    // Every component before this one is a real directory, so the kernel follows no link here.
    std::string rel = Relative(done);
    struct stat st;
    if (fstatat(fd_->get(), rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoStatus(errno, "/" + rel);
    }
    if (!S_ISLNK(st.st_mode)) {
      if (!pending.empty() && !S_ISDIR(st.st_mode)) return ErrnoStatus(ENOTDIR, "/" + rel);
      continue;
    }
    if (++links > kMaxSymlinks) return ErrnoStatus(ELOOP, path);
    char target[4096];
    ssize_t n = readlinkat(fd_->get(), rel.c_str(), target, sizeof(target));
    if (n < 0) return ErrnoStatus(errno, "/" + rel);
    if (n == sizeof(target)) return ErrnoStatus(ENAMETOOLONG, "/" + rel);
    absl::string_view t(target, n);
    done.pop_back();
    if (!t.empty() && t[0] == '/') done.clear();
    std::vector<std::string> parts = absl::StrSplit(t, '/', absl::SkipEmpty());
    pending.insert(pending.begin(), parts.begin(), parts.end());
  }
  return "/" + absl::StrJoin(done, "/");
}

absl::StatusOr<util::UniqueFd> RootFs::OpenInRoot(const std::string& path, int flags) const {
  auto canonical = Resolve(path);
  if (!canonical.ok()) return canonical.status();
  std::string rel = canonical->size() > 1 ? canonical->substr(1) : ".";
  open_how how{};
  how.flags = flags | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  int fd = static_cast<int>(syscall(SYS_openat2, fd_->get(), rel.c_str(), &how, sizeof(how)));
  if (fd < 0) return ErrnoStatus(errno, path);
  return util::UniqueFd(fd);
}

absl::StatusOr<std::unique_ptr<ByteSource>> RootFs::OpenFile(const std::string& path) const {
  auto fd = OpenInRoot(path, O_RDONLY);
  if (!fd.ok()) return fd.status();
  struct stat st;
  if (fstat(fd->get(), &st) != 0) return ErrnoStatus(errno, path);
  if (!S_ISREG(st.st_mode)) return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file"));
  return std::make_unique<FileByteSource>(*std::move(fd), static_cast<uint64_t>(st.st_size));
}

absl::StatusOr<std::string> RootFs::ReadText(const std::string& path) const {
  auto file = OpenFile(path);
  if (!file.ok()) return file.status();
  return (*file)->Read(0, std::min<uint64_t>((*file)->Size(), kMaxTextBytes));
}

std::vector<std::string> RootFs::ListDirectory(const std::string& path) const {
  std::vector<std::string> names;
  auto fd = OpenInRoot(path, O_RDONLY | O_DIRECTORY);
  if (!fd.ok()) return names;
  // fdopendir owns the descriptor it is given: give it a duplicate.
  int raw = dup(fd->get());
  if (raw < 0) return names;
  DIR* dir = fdopendir(raw);
  if (dir == nullptr) {
    close(raw);
    return names;
  }
  while (dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace minpriv::imports
