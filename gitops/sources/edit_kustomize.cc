// kustomize: a workload from a base that overlays build is not edited in the base; each
// overlay that builds it (in the workload's namespace) gets minpriv/<workload>.patch.yaml, a
// strategic-merge patch of exactly the narrowed fields, referenced from its kustomization's
// `patches:`, and `kubectl kustomize OVERLAY` before and after proves the result.
#include <filesystem>
#include <set>

#include "absl/strings/str_cat.h"
#include "crd/yaml_input.h"
#include "gitops/sources/edits.h"
#include "gitops/sources/json_patch.h"
#include "gitops/sources/tools.h"
#include "remediator/yaml_io.h"

namespace minpriv::gitops {
namespace {

// The merge key of the pod spec's lists kustomize merges item by item.
std::string MergeKey(const std::string& list) {
  if (list == "containers" || list == "initContainers" || list == "volumes" ||
      list == "env" || list == "ephemeralContainers") {
    return "name";
  }
  if (list == "volumeMounts") return "mountPath";
  if (list == "ports") return "containerPort";
  return "";
}

bool AllHaveKey(const YAML::Node& seq, const std::string& key) {
  for (const YAML::Node& item : seq) {
    if (!item.IsMap() || !Child(item, key).IsScalar()) return false;
  }
  return true;
}

// The strategic-merge patch turning `a` into `b`, or an undefined node when they are equal.
YAML::Node Diff(const YAML::Node& a, const YAML::Node& b, const std::string& name) {
  if (remediator::NodesEqual(a, b)) return YAML::Node(YAML::NodeType::Undefined);
  if (a.IsMap() && b.IsMap()) {
    YAML::Node out = remediator::NewMap();
    for (const auto& kv : b) {
      const std::string key = kv.first.Scalar();
      YAML::Node d = Child(a, key).IsDefined() ? Diff(a[key], kv.second, key)
                                        : remediator::DeepCopy(kv.second);
      if (d.IsDefined()) out[key] = d;
    }
    for (const auto& kv : a) {
      if (!Child(b, kv.first.Scalar()).IsDefined()) out[kv.first.Scalar()] = remediator::Plain("null");
    }
    return out;
  }
  const std::string key = MergeKey(name);
  if (a.IsSequence() && b.IsSequence() && !key.empty() && AllHaveKey(a, key) &&
      AllHaveKey(b, key)) {
    YAML::Node out = remediator::NewSeq();
    std::set<std::string> kept;
    for (const YAML::Node& item : b) {
      const std::string id = item[key].Scalar();
      kept.insert(id);
      YAML::Node old;
      for (const YAML::Node& o : a) {
        if (o[key].Scalar() == id) old.reset(o);
      }
      if (!old.IsDefined() || old.IsNull()) {
        out.push_back(remediator::DeepCopy(item));
        continue;
      }
      YAML::Node d = Diff(old, item, "");
      if (!d.IsDefined()) continue;
      YAML::Node entry = remediator::NewMap();
      entry[key] = remediator::DeepCopy(item[key]);
      for (const auto& kv : d) {
        if (kv.first.Scalar() != key) entry[kv.first.Scalar()] = kv.second;
      }
      out.push_back(entry);
    }
    for (const YAML::Node& o : a) {
      if (kept.count(o[key].Scalar())) continue;
      YAML::Node entry = remediator::NewMap();
      entry["$patch"] = remediator::Str("delete");
      entry[key] = remediator::DeepCopy(o[key]);
      out.push_back(entry);
    }
    return out;
  }
  return remediator::DeepCopy(b);
}

absl::StatusOr<std::vector<YAML::Node>> Kustomize(const std::string& tree, const std::string& dir) {
  absl::StatusOr<std::string> out = RunTool({KubectlBinary(), "kustomize", tree + "/" + dir});
  if (!out.ok()) return out.status();
  absl::StatusOr<std::vector<YAML::Node>> docs =
      crd::LoadYamlDocuments(*out, "kubectl kustomize " + dir, "rendered manifest");
  if (!docs.ok()) return docs.status();
  return RenderedObjects(*docs);
}

}  // namespace

absl::StatusOr<EditResult> EditOverlays(const RepoIndex& index, const ProposalWorkload& w,
                                        const Site& site) {
  const ManifestFile& base_file = index.files[site.file];
  EditResult result;
  result.layout = Layout::kKustomizeOverlay;
  result.sources.push_back(base_file.path);
  const auto ops = OpsFor(w, index.uses_spo);

  // The patch: the base object against the base object with the ops applied.
  YAML::Node narrowed = remediator::DeepCopy(site.object);
  if (absl::Status s = ApplyOps(narrowed, ops); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(base_file.path, ": the proposal's patch does not apply to ",
                                                   Describe(w.ref), ": ", s.message()));
  }
  YAML::Node spec = Diff(site.object["spec"], narrowed["spec"], "spec");
  YAML::Node patch = remediator::NewMap();
  patch["apiVersion"] = remediator::Str(ScalarAt(site.object, "apiVersion"));
  patch["kind"] = remediator::Str(w.ref.kind);
  patch["metadata"] = remediator::NewMap();
  // The base's own name: kustomize matches a patch against the name a resource had before
  // namePrefix/nameSuffix too, so this targets it whatever the layers in between add.
  const std::string base_name = ScalarAt(Child(site.object, "metadata"), "name");
  patch["metadata"]["name"] = remediator::Str(base_name);
  if (!ObjectNamespace(site.object).empty()) {
    patch["metadata"]["namespace"] = remediator::Str(ObjectNamespace(site.object));
  }
  patch["spec"] = spec.IsDefined() ? spec : remediator::NewMap();
  const std::string patch_text = absl::StrCat(
      "# minpriv: the narrowed securityContext, volumes and mounts of ", Describe(w.ref), " (its base, ", base_file.path, ", is shared and stays as it is)\n",
      remediator::EmitYaml(patch));

