#include "util/cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "util/files.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

namespace minpriv::util {

namespace {

bool IsCgroup2(const char* path) {
  struct statfs fs;
  return statfs(path, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

std::vector<pid_t> Procs(const std::string& cgroup_path) {
  std::vector<pid_t> pids;
  auto text = ReadFile(cgroup_path + "/cgroup.procs");
  if (!text.ok()) return pids;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    int pid = 0;
    if (absl::SimpleAtoi(line, &pid) && pid > 0) pids.push_back(pid);
  }
  return pids;
}

}  // namespace

absl::StatusOr<std::string> CgroupV2Root() {
  if (IsCgroup2("/sys/fs/cgroup")) return std::string("/sys/fs/cgroup");
  if (IsCgroup2("/sys/fs/cgroup/unified")) return std::string("/sys/fs/cgroup/unified");
  return absl::FailedPreconditionError(
      "no cgroup v2 hierarchy at /sys/fs/cgroup or /sys/fs/cgroup/unified; minpriv needs "
      "cgroup v2 (mount it with: mount -t cgroup2 none /sys/fs/cgroup/unified)");
}

absl::StatusOr<uint64_t> CgroupId(const std::string& cgroup_path) {
  struct stat st;
  if (stat(cgroup_path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat(cgroup_path, ": ", strerror(errno)));
  }
  if (!S_ISDIR(st.st_mode) || !IsCgroup2(cgroup_path.c_str())) {
    return absl::InvalidArgumentError(
        absl::StrCat(cgroup_path, ": not a cgroup v2 directory"));
  }
  return static_cast<uint64_t>(st.st_ino);
}

absl::StatusOr<std::string> CreateCgroup(const std::string& relative) {
  auto root = CgroupV2Root();
  if (!root.ok()) return root.status();
  std::string path = *root;
  size_t pos = 0;
  while (pos <= relative.size()) {
    size_t next = relative.find('/', pos);
    if (next == std::string::npos) next = relative.size();
    std::string part = relative.substr(pos, next - pos);
    pos = next + 1;
    if (part.empty()) continue;
    path += "/" + part;
    if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot create cgroup ", path, ": ", strerror(errno)));
    }
  }
  return path;
}

absl::Status MoveToCgroup(const std::string& cgroup_path, pid_t pid) {
  std::string procs = cgroup_path + "/cgroup.procs";
  std::ofstream out(procs);
  out << pid << "\n";
  out.flush();
  if (!out) {
    return absl::InternalError(
        absl::StrCat("cannot move pid ", pid, " into ", cgroup_path, ": ", strerror(errno)));
  }
  return absl::OkStatus();
}

std::vector<pid_t> CgroupProcs(const std::string& cgroup) {
  std::vector<pid_t> pids;
  auto text = ReadFile(cgroup + "/cgroup.procs");
  if (text.ok()) {
    std::istringstream in(*text);
    std::string line;
    while (std::getline(in, line)) {
      int pid = 0;
      if (absl::SimpleAtoi(line, &pid) && pid > 0) pids.push_back(pid);
    }
  }
  if (DIR* d = opendir(cgroup.c_str())) {
    while (struct dirent* e = readdir(d)) {
      if (e->d_type == DT_DIR && e->d_name[0] != '.') {
        auto sub = CgroupProcs(cgroup + "/" + e->d_name);
        pids.insert(pids.end(), sub.begin(), sub.end());
      }
    }
    closedir(d);
  }
  return pids;
}

void SignalCgroup(const std::string& cgroup_path, int sig) {
  if (cgroup_path.empty()) return;
  if (sig == SIGKILL) {
    int fd = open((cgroup_path + "/cgroup.kill").c_str(), O_WRONLY | O_CLOEXEC);
    bool killed = fd >= 0 && write(fd, "1", 1) == 1;
    if (fd >= 0) close(fd);
    if (killed) return;
  }
  for (pid_t p : CgroupProcs(cgroup_path)) kill(p, sig);
}

absl::Status RemoveCgroup(const std::string& cgroup_path, int attempts) {
  if (cgroup_path.empty()) return absl::OkStatus();
  for (int i = 0; i < attempts; ++i) {
    auto pids = Procs(cgroup_path);
    if (pids.empty() && rmdir(cgroup_path.c_str()) == 0) return absl::OkStatus();
    if (errno == ENOENT) return absl::OkStatus();
    for (pid_t p : pids) kill(p, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return absl::InternalError(absl::StrCat("cannot remove cgroup ", cgroup_path,
                                          ": processes still running"));
}

absl::StatusOr<ScopedCgroup> ScopedCgroup::Create(const std::string& relative) {
  auto path = CreateCgroup(relative);
  if (!path.ok()) return path.status();
  auto id = CgroupId(*path);
  if (!id.ok()) return id.status();
  ScopedCgroup cg;
  cg.path_ = *path;
  cg.id_ = *id;
  return cg;
}

ScopedCgroup::ScopedCgroup(ScopedCgroup&& other) noexcept
    : path_(std::move(other.path_)), id_(other.id_) {
  other.path_.clear();
  other.id_ = 0;
}

ScopedCgroup& ScopedCgroup::operator=(ScopedCgroup&& other) noexcept {
  if (this != &other) {
    if (!path_.empty()) RemoveCgroup(path_).IgnoreError();
    path_ = std::move(other.path_);
    id_ = other.id_;
    other.path_.clear();
    other.id_ = 0;
  }
  return *this;
}

ScopedCgroup::~ScopedCgroup() {
  if (!path_.empty()) RemoveCgroup(path_).IgnoreError();
}

}  // namespace minpriv::util
