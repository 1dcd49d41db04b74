// PlanChanges: the proposal's workloads, each found in the repository (discovery, the
// `minpriv.dev/source` annotation, --path) and handed to its layout's editor.
#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "gitops/change_set.h"
#include "gitops/sources/edits.h"
#include "gitops/sources/proposal_reader.h"
#include "gitops/sources/repo_index.h"

namespace minpriv::gitops {
namespace {

struct Candidate {
  std::string where;  // repo-relative path (file, or the chart's directory)
  const Site* site = nullptr;
  const ChartSite* chart = nullptr;
};

// Candidates carrying the annotation in the repository narrow the search to its path.
std::vector<Candidate> ByRepoAnnotation(const std::vector<Candidate>& all) {
  for (const Candidate& c : all) {
    if (c.site == nullptr) continue;
    const std::string path = ScalarAt(Child(Child(c.site->object, "metadata"), "annotations"), kSourceAnnotation);
    if (path.empty()) continue;
    std::vector<Candidate> kept;
    for (const Candidate& other : all) {
      if (UnderPath(other.where, path)) kept.push_back(other);
    }
    return kept;
  }
  return all;
}

absl::StatusOr<EditResult> Edit(const RepoIndex& index, const ProposalWorkload& w,
                                const Candidate& c) {
  if (c.chart != nullptr) return EditChart(index, w, *c.chart);
  const Site& site = *c.site;
  bool from_base = std::any_of(site.builds.begin(), site.builds.end(),
                               [](const Build& b) { return b.depth > 0; });
  if (from_base) return EditOverlays(index, w, site);
  return EditPlain(index, w, site);
}

}  // namespace

const char* LayoutName(Layout layout) {
  switch (layout) {
    case Layout::kPlain: return "plain";
    case Layout::kKustomizeOverlay: return "kustomize";
    case Layout::kHelmValues: return "helm-values";
    case Layout::kHelmTemplate: return "helm-template";
  }
  return "plain";
}

absl::StatusOr<Plan> PlanChanges(const std::string& proposal_dir, const std::string& repo_dir,
                                 const PlanOptions& options) {
  absl::StatusOr<std::vector<ProposalWorkload>> workloads = ReadProposal(proposal_dir);
  if (!workloads.ok()) return workloads.status();
  absl::StatusOr<RepoIndex> index = IndexRepository(repo_dir);
  if (!index.ok()) return index.status();
  Plan plan;
  for (const ProposalWorkload& w : *workloads) {
    std::vector<std::string> paths = options.paths;
    if (!w.source_annotation.empty()) paths = {w.source_annotation};
    std::vector<Site> sites = FindSites(*index, w.ref, paths);
    std::vector<std::string> chart_failures;
    const std::vector<ChartSite> charts =
        FindChartSites(*index, w.ref, paths, options.values_files, &chart_failures);
    std::vector<Candidate> candidates;
    for (const Site& s : sites) candidates.push_back({index->files[s.file].path, &s, nullptr});
    for (const ChartSite& c : charts) candidates.push_back({c.chart->dir, nullptr, &c});
    if (w.source_annotation.empty()) candidates = ByRepoAnnotation(candidates);
    if (candidates.size() != 1) {
      Unresolved u{w.ref, candidates.empty() ? "not found"
                                             : absl::StrCat("found in ", candidates.size(), " places"),
                   {}};
      std::set<std::string> where;
      for (const Candidate& c : candidates) where.insert(c.where);
      if (candidates.empty()) {
        // The same kind and name elsewhere (another namespace), else the paths searched.
        for (const Site& s : FindSites(*index, w.ref, paths, /*any_namespace=*/true)) {
          where.insert(index->files[s.file].path);
        }
        if (where.empty()) where.insert(paths.begin(), paths.end());
      }
      u.candidates.assign(where.begin(), where.end());
      if (candidates.empty() && paths.empty()) {
        u.reason = absl::StrCat("not found: no ", w.ref.kind, " named ", w.ref.name,
                                " in namespace ", w.ref.namespace_.empty() ? "(none)" : w.ref.namespace_,
                                " among ", index->files.size(), " manifest file(s) and ",
                                index->charts.size(), " chart(s)");
      }
      for (const std::string& failure : chart_failures) absl::StrAppend(&u.reason, "; ", failure);
      plan.unresolved.push_back(std::move(u));
      continue;
    }
    absl::StatusOr<EditResult> edit = Edit(*index, w, candidates[0]);
    if (!edit.ok()) {
      plan.unresolved.push_back({w.ref, std::string(edit.status().message()), {candidates[0].where}});
      continue;
    }
    absl::StatusOr<std::vector<FileChange>> changes = ToChanges(repo_dir, edit->edits);
    if (!changes.ok()) return changes.status();
    WorkloadChange change;
    change.workload = w.ref;
    change.layout = edit->layout;
    change.sources = std::move(edit->sources);
    change.changes = *std::move(changes);
    for (std::string& note : edit->notes) {  // one per workload, however many overlays
      if (std::find(change.notes.begin(), change.notes.end(), note) == change.notes.end()) {
        change.notes.push_back(std::move(note));
      }
    }
    change.checks = std::move(edit->checks);
    plan.workloads.push_back(std::move(change));
  }
  return plan;
}

}  // namespace minpriv::gitops
