// `minpriv learn`'s options: the checks of their combinations and the defaults.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "session/learn.h"
#include "util/cgroup.h"
#include "util/exit_codes.h"

namespace minpriv::session {

namespace {

// A Kubernetes object name (RFC 1123 label) derived from `s`.
std::string KubernetesName(std::string_view s) {
  std::string out;
  for (char c : s) {
    char l = absl::ascii_tolower(static_cast<unsigned char>(c));
    if (absl::ascii_isalnum(static_cast<unsigned char>(l))) {
      out += l;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.size() > 63) out.resize(63);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "workload" : out;
}

bool IsKubernetesName(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s) {
    if (!(absl::ascii_islower(static_cast<unsigned char>(c)) ||
          absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      return false;
    }
  }
  return s.front() != '-' && s.back() != '-';
}

// True when execvp() would find `cmd` (a path, or a name searched in PATH).
bool FindExecutable(const std::string& cmd) {
  if (cmd.empty()) return false;
  if (cmd.find('/') != std::string::npos) return access(cmd.c_str(), X_OK) == 0;
  const char* path = getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t pos = 0;
  while (pos <= dirs.size()) {
    size_t next = dirs.find(':', pos);
    if (next == std::string::npos) next = dirs.size();
    std::string dir = dirs.substr(pos, next - pos);
    if (dir.empty()) dir = ".";
    std::string full = dir + "/" + cmd;
    struct stat st;
    if (stat(full.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(full.c_str(), X_OK) == 0) {
      return true;
    }
    pos = next + 1;
  }
  return false;
}

std::string BaseName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.find_last_of('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace

int LearnExitCode(const LearnResult& result) {
  if (result.stop_signal > 0) return util::ExitCodeForSignal(result.stop_signal);
  if (result.exercise_failed || result.workload_failed) return util::kExitFailure;
  return util::kExitOk;
}

absl::Status ValidateLearnOptions(LearnOptions& o) {
  if (o.out.empty()) return absl::InvalidArgumentError("--out FILE is required");
  if (o.cgroup.empty() && o.command.empty() && o.containers.empty()) {
    return absl::InvalidArgumentError(
        "nothing to learn: give the workload command after '--', --cgroup PATH or "
        "--container NAME=PATH");
  }
  if (!o.containers.empty()) {
    if (!o.cgroup.empty() || !o.command.empty()) {
      return absl::InvalidArgumentError(
          "--container excludes --cgroup and a workload command: it observes a pod's "
          "containers in their cgroups");
    }
    if (!o.duration_set) {
      return absl::InvalidArgumentError("--container needs --duration (how long to observe)");
    }
    if (!o.exercise.empty()) {
      return absl::InvalidArgumentError(
          "--exercise needs a workload command; with --container minpriv only observes");
    }
    if (o.name.empty()) {
      return absl::InvalidArgumentError(
          "--container needs --name WORKLOAD: the profile names the workload, each --container "
          "its container");
    }
    std::set<std::string> names;
    std::vector<std::string> paths;
    for (auto& [name, path] : o.containers) {
      if (!IsKubernetesName(name)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--container ", name, "=", path, ": '", name,
            "' is not a valid container name; use lower-case letters, digits and '-'"));
      }
      if (!names.insert(name).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("--container ", name, " is given twice; name each container once"));
      }
      while (path.size() > 1 && path.back() == '/') path.pop_back();
      auto id = util::CgroupId(path);
      if (!id.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--container ", name, "=", path, ": ", id.status().message(),
            "; give a directory of the cgroup v2 hierarchy (e.g. under /sys/fs/cgroup)"));
      }
      paths.push_back(path);
    }
    // A cgroup given twice, or inside another, would be watched twice.
    std::sort(paths.begin(), paths.end());
    for (size_t i = 1; i < paths.size(); ++i) {
      if (paths[i] == paths[i - 1]) {
        return absl::InvalidArgumentError(
            absl::StrCat("--container cgroup ", paths[i], " is given for two containers"));
      }
    }
    for (const std::string& a : paths) {
      auto inside = std::find_if(paths.begin(), paths.end(), [&](const std::string& b) {
        return absl::StartsWith(b, a + "/");
      });
      if (inside != paths.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--container cgroups nest: ", *inside, " is inside ", a,
            "; give each container's own cgroup (the pod's holds them all)"));
      }
    }
  }
  if (!o.cgroup.empty() && !o.command.empty()) {
    return absl::InvalidArgumentError("--cgroup and a workload command exclude each other");
  }
  if (!o.cgroup.empty()) {
    if (!o.duration_set) {
      return absl::InvalidArgumentError("--cgroup needs --duration (how long to observe)");
    }
    if (!o.exercise.empty()) {
      return absl::InvalidArgumentError(
          "--exercise needs a workload command; with --cgroup minpriv only observes");
    }
    auto id = util::CgroupId(o.cgroup);
    if (!id.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--cgroup ", o.cgroup, ": ", id.status().message(),
          "; give a directory of the cgroup v2 hierarchy (e.g. under /sys/fs/cgroup)"));
    }
  }
  if (!o.command.empty() && !FindExecutable(o.command[0])) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot run '", o.command[0], "': no such executable",
        o.command[0].find('/') == std::string::npos ? " in PATH" : "",
        "; check the command after '--'"));
  }
  if (o.name.empty()) {
    o.name = KubernetesName(BaseName(o.cgroup.empty() ? o.command[0] : o.cgroup));
  } else if (!IsKubernetesName(o.name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--name '", o.name, "' is not a valid Kubernetes name; use lower-case letters, digits "
        "and '-', at most 63 characters, e.g. ", KubernetesName(o.name)));
  }
  std::string dir = o.out.find('/') == std::string::npos ? "." : o.out.substr(0, o.out.find_last_of('/'));
  if (dir.empty()) dir = "/";
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--out ", o.out, ": directory ", dir, " does not exist; create it or choose another path"));
  }
  if (stat(o.out.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--out ", o.out, " is a directory; give a file path"));
  }
  // The profile is written at the end, next to FILE then renamed: find out now, before the
  // learning window, that the directory takes new files (read-only mounts, permissions).
  std::string probe = absl::StrCat(o.out, ".probe.XXXXXX");
  int fd = mkstemp(probe.data());
  if (fd < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--out ", o.out, ": cannot create files in directory ", dir, " (", strerror(errno),
        "); choose a writable directory"));
  }
  close(fd);
  unlink(probe.c_str());
  return absl::OkStatus();
}

}  // namespace minpriv::session
