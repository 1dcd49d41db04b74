#include "verifier/oci_spec.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "crd/capabilities.h"
#include "util/files.h"
#include "verifier/oci_mounts.h"

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

}  // namespace

const char* HostPathModeName(HostPathMode mode) {
  switch (mode) {
    case HostPathMode::kScratch: return "scratch";
    case HostPathMode::kReadOnly: return "readonly";
    case HostPathMode::kBind: return "bind";
  }
  return "scratch";
}

std::optional<HostPathMode> ParseHostPathMode(const std::string& name) {
  if (name == "scratch") return HostPathMode::kScratch;
  if (name == "readonly") return HostPathMode::kReadOnly;
  if (name == "bind") return HostPathMode::kBind;
  return std::nullopt;
}

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

  // --- user (the manifest's runAsUser/runAsGroup over the image's User) ---
  std::optional<int64_t> manifest_uid = csc.run_as_user ? csc.run_as_user : psc.run_as_user;
  std::optional<int64_t> manifest_gid = csc.run_as_group ? csc.run_as_group : psc.run_as_group;
  int64_t uid = manifest_uid.value_or(in.image_user ? in.image_user->uid : 0);
  int64_t gid = manifest_gid.value_or(
      !manifest_uid && in.image_user ? in.image_user->gid.value_or(0) : 0);
  if (uid < 0 || uid > 0xfffffffe || gid < 0 || gid > 0xfffffffe) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": runAsUser/runAsGroup out of range; use 0..4294967294"));
  }
  out.uid = static_cast<uint32_t>(uid);
  out.gid = static_cast<uint32_t>(gid);
  bool non_root = csc.run_as_non_root.value_or(psc.run_as_non_root.value_or(false));
  if (non_root && uid == 0) {
    if (!manifest_uid && in.image) {
      out.start_blockers.push_back(absl::StrCat(
          "container has runAsNonRoot and image will run as root (", in.image->ref,
          " user '", in.image->user, "'): the kubelet refuses to start it (set runAsUser to "
          "a non-zero uid)"));
    } else {
      out.start_blockers.push_back(
          "runAsNonRoot is true but the container runs as uid 0: the kubelet refuses to start "
          "it (set runAsUser to a non-zero uid)");
    }
  }
  if (in.image && in.image_user && in.image_user->uid != 0 && manifest_uid == 0) {
    out.user_blockers.push_back(absl::StrCat(
        "the proposal sets runAsUser: 0 but the image ", in.image->ref, " runs as uid ",
        in.image_user->uid, " (user '", in.image->user, "'): the proposal would run a non-root "
        "image as root; remove runAsUser or set it to ", in.image_user->uid));
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

  // --- mounts (oci_mounts.cc) ---
  auto built = BuildOciMounts(in, out.privileged, where, notes);
  if (!built.ok()) return built.status();
  nlohmann::json mounts = std::move(built->mounts);
  out.writable_paths = std::move(built->writable_paths);

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
  if (in.image) {
    for (const auto& e : in.image->env) {
      size_t eq = e.find('=');
      if (eq != std::string::npos && eq > 0) env[e.substr(0, eq)] = e.substr(eq + 1);
    }
  }
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
  std::string cwd = in.container.working_dir;
  if (cwd.empty() && in.image) cwd = in.image->working_dir;
  process["cwd"] = cwd.empty() ? "/" : cwd;
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
    nlohmann::json n;
    n["type"] = ns;
    namespaces.push_back(std::move(n));
  }
  if (!in.netns_path.empty()) {
    nlohmann::json n;
    n["type"] = "network";
    n["path"] = in.netns_path;
    namespaces.push_back(std::move(n));
  }
  linux["namespaces"] = std::move(namespaces);
  if (in.pod.host_pid || in.pod.host_ipc) {
    notes.insert(absl::StrCat(in.pod.host_pid ? "hostPID" : "",
                              in.pod.host_pid && in.pod.host_ipc ? " and " : "",
                              in.pod.host_ipc ? "hostIPC" : "",
                              " not reproduced: the replay keeps its own pid and ipc namespaces, "
                              "isolated from this host"));
  }
  if (in.pod.host_network) {
    notes.insert("hostNetwork is not reproduced as such: the replay shares this host's network "
                 "namespace (no own namespace, no NetworkPolicy enforced, as for a host-network "
                 "pod); its other namespaces stay its own");
  }
  if (!in.pod.host_network && in.netns_path.empty()) {
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
  uint64_t memory = kDefaultMemoryLimit;
  if (!in.container.memory_limit.empty()) {
    auto bytes = ParseQuantity(in.container.memory_limit);
    if (!bytes || *bytes == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": resources.limits.memory '", in.container.memory_limit,
          "' is not a quantity; write e.g. 256Mi"));
    }
    memory = *bytes;
  } else {
    notes.insert("the manifest sets no memory limit: the replay is limited to 1Gi");
  }
  resources["memory"]["limit"] = memory;
  resources["pids"]["limit"] = kDefaultPidsLimit;
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
  if (in.image) {
    notes.insert(absl::StrCat("the image ", in.image->ref, " (", in.image->digest,
                              ") serves as the root file system, read-only underneath a "
                              "throw-away layer; its Env, WorkingDir and User apply"));
  } else {
    notes.insert("the host's root file system serves as the image (read-only); the image's "
                 "files, user and environment are not reproduced");
  }
  out.config = std::move(config);
  out.notes.assign(notes.begin(), notes.end());
  return out;
}

}  // namespace minpriv::verifier
