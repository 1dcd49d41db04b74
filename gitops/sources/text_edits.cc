// Text-preserving edits of repository files (the remediator's yaml_text editor), kustomization
// list entries, and the edits turned into FileChanges against the checkout.
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "gitops/sources/edits.h"
#include "remediator/yaml_io.h"
#include "remediator/yaml_text.h"
#include "util/files.h"

namespace minpriv::gitops {

namespace fs = std::filesystem;

absl::StatusOr<std::string> RewriteText(const std::string& text,
                                        const std::vector<YAML::Node>& originals,
                                        const std::vector<YAML::Node>& targets,
                                        const std::string& path) {
  absl::StatusOr<std::string> out = remediator::RewriteYamlText(text, originals, targets);
  if (!out.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": cannot be edited in place (", out.status().message(), ")"));
  }
  return out;
}

absl::StatusOr<std::string> AppendToKustomization(const Kustomization& k, const char* key,
                                                  const std::vector<YAML::Node>& entries) {
  YAML::Node target = remediator::DeepCopy(k.doc);
  YAML::Node list;
  if (const YAML::Node& t = target; Child(t, key).IsSequence()) {
    list.reset(t[key]);
  } else {
    list.reset(remediator::NewSeq());
    target[key] = list;
  }
  bool changed = false;
  for (const YAML::Node& entry : entries) {
    bool present = false;
    for (const YAML::Node& item : list) {
      if (remediator::NodesEqual(item, entry)) present = true;
    }
    if (!present) {
      list.push_back(entry);
      changed = true;
    }
  }
  if (!changed) return k.text;
  return RewriteText(k.text, {k.doc}, {target}, k.path);
}

absl::StatusOr<std::vector<FileChange>> ToChanges(const std::string& repo_dir,
                                                  const Edits& edits) {
  std::vector<FileChange> out;
  for (const auto& [path, content] : edits) {
    FileChange change{path, std::nullopt, content};
    std::error_code ec;
    if (fs::exists(fs::path(repo_dir) / path, ec)) {
      absl::StatusOr<std::string> old = util::ReadFile(repo_dir + "/" + path);
      if (!old.ok()) return old.status();
      if (*old == content) continue;
      change.old_content = *std::move(old);
    }
    out.push_back(std::move(change));
  }
  return out;
}

}  // namespace minpriv::gitops
