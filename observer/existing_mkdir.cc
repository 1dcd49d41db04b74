#include "observer/existing_mkdir.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdint>
#include <optional>

#include "absl/strings/str_cat.h"
#include "observer/boot_clock.h"
#include "observer/decoder.h"
#include "util/cgroup.h"
#include "util/fd.h"

namespace minpriv::observer {

namespace {

using util::UniqueFd;

// A directory born less than this before a mkdir call may have been born by it: covers
// file systems whose timestamps are coarse (jiffies) or truncated to the second.
constexpr int64_t kBirthSlackNs = 1000000000;

// The root directory (O_PATH) of process `pid` when it is the one a record's path is
// relative to: the same directory (inode, kernel dev_t) in the same mount namespace.
std::optional<UniqueFd> RootOf(pid_t pid, const mp_file_event& ev) {
  std::string proc = absl::StrCat("/proc/", pid);
  struct stat ns {};
  if (stat((proc + "/ns/mnt").c_str(), &ns) != 0 || ns.st_ino != ev.mnt_ns) return std::nullopt;
  UniqueFd root(open((proc + "/root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  struct stat st {};
  if (root.get() < 0 || fstat(root.get(), &st) != 0) return std::nullopt;
  if (st.st_ino != ev.root_ino ||
      st.st_dev != makedev(ev.root_dev >> 20, ev.root_dev & 0xfffff)) {
    return std::nullopt;
  }
  return root;
}

// File systems whose birth times come from this machine's clock at a fine granularity.
bool TrustedBirthTimes(const struct statfs& fs) {
  switch (static_cast<uint64_t>(fs.f_type)) {
    case 0xEF53:      // ext2/3/4
    case 0x58465342:  // xfs
    case 0x9123683E:  // btrfs
    case 0x01021994:  // tmpfs
    case 0xF2F52010:  // f2fs
    case 0x794C7630:  // overlayfs (its layers' times)
      return true;
    default:
      return false;
  }
}

}  // namespace

bool MkdirFoundExisting(const mp_file_event& ev, const std::string* workload_cgroup) {
  if (ev.path.flags & (MP_PATH_USER_TRUNCATED | MP_PATH_DIR_TRUNCATED | MP_PATH_DIR_FAILED)) {
    return false;
  }
  std::optional<std::string> path = ResolvePath(ev.path);
  if (!path.has_value() || path->empty() || path->front() != '/') return false;
  std::optional<UniqueFd> root = RootOf(ev.hdr.pid, ev);
  if (!root.has_value()) {
    if (workload_cgroup == nullptr) return false;
    for (pid_t pid : util::CgroupProcs(*workload_cgroup)) {
      root = RootOf(pid, ev);
      if (root.has_value()) break;
    }
  }
  // Gone with all its kin (a short-lived `mkdir -p`): fine when its root is ours.
  if (!root.has_value()) root = RootOf(getpid(), ev);
  if (!root.has_value()) return false;
  // Resolved inside that root, as the kernel did for the caller: absolute symlinks and ".."
  // stay in it; the last component itself is not followed.
  struct open_how how {};
  how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  UniqueFd dir(static_cast<int>(
      syscall(SYS_openat2, root->get(), path->c_str() + 1, &how, sizeof(how))));
  if (dir.get() < 0) return false;
  struct statfs fs {};
  if (fstatfs(dir.get(), &fs) != 0 || !TrustedBirthTimes(fs)) return false;
  struct statx stx {};
  if (statx(dir.get(), "", AT_EMPTY_PATH, STATX_TYPE | STATX_BTIME, &stx) != 0) return false;
  if ((stx.stx_mask & STATX_BTIME) == 0 || !S_ISDIR(stx.stx_mode)) return false;
  int64_t born = static_cast<int64_t>(stx.stx_btime.tv_sec) * 1000000000LL + stx.stx_btime.tv_nsec;
  // The clocks' offset now, not when learning began: the wall clock may have been stepped.
  int64_t called = static_cast<int64_t>(ev.hdr.ts_boot_ns) + BootToUnixNs();
  // The directory there now predates this call: the call failed with EEXIST, and so did
  // every later one that met the same key — unless the directory was removed and replaced
  // meanwhile, which the rmdir / rename onto it record as writes of the path anyway.
  return born + kBirthSlackNs < called;
}

}  // namespace minpriv::observer
