// Discovery: what a repository checkout holds, classified the way its sources are edited:
// plain manifest files (multi-document, `kind: List`), kustomize directories (resources and
// bases, a base shared by overlays) and Helm charts (Chart.yaml + values.yaml + templates/);
// and where a workload is defined among them.
#ifndef MINPRIV_GITOPS_SOURCES_REPO_INDEX_H_
#define MINPRIV_GITOPS_SOURCES_REPO_INDEX_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gitops/change_set.h"
#include "yaml-cpp/yaml.h"

namespace minpriv::gitops {

// A YAML file outside charts that parses (files that do not are not manifests: skipped).
struct ManifestFile {
  std::string path;  // repo-relative
  std::string text;
  std::vector<YAML::Node> docs;  // non-empty documents, marks into `text`
};

struct Kustomization {
  std::string dir;   // repo-relative ("" for the root)
  std::string path;  // its file, repo-relative
  std::string text;
  YAML::Node doc;
  std::string namespace_;
  std::string name_prefix, name_suffix;  // namePrefix, nameSuffix
  // resources + bases + components, repo-relative (remote ones left out): a component is
  // built by the kustomization that lists it, as a base is.
  std::vector<std::string> resources;
  std::vector<std::string> parents;    // dirs of the kustomizations listing this one
};

struct Chart {
  std::string dir;  // repo-relative
  std::string name;
};

struct RepoIndex {
  std::string root;
  std::vector<ManifestFile> files;
  std::map<std::string, Kustomization> kustomizations;  // by dir
  std::vector<Chart> charts;
  bool uses_spo = false;  // some document is an SPO SeccompProfile
  std::set<std::string> patch_files;  // named by a kustomization's patches: not sources
};

// Walks `repo_dir` (skipping .git). NotFound when it is not a directory.
absl::StatusOr<RepoIndex> IndexRepository(const std::string& repo_dir);

// One way a kustomization tree builds a file: the outermost kustomization (an overlay, or the
// file's own kustomization when nothing includes it) and the namespace the object gets.
struct Build {
  std::string root;       // dir of the outermost kustomization
  std::string namespace_; // effective namespace ("" absent)
  size_t depth = 0;       // kustomizations between the file and the root (0: the file's own)
  // namePrefix and nameSuffix of every kustomization on the way, outermost prefix first:
  // the object renders as prefix + its name + suffix.
  std::string name_prefix, name_suffix;
  std::string Rendered(const std::string& name) const { return name_prefix + name + name_suffix; }
};

// Where a workload's object is in a plain file.
struct Site {
  size_t file = 0;   // index into RepoIndex::files
  size_t doc = 0;    // index into its docs
  int item = -1;     // index into a `kind: List` document's items, or -1
  YAML::Node object;
  std::vector<Build> builds;  // empty: no kustomization lists the file
};

// Sites of `ref` (kind; name as rendered, after every namePrefix/nameSuffix on the way; and
// namespace from the document, the kustomization's `namespace:`, or absent) in files under
// one of `paths` (all files when empty), leaving out patch files and files a kustomization
// beside them does not list as resources. With
// `any_namespace`, the namespace is not compared (the candidates of a workload not found).
std::vector<Site> FindSites(const RepoIndex& index, const WorkloadRef& ref,
                            const std::vector<std::string>& paths, bool any_namespace = false);

// The kustomization in `dir` that lists `path` among its resources, if any.
const Kustomization* OwningKustomization(const RepoIndex& index, const std::string& path);

// Whether repo-relative `path` is `dir` or below it ("" or "." is the whole repository).
bool UnderPath(const std::string& path, const std::string& dir);

// Small YAML accessors shared by the edit files.
std::string ScalarAt(const YAML::Node& map, const char* key);
// map[key], or an undefined node when `map` is not a mapping or has no such key (yaml-cpp's
// const lookup of a missing key yields an invalid node that throws on every question).
YAML::Node Child(const YAML::Node& map, const std::string& key);
std::string ObjectNamespace(const YAML::Node& object);

}  // namespace minpriv::gitops

#endif  // MINPRIV_GITOPS_SOURCES_REPO_INDEX_H_
