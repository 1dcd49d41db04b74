#include "remediator/volume_placement.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "remediator/markdown.h"
#include "remediator/proposer.h"
#include "util/files.h"

namespace minpriv::remediator {
namespace {

// Reasons shown per directory an emptyDir would hide something in.
constexpr size_t kMaxReasons = 3;

// Something the workload used, or the image shipped: an emptyDir on a directory above it
// hides it (on the path itself too when `at_or_under`: a summarized or listed directory).
struct UsedItem {
  std::string path;
  std::string what;  // markdown: "`/tmp/x/bin/prog` (executed)"
  bool at_or_under = false;
};

class Usage {
 public:
  Usage(const std::vector<crd::FileWrite>& writes, const crd::ContainerProfile& prof,
        const crd::FileSystemUse& use) {
    for (const crd::FileWrite& w : writes) {
      if (!CreatedByWorkload(w)) continue;
      (w.summarized ? created_dirs_ : created_).insert(w.path);
      for (const std::string& op : w.ops) {
        if (op == "mkdir") created_dirs_.insert(w.path);
      }
    }
    for (const crd::Exec& e : prof.execs) Add(e.path, "executed");
    for (const std::string& p : use.mapped) Add(p, "mapped: a library or mapped file");
    for (const std::string& p : use.working_dirs) Add(p, "a working directory");
    for (const std::string& p : use.open_files) Add(p, "held open");
    for (const crd::FileWrite& w : writes) {
      if (CreatedByWorkload(w)) continue;
      Add(w.path, absl::StrCat("in the image, modified: ", absl::StrJoin(w.ops, ",")),
          w.summarized);
    }
    for (const crd::ShippedDir& d : use.shipped) {
      if (d.total == 0) continue;
      std::vector<std::string> names;
      for (const std::string& e : d.entries) {
        if (names.size() < 3) names.push_back(absl::StrCat(d.path == "/" ? "" : d.path, "/", e));
      }
      items_.push_back({d.path,
                        absl::StrCat(Code(d.path), " holds ", d.total,
                                     " entr", d.total == 1 ? "y" : "ies",
                                     " the image shipped (e.g. ", CodeList(names), ")"),
                        true});
    }
  }

  // Why an emptyDir on `dir` would hide something (empty: it hides nothing).
  std::vector<std::string> Hidden(const std::string& dir) const {
    std::vector<std::string> why;
    for (const UsedItem& i : items_) {
      if (!util::PathUnder(i.path, dir) || (!i.at_or_under && i.path == dir)) continue;
      if (!i.at_or_under && Created(i.path)) continue;
      if (why.size() == kMaxReasons) break;
      why.push_back(i.what);
    }
    return why;
  }

 private:
  void Add(const std::string& path, const std::string& what, bool at_or_under = false) {
    if (path.empty() || path[0] != '/') return;
    items_.push_back({path, absl::StrCat(Code(path), " (", what, ")"), at_or_under});
  }
  // The workload made `path` itself (or a directory above it) during the window.
  bool Created(const std::string& path) const {
    if (created_.count(path)) return true;
    for (const std::string& d : created_dirs_) {
      if (util::PathUnder(path, d)) return true;
    }
    return false;
  }

