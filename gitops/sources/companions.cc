// What every layout shares: the files beside the workload (NetworkPolicy, seccomp
// profiles), kustomization list edits, and comparing two renders of the real tools.
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gitops/sources/edits.h"
#include "gitops/sources/json_patch.h"
#include "remediator/yaml_io.h"
#include "remediator/yaml_text.h"
#include "util/files.h"

namespace minpriv::gitops {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

void PointAtOperator(json* value, const std::string& ns) {
  if (value->is_object()) {
    auto it = value->find("localhostProfile");
    if (it != value->end() && it->is_string()) {
      std::string ref = it->get<std::string>();
      if (absl::StartsWith(ref, "minpriv/")) {
        *it = absl::StrCat("operator/", ns.empty() ? "default" : ns, "/", ref.substr(8));
      }
    }
    for (auto& [key, item] : value->items()) PointAtOperator(&item, ns);
  } else if (value->is_array()) {
    for (json& item : *value) PointAtOperator(&item, ns);
  }
}

std::string Join(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : dir + "/" + name;
}

std::string Key(const YAML::Node& o) {
  return absl::StrCat(ScalarAt(o, "kind"), "/", ScalarAt(Child(o, "metadata"), "name"));
}

// Sorts `volumes` by name and `volumeMounts` by mountPath, everywhere below `node`.
void SortMounts(YAML::Node node, const std::string& name) {
  if (node.IsMap()) {
    for (auto kv : node) SortMounts(kv.second, kv.first.Scalar());
    return;
  }
  if (!node.IsSequence()) return;
  const std::string key = name == "volumes" ? "name" : name == "volumeMounts" ? "mountPath" : "";
  // yaml-cpp handles assign through to the nodes they name: sort indices, never handles.
  std::vector<YAML::Node> items(node.begin(), node.end());
  for (YAML::Node item : items) SortMounts(item, "");
  if (key.empty()) return;
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return ScalarAt(items[a], key.c_str()) < ScalarAt(items[b], key.c_str());
  });
  YAML::Node sorted = remediator::NewSeq();
  for (size_t i : order) sorted.push_back(items[i]);
  node = sorted;
}

}  // namespace

json OpsFor(const ProposalWorkload& w, bool uses_spo) {
  json ops = w.ops;
  if (uses_spo) PointAtOperator(&ops, w.ref.namespace_);
  return ops;
}

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

