// The edits of one workload's source, one file per layout (edit_plain.cc,
// edit_kustomize.cc, helm_*.cc), and what they share: the files beside the workload
// (companions.cc: NetworkPolicy, seccomp profiles), text-preserving YAML edits
// (text_edits.cc) and the before/after comparison of real renders (render_compare.cc).
#ifndef MINPRIV_GITOPS_SOURCES_EDITS_H_
#define MINPRIV_GITOPS_SOURCES_EDITS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gitops/change_set.h"
#include "gitops/sources/proposal_reader.h"
#include "gitops/sources/repo_index.h"
#include "nlohmann/json.hpp"
#include "yaml-cpp/yaml.h"

namespace minpriv::gitops {

// New file contents by repo-relative path; turned into FileChanges against the checkout
// (files whose content does not change are left out).
using Edits = std::map<std::string, std::string>;

// The workload's ops, with seccomp references pointed where the profiles will be: with the
// Security Profiles Operator, `operator/<namespace>/<name>.json` instead of
// `minpriv/<name>.json`.
nlohmann::ordered_json OpsFor(const ProposalWorkload& w, bool uses_spo);

// `text` (whose documents are `originals`) edited in place so that they mean `targets`.
absl::StatusOr<std::string> RewriteText(const std::string& text,
                                        const std::vector<YAML::Node>& originals,
                                        const std::vector<YAML::Node>& targets,
                                        const std::string& path);

// The kustomization with `entries` appended to its list `key` (entries already there are
// kept once), edited in place; its text unchanged when nothing is missing.
absl::StatusOr<std::string> AppendToKustomization(const Kustomization& k, const char* key,
                                                  const std::vector<YAML::Node>& entries);

// The files beside the workload: the NetworkPolicy in `dir`/`stem`.networkpolicy.yaml, the
// seccomp profiles as SPO objects in `dir`/`stem`.seccompprofiles.yaml (the repository uses
// the operator) or as OCI JSON under seccomp/ at the root (with a note). Returns the new
// files' paths relative to `dir` that a kustomization there should list.
std::vector<std::string> AddCompanions(const RepoIndex& index, const ProposalWorkload& w,
                                       const std::string& dir, const std::string& stem,
                                       Edits* edits, std::vector<std::string>* notes);

// Edits → FileChanges (sorted by path; unchanged files dropped).
absl::StatusOr<std::vector<FileChange>> ToChanges(const std::string& repo_dir, const Edits& edits);

// The objects of a rendered stream (`kind: List` items flattened).
std::vector<YAML::Node> RenderedObjects(const std::vector<YAML::Node>& docs);
// The object of that kind and name (namespace ignored: renderers may leave it out), or null.
YAML::Node FindObject(const std::vector<YAML::Node>& objects, const WorkloadRef& ref);
// Compares two renders: `after` must hold `expected` in place of the workload, every other
// object of `before` unchanged, and may add objects listed in `added` ("Kind/name").
// Returns the markdown check line, or FailedPrecondition saying what differs. With
// `mounts_unordered`, the order of `volumes` and `volumeMounts` items is not compared
// (a strategic-merge patch puts new items first; Kubernetes gives that order no meaning).
absl::StatusOr<std::string> CompareRenders(const std::string& tool,
                                           const std::vector<YAML::Node>& before,
                                           const std::vector<YAML::Node>& after,
                                           const WorkloadRef& ref, const YAML::Node& expected,
                                           bool mounts_unordered = false);

struct EditResult {
  Layout layout = Layout::kPlain;
  std::vector<std::string> sources;
  Edits edits;
  std::vector<std::string> notes;
  std::vector<std::string> checks;
};

absl::StatusOr<EditResult> EditPlain(const RepoIndex& index, const ProposalWorkload& w,
                                     const Site& site);
absl::StatusOr<EditResult> EditOverlays(const RepoIndex& index, const ProposalWorkload& w,
                                        const Site& site);

// A chart whose render holds the workload.
struct ChartSite {
  const Chart* chart = nullptr;
  std::string release;
  std::string namespace_;
  std::string template_path;  // repo-relative template the workload comes from
  // Repo-relative values files it is rendered with (`-f`, in order); the last is edited.
  // Empty: the chart's values.yaml alone.
  std::vector<std::string> values_files;
};
// Charts that do not render (missing dependencies, a template error) or for which a given
// values file is found neither in the chart nor in the repository are skipped, each with
// its error in `failures`. `values_files`: PlanOptions::values_files.
std::vector<ChartSite> FindChartSites(const RepoIndex& index, const WorkloadRef& ref,
                                      const std::vector<std::string>& paths,
                                      const std::vector<std::string>& values_files,
                                      std::vector<std::string>* failures);
absl::StatusOr<EditResult> EditChart(const RepoIndex& index, const ProposalWorkload& w,
                                     const ChartSite& site);

}  // namespace minpriv::gitops

#endif  // MINPRIV_GITOPS_SOURCES_EDITS_H_