  std::set<std::string> created_, created_dirs_;
  std::vector<UsedItem> items_;
};

// A directory the workload made (mkdir) and then wrote in.
bool MadeAndWrittenIn(const crd::FileWrite& w, const std::vector<crd::FileWrite>& writes) {
  if (w.summarized || std::find(w.ops.begin(), w.ops.end(), "mkdir") == w.ops.end()) return false;
  for (const crd::FileWrite& o : writes) {
    if (o.path != w.path && util::PathUnder(WriteDir(o), w.path)) return true;
  }
  return false;
}

// The directory a write needs writable: its parent, except for a directory the workload
// made and wrote in, which a volume on the directory itself serves (its mkdir then finds
// the mount point, EEXIST, as `mkdir -p` does).
std::string LandsIn(const crd::FileWrite& w, const std::vector<crd::FileWrite>& writes) {
  return MadeAndWrittenIn(w, writes) ? w.path : WriteDir(w);
}

// `top`, then each directory below it down to `dir` (which is under `top`).
std::vector<std::string> Chain(const std::string& top, const std::string& dir) {
  std::vector<std::string> chain;
  for (std::string d = dir;; d = ParentDir(d)) {
    chain.push_back(d);
    if (d == top || d == "/") break;
  }
  std::reverse(chain.begin(), chain.end());
  return chain;
}

}  // namespace

std::string ParentDir(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

std::string WriteDir(const crd::FileWrite& w) { return w.summarized ? w.path : ParentDir(w.path); }

bool SystemContentDir(const std::string& dir) {
  for (const char* d : {"/etc", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
                        "/opt", "/srv", "/var/www", "/boot", "/var/lib/dpkg", "/var/lib/apt"}) {
    if (util::PathUnder(dir, d)) return true;
  }
  return false;
}

bool CreatedByWorkload(const crd::FileWrite& w) {
  for (const auto& op : w.ops) {
    // "replace": the target of a rename, as in write-to-temp-then-rename saves.
    if (op == "create" || op == "mkdir" || op == "symlink" || op == "link" || op == "mknod" ||
        op == "replace") {
      return true;
    }
  }
  return false;
}

VolumePlan PlaceVolumes(const std::vector<crd::FileWrite>& writes, const crd::ContainerProfile& prof,
                        const crd::FileSystemUse& use, bool can_seed) {
  const Usage usage(writes, prof, use);
  std::map<std::string, PlacedVolume> placed;
  std::map<std::string, std::string> blocked;
  for (const std::string& top : CollapseWritableDirs(writes)) {
    std::set<std::string> wdirs;
    for (const crd::FileWrite& w : writes) {
      if (w.path.empty() || w.path[0] != '/') continue;
      std::string d = LandsIn(w, writes);
      if (util::PathUnder(d, top)) wdirs.insert(d);
    }
    for (const std::string& wdir : wdirs) {
      std::string why_not_above;  // the nearest directory above that hides something
      bool done = false;
      for (const std::string& d : Chain(top, wdir)) {
        std::vector<std::string> hidden = usage.Hidden(d);
        if (!hidden.empty() || d == "/") {
          why_not_above = absl::StrCat("not at ", Code(d), ": an empty volume there would hide ",
                                       d == "/" ? "the root" : absl::StrJoin(hidden, "; "));
          continue;
        }
        PlacedVolume& v = placed[d];
        v.dir = d;
        if (!why_not_above.empty() && v.evidence.empty()) v.evidence.push_back(why_not_above);
        done = true;
        break;
      }
      if (done) continue;
      // The written directory itself holds what the workload needs from the image.
      std::vector<std::string> hidden = usage.Hidden(wdir);
      std::string what = hidden.empty() ? "it is the root directory" : absl::StrJoin(hidden, "; ");
      if (wdir == "/" || SystemContentDir(wdir) || !can_seed) {
        std::string how = wdir == "/" ? "the root cannot be a volume"
                          : SystemContentDir(wdir)
                              ? "it is a system directory, too large to copy into a volume"
                              : "the container names no image an init container could copy it from";
        blocked.emplace(wdir, absl::StrCat(Code(wdir), ": ", what, "; ", how));
        continue;
      }
      PlacedVolume& v = placed[wdir];
      v.dir = wdir;
      v.seed = true;
      v.evidence = {absl::StrCat("seeded from the image: ", what)};
    }
  }
  for (const crd::FileWrite& w : writes) {
    auto it = placed.find(w.path);
    if (it == placed.end() || !MadeAndWrittenIn(w, writes)) continue;
    it->second.evidence.push_back(absl::StrCat(
        "the workload's `mkdir ", w.path, "` finds the volume's mount point there (EEXIST): "
        "fine for `mkdir -p` and programs that accept an existing directory"));
  }
  VolumePlan plan;
  std::set<std::string> dirs;
  for (const auto& entry : placed) dirs.insert(entry.first);
  for (auto& [dir, v] : placed) {
    bool nested = false;
    for (const std::string& other : dirs) nested = nested || (other != dir && util::PathUnder(dir, other));
    if (!nested) plan.volumes.push_back(std::move(v));
  }
  for (auto& [dir, reason] : blocked) {
    plan.blocked.push_back(dir);
    plan.blocked_reasons.push_back(reason);
  }
  if (!plan.blocked.empty()) plan.volumes.clear();  // the root stays writable: no volumes
  return plan;
}

}  // namespace minpriv::remediator
