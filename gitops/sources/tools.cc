#include "gitops/sources/tools.h"

#include <stdlib.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include "absl/strings/str_cat.h"
#include "util/files.h"
#include "util/process.h"

namespace minpriv::gitops {
namespace {

namespace fs = std::filesystem;

std::string Pick(const char* env, const char* installed, const char* fallback) {
  if (const char* v = std::getenv(env); v != nullptr && *v != '\0') return v;
  std::error_code ec;
  if (fs::exists(installed, ec)) return installed;
  return fallback;
}

}  // namespace

std::string KubectlBinary() {
  return Pick("MINPRIV_KUBECTL", "/usr/local/lib/minpriv/kubectl-1.34", "kubectl");
}
std::string HelmBinary() { return Pick("MINPRIV_HELM", "/usr/local/lib/minpriv/helm", "helm"); }

absl::StatusOr<std::string> RunTool(const std::vector<std::string>& argv) {
  absl::StatusOr<ScratchDir> dir = ScratchDir::Create();
  if (!dir.ok()) return dir.status();
  util::SpawnOptions options;
  options.stdout_path = dir->path() + "/stdout";
  options.stderr_path = dir->path() + "/stderr";
  options.search_path = argv[0].find('/') == std::string::npos;
  absl::StatusOr<util::Process> tool = util::Process::Spawn(argv, options);
  if (!tool.ok()) return tool.status();
  std::optional<int> status = tool->WaitFor(absl::Seconds(120));
  if (!status) {
    tool->Kill();
    return absl::DeadlineExceededError(absl::StrCat(argv[0], " did not finish in 120 s"));
  }
  std::string out = util::ReadFile(options.stdout_path).value_or("");
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    std::string err = util::ReadFile(options.stderr_path).value_or("");
    while (!err.empty() && err.back() == '\n') err.pop_back();
    return absl::FailedPreconditionError(absl::StrCat(
        fs::path(argv[0]).filename().string(), " ", argv.size() > 1 ? argv[1] : "", " ",
        util::DescribeWaitStatus(*status), ": ", err));
  }
  return out;
}

absl::StatusOr<ScratchDir> ScratchDir::Create() {
  std::string tmpl = (fs::temp_directory_path() / "minpriv-gitops.XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("cannot create a temporary directory in ",
                                            fs::temp_directory_path().string()));
  }
  ScratchDir d;
  d.path_ = tmpl;
  return d;
}

ScratchDir& ScratchDir::operator=(ScratchDir&& other) noexcept {
  if (this != &other) {
    if (!path_.empty()) {
      std::error_code ec;
      fs::remove_all(path_, ec);
    }
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

ScratchDir::~ScratchDir() {
  if (!path_.empty()) {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
}

absl::Status CopyTree(const std::string& repo_dir, const std::string& dest,
                      const std::map<std::string, std::string>& overlay) {
  std::error_code ec;
  fs::create_directories(dest, ec);
  for (auto it = fs::recursive_directory_iterator(repo_dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->path().filename() == ".git") {
      it.disable_recursion_pending();
      continue;
    }
    const fs::path rel = fs::relative(it->path(), repo_dir);
    if (it->is_directory()) {
      fs::create_directories(fs::path(dest) / rel, ec);
    } else if (it->is_regular_file()) {
      fs::copy_file(it->path(), fs::path(dest) / rel, fs::copy_options::overwrite_existing, ec);
    }
    if (ec) break;
  }
  if (ec) return absl::InternalError(absl::StrCat("copying ", repo_dir, ": ", ec.message()));
  for (const auto& [rel, content] : overlay) {
    const fs::path path = fs::path(dest) / rel;
    fs::create_directories(path.parent_path(), ec);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) return absl::InternalError(absl::StrCat("cannot write ", path.string()));
  }
  return absl::OkStatus();
}

}  // namespace minpriv::gitops
