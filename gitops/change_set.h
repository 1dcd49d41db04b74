// The contract between the two halves of GitOps delivery (docs/gitops.md):
//   source finding and editing  (gitops/sources/*): a proposal directory + a checkout of
//                                the team's repository → a Plan of file edits per workload;
//   delivery                     (gitops/git_*, gitops/forge_*, gitops/delivery.*): a Plan →
//                                a branch per workload, a commit per proposal revision, a
//                                pull/merge request on GitHub or GitLab, idempotently.
// Neither half includes the other's headers beyond this one.
#ifndef MINPRIV_GITOPS_CHANGE_SET_H_
#define MINPRIV_GITOPS_CHANGE_SET_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace minpriv::gitops {

// A workload as the proposal names it.
struct WorkloadRef {
  std::string api_version;
  std::string kind;
  std::string namespace_;  // empty: the manifest did not say (default namespace)
  std::string name;
  bool operator==(const WorkloadRef&) const = default;
};

// How the workload's source is laid out in the repository, and so how it is edited.
enum class Layout {
  kPlain,            // a YAML file (multi-document, kind: List) edited in place
  kKustomizeOverlay, // a base shared by overlays: a patch file added under the overlay
  kHelmValues,       // a chart's values file edited in place
  kHelmTemplate,     // the chart exposes no value: the smallest template change, marked
};
const char* LayoutName(Layout layout);  // "plain" | "kustomize" | "helm-values" | "helm-template"

// One file's new content. `path` is relative to the repository root, '/'-separated.
struct FileChange {
  std::string path;
  std::optional<std::string> old_content;  // absent: the file is new
  std::string new_content;
};

// What one workload's edit is; everything the pull request's description says about it.
struct WorkloadChange {
  WorkloadRef workload;
  Layout layout = Layout::kPlain;
  std::vector<std::string> sources;  // files the workload was found in (repo-relative)
  std::vector<FileChange> changes;   // sorted by path; empty: already narrowed (no-op)
  std::vector<std::string> notes;    // markdown lines for the PR (e.g. no chart value for X)
  // How the edit was checked with the real tool (`kubectl kustomize OVERLAY`, `helm template`
  // before and after): markdown lines, empty for plain files.
  std::vector<std::string> checks;
};

// A workload found in several places, or nowhere: reported, nothing pushed for it.
struct Unresolved {
  WorkloadRef workload;
  std::string reason;                   // "found in 2 places", "not found"
  std::vector<std::string> candidates;  // repo-relative paths considered
};

struct Plan {
  std::vector<WorkloadChange> workloads;  // sorted by namespace, kind, name
  std::vector<Unresolved> unresolved;
};

struct PlanOptions {
  // --path: files or directories (repo-relative) to search instead of the whole
  // repository. A `minpriv.dev/source` annotation on a workload overrides both.
  std::vector<std::string> paths;
  // --values: Helm values files the team deploys a chart with, in `helm -f` order, each
  // relative to the chart's directory or else to the repository root. The chart is rendered
  // with them and the last one is the file edited (instead of the chart's values.yaml). A
  // `minpriv.dev/source` annotation or --path naming a YAML file inside a chart (not under
  // templates/) names such a file too.
  std::vector<std::string> values_files;
};

// Reads the proposal directory (as `minpriv propose` writes it: jsonpatch.json,
// networkpolicy.yaml, seccomp/, seccompprofiles.yaml, report.md, summary.json) and the
// repository checkout at `repo_dir` (read only: nothing is written there), and plans the
// edits. Errors: the proposal directory unreadable or malformed (InvalidArgument naming the
// file), the repository unreadable.
absl::StatusOr<Plan> PlanChanges(const std::string& proposal_dir, const std::string& repo_dir,
                                 const PlanOptions& options);

}  // namespace minpriv::gitops

#endif  // MINPRIV_GITOPS_CHANGE_SET_H_
