// `minpriv verify --image REF`: fetch, unpack once, read the configuration (image.h).
#include "verifier/image.h"

#include <fcntl.h>
#include <ftw.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "util/fd.h"
#include "util/files.h"
#include "util/json_parse.h"
#include "util/process.h"

namespace minpriv::verifier {

namespace {

constexpr char kTag[] = "minpriv";

absl::Status MkdirAll(const std::string& path) {
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    std::string part = path.substr(0, slash);
    if (mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) {
      return absl::FailedPreconditionError(absl::StrCat("mkdir ", part, ": ", strerror(errno)));
    }
    if (slash == std::string::npos) return absl::OkStatus();
  }
}

int RemoveEntry(const char* path, const struct stat*, int type, struct FTW*) {
  if (type == FTW_DP) {
    rmdir(path);
  } else {
    unlink(path);
  }
  return 0;
}

// Removes a tree we created, never following links or crossing into another file system.
void RemoveTree(const std::string& dir) {
  nftw(dir.c_str(), RemoveEntry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

// Runs a tool to completion; FailedPrecondition with its output when it fails.
absl::Status RunTool(const std::vector<std::string>& argv, const std::string& log) {
  util::SpawnOptions options;
  options.stdin_path = "/dev/null";
  options.stdout_path = log;
  options.stderr_to_stdout = true;
  auto p = util::Process::Spawn(argv, options);
  if (!p.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        p.status().message(), "; --image needs skopeo and umoci (scripts/setup.sh installs "
        "them)"));
  }
  int st = p->Wait();
  if (util::ExitCodeOf(st) != 0) {
    std::string out(absl::StripAsciiWhitespace(util::ReadFile(log).value_or("")));
    return absl::FailedPreconditionError(absl::StrCat(argv[0], " ", argv[1], " failed (",
                                                      util::DescribeWaitStatus(st), "): ", out));
  }
  return absl::OkStatus();
}

absl::StatusOr<nlohmann::json> ReadBlob(const std::string& layout, const std::string& digest) {
  std::vector<std::string> parts = absl::StrSplit(digest, ':');
  if (parts.size() != 2 || parts[1].find('/') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(layout, ": malformed digest ", digest));
  }
  std::string path = absl::StrCat(layout, "/blobs/", parts[0], "/", parts[1]);
  auto text = util::ReadFile(path);
  if (!text.ok()) return text.status();
  return util::ParseJson(*text, path);
}

std::vector<std::string> Strings(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  if (!j.contains(key) || !j[key].is_array()) return out;
  for (const auto& v : j[key]) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

// The local file or directory a local transport names (before an optional :TAG).
std::string LocalPath(const std::string& rest) {
  struct stat st;
  if (stat(rest.c_str(), &st) == 0) return rest;
  size_t colon = rest.rfind(':');
  return colon == std::string::npos ? rest : rest.substr(0, colon);
}

// A line "name:…" of /etc/passwd or /etc/group whose first field is `key` (or whose third,
// the number, is `key` when by_number).
std::optional<std::vector<std::string>> FindEntry(const std::string& text, const std::string& key,
                                                  bool by_number) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f = absl::StrSplit(line, ':');
    if (f.size() < 4) continue;
    if ((by_number ? f[2] : f[0]) == key) return f;
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<std::string> ReadFileInRoot(const std::string& root, const std::string& path) {
  struct open_how how = {};
  how.flags = O_RDONLY | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  util::UniqueFd dir(open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) return absl::NotFoundError(absl::StrCat(root, ": ", strerror(errno)));
  std::string rel(absl::StripPrefix(path, "/"));
  int fd = static_cast<int>(syscall(SYS_openat2, dir.get(), rel.c_str(), &how, sizeof(how)));
  if (fd < 0) return absl::NotFoundError(absl::StrCat(path, ": ", strerror(errno)));
  util::UniqueFd file(fd);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) out.append(buf, n);
  return out;
}

bool StatInRoot(const std::string& root, const std::string& path, struct stat* st) {
  struct open_how how = {};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  util::UniqueFd dir(open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) return false;
  std::string rel(absl::StripPrefix(path, "/"));
  if (rel.empty()) rel = ".";
  int fd = static_cast<int>(syscall(SYS_openat2, dir.get(), rel.c_str(), &how, sizeof(how)));
  if (fd < 0) return false;
  util::UniqueFd file(fd);
  return fstat(fd, st) == 0;
}

std::string DefaultImageCacheDir() {
  const char* xdg = getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && xdg[0] == '/') return absl::StrCat(xdg, "/minpriv/images");
  return "/var/cache/minpriv/images";
}

