#include "agent/cgroup_root.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace minpriv::agent {
namespace {

// proc(5): spaces, tabs, newlines and backslashes in paths are written as \ooo.
std::string Unescape(absl::string_view s) {
  auto octal = [](char c) { return c >= '0' && c <= '7'; };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && octal(s[i + 1]) && octal(s[i + 2]) &&
        octal(s[i + 3])) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool IsDir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

absl::StatusOr<std::string> Cgroup2MountFromMountinfo(absl::string_view mountinfo) {
  for (absl::string_view line : absl::StrSplit(mountinfo, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
    // id parent major:minor root mount-point options [optional...] - fstype source super
    size_t sep = 0;
    for (size_t i = 6; i < f.size(); ++i) {
      if (f[i] == "-") {
        sep = i;
        break;
      }
    }
    if (sep == 0 || sep + 1 >= f.size() || f.size() < 5) continue;
    if (f[sep + 1] == "cgroup2") return Unescape(f[4]);
  }
  return absl::NotFoundError("no cgroup2 file system is mounted (mountinfo)");
}

absl::StatusOr<std::string> Cgroup2Mount() {
  std::ifstream in("/proc/self/mountinfo");
  if (!in) return absl::UnavailableError("cannot read /proc/self/mountinfo");
  std::stringstream s;
  s << in.rdbuf();
  return Cgroup2MountFromMountinfo(s.str());
}

absl::StatusOr<std::string> FindKubepods(const std::string& cgroup_root) {
  const std::string base = cgroup_root.substr(cgroup_root.find_last_of('/') + 1);
  if (base == "kubepods" || base == "kubepods.slice") return cgroup_root;
  for (const char* sub : {"kubepods.slice", "kubepods", "kubelet/kubepods"}) {
    std::string path = absl::StrCat(cgroup_root, "/", sub);
    if (IsDir(path)) return path;
  }
  return absl::NotFoundError(absl::StrCat("no kubepods or kubepods.slice below ", cgroup_root,
                                          " (is the kubelet running? its --cgroup-root?)"));
}

}  // namespace minpriv::agent
