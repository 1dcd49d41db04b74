// `minpriv verify`'s options: checks made before anything runs.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "verifier/image.h"
#include "verifier/verify.h"

namespace minpriv::verifier {

absl::Status ValidateVerifyOptions(VerifyOptions& o) {
  if (o.proposal.empty()) {
    return absl::InvalidArgumentError(
        "--proposal DIR is required (the directory 'minpriv propose --out-dir' wrote)");
  }
  struct stat st;
  if (stat(o.proposal.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--proposal ", o.proposal, ": not a directory; give the directory 'minpriv propose "
        "--out-dir' wrote"));
  }
  if (o.command.empty() && o.image.empty()) {
    return absl::InvalidArgumentError(
        "nothing to run: give the workload command after '--' (the same as when learning), "
        "or --image REF to run the image's entrypoint");
  }
  // runc looks a bare name up in the container's PATH; a relative path would be resolved
  // against the container's working directory, not the caller's.
  if (!o.command.empty() &&
      (o.command[0].empty() ||
       (o.command[0][0] != '/' && o.command[0].find('/') != std::string::npos))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the command '", o.command[0], "' must be an absolute path or a bare name looked up "
        "in PATH inside the container; e.g. /usr/sbin/nginx"));
  }
  if (!o.report.empty()) {
    if (auto s = CheckWritableDestination("--report", o.report); !s.ok()) return s;
  }
  if (!o.junit.empty()) {
    if (auto s = CheckWritableDestination("--junit", o.junit); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status CheckWritableDestination(const std::string& flag, const std::string& path) {
  size_t slash = path.find_last_of('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  if (dir.empty()) dir = "/";
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, " ", path, ": is a directory; give a file name, e.g. ", path, "/verify.json"));
  }
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, " ", path, ": directory ", dir, " does not exist; create it or choose another"));
  }
  // Root passes every permission check on paper: try to create a file there.
  std::string probe = absl::StrCat(dir, dir.back() == '/' ? "" : "/", ".minpriv-probe-XXXXXX");
  int fd = mkstemp(probe.data());
  if (fd < 0) {
    return absl::InvalidArgumentError(absl::StrCat(flag, " ", path, ": cannot write in ", dir,
                                                   " (", std::strerror(errno),
                                                   "); choose a writable directory"));
  }
  close(fd);
  unlink(probe.c_str());
  return absl::OkStatus();
}

absl::StatusOr<std::string> ResolveCommand(const std::string& command,
                                           const std::string& path_env,
                                           const std::string& root) {
  // In an image's root, symbolic links resolve inside it (StatInRoot), never on this host.
  auto executable = [&root](const std::string& p) {
    struct stat st;
    bool found = root == "/" ? stat(p.c_str(), &st) == 0 : StatInRoot(root, p, &st);
    return found && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0;
  };
  const std::string image = root == "/" ? "the host root that serves as its image"
                                        : absl::StrCat("the image's root file system");
  if (!command.empty() && command[0] == '/') {
    if (executable(command)) return command;
    return absl::InvalidArgumentError(absl::StrCat(
        "no such executable: ", command, " (", image, " has no executable file there); check "
        "the command after '--' or the image's entrypoint"));
  }
  if (!command.empty() && command.find('/') == std::string::npos) {
    for (absl::string_view dir : absl::StrSplit(path_env, ':')) {
      if (dir.empty() || dir[0] != '/') continue;
      std::string candidate = absl::StrCat(absl::StripSuffix(dir, "/"), "/", command);
      if (executable(candidate)) return candidate;
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "no such executable: '", command, "' is not in the container's PATH (", path_env,
      ") in ", image, "; check the command after '--' or give its absolute path"));
}

std::string ProposalProfilePath(const std::string& proposal_dir, const std::string& namespace_,
                                const std::string& name) {
  return absl::StrCat(proposal_dir, "/profiles/", namespace_.empty() ? "" : namespace_ + "-",
                      name, ".yaml");
}

}  // namespace minpriv::verifier