  std::set<std::string> roots;
  for (const Build& b : site.builds) {
    if (b.depth > 0 && (b.namespace_.empty() || b.namespace_ == w.ref.namespace_) &&
        b.Rendered(base_name) == w.ref.name) {
      roots.insert(b.root);
    }
  }
  for (const std::string& root : roots) {
    const Kustomization& k = index.kustomizations.at(root);
    const std::string dir = root.empty() ? "minpriv" : root + "/minpriv";
    const std::string patch_rel = "minpriv/" + w.ref.name + ".patch.yaml";
    result.edits[dir + "/" + w.ref.name + ".patch.yaml"] = patch_text;
    std::vector<std::string> listed =
        AddCompanions(index, w, dir, w.ref.name, &result.edits, &result.notes);
    std::vector<YAML::Node> resources;
    for (const std::string& name : listed) resources.push_back(remediator::Str("minpriv/" + name));
    YAML::Node entry = remediator::NewMap();
    entry["path"] = remediator::Str(patch_rel);
    absl::StatusOr<std::string> text = AppendToKustomization(k, "patches", {entry});
    if (!text.ok()) return text.status();
    if (!resources.empty()) {
      Kustomization edited = k;
      edited.text = *text;
      auto docs = crd::LoadYamlDocuments(edited.text, k.path, "kustomization");
      if (!docs.ok()) return docs.status();
      edited.doc = (*docs)[0];
      text = AppendToKustomization(edited, "resources", resources);
      if (!text.ok()) return text.status();
    }
    result.edits[k.path] = *text;
  }
  if (base_name != w.ref.name) {
    result.notes.push_back(absl::StrCat(
        "The base names the workload `", base_name, "`; the overlay's namePrefix/nameSuffix make it `",
        w.ref.name, "`. The patch names `", base_name, "`, which kustomize matches through them."));
  }
  result.notes.push_back(absl::StrCat("The base `", base_file.path, "` is shared by ",
                                      roots.size(), " overlay(s) and is not edited: each overlay "
                                      "building the workload gets `minpriv/", w.ref.name,
                                      ".patch.yaml`."));

  // The proof, with the real kustomize, in scratch copies of the repository.
  absl::StatusOr<ScratchDir> scratch = ScratchDir::Create();
  if (!scratch.ok()) return scratch.status();
  const std::string before_tree = scratch->path() + "/before";
  const std::string after_tree = scratch->path() + "/after";
  if (absl::Status s = CopyTree(index.root, before_tree); !s.ok()) return s;
  if (absl::Status s = CopyTree(index.root, after_tree, result.edits); !s.ok()) return s;
  for (const std::string& root : roots) {
    const std::string overlay = root.empty() ? "." : root;
    absl::StatusOr<std::vector<YAML::Node>> before = Kustomize(before_tree, overlay);
    if (!before.ok()) return before.status();
    absl::StatusOr<std::vector<YAML::Node>> after = Kustomize(after_tree, overlay);
    if (!after.ok()) return after.status();
    YAML::Node expected = FindObject(*before, w.ref);
    if (expected.IsNull()) {
      return absl::FailedPreconditionError(
          absl::StrCat("`kubectl kustomize ", overlay, "` does not render ", Describe(w.ref)));
    }
    expected = remediator::DeepCopy(expected);
    if (absl::Status s = ApplyOps(expected, ops); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("`kubectl kustomize ", overlay, "`: the proposal's patch does not apply to the rendered ",
                                                     Describe(w.ref), ": ", s.message()));
    }
    absl::StatusOr<std::string> check =
        CompareRenders("kubectl kustomize " + overlay, *before, *after, w.ref, expected,
                       /*mounts_unordered=*/true);
    if (!check.ok()) return check.status();
    result.checks.push_back(*check);
  }
  return result;
}

}  // namespace minpriv::gitops