absl::StatusOr<Image> PrepareImage(const std::string& ref, const std::string& cache_dir) {
  bool local = false;
  for (const char* t : {"oci:", "oci-archive:", "docker-archive:"}) {
    if (!absl::StartsWith(ref, t)) continue;
    local = true;
    std::string path = LocalPath(ref.substr(strlen(t)));
    struct stat st;
    if (path.empty() || stat(path.c_str(), &st) != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--image ", ref, ": ", path.empty() ? "no path" : path, " does not exist; give ", t,
          "PATH of an existing image"));
    }
  }
  if (!local && !absl::StartsWith(ref, "docker://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--image ", ref, ": unknown transport; use oci:DIR[:TAG], oci-archive:FILE, "
        "docker-archive:FILE or docker://NAME[:TAG]"));
  }
  if (auto s = MkdirAll(cache_dir); !s.ok()) return s;
  std::string tmpl = cache_dir + "/.fetch-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("cannot create a directory in ", cache_dir,
                                                      ": ", strerror(errno)));
  }
  const std::string tmp = tmpl;
  struct Cleanup {
    std::string dir;
    ~Cleanup() { RemoveTree(dir); }
  } cleanup{tmp};
  const std::string layout = tmp + "/layout";
  const std::string log = tmp + "/log";
  std::vector<std::string> copy = {"skopeo", "copy", "--quiet"};
  if (local) copy.insert(copy.begin() + 1, "--insecure-policy");
  copy.push_back(ref);
  copy.push_back(absl::StrCat("oci:", layout, ":", kTag));
  if (auto s = RunTool(copy, log); !s.ok()) return s;

  auto index_text = util::ReadFile(layout + "/index.json");
  if (!index_text.ok()) return index_text.status();
  auto idx = util::ParseJson(*index_text, layout + "/index.json");
  if (!idx.ok()) return idx.status();
  std::string manifest_digest;
  for (const auto& m : (*idx)["manifests"]) {
    if (m.contains("digest") && m["digest"].is_string()) {
      manifest_digest = m["digest"].get<std::string>();
    }
  }
  if (manifest_digest.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(ref, ": the copied image has no manifest"));
  }
  auto manifest = ReadBlob(layout, manifest_digest);
  if (!manifest.ok()) return manifest.status();
  std::string config_digest = (*manifest)["config"].value("digest", std::string());
  auto config = ReadBlob(layout, config_digest);
  if (!config.ok()) return config.status();

  Image image;
  image.ref = ref;
  image.digest = manifest_digest;
  nlohmann::json c = config->contains("config") && (*config)["config"].is_object()
                         ? (*config)["config"]
                         : nlohmann::json::object();
  image.entrypoint = Strings(c, "Entrypoint");
  image.cmd = Strings(c, "Cmd");
  image.env = Strings(c, "Env");
  image.working_dir = c.value("WorkingDir", std::string());
  image.user = c.value("User", std::string());

  const std::string entry =
      absl::StrCat(cache_dir, "/", absl::StrReplaceAll(manifest_digest, {{":", "-"}}));
  image.rootfs = entry + "/rootfs";
  struct stat st;
  if (stat(image.rootfs.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    image.cache_hit = true;
    return image;
  }
  const std::string staged = tmp + "/entry";
  if (mkdir(staged.c_str(), 0755) != 0) {
    return absl::FailedPreconditionError(absl::StrCat("mkdir ", staged, ": ", strerror(errno)));
  }
  if (auto s = RunTool({"umoci", "raw", "unpack", "--image", absl::StrCat(layout, ":", kTag),
                        staged + "/rootfs"},
                       log);
      !s.ok()) {
    return s;
  }
  if (rename(staged.c_str(), entry.c_str()) != 0) {
    if (errno != EEXIST && errno != ENOTEMPTY) {
      return absl::FailedPreconditionError(
          absl::StrCat("rename ", staged, " to ", entry, ": ", strerror(errno)));
    }
    image.cache_hit = true;  // another run unpacked the same image first
  }
  return image;
}

absl::StatusOr<ImageUser> ResolveImageUser(const std::string& user, const std::string& rootfs) {
  ImageUser out;
  if (user.empty()) return out;
  std::vector<std::string> parts = absl::StrSplit(user, absl::MaxSplits(':', 1));
  const std::string passwd = ReadFileInRoot(rootfs, "/etc/passwd").value_or("");
  std::optional<std::vector<std::string>> pw;
  if (absl::SimpleAtoi(parts[0], &out.uid)) {
    pw = FindEntry(passwd, parts[0], /*by_number=*/true);
  } else {
    pw = FindEntry(passwd, parts[0], /*by_number=*/false);
    if (!pw || !absl::SimpleAtoi((*pw)[2], &out.uid)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the image's user '", parts[0], "' is not in its /etc/passwd; the runtime could not "
          "start it either (set runAsUser)"));
    }
  }
  uint32_t gid = 0;
  if (parts.size() == 2) {
    if (!absl::SimpleAtoi(parts[1], &gid)) {
      auto gr = FindEntry(ReadFileInRoot(rootfs, "/etc/group").value_or(""), parts[1], false);
      if (!gr || !absl::SimpleAtoi((*gr)[2], &gid)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the image's group '", parts[1], "' is not in its /etc/group (set runAsGroup)"));
      }
    }
    out.gid = gid;
  } else if (pw && absl::SimpleAtoi((*pw)[3], &gid)) {
    out.gid = gid;
  }
  return out;
}

std::vector<std::string> KubeletCommand(const Image& image,
                                        const std::vector<std::string>& command,
                                        const std::vector<std::string>& args) {
  std::vector<std::string> out = command.empty() ? image.entrypoint : command;
  const std::vector<std::string>& rest = !args.empty() ? args
                                         : command.empty() ? image.cmd
                                                           : args;
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

std::string PathOf(const std::vector<std::string>& env) {
  for (const auto& e : env) {
    if (absl::StartsWith(e, "PATH=")) return e.substr(5);
  }
  return "";
}

}  // namespace minpriv::verifier
