#include "session/file_system_use.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string_view>
#include <utility>

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "session/reachability.h"
#include "util/cgroup.h"
#include "util/fd.h"
#include "util/files.h"

namespace minpriv::session {
namespace {

std::string ReadLink(const std::string& path) {
  char buf[4096];
  ssize_t n = readlink(path.c_str(), buf, sizeof(buf));
  if (n <= 0 || static_cast<size_t>(n) >= sizeof(buf)) return "";
  return std::string(buf, static_cast<size_t>(n));
}

std::string Parent(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

// File systems whose birth times come from this machine's clock at a fine granularity (as
// observer/existing_mkdir.cc judges them).
bool TrustedBirthTimes(int fd) {
  struct statfs fs {};
  if (fstatfs(fd, &fs) != 0) return false;
  switch (static_cast<uint64_t>(fs.f_type)) {
    case 0xEF53:      // ext2/3/4
    case 0x58465342:  // xfs
    case 0x9123683E:  // btrfs
    case 0x01021994:  // tmpfs
    case 0xF2F52010:  // f2fs
    case 0x794C7630:  // overlayfs
      return true;
    default:
      return false;
  }
}

// `dir` opened inside `root` as the kernel resolves it for the workload.
util::UniqueFd OpenInRoot(const std::string& root, const std::string& dir) {
  util::UniqueFd r(open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (r.get() < 0) return util::UniqueFd();
  struct open_how how {};
  how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string rel = dir == "/" ? "." : dir.substr(1);
  return util::UniqueFd(static_cast<int>(syscall(SYS_openat2, r.get(), rel.c_str(), &how, sizeof(how))));
}

// Lists `dir` (inside `root`): the entries that predate `start`.
bool ListOne(const std::string& root, const std::string& dir, absl::Time start,
             crd::ShippedDir& out) {
  util::UniqueFd fd = OpenInRoot(root, dir);
  if (fd.get() < 0) return false;
  const bool trusted = TrustedBirthTimes(fd.get());
  int dup_fd = fcntl(fd.get(), F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) return false;
  DIR* d = fdopendir(dup_fd);
  if (d == nullptr) {
    close(dup_fd);
    return false;
  }
  const int64_t start_ns = absl::ToUnixNanos(start);
  std::vector<std::string> names;
  while (struct dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    struct statx stx {};
    bool born_known = trusted &&
                      statx(fd.get(), name.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BTIME, &stx) == 0 &&
                      (stx.stx_mask & STATX_BTIME) != 0;
    if (born_known) {
      int64_t born = static_cast<int64_t>(stx.stx_btime.tv_sec) * 1000000000LL +
                     stx.stx_btime.tv_nsec;
      if (born >= start_ns) continue;  // made during the window
    }
    names.push_back(std::move(name));
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  out.path = dir;
  out.total = names.size();
  if (names.size() > kMaxShippedEntries) names.resize(kMaxShippedEntries);
  out.entries = std::move(names);
  return true;
}

}  // namespace

absl::Time CoarseNow() {
  struct timespec ts {};
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return absl::TimeFromTimespec(ts);
}

std::string AsWorkloadPath(const std::string& path, const std::string& proc_root) {
  if (path.empty() || path[0] != '/') return "";
  if (proc_root.empty() || proc_root == "/") return path;
  if (path == proc_root) return "/";
  if (path.size() > proc_root.size() && path.compare(0, proc_root.size(), proc_root) == 0 &&
      path[proc_root.size()] == '/') {
    return path.substr(proc_root.size());
  }
  return "";
}

std::string MappedPath(const std::string& line) {
  // address perms offset dev inode [path]: the path starts after the fifth field.
  size_t pos = 0;
  for (int field = 0; field < 5; ++field) {
    pos = line.find_first_not_of(' ', pos);
    if (pos == std::string::npos) return "";
    pos = line.find(' ', pos);
    if (pos == std::string::npos) return "";
  }
  pos = line.find_first_not_of(' ', pos);
  if (pos == std::string::npos || line[pos] != '/') return "";
  std::string path = line.substr(pos);
  constexpr std::string_view kDeleted = " (deleted)";
  if (path.size() > kDeleted.size() &&
      path.compare(path.size() - kDeleted.size(), kDeleted.size(), kDeleted) == 0) {
    return "";
  }
  return path;
}

void FileSystemUseSampler::Keep(std::set<std::string>& into, const std::string& path) {
  if (path.empty() || util::IsKernelFsPath(path)) return;
  if (into.size() >= kMaxUsedPaths && !into.count(path)) {
    capped_ = true;
    return;
  }
  into.insert(path);
}

void FileSystemUseSampler::SampleProcess(pid_t pid) {
  const std::string proc = absl::StrCat("/proc/", pid);
  const std::string root = ReadLink(proc + "/root");
  if (root.empty()) return;  // gone, or not ours to read
  ++process_samples_;
  Keep(cwds_, AsWorkloadPath(ReadLink(proc + "/cwd"), root));
  std::ifstream maps(proc + "/maps");
  std::string line;
  std::string last;
  while (std::getline(maps, line)) {
    std::string path = MappedPath(line);
    if (path.empty() || path == last) continue;  // a file's mappings are adjacent
    last = path;
    Keep(mapped_, AsWorkloadPath(path, root));
  }
  const std::string fds = proc + "/fd";
  DIR* d = opendir(fds.c_str());
  if (d == nullptr) return;
  size_t n = 0;
  while (struct dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    if (++n > kMaxFdsPerProcess) break;
    const std::string link = absl::StrCat(fds, "/", e->d_name);
    std::string target = ReadLink(link);
    if (target.empty() || target[0] != '/') continue;  // sockets, pipes, anon inodes
    struct stat st {};
    if (stat(link.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    Keep(open_, AsWorkloadPath(target, root));
  }
  closedir(d);
}

void FileSystemUseSampler::Sample(bool all) {
  const absl::Time now = absl::Now();
  const bool full = all || now - last_full_ >= kResampleInterval;
  for (pid_t pid : util::CgroupProcs(cgroup_)) {
    if (seen_.insert(pid).second || full) SampleProcess(pid);
  }
  if (full) last_full_ = now;
  spent_ += absl::Now() - now;
}

crd::FileSystemUse FileSystemUseSampler::Used() const {
  crd::FileSystemUse u;
  u.mapped.assign(mapped_.begin(), mapped_.end());
  u.working_dirs.assign(cwds_.begin(), cwds_.end());
  u.open_files.assign(open_.begin(), open_.end());
  return u;
}

std::vector<crd::ShippedDir> ListShipped(const crd::ContainerProfile& container,
                                         const std::string& root, absl::Time window_start) {
  std::set<std::string> dirs;
  for (const crd::FileWrite& w : container.file_writes) {
    if (w.path.empty() || w.path[0] != '/' || util::IsKernelFsPath(w.path)) continue;
    for (std::string d = w.summarized ? w.path : Parent(w.path); d != "/"; d = Parent(d)) {
      if (!dirs.insert(d).second) break;  // its ancestors are in already
    }
  }
  std::vector<crd::ShippedDir> out;
  for (const std::string& d : dirs) {
    crd::ShippedDir s;
    if (ListOne(root, d, window_start, s) && s.total > 0) out.push_back(std::move(s));
  }
  return out;
}

void AddFileSystemUse(crd::ContainerProfile& container, const FileSystemUseSampler& sampler,
                      bool attached, const std::string& cgroup_path, absl::Time window_start,
                      const std::string& whose, std::vector<std::string>& warnings) {
  std::string note;
  const std::string root = WorkloadRoot(attached, cgroup_path, note);
  crd::FileSystemUse use = sampler.Used();
  const absl::Time start = absl::Now();
  use.shipped = ListShipped(container, root, window_start);
  if (sampler.capped()) {
    warnings.push_back(absl::StrCat(whose, "file system use: more than ", kMaxUsedPaths,
                                    " paths in a list; the rest were not recorded"));
  }
  // A capped listing says so in the profile itself (total > entries); the names only serve
  // as evidence, the total decides.
  spdlog::info("{}file system use: {} mapped files, {} working directories, {} open files "
               "from {} process samples in {}; {} written directories with image content "
               "listed through {} in {}",
               whose, use.mapped.size(), use.working_dirs.size(), use.open_files.size(),
               sampler.process_samples(), absl::FormatDuration(sampler.time_spent()),
               use.shipped.size(), root, absl::FormatDuration(absl::Now() - start));
  container.file_system_use = std::move(use);
}

}  // namespace minpriv::session
