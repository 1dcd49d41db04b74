// Comparing two renders of the real tools (kubectl kustomize, helm template): the workload
// must be exactly the narrowed one, every other object unchanged, only minpriv's own added.
#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gitops/sources/edits.h"
#include "remediator/yaml_io.h"

namespace minpriv::gitops {
namespace {

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
