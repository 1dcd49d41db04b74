// The mounts of the OCI runtime spec: the runtime's defaults (/proc, /dev, /sys, ...), then
// the container's volume mounts by depth (emptyDir, hostPath under --host-paths, read-only
// placeholders), as oci_spec.h describes.
#include "verifier/oci_mounts.h"

#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace minpriv::verifier {

namespace {

nlohmann::json Mount(const std::string& dest, const std::string& type,
                     const std::string& source, std::vector<std::string> options) {
  nlohmann::json m;
  m["destination"] = dest;
  m["type"] = type;
  m["source"] = source;
  m["options"] = options;
  return m;
}

size_t Depth(const std::string& path) {
  size_t d = 0;
  for (const auto& part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    (void)part;
    ++d;
  }
  return d;
}

std::string CleanPath(const std::string& p) {
  std::vector<std::string> parts;
  for (auto part : absl::StrSplit(p, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.emplace_back(part);
  }
  std::string out;
  for (const auto& part : parts) absl::StrAppend(&out, "/", part);
  return out.empty() ? "/" : out;
}

bool IsFileType(const std::string& t) { return t == "File" || t == "FileOrCreate"; }
bool IsDirectoryType(const std::string& t) {
  return t == "Directory" || t == "DirectoryOrCreate";
}

// The mount standing in for a hostPath volume under in.host_paths, with a note saying which.
absl::StatusOr<nlohmann::json> HostPathMount(const SpecInputs& in, const Volume& vol,
                                             const VolumeMount& vm, const std::string& dest,
                                             const std::string& where,
                                             std::set<std::string>& notes) {
  const std::string ro = vm.read_only ? "ro" : "rw";
  const std::string mode = HostPathModeName(in.host_paths);
  if (in.host_paths == HostPathMode::kScratch) {
    auto src = in.host_path_sources.find(vol.name);
    if (src == in.host_path_sources.end()) {
      return absl::InternalError(absl::StrCat("no scratch prepared for hostPath ", vol.name));
    }
    std::string source = src->second;
    if (!vm.sub_path.empty()) source = absl::StrCat(source, "/", vm.sub_path);
    notes.insert(absl::StrCat("hostPath volume ", vol.name, " (", vol.host_path,
                              ") is an empty scratch ",
                              IsFileType(vol.host_path_type) ? "file" : "directory",
                              " of the bundle (--host-paths=scratch): nothing of this host is "
                              "mounted and writes vanish with the replay"));
    return Mount(dest, "bind", source, {"rbind", "rprivate", "nosuid", "nodev", ro});
  }
  std::string source = vol.host_path;
  if (!vm.sub_path.empty()) source = absl::StrCat(source, "/", vm.sub_path);
  struct stat st;
  if (stat(source.c_str(), &st) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": hostPath volume ", vol.name, ": ", source, " does not exist on this machine "
        "(--host-paths=", mode, " never creates it); create it or use --host-paths=scratch"));
  }
  if ((IsFileType(vol.host_path_type) && !S_ISREG(st.st_mode)) ||
      (IsDirectoryType(vol.host_path_type) && !S_ISDIR(st.st_mode))) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": hostPath volume ", vol.name, " has type ", vol.host_path_type, " but ",
        source, " is ", S_ISDIR(st.st_mode) ? "a directory" : "not a directory",
        " on this machine; fix hostPath.type or use --host-paths=scratch"));
  }
  if (in.host_paths == HostPathMode::kReadOnly) {
    notes.insert(absl::StrCat("hostPath volume ", vol.name, " is this host's ", vol.host_path,
                              " mounted read-only (--host-paths=readonly): writes to it fail "
                              "with EROFS here"));
    return Mount(dest, "bind", source, {"rbind", "rprivate", "nosuid", "nodev", "ro"});
  }
  notes.insert(absl::StrCat("hostPath volume ", vol.name, " is this host's ", vol.host_path,
                            " bind-mounted ", ro, " (--host-paths=bind): the replay's writes "
                            "reach this machine"));
  return Mount(dest, "bind", source, {"rbind", "rprivate", ro});
}

}  // namespace

