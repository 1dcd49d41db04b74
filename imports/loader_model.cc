// The dynamic loader's library search, emulated inside a root.
#include "imports/loader_model.h"

#include <fnmatch.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace minpriv::imports {
namespace {

constexpr int kMaxConfDepth = 8;

std::string Dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

std::string Join(const std::string& dir, const std::string& name) {
  if (!dir.empty() && dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

void AddUnique(std::vector<std::string>& dirs, const std::string& dir) {
  if (std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) dirs.push_back(dir);
}

}  // namespace

std::vector<std::string> ExpandSearchPath(const std::vector<std::string>& entries,
                                          const std::string& origin) {
  std::vector<std::string> out;
  for (const std::string& entry : entries) {
    std::string e = absl::StrReplaceAll(entry, {{"${ORIGIN}", origin},
                                                {"$ORIGIN", origin},
                                                {"${PLATFORM}", "x86_64"},
                                                {"$PLATFORM", "x86_64"}});
    if (absl::StrContains(e, "$LIB") || absl::StrContains(e, "${LIB}")) {
      for (const char* lib : {"lib/x86_64-linux-gnu", "lib64", "lib"}) {
        AddUnique(out, absl::StrReplaceAll(e, {{"${LIB}", lib}, {"$LIB", lib}}));
      }
      continue;
    }
    AddUnique(out, e);
  }
  return out;
}

absl::StatusOr<const LoadedObject*> LoaderModel::Load(const std::string& path) {
  auto canonical = root_.Resolve(path);
  if (!canonical.ok()) return canonical.status();
  auto it = by_canonical_.find(*canonical);
  if (it == by_canonical_.end()) {
    absl::StatusOr<std::unique_ptr<LoadedObject>> entry;
    auto file = root_.OpenFile(*canonical);
    if (!file.ok()) {
      entry = file.status();
    } else {
      auto info = ParseElf(**file, *canonical);
      if (!info.ok()) {
        entry = info.status();
      } else {
        entry = std::make_unique<LoadedObject>(
            LoadedObject{.path = path, .canonical = *canonical, .info = *std::move(info)});
      }
    }
    it = by_canonical_.emplace(*canonical, std::move(entry)).first;
  }
  if (!it->second.ok()) return it->second.status();
  return it->second->get();
}

absl::StatusOr<const LoadedObject*> LoaderModel::FindNeeded(const std::string& name,
                                                            const LoadedObject& requester,
                                                            const LoadedObject& executable) {
  if (absl::StrContains(name, '/')) return Load(name);
  bool musl = absl::StrContains(executable.info.interpreter, "ld-musl");
  std::vector<std::string> dirs;
  if (musl) {  // musl searches both, each relative to its own object
    dirs = ExpandSearchPath(requester.info.rpath, Dirname(requester.path));
    for (const auto& d : ExpandSearchPath(requester.info.runpath, Dirname(requester.path))) {
      AddUnique(dirs, d);
    }
  } else {
    if (requester.info.runpath.empty()) {  // DT_RPATH counts only without DT_RUNPATH
      dirs = ExpandSearchPath(requester.info.rpath, Dirname(requester.path));
      if (&requester != &executable) {
        for (const auto& d : ExpandSearchPath(executable.info.rpath, Dirname(executable.canonical))) {
          AddUnique(dirs, d);
        }
      }
    }
    std::string origin = Dirname(&requester == &executable ? requester.canonical : requester.path);
    for (const auto& d : ExpandSearchPath(requester.info.runpath, origin)) AddUnique(dirs, d);
  }
  for (const auto& d : SystemDirectories(musl)) AddUnique(dirs, d);
  for (const std::string& dir : dirs) {
    if (dir.empty() || dir[0] != '/') continue;  // relative entries depend on the cwd
    auto found = Load(Join(dir, name));
    if (found.ok()) return found;
    // A missing file, or one for another machine or class: the loader goes on searching.
    if (absl::IsNotFound(found.status()) || absl::IsFailedPrecondition(found.status())) continue;
    return found.status();
  }
  return absl::NotFoundError(absl::StrCat(name, " not found"));
}

void LoaderModel::ReadLdSoConf(const std::string& path, int depth, std::vector<std::string>& out) {
  if (depth > kMaxConfDepth) return;
  auto text = root_.ReadText(path);
  if (!text.ok()) return;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    line = line.substr(0, line.find('#'));
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || absl::StartsWith(line, "hwcap")) continue;
    if (absl::ConsumePrefix(&line, "include")) {
      for (absl::string_view pattern : absl::StrSplit(line, ' ', absl::SkipWhitespace())) {
        std::string p(pattern);
        if (p[0] != '/') p = Join(Dirname(path), p);
        std::string dir = Dirname(p);
        std::string glob = p.substr(p.rfind('/') + 1);
        for (const std::string& entry : root_.ListDirectory(dir)) {
          if (fnmatch(glob.c_str(), entry.c_str(), 0) == 0) {
            ReadLdSoConf(Join(dir, entry), depth + 1, out);
          }
        }
      }
      continue;
    }
    for (absl::string_view dir : absl::StrSplit(line, absl::ByAnyChar(" \t:,="), absl::SkipEmpty())) {
      if (dir[0] == '/') AddUnique(out, std::string(dir));
    }
  }
}

const std::vector<std::string>& LoaderModel::SystemDirectories(bool musl) {
  if (musl) {
    if (!musl_dirs_) {
      musl_dirs_ = std::make_unique<std::vector<std::string>>();
      auto text = root_.ReadText("/etc/ld-musl-x86_64.path");
      if (text.ok()) {
        for (absl::string_view d : absl::StrSplit(*text, absl::ByAnyChar(":\n"), absl::SkipWhitespace())) {
          AddUnique(*musl_dirs_, std::string(absl::StripAsciiWhitespace(d)));
        }
      } else {  // musl's built-in default
        *musl_dirs_ = {"/lib", "/usr/local/lib", "/usr/lib"};
      }
    }
    return *musl_dirs_;
  }
  if (!glibc_dirs_) {
    glibc_dirs_ = std::make_unique<std::vector<std::string>>();
    ReadLdSoConf("/etc/ld.so.conf", 0, *glibc_dirs_);
    for (const char* d : {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64",
                          "/usr/lib64", "/lib", "/usr/lib"}) {
      AddUnique(*glibc_dirs_, d);
    }
  }
  return *glibc_dirs_;
}

}  // namespace minpriv::imports