std::vector<std::string> AddCompanions(const RepoIndex& index, const ProposalWorkload& w,
                                       const std::string& dir, const std::string& stem,
                                       Edits* edits, std::vector<std::string>* notes) {
  std::vector<std::string> listed;
  const std::string what = Describe(w.ref);
  if (w.network_policy.IsDefined() && !w.network_policy.IsNull()) {
    const std::string name = stem + ".networkpolicy.yaml";
    (*edits)[Join(dir, name)] =
        absl::StrCat("# NetworkPolicy proposed by minpriv for ", what, "\n",
                     remediator::EmitYaml(w.network_policy));
    listed.push_back(name);
  }
  if (index.uses_spo && !w.seccomp_profiles.empty()) {
    const std::string name = stem + ".seccompprofiles.yaml";
    (*edits)[Join(dir, name)] =
        absl::StrCat("# Security Profiles Operator SeccompProfiles proposed by minpriv for ",
                     what, "\n", remediator::EmitYamlDocuments(w.seccomp_profiles));
    listed.push_back(name);
    notes->push_back(absl::StrCat(
        "Seccomp profiles as Security Profiles Operator `SeccompProfile` objects in `",
        Join(dir, name), "` (the repository already uses the operator); the workload refers "
        "to them as `operator/", w.ref.namespace_.empty() ? "default" : w.ref.namespace_,
        "/<name>.json`."));
  } else if (!w.seccomp_files.empty()) {
    std::vector<std::string> files;
    for (const auto& [file, text] : w.seccomp_files) {
      (*edits)["seccomp/" + file] = text;
      files.push_back("`seccomp/" + file + "`");
    }
    notes->push_back(absl::StrCat(
        "Seccomp profiles as OCI JSON files: ", absl::StrJoin(files, ", "),
        ". Every node that may run the workload needs them under the kubelet's seccomp "
        "directory as `minpriv/<file>` (by default `/var/lib/kubelet/seccomp/minpriv/`) "
        "before the workload is rolled out, or its pods fail to start."));
  }
  return listed;
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

std::vector<YAML::Node> RenderedObjects(const std::vector<YAML::Node>& docs) {
  std::vector<YAML::Node> out;
  for (const YAML::Node& d : docs) {
    if (!d.IsMap()) continue;
    if (ScalarAt(d, "kind") == "List" && Child(d, "items").IsSequence()) {
      for (const YAML::Node& item : d["items"]) out.push_back(item);
    } else {
      out.push_back(d);
    }
  }
  return out;
}

YAML::Node FindObject(const std::vector<YAML::Node>& objects, const WorkloadRef& ref) {
  for (const YAML::Node& o : objects) {
    if (ScalarAt(o, "kind") == ref.kind && ScalarAt(Child(o, "metadata"), "name") == ref.name) return o;
  }
  return YAML::Node(YAML::NodeType::Null);
}

absl::StatusOr<std::string> CompareRenders(const std::string& tool,
                                           const std::vector<YAML::Node>& before,
                                           const std::vector<YAML::Node>& after,
                                           const WorkloadRef& ref, const YAML::Node& expected_in,
                                           bool mounts_unordered) {
  YAML::Node rendered = FindObject(after, ref);
  YAML::Node expected = expected_in;
  if (mounts_unordered && !rendered.IsNull()) {
    rendered.reset(remediator::DeepCopy(rendered));
    SortMounts(rendered, "");
    expected.reset(remediator::DeepCopy(expected_in));
    SortMounts(expected, "");
  }
  if (rendered.IsNull()) {
    return absl::FailedPreconditionError(
        absl::StrCat("`", tool, "` no longer renders ", ref.kind, " ", ref.name));
  }
  if (!remediator::NodesEqual(rendered, expected)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "`", tool, "` renders ", ref.kind, " ", ref.name,
        " differently from the narrowed workload after the edit:\n", remediator::EmitYaml(rendered)));
  }
  std::map<std::string, YAML::Node> old_objects;
  for (const YAML::Node& o : before) old_objects[Key(o)] = o;
  std::vector<std::string> added;
  size_t unchanged = 0;
  const std::string workload_key = absl::StrCat(ref.kind, "/", ref.name);
  for (const YAML::Node& o : after) {
    const std::string key = Key(o);
    if (key == workload_key) continue;
    auto it = old_objects.find(key);
    if (it == old_objects.end()) {
      added.push_back("`" + key + "`");
      continue;
    }
    if (!remediator::NodesEqual(it->second, o)) {
      return absl::FailedPreconditionError(
          absl::StrCat("`", tool, "`: the edit also changes ", key));
    }
    old_objects.erase(it);
    ++unchanged;
  }
  old_objects.erase(workload_key);
  if (!old_objects.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("`", tool, "`: the edit removes ", old_objects.begin()->first));
  }
  for (const std::string& a : added) {
    if (!absl::StartsWith(a, "`NetworkPolicy/") && !absl::StartsWith(a, "`SeccompProfile/")) {
      return absl::FailedPreconditionError(absl::StrCat("`", tool, "`: the edit adds ", a));
    }
  }
  return absl::StrCat("`", tool, "` before and after: ", ref.kind, " ", ref.name,
                      " renders exactly the narrowed workload",
                      mounts_unordered ? " (new volumes and mounts listed first)" : "", "; ",
                      unchanged,
                      " other object(s) unchanged",
                      added.empty() ? "" : absl::StrCat("; added ", absl::StrJoin(added, ", ")),
                      ".");
}

}  // namespace minpriv::gitops
