#include "remediator/narrow_filesystem.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "remediator/dns_label.h"
#include "remediator/markdown.h"
#include "remediator/seed_volumes.h"
#include "remediator/volume_placement.h"
#include "remediator/workload.h"
#include "remediator/yaml_io.h"
#include "util/files.h"

namespace minpriv::remediator {
namespace {

int Depth(const std::string& path) {
  if (path == "/") return 0;
  return static_cast<int>(std::count(path.begin(), path.end(), '/'));
}

// First `n` components of an absolute path ("/var/cache/nginx/x", 3 → "/var/cache/nginx").
std::string Prefix(const std::string& path, int n) {
  size_t pos = 0;
  for (int i = 0; i < n; ++i) {
    pos = path.find('/', pos + 1);
    if (pos == std::string::npos) return path;
  }
  return path.substr(0, pos);
}

std::string ScratchRoot(const std::string& dir) {
  for (const char* root : {"/tmp", "/var/tmp", "/root"}) {
    if (util::PathUnder(dir, root)) return root;
  }
  for (const char* base : {"/run", "/var/run", "/var/cache", "/var/log", "/var/lib", "/home", "/var/spool"}) {
    if (util::PathUnder(dir, base) && dir != base) return Prefix(dir, Depth(base) + 1);
  }
  return dir;
}

// A scratch root that ScratchRoot collapses writes into as a whole.
bool IsWholeScratchRoot(const std::string& dir) {
  return dir == "/tmp" || dir == "/var/tmp" || dir == "/root";
}

struct Mount {
  std::string path;
  std::string volume;
  bool read_only;
};

std::vector<Mount> MountsOf(const YAML::Node& container, const WorkloadContext& ctx) {
  std::vector<Mount> mounts;
  YAML::Node vm = Child(container, "volumeMounts");
  if (!vm.IsDefined() || !vm.IsSequence()) return mounts;
  for (const auto& m : vm) {
    Mount mt{ScalarAt(m, "mountPath"), ScalarAt(m, "name"), IsTrue(m, "readOnly")};
    auto it = ctx.volumes_by_name.find(mt.volume);
    if (it != ctx.volumes_by_name.end() && ReadOnlyVolumeSource(it->second)) mt.read_only = true;
    if (!mt.path.empty()) mounts.push_back(mt);
  }
  return mounts;
}

// Adds the emptyDir on `d` for the writes of `uncovered` under it, with its report lines;
// its volume name. `image_known`: the profile lists what the image ships there (no
// blanket warning about hidden image files).
std::string AddEmptyDir(const std::string& d, const std::vector<crd::FileWrite>& uncovered,
                        YAML::Node container, WorkloadContext& ctx, ContainerProposal& out,
                        bool image_known = false) {
  std::string base = DnsLabel(absl::StrCat("minpriv-", out.name, d));
  std::string name = base;
  for (int i = 2; ctx.volume_names.count(name) > 0; ++i) name = absl::StrCat(base, "-", i);
  ctx.volume_names.insert(name);
  YAML::Node vol = NewMap();
  vol["name"] = Str(name);
  vol["emptyDir"] = NewMap();
  EnsureSeq(ctx.pod_spec, "volumes").push_back(vol);
  YAML::Node mount = NewMap();
  mount["name"] = Str(name);
  mount["mountPath"] = Str(d);
  EnsureSeq(container, "volumeMounts").push_back(mount);
  out.new_mounts.push_back(d);
  if (IsWholeScratchRoot(d) && !image_known) {
    out.risks.push_back(absl::StrCat(
        "the emptyDir on ", Code(d), " hides any file the image ships under ", Code(d),
        " (the whole directory starts empty): a configuration or data file placed there "
        "in the image (e.g. `-c ", d, "/app.conf`) is gone; move such files elsewhere or "
        "mount a narrower directory"));
  }
  std::vector<std::string> examples, replaced;
  uint64_t count = 0;
  std::string first;
  for (const auto& w : uncovered) {
    if (!util::PathUnder(WriteDir(w), d)) continue;
    bool made = false, replace = false;
    for (const auto& op : w.ops) {
      replace = replace || op == "replace";
      made = made || (op != "replace" && CreatedByWorkload({w.path, {op}, 0, "", false, {}}));
    }
    if (replace && !made) replaced.push_back(w.path);
    count += w.count;
    if (first.empty() || (!w.first_seen.empty() && w.first_seen < first)) first = w.first_seen;
    if (examples.size() < 3) examples.push_back(w.path);
  }
  if (!replaced.empty()) {
    out.risks.push_back(absl::StrCat(
        CodeList(replaced), " under ", Code(d), " got new content by a rename onto it (a "
        "write-to-temp-then-rename save) and was not otherwise created: if the image ships "
        "it and the workload reads it first (as `sed -i` does), the emptyDir hides that copy"));
  }
  out.changes.push_back(absl::StrCat("emptyDir ", Code(name), " mounted at ", Code(d), ": ", count,
                                     " write(s) seen, first ", first.empty() ? "unknown" : first,
                                     ", e.g. ", CodeList(examples)));
  return name;
}

// With the profile's fileSystemUse: volumes where they hide nothing the workload used or
// the image shipped (volume_placement.h), seeded from the image where the written directory
// itself ships what the workload needs; otherwise the root stays writable, naming why.
void NarrowWithUse(YAML::Node container, YAML::Node sc, const crd::ContainerProfile& prof,
                   const std::vector<crd::FileWrite>& uncovered, WorkloadContext& ctx,
                   ContainerProposal& out) {
  const std::string image = ScalarAt(container, "image");
  VolumePlan plan = PlaceVolumes(uncovered, prof, *prof.file_system_use, !image.empty());
  bool was_ro = IsTrue(sc, "readOnlyRootFilesystem");
  if (!plan.blocked.empty()) {
    for (const std::string& reason : plan.blocked_reasons) {
      out.risks.push_back(absl::StrCat("written directory ", reason,
                                       ": an empty volume would hide it, so none is proposed"));
    }
    out.root_writable_because = plan.blocked;
    if (was_ro) {
      out.risks.push_back("the manifest already sets `readOnlyRootFilesystem: true`; kept although the "
                          "workload wrote there");
    } else {
      out.changes.push_back(absl::StrCat("`readOnlyRootFilesystem` not set: the workload writes to ",
                                         CodeList(plan.blocked), ", which hold",
                                         plan.blocked.size() == 1 ? "s" : "",
                                         " what it uses from the image (see risks)"));
    }
    return;
  }
  for (const PlacedVolume& v : plan.volumes) {
    std::string name = AddEmptyDir(v.dir, uncovered, container, ctx, out, true);
    for (const std::string& e : v.evidence) {
      out.changes.push_back(absl::StrCat("emptyDir at ", Code(v.dir), ": ", e));
    }
    if (v.seed) AddSeedInitContainer(v.dir, name, image, ctx, out);
  }
  if (!was_ro) {
    sc["readOnlyRootFilesystem"] = Bool(true);
    out.changes.push_back(
        uncovered.empty() ? "`readOnlyRootFilesystem: true`: no write to the root file system was seen"
                          : "`readOnlyRootFilesystem: true`: every write seen lands in a volume");
  }
}

}  // namespace

void NarrowFileSystem(YAML::Node container, YAML::Node sc, const crd::ContainerProfile& prof,
                      WorkloadContext& ctx, ContainerProposal& out) {
  std::vector<Mount> mounts = MountsOf(container, ctx);
  std::vector<crd::FileWrite> uncovered;
  std::map<std::string, std::set<std::string>> covered;  // mount → example paths
  for (const auto& w : prof.file_writes) {
    if (util::IsKernelFsPath(w.path)) continue;
    const Mount* best = nullptr;
    for (const auto& m : mounts) {
      if (util::PathUnder(w.path, m.path) && (!best || m.path.size() > best->path.size())) {
        best = &m;
      }
    }
    if (best == nullptr) {
      uncovered.push_back(w);
    } else if (best->read_only) {
      out.risks.push_back(absl::StrCat("wrote ", Code(w.path), " under read-only mount ", Code(best->path),
                                       " (volume ", Code(best->volume), "); kept read-only"));
    } else {
      covered[best->path].insert(w.path);
    }
  }
  for (const auto& [path, files] : covered) {
    out.changes.push_back(absl::StrCat("writes under existing volume mount ", Code(path), " (",
                                       files.size(), " path(s)) stay allowed"));
  }
  if (prof.file_system_use.has_value()) {
    NarrowWithUse(container, sc, prof, uncovered, ctx, out);
    return;
  }
  bool was_ro = IsTrue(sc, "readOnlyRootFilesystem");
  std::vector<std::string> dirs = CollapseWritableDirs(uncovered);
  std::vector<std::string> blocked;
  for (const auto& d : dirs) {
    std::vector<std::string> why;
    if (d == "/") why.push_back("it is the root directory");
    if (SystemContentDir(d)) why.push_back("it is a system directory that ships image content");
    for (const auto& w : uncovered) {
      if (util::PathUnder(WriteDir(w), d) && !CreatedByWorkload(w)) {
        why.push_back(absl::StrCat(Code(w.path), " existed in the image and was modified (",
                                   absl::StrJoin(w.ops, ","), ")"));
        break;
      }
    }
    if (!why.empty()) {
      blocked.push_back(d);
      out.risks.push_back(absl::StrCat("written directory ", Code(d), " holds content shipped in the image (",
                                       absl::StrJoin(why, "; "),
                                       "): an empty volume would hide it, so none is proposed"));
    }
  }
  if (!blocked.empty()) {
    if (was_ro) {
      out.risks.push_back("the manifest already sets `readOnlyRootFilesystem: true`; kept although the "
                          "workload wrote there");
    } else {
      out.changes.push_back(absl::StrCat("`readOnlyRootFilesystem` not set: the workload writes to ",
                                         CodeList(blocked), " (see risks); consider copying that content "
                                         "into an emptyDir from an init container"));
    }
    return;
  }
  for (const auto& d : dirs) AddEmptyDir(d, uncovered, container, ctx, out);
  if (!was_ro) {
    sc["readOnlyRootFilesystem"] = Bool(true);
    out.changes.push_back(
        uncovered.empty() ? "`readOnlyRootFilesystem: true`: no write to the root file system was seen"
                          : "`readOnlyRootFilesystem: true`: every write seen lands in a volume");
  }
}

std::vector<std::string> CollapseWritableDirs(const std::vector<crd::FileWrite>& writes) {
  std::set<std::string> dirs;
  for (const auto& w : writes) {
    if (w.path.empty() || w.path[0] != '/') continue;
    dirs.insert(ScratchRoot(WriteDir(w)));
  }
  for (int round = 0; round < 3; ++round) {
    // Remove nested directories.
    std::vector<std::string> flat;
    for (const auto& d : dirs) {
      bool nested = false;
      for (const auto& o : dirs) nested = nested || (o != d && util::PathUnder(d, o));
      if (!nested) flat.push_back(d);
    }
    // Merge three or more siblings into their parent (never into "/" or a top-level dir).
    std::map<std::string, std::vector<std::string>> by_parent;
    for (const auto& d : flat) by_parent[ParentDir(d)].push_back(d);
    std::set<std::string> next;
    for (const auto& [parent, children] : by_parent) {
      if (children.size() >= 3 && Depth(parent) >= 2) {
        next.insert(parent);
      } else {
        next.insert(children.begin(), children.end());
      }
    }
    if (next == dirs) break;
    dirs = next;
  }
  return {dirs.begin(), dirs.end()};
}

}  // namespace minpriv::remediator
