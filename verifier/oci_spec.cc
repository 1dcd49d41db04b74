#include "verifier/oci_spec.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crd/capabilities.h"
#include "util/files.h"

namespace minpriv::verifier {

namespace {

constexpr const char* kDefaultPath = kDefaultContainerPath;

// containerd's defaults for unprivileged containers (pkg/oci populateDefaultUnixSpec).
const std::vector<std::string>& MaskedPaths() {
  static const std::vector<std::string> paths = {
      "/proc/acpi",        "/proc/asound",    "/proc/kcore",       "/proc/keys",
      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
      "/sys/firmware",     "/sys/devices/virtual/powercap", "/proc/scsi"};
  return paths;
}
const std::vector<std::string>& ReadonlyPaths() {
  static const std::vector<std::string> paths = {"/proc/bus", "/proc/fs", "/proc/irq",
                                                 "/proc/sys", "/proc/sysrq-trigger"};
  return paths;
}

std::set<std::string> AllCapabilities() {
  std::set<std::string> all;
  for (uint32_t c = 0; c < crd::CapabilityCount(); ++c) {
    if (const char* n = crd::CapabilityName(c)) all.insert(n);
  }
  return all;
}

// Kubernetes spelling, upper case; CAP_ prefix removed (with a note, since the kubelet
// would pass "CAP_CAP_..." on and the runtime would reject it).
std::string NormaliseCap(const std::string& raw, std::set<std::string>& notes) {
  std::string c = absl::AsciiStrToUpper(raw);
  if (absl::StartsWith(c, "CAP_")) {
    notes.insert(absl::StrCat("capability ", raw,
                              " is written with a CAP_ prefix; Kubernetes expects ",
                              c.substr(4), " (a real runtime rejects the prefixed name)"));
    c = c.substr(4);
  }
  return c;
}

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

}  // namespace

const std::vector<std::string>& RuntimeDefaultCapabilities() {
  static const std::vector<std::string> caps = [] {
    std::vector<std::string> v = {"CHOWN",  "DAC_OVERRIDE", "FSETID",          "FOWNER",
                                  "MKNOD",  "NET_RAW",      "SETGID",          "SETUID",
                                  "SETFCAP", "SETPCAP",     "NET_BIND_SERVICE", "SYS_CHROOT",
                                  "KILL",   "AUDIT_WRITE"};
    std::sort(v.begin(), v.end());
    return v;
  }();
  return caps;
}

std::optional<uint64_t> ParseQuantity(const std::string& q) {
  static const std::vector<std::pair<std::string, uint64_t>> suffixes = {
      {"Ki", 1ull << 10}, {"Mi", 1ull << 20}, {"Gi", 1ull << 30}, {"Ti", 1ull << 40},
      {"k", 1000ull},     {"M", 1000000ull},  {"G", 1000000000ull}, {"T", 1000000000000ull}};
  std::string num = q;
  uint64_t mult = 1;
  for (const auto& [s, m] : suffixes) {
    if (absl::EndsWith(q, s)) {
      num = q.substr(0, q.size() - s.size());
      mult = m;
      break;
    }
  }
  if (num.empty() || !std::all_of(num.begin(), num.end(), ::isdigit)) return std::nullopt;
  return std::stoull(num) * mult;
}

absl::StatusOr<OciSpec> BuildOciSpec(const SpecInputs& in) {
  OciSpec out;
  std::set<std::string> notes;
  const SecurityContext& psc = in.pod.security_context;
  const SecurityContext& csc = in.container.security_context;
  const std::string where = absl::StrCat(in.pod.source_location, ": ", in.pod.kind, " ",
                                         in.pod.name, " container ", in.container.name);
  if (in.args.empty()) {
    return absl::InvalidArgumentError("no command to run; pass it after -- (-- CMD [ARG...])");
  }

  out.privileged = csc.privileged.value_or(false);

  // --- capabilities (containerd WithCapabilities) ---
  std::set<std::string> caps;
  const std::set<std::string> all = AllCapabilities();
  if (out.privileged) {
    caps = all;
  } else {
    caps.insert(RuntimeDefaultCapabilities().begin(), RuntimeDefaultCapabilities().end());
    if (csc.capabilities) {
      std::vector<std::string> add, drop;
      for (const auto& c : csc.capabilities->add) add.push_back(NormaliseCap(c, notes));
      for (const auto& c : csc.capabilities->drop) drop.push_back(NormaliseCap(c, notes));
      auto has = [](const std::vector<std::string>& v, const char* s) {
        return std::find(v.begin(), v.end(), s) != v.end();
      };
      if (has(add, "ALL")) caps = all;
      if (has(drop, "ALL")) caps.clear();
      for (const auto& c : add) {
        if (c == "ALL") continue;
        if (!all.count(c)) {
          return absl::InvalidArgumentError(absl::StrCat(
              where, ": unknown capability ", c, " in capabilities.add; use a Linux capability "
              "name without CAP_, e.g. NET_BIND_SERVICE"));
        }
        caps.insert(c);
      }
      for (const auto& c : drop) {
        if (c == "ALL") continue;
        caps.erase(c);
      }
    }
  }
  out.capabilities.assign(caps.begin(), caps.end());
  std::vector<std::string> oci_caps;
  for (const auto& c : out.capabilities) oci_caps.push_back("CAP_" + c);

  // --- user ---
  int64_t uid = csc.run_as_user.value_or(psc.run_as_user.value_or(0));
  int64_t gid = csc.run_as_group.value_or(psc.run_as_group.value_or(0));
  if (uid < 0 || uid > 0xfffffffe || gid < 0 || gid > 0xfffffffe) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": runAsUser/runAsGroup out of range; use 0..4294967294"));
  }
  out.uid = static_cast<uint32_t>(uid);
  out.gid = static_cast<uint32_t>(gid);
  bool non_root = csc.run_as_non_root.value_or(psc.run_as_non_root.value_or(false));
  if (non_root && uid == 0) {
    out.start_blockers.push_back(
        "runAsNonRoot is true but the container runs as uid 0: the kubelet refuses to start it "
        "(set runAsUser to a non-zero uid)");
  }
  std::set<int64_t> extra_gids(psc.supplemental_groups.begin(), psc.supplemental_groups.end());
  if (psc.fs_group) extra_gids.insert(*psc.fs_group);
  if (!extra_gids.empty()) {
    notes.insert("additional groups are supplementalGroups and fsGroup only; the image's "
                 "/etc/group memberships are not added");
  }

  // --- no_new_privileges (kubelet: !allowPrivilegeEscalation when set) ---
  out.no_new_privileges =
      !out.privileged && csc.allow_privilege_escalation.has_value() && !*csc.allow_privilege_escalation;
  if (out.privileged && csc.allow_privilege_escalation == false) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": allowPrivilegeEscalation: false conflicts with privileged: true (the API "
        "server rejects it); remove one"));
  }

  // --- root ---
  out.read_only_root = csc.read_only_root_filesystem.value_or(false);
  if (!out.read_only_root) {
    notes.insert("readOnlyRootFilesystem is not true: the proposal lets the container write to "
                 "its root file system; here writes land in a throw-away layer");
  }

  // --- seccomp (container over pod) ---
  std::optional<SeccompProfileRef> sp = csc.seccomp_profile ? csc.seccomp_profile
                                                            : psc.seccomp_profile;
  if (out.privileged) {
    if (sp && sp->type != "Unconfined") {
      notes.insert("privileged container: the runtime applies no seccomp profile");
    }
  } else if (!sp || sp->type == "Unconfined") {
    notes.insert("no seccomp profile (Unconfined): system calls are not restricted");
  } else if (sp->type == "RuntimeDefault") {
    notes.insert("seccompProfile RuntimeDefault is the runtime's own profile and is not "
                 "reproduced here: system calls are not verified exactly");
  } else {
    std::string base = sp->localhost_profile;
    if (auto slash = base.rfind('/'); slash != std::string::npos) base = base.substr(slash + 1);
    out.seccomp_source = absl::StrCat(in.seccomp_dir, "/", base);
    auto text = util::ReadFile(out.seccomp_source);
    if (!text.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": seccompProfile localhostProfile ", sp->localhost_profile, " → ",
          text.status().message(), "; the proposal directory must hold seccomp/", base));
    }
    auto prof = ParseSeccompProfile(*text, out.seccomp_source, out.capabilities);
    if (!prof.ok()) return prof.status();
    out.seccomp = *std::move(prof);
  }

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
                         {"nosuid", "noexec", "nodev", out.privileged ? "rw" : "ro"}));
  mounts.push_back(Mount("/sys/fs/cgroup", "cgroup", "cgroup",
                         {"nosuid", "noexec", "nodev", "relatime", out.privileged ? "rw" : "ro"}));
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
      std::string source = vol.host_path;
      if (!vm.sub_path.empty()) source = absl::StrCat(source, "/", vm.sub_path);
      notes.insert(absl::StrCat("hostPath volume ", vol.name, " is bind-mounted from this host's ",
                                vol.host_path));
      vol_mounts.emplace_back(dest, Mount(dest, "bind", source, {"rbind", "rprivate", ro}));
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
  out.writable_paths.assign(writable.begin(), writable.end());

  // --- process ---
  nlohmann::json process;
  process["terminal"] = false;
  nlohmann::json user;
  user["uid"] = out.uid;
  user["gid"] = out.gid;
  if (!extra_gids.empty()) {
    nlohmann::json gids = nlohmann::json::array();
    for (int64_t g : extra_gids) gids.push_back(g);
    user["additionalGids"] = std::move(gids);
  }
  process["user"] = std::move(user);
  process["args"] = in.args;
  std::map<std::string, std::string> env;
  env["PATH"] = kDefaultPath;
  env["HOSTNAME"] = in.pod.hostname.empty() ? in.pod.name : in.pod.hostname;
  env["HOME"] = out.uid == 0 ? "/root" : "/";
  for (const auto& e : in.container.env) {
    if (e.from_source) {
      notes.insert(absl::StrCat("environment variable ", e.name,
                                " comes from valueFrom and is not set here"));
      continue;
    }
    env[e.name] = e.value;
  }
  std::vector<std::string> env_list;
  for (const auto& [k, v] : env) env_list.push_back(absl::StrCat(k, "=", v));
  process["env"] = env_list;
  process["cwd"] = in.container.working_dir.empty() ? "/" : in.container.working_dir;
  nlohmann::json capsj;
  capsj["bounding"] = oci_caps;
  capsj["effective"] = oci_caps;
  capsj["permitted"] = oci_caps;
  capsj["inheritable"] = nlohmann::json::array();
  capsj["ambient"] = nlohmann::json::array();
  process["capabilities"] = std::move(capsj);
  process["noNewPrivileges"] = out.no_new_privileges;
  if (csc.proc_mount && *csc.proc_mount != "Default") {
    notes.insert("procMount other than Default is not reproduced");
  }

  // --- linux ---
  nlohmann::json linux;
  nlohmann::json namespaces = nlohmann::json::array();
  for (const char* ns : {"pid", "ipc", "uts", "mount"}) {
    if ((std::string(ns) == "pid" && in.pod.host_pid) ||
        (std::string(ns) == "ipc" && in.pod.host_ipc)) {
      continue;
    }
    nlohmann::json n;
    n["type"] = ns;
    namespaces.push_back(std::move(n));
  }
  linux["namespaces"] = std::move(namespaces);
  if (!in.pod.host_network) {
    notes.insert("the container shares the host's network namespace so that the exercise can "
                 "reach it at the host's addresses; the NetworkPolicy is checked against the "
                 "flows observed during the replay instead of being enforced");
  }
  if (!out.privileged) {
    linux["maskedPaths"] = MaskedPaths();
    linux["readonlyPaths"] = ReadonlyPaths();
  } else {
    notes.insert("privileged container: no masked or read-only /proc paths, all capabilities");
  }
  if (!in.cgroups_path.empty()) linux["cgroupsPath"] = in.cgroups_path;
  nlohmann::json devrule;
  devrule["allow"] = false;
  devrule["access"] = "rwm";
  nlohmann::json resources;
  resources["devices"].push_back(devrule);
  linux["resources"] = std::move(resources);
  if (out.seccomp) linux["seccomp"] = SeccompToOci(*out.seccomp);

  nlohmann::json config;
  config["ociVersion"] = "1.0.2-dev";
  config["process"] = std::move(process);
  nlohmann::json root;
  root["path"] = in.root_path;
  root["readonly"] = out.read_only_root;
  config["root"] = std::move(root);
  config["hostname"] = in.pod.hostname.empty() ? in.pod.name : in.pod.hostname;
  config["mounts"] = std::move(mounts);
  config["linux"] = std::move(linux);
  notes.insert("the host's root file system serves as the image (read-only); the image's "
               "files, user and environment are not reproduced");
  out.config = std::move(config);
  out.notes.assign(notes.begin(), notes.end());
  return out;
}

}  // namespace minpriv::verifier
