#include "verifier/bundle.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"
#include "util/files.h"
#include "util/json_format.h"

namespace minpriv::verifier {

namespace {

absl::Status Mkdir(const std::string& path, mode_t mode) {
  if (mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
    return absl::InternalError(absl::StrCat("mkdir ", path, ": ", strerror(errno)));
  }
  return absl::OkStatus();
}

int RemoveEntry(const char* path, const struct stat*, int type, struct FTW*) {
  if (type == FTW_DP) {
    rmdir(path);
  } else {
    unlink(path);
  }
  return 0;
}

bool IsMountPoint(const std::string& path) {
  struct stat a, b;
  if (stat(path.c_str(), &a) != 0) return false;
  if (stat((path + "/..").c_str(), &b) != 0) return false;
  return a.st_dev != b.st_dev;
}

}  // namespace

absl::StatusOr<Bundle> Bundle::Create(const std::string& parent, const std::string& lower) {
  std::string tmpl = parent + "/minpriv-verify-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) {
    return absl::InternalError(absl::StrCat("cannot create a bundle directory under ", parent,
                                            ": ", strerror(errno)));
  }
  Bundle b;
  b.dir_ = buf.data();
  chmod(b.dir_.c_str(), 0711);
  std::string layers = b.dir_ + "/layers";
  if (auto s = Mkdir(layers, 0700); !s.ok()) return s;
  if (mount("minpriv-layers", layers.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") != 0) {
    return absl::InternalError(absl::StrCat("mount tmpfs at ", layers, ": ", strerror(errno)));
  }
  b.mounts_.push_back(layers);
  for (const char* d : {"/upper", "/work"}) {
    if (auto s = Mkdir(layers + d, 0755); !s.ok()) return s;
  }
  // The upper layer's root must look like the host's root to the container.
  chmod((layers + "/upper").c_str(), 0755);
  std::string rootfs = b.rootfs();
  if (auto s = Mkdir(rootfs, 0755); !s.ok()) return s;
  std::string opts = absl::StrCat("lowerdir=", lower, ",upperdir=", layers,
                                  "/upper,workdir=", layers, "/work");
  if (mount("minpriv-root", rootfs.c_str(), "overlay", 0, opts.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("mount ", lower, " as an overlay at ", rootfs,
                                            ": ", strerror(errno)));
  }
  b.mounts_.push_back(rootfs);
  if (auto s = Mkdir(b.dir_ + "/volumes", 0755); !s.ok()) return s;
  return b;
}

Bundle::Bundle(Bundle&& other) noexcept
    : dir_(std::move(other.dir_)), mounts_(std::move(other.mounts_)), keep_(other.keep_) {
  other.dir_.clear();
  other.mounts_.clear();
}

Bundle& Bundle::operator=(Bundle&& other) noexcept {
  if (this != &other) {
    Release();
    dir_ = std::move(other.dir_);
    mounts_ = std::move(other.mounts_);
    keep_ = other.keep_;
    other.dir_.clear();
    other.mounts_.clear();
  }
  return *this;
}

Bundle::~Bundle() { Release(); }

void Bundle::Release() {
  if (dir_.empty()) return;
  bool all_unmounted = true;
  for (auto it = mounts_.rbegin(); it != mounts_.rend(); ++it) {
    if (umount2(it->c_str(), 0) != 0 && umount2(it->c_str(), MNT_DETACH) != 0) {
      spdlog::error("cannot unmount {}: {}", *it, strerror(errno));
      all_unmounted = false;
    }
  }
  mounts_.clear();
  if (!keep_) {
    if (!all_unmounted || IsMountPoint(rootfs()) || IsMountPoint(dir_ + "/layers")) {
      spdlog::error("leaving {} in place: something is still mounted there", dir_);
    } else {
      // FTW_MOUNT: never cross into another file system; FTW_PHYS: never follow symlinks.
      nftw(dir_.c_str(), RemoveEntry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    }
  }
  dir_.clear();
}

absl::StatusOr<std::string> Bundle::AddEmptyDir(const std::string& name, int64_t fs_group) {
  std::string path = absl::StrCat(dir_, "/volumes/", name);
  if (auto s = Mkdir(path, 0777); !s.ok()) return s;
  mode_t mode = 0777;
  if (fs_group >= 0) {
    if (chown(path.c_str(), static_cast<uid_t>(-1), static_cast<gid_t>(fs_group)) != 0) {
      return absl::InternalError(absl::StrCat("chown ", path, ": ", strerror(errno)));
    }
    mode |= S_ISGID;
  }
  chmod(path.c_str(), mode);  // not subject to the umask
  return path;
}

absl::StatusOr<std::string> Bundle::AddScratch(const std::string& name, bool file) {
  std::string path = absl::StrCat(dir_, "/volumes/hostpath-", name);
  if (file) {
    int fd = open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd < 0) return absl::InternalError(absl::StrCat("create ", path, ": ", strerror(errno)));
    close(fd);
    chmod(path.c_str(), 0666);
    return path;
  }
  if (auto s = Mkdir(path, 0777); !s.ok()) return s;
  chmod(path.c_str(), 0777);  // not subject to the umask
  return path;
}

absl::StatusOr<std::string> Bundle::AddPlaceholder(const std::string& name,
                                                   const std::vector<std::string>& keys) {
  std::string root = absl::StrCat(dir_, "/volumes/placeholder-", name);
  if (auto s = Mkdir(root, 0755); !s.ok()) return s;
  for (const auto& key : keys) {
    if (key.empty() || key[0] == '/' || key.find("..") != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("volume ", name, ": key path '", key,
                                                     "' must be relative without '..'"));
    }
    for (size_t slash = key.find('/'); slash != std::string::npos;
         slash = key.find('/', slash + 1)) {
      if (auto s = Mkdir(absl::StrCat(root, "/", key.substr(0, slash)), 0755); !s.ok()) return s;
    }
    std::string path = absl::StrCat(root, "/", key);
    int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) return absl::InternalError(absl::StrCat("create ", path, ": ", strerror(errno)));
    close(fd);
  }
  return root;
}

absl::Status Bundle::WriteConfig(const nlohmann::json& config) {
  return util::WriteFileAtomic(dir_ + "/config.json", util::DumpPretty(config));
}

}  // namespace minpriv::verifier
