// Plain manifests: the workload's own document (or `kind: List` item) edited in place; the
// NetworkPolicy and seccomp profiles beside it, listed in the directory's kustomization.
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "gitops/sources/edits.h"
#include "gitops/sources/json_patch.h"
#include "remediator/yaml_io.h"

namespace minpriv::gitops {

absl::StatusOr<EditResult> EditPlain(const RepoIndex& index, const ProposalWorkload& w,
                                     const Site& site) {
  const ManifestFile& file = index.files[site.file];
  EditResult result;
  result.layout = Layout::kPlain;
  result.sources.push_back(file.path);
  std::vector<YAML::Node> targets;
  for (const YAML::Node& d : file.docs) targets.push_back(remediator::DeepCopy(d));
  YAML::Node object = targets[site.doc];
  if (site.item >= 0) object.reset(NodeAt(object, {"items", std::to_string(site.item)}));
  if (absl::Status s = ApplyOps(object, OpsFor(w, index.uses_spo)); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        file.path, ": the proposal's patch does not apply to ", Describe(w.ref), ": ", s.message()));
  }
  absl::StatusOr<std::string> text = RewriteText(file.text, file.docs, targets, file.path);
  if (!text.ok()) return text.status();
  result.edits[file.path] = *text;

  const std::string dir = std::filesystem::path(file.path).parent_path().string();
  std::vector<std::string> listed = AddCompanions(index, w, dir, w.ref.name + "-minpriv",
                                                  &result.edits, &result.notes);
  if (const Kustomization* k = OwningKustomization(index, file.path); k && !listed.empty()) {
    std::vector<YAML::Node> entries;
    for (const std::string& name : listed) entries.push_back(remediator::Str(name));
    absl::StatusOr<std::string> kust = AppendToKustomization(*k, "resources", entries);
    if (!kust.ok()) return kust.status();
    result.edits[k->path] = *kust;
  }
  return result;
}

}  // namespace minpriv::gitops
