#include "gitops/sources/repo_index.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crd/yaml_input.h"
#include "util/files.h"

namespace minpriv::gitops {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxDepth = 20;  // kustomization nesting (a cycle stops here)

bool IsYaml(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

bool IsKustomizationName(const std::string& name) {
  return name == "kustomization.yaml" || name == "kustomization.yml" || name == "Kustomization";
}

std::string Normalize(const std::string& dir, const std::string& ref) {
  std::string joined = (fs::path(dir.empty() ? "." : dir) / ref).lexically_normal().string();
  while (!joined.empty() && joined.back() == '/') joined.pop_back();
  return joined == "." ? "" : joined;
}

std::vector<std::string> StringList(const YAML::Node& seq) {
  std::vector<std::string> out;
  if (!seq.IsSequence()) return out;
  for (const YAML::Node& item : seq) {
    if (item.IsScalar()) out.push_back(item.Scalar());
  }
  return out;
}

// `inner`: the namespace and name affixes of the kustomizations below `k` (the file's side).
void AddBuilds(const RepoIndex& index, const Kustomization& k, const Build& inner, size_t depth,
               std::vector<Build>* out) {
  Build b;
  b.namespace_ = k.namespace_.empty() ? inner.namespace_ : k.namespace_;
  b.name_prefix = k.name_prefix + inner.name_prefix;
  b.name_suffix = inner.name_suffix + k.name_suffix;
  if (k.parents.empty() || depth >= kMaxDepth) {
    b.root = k.dir;
    b.depth = depth;
    out->push_back(std::move(b));
    return;
  }
  for (const std::string& parent : k.parents) {
    AddBuilds(index, index.kustomizations.at(parent), b, depth + 1, out);
  }
}

}  // namespace

YAML::Node Child(const YAML::Node& map, const std::string& key) {
  if (!map.IsDefined() || !map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  YAML::Node v = map[key];
  return v.IsDefined() ? v : YAML::Node(YAML::NodeType::Undefined);
}

std::string ScalarAt(const YAML::Node& map, const char* key) {
  const YAML::Node v = Child(map, key);
  return v.IsScalar() ? v.Scalar() : "";
}

std::string ObjectNamespace(const YAML::Node& object) {
  return ScalarAt(Child(object, "metadata"), "namespace");
}

bool UnderPath(const std::string& path, const std::string& dir) {
  if (dir.empty() || dir == ".") return true;
  std::string d = fs::path(dir).lexically_normal().string();
  while (!d.empty() && d.back() == '/') d.pop_back();
  return path == d || absl::StartsWith(path, d + "/");
}

absl::StatusOr<RepoIndex> IndexRepository(const std::string& repo_dir) {
  std::error_code ec;
  if (!fs::is_directory(repo_dir, ec)) {
    return absl::NotFoundError(absl::StrCat(repo_dir, ": not a directory"));
  }
  RepoIndex index;
  index.root = repo_dir;
  std::vector<std::string> yaml_files;
  std::vector<std::string> chart_dirs;
  for (auto it = fs::recursive_directory_iterator(repo_dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->path().filename() == ".git") {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    const std::string rel = fs::relative(it->path(), repo_dir).string();
    const std::string name = it->path().filename().string();
    if (name == "Chart.yaml") {
      chart_dirs.push_back(fs::path(rel).parent_path().string());
    } else if (IsKustomizationName(name) || IsYaml(it->path())) {
      yaml_files.push_back(rel);
    }
  }
  if (ec) return absl::InternalError(absl::StrCat("walking ", repo_dir, ": ", ec.message()));
  std::sort(yaml_files.begin(), yaml_files.end());
  std::sort(chart_dirs.begin(), chart_dirs.end());
  for (const std::string& dir : chart_dirs) {
    // A chart inside another chart (charts/ dependencies) is rendered by its parent.
    bool nested = std::any_of(index.charts.begin(), index.charts.end(),
                              [&](const Chart& c) { return UnderPath(dir, c.dir); });
    if (nested) continue;
    absl::StatusOr<std::string> text = util::ReadFile(repo_dir + "/" + dir + "/Chart.yaml");
    Chart chart{dir, fs::path(dir).filename().string()};
    if (text.ok()) {
      auto docs = crd::LoadYamlDocuments(*text, dir + "/Chart.yaml", "chart");
      if (docs.ok() && !docs->empty() && !ScalarAt((*docs)[0], "name").empty()) {
        chart.name = ScalarAt((*docs)[0], "name");
      }
    }
    index.charts.push_back(chart);
  }
  for (const std::string& rel : yaml_files) {
    bool in_chart = std::any_of(index.charts.begin(), index.charts.end(),
                                [&](const Chart& c) { return UnderPath(rel, c.dir); });
    if (in_chart) continue;
    absl::StatusOr<std::string> text = util::ReadFile(repo_dir + "/" + rel);
    if (!text.ok()) return text.status();
    auto docs = crd::LoadYamlDocuments(*text, rel, "manifest");
    if (!docs.ok()) continue;  // not a manifest we can read: not a source
    std::vector<YAML::Node> non_empty;
    for (const YAML::Node& d : *docs) {
      if (!d.IsNull()) non_empty.push_back(d);
    }
    const std::string name = fs::path(rel).filename().string();
    if (IsKustomizationName(name)) {
      if (non_empty.empty() || !non_empty[0].IsMap()) continue;
      Kustomization k;
      k.dir = fs::path(rel).parent_path().string();
      k.path = rel;
      k.text = *text;
      k.doc = non_empty[0];
      k.namespace_ = ScalarAt(k.doc, "namespace");
      k.name_prefix = ScalarAt(k.doc, "namePrefix");
      k.name_suffix = ScalarAt(k.doc, "nameSuffix");
      for (const char* key : {"resources", "bases", "components"}) {
        for (const std::string& r : StringList(Child(k.doc, key))) {
          if (r.find("://") != std::string::npos || absl::StartsWith(r, "github.com/")) continue;
          k.resources.push_back(Normalize(k.dir, r));
        }
      }
      for (const std::string& p : StringList(Child(k.doc, "patchesStrategicMerge"))) {
        index.patch_files.insert(Normalize(k.dir, p));
      }
      for (const char* key : {"patches", "patchesJson6902"}) {
        const YAML::Node list = Child(k.doc, key);
        if (!list.IsSequence()) continue;
        for (const YAML::Node& p : list) {
          if (!ScalarAt(p, "path").empty()) index.patch_files.insert(Normalize(k.dir, ScalarAt(p, "path")));
        }
      }
      index.kustomizations[k.dir] = std::move(k);
      continue;
    }
    for (const YAML::Node& d : non_empty) {
      auto spo = [](const YAML::Node& o) {
        return ScalarAt(o, "kind") == "SeccompProfile" &&
               absl::StartsWith(ScalarAt(o, "apiVersion"), "security-profiles-operator.x-k8s.io/");
      };
      if (spo(d)) index.uses_spo = true;
      if (ScalarAt(d, "kind") == "List" && Child(d, "items").IsSequence()) {
        for (const YAML::Node& item : d["items"]) {
          if (spo(item)) index.uses_spo = true;
        }
      }
    }
    index.files.push_back({rel, *std::move(text), std::move(non_empty)});
  }
  for (auto& [dir, k] : index.kustomizations) {
    for (const std::string& r : k.resources) {
      auto child = index.kustomizations.find(r);
      if (child != index.kustomizations.end() && child->first != dir) {
        child->second.parents.push_back(dir);
      }
    }
  }
  return index;
}

const Kustomization* OwningKustomization(const RepoIndex& index, const std::string& path) {
  auto it = index.kustomizations.find(fs::path(path).parent_path().string());
  if (it == index.kustomizations.end()) return nullptr;
  const auto& r = it->second.resources;
  return std::find(r.begin(), r.end(), path) != r.end() ? &it->second : nullptr;
}

std::vector<Site> FindSites(const RepoIndex& index, const WorkloadRef& ref,
                            const std::vector<std::string>& paths, bool any_namespace) {
  std::vector<Site> out;
  for (size_t f = 0; f < index.files.size(); ++f) {
    const ManifestFile& file = index.files[f];
    if (!paths.empty() && std::none_of(paths.begin(), paths.end(), [&](const std::string& p) {
          return UnderPath(file.path, p);
        })) {
      continue;
    }
    if (index.patch_files.count(file.path)) continue;
    auto beside = index.kustomizations.find(fs::path(file.path).parent_path().string());
    if (beside != index.kustomizations.end() && OwningKustomization(index, file.path) == nullptr) {
      continue;  // the kustomization of its directory does not build it
    }
    for (size_t d = 0; d < file.docs.size(); ++d) {
      std::vector<std::pair<int, YAML::Node>> objects;
      const YAML::Node& doc = file.docs[d];
      if (ScalarAt(doc, "kind") == "List" && Child(doc, "items").IsSequence()) {
        for (size_t i = 0; i < doc["items"].size(); ++i) {
          objects.emplace_back(static_cast<int>(i), doc["items"][i]);
        }
      } else {
        objects.emplace_back(-1, doc);
      }
      for (const auto& [item, object] : objects) {
        if (ScalarAt(object, "kind") != ref.kind || !Child(object, "metadata").IsMap()) continue;
        const std::string name = ScalarAt(Child(object, "metadata"), "name");
        Site site{f, d, item, object, {}};
        const std::string doc_ns = ObjectNamespace(object);
        if (const Kustomization* k = OwningKustomization(index, file.path)) {
          Build file_side;
          file_side.namespace_ = doc_ns;
          AddBuilds(index, *k, file_side, 0, &site.builds);
        }
        auto matches = [&](const std::string& ns) { return ns.empty() || ns == ref.namespace_; };
        bool named = site.builds.empty()
                         ? name == ref.name
                         : std::any_of(site.builds.begin(), site.builds.end(),
                                       [&](const Build& b) { return b.Rendered(name) == ref.name; });
        if (!named) continue;
        bool match = site.builds.empty()
                         ? matches(doc_ns)
                         : std::any_of(site.builds.begin(), site.builds.end(), [&](const Build& b) {
                             return matches(b.namespace_) && b.Rendered(name) == ref.name;
                           });
        if (match || any_namespace) out.push_back(site);
      }
    }
  }
  return out;
}

}  // namespace minpriv::gitops