absl::StatusOr<OciMounts> BuildOciMounts(const SpecInputs& in, bool privileged,
                                         const std::string& where,
                                         std::set<std::string>& notes) {
  // --- mounts ---
  nlohmann::json mounts = nlohmann::json::array();
  mounts.push_back(Mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}));
  mounts.push_back(Mount("/dev", "tmpfs", "tmpfs",
                         {"nosuid", "strictatime", "mode=755", "size=65536k"}));
  mounts.push_back(Mount("/dev/pts", "devpts", "devpts",
                         {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620",
                          "gid=5"}));
  mounts.push_back(Mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}));
  mounts.push_back(Mount("/sys", "sysfs", "sysfs",
                         {"nosuid", "noexec", "nodev", privileged ? "rw" : "ro"}));
  mounts.push_back(Mount("/sys/fs/cgroup", "cgroup", "cgroup",
                         {"nosuid", "noexec", "nodev", "relatime", privileged ? "rw" : "ro"}));
  mounts.push_back(Mount("/dev/shm", "tmpfs", "shm",
                         {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}));
  std::set<std::string> writable = {"/dev", "/dev/mqueue", "/dev/pts", "/dev/shm"};

  std::map<std::string, const Volume*> volumes;
  for (const auto& v : in.pod.volumes) volumes[v.name] = &v;
  std::vector<std::pair<std::string, nlohmann::json>> vol_mounts;  // (destination, mount)
  std::set<std::string> seen_dest;
  for (const auto& vm : in.container.volume_mounts) {
    std::string dest = CleanPath(vm.mount_path);
    if (!seen_dest.insert(dest).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": two volume mounts at ", dest, "; the API server rejects duplicates"));
    }
    const std::string inside = CleanPath("/v/" + vm.sub_path);
    if (!vm.sub_path.empty() &&
        (vm.sub_path[0] == '/' || (inside != "/v" && inside.rfind("/v/", 0) != 0))) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": subPath '", vm.sub_path, "' of volume mount ", vm.name,
          " leaves its volume; the API server rejects absolute paths and '..'"));
    }
    auto it = volumes.find(vm.name);
    if (it == volumes.end()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": volume mount ", vm.name,
                                                     " names no volume; declare it"));
    }
    const Volume& vol = *it->second;
    std::string ro = vm.read_only ? "ro" : "rw";
    if (vol.type == Volume::Type::kEmptyDir && vol.memory_medium) {
      std::vector<std::string> opts = {"nosuid", "nodev", "mode=1777", ro};
      if (!vol.size_limit.empty()) {
        auto bytes = ParseQuantity(vol.size_limit);
        if (!bytes) {
          return absl::InvalidArgumentError(absl::StrCat(
              where, ": emptyDir ", vol.name, " sizeLimit '", vol.size_limit,
              "' is not a quantity; write e.g. 64Mi"));
        }
        opts.push_back(absl::StrCat("size=", *bytes));
      }
      if (!vm.sub_path.empty()) notes.insert("subPath on a Memory emptyDir is not reproduced");
      vol_mounts.emplace_back(dest, Mount(dest, "tmpfs", "tmpfs", opts));
    } else if (vol.type == Volume::Type::kEmptyDir) {
      auto src = in.empty_dir_sources.find(vol.name);
      if (src == in.empty_dir_sources.end()) {
        return absl::InternalError(absl::StrCat("no host directory prepared for emptyDir ",
                                                vol.name));
      }
      std::string source = src->second;
      if (!vm.sub_path.empty()) source = absl::StrCat(source, "/", vm.sub_path);
      vol_mounts.emplace_back(dest, Mount(dest, "bind", source, {"rbind", "rprivate", ro}));
    } else if (vol.type == Volume::Type::kHostPath) {
      auto mount = HostPathMount(in, vol, vm, dest, where, notes);
      if (!mount.ok()) return mount.status();
      vol_mounts.emplace_back(dest, *std::move(mount));
      if (in.host_paths == HostPathMode::kReadOnly) continue;  // never writable
    } else if (vol.type == Volume::Type::kPlaceholder) {
      auto src = in.placeholder_sources.find(vol.name);
      if (src == in.placeholder_sources.end()) {
        return absl::InternalError(absl::StrCat("no placeholder prepared for volume ", vol.name));
      }
      std::string source = src->second;
      if (!vm.sub_path.empty()) source = absl::StrCat(source, "/", vm.sub_path);
      std::string what =
          vol.keys.empty() ? "no keys"
                           : absl::StrCat("the keys ", absl::StrJoin(vol.keys, ", "),
                                          " as empty files");
      notes.insert(absl::StrCat(
          "volume ", vol.name, " (", vol.other_kind, ") is a read-only placeholder with ", what,
          vol.keys_known ? "" : "; its other keys are unknown (the manifest names no items)",
          ": nothing of this host or the cluster"));
      vol_mounts.emplace_back(
          dest, Mount(dest, "bind", source,
                      {"rbind", "rprivate", "nosuid", "nodev", "noexec", "ro"}));
      continue;  // never writable
    } else {
      notes.insert(absl::StrCat("volume ", vol.name, " (", vol.other_kind.empty() ? "unknown"
                                : vol.other_kind, ") is not reproduced: the host's files at ",
                                dest, " are seen read-only"));
      continue;
    }
    if (!vm.read_only) writable.insert(dest);
  }
  std::stable_sort(vol_mounts.begin(), vol_mounts.end(), [](const auto& a, const auto& b) {
    size_t da = Depth(a.first), db = Depth(b.first);
    return da != db ? da < db : a.first < b.first;
  });
  for (auto& [dest, m] : vol_mounts) mounts.push_back(std::move(m));
  OciMounts out;
  out.mounts = std::move(mounts);
  out.writable_paths.assign(writable.begin(), writable.end());
  return out;
}

}  // namespace minpriv::verifier
