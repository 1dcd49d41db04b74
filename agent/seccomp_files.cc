#include "agent/seccomp_files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "util/files.h"

namespace minpriv::agent {
namespace {

bool PlainName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

absl::Status MakeDir(const std::string& dir) {
  if (mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(dir, ": cannot create: ", strerror(errno)));
}

}  // namespace

std::string SeccompFiles::PathOf(const std::string& name) const {
  return absl::StrCat(seccomp_dir_, "/", kSeccompSubdir, "/", name, ".json");
}

std::string SeccompFiles::Render(const nlohmann::json& profile) {
  return profile.dump(2) + "\n";
}

absl::StatusOr<bool> SeccompFiles::Install(const std::string& name,
                                           const nlohmann::json& profile) const {
  if (!PlainName(name)) {
    return absl::InvalidArgumentError(absl::StrCat("seccomp profile name '", name,
                                                   "' is not a plain file name"));
  }
  const std::string content = Render(profile);
  const std::string path = PathOf(name);
  if (absl::StatusOr<std::string> old = util::ReadFile(path); old.ok() && *old == content) {
    return false;
  }
  if (absl::Status s = MakeDir(seccomp_dir_); !s.ok()) return s;
  if (absl::Status s = MakeDir(absl::StrCat(seccomp_dir_, "/", kSeccompSubdir)); !s.ok()) return s;
  if (absl::Status s = util::WriteFileAtomic(path, content); !s.ok()) return s;
  // The kubelet (root) only reads it; 0644 whatever the umask.
  if (chmod(path.c_str(), 0644) != 0) {
    return absl::InternalError(absl::StrCat(path, ": chmod: ", strerror(errno)));
  }
  return true;
}

absl::StatusOr<bool> SeccompFiles::Remove(const std::string& name) const {
  if (!PlainName(name)) {
    return absl::InvalidArgumentError(absl::StrCat("seccomp profile name '", name,
                                                   "' is not a plain file name"));
  }
  const std::string path = PathOf(name);
  if (unlink(path.c_str()) == 0) return true;
  if (errno == ENOENT) return false;
  return absl::PermissionDeniedError(absl::StrCat(path, ": cannot remove: ", strerror(errno)));
}

std::vector<std::string> SeccompFiles::Installed() const {
  std::vector<std::string> names;
  std::error_code ec;
  std::filesystem::directory_iterator it(absl::StrCat(seccomp_dir_, "/", kSeccompSubdir), ec);
  if (ec) return names;
  for (const auto& entry : it) {
    const std::string file = entry.path().filename().string();
    if (entry.is_regular_file(ec) && absl::EndsWith(file, ".json")) {
      names.push_back(file.substr(0, file.size() - 5));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace minpriv::agent
