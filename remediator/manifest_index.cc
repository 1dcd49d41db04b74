#include "remediator/manifest_index.h"

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "remediator/workload.h"
#include "remediator/yaml_io.h"

namespace minpriv::remediator {
namespace {

// Describes one object: a document (`list_item` false) or an item of a List document.
absl::StatusOr<ManifestObject> Describe(const YAML::Node& node, const std::string& source, bool list_item) {
  std::string where = Where(source, node);
  if (!node.IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": ", list_item ? "List item" : "document",
        " is not a Kubernetes object (expected a mapping with apiVersion, kind and metadata)"));
  }
  ManifestObject info;
  info.source = source;
  info.where = where;
  info.kind = ObjectKind(node);
  info.api_version = ScalarAt(node, "apiVersion");
  info.name = ObjectName(node);
  info.namespace_ = ObjectNamespace(node);
  if (info.kind.empty() || info.api_version.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": object without ", info.kind.empty() ? "kind" : "apiVersion",
        "; every document must be a Kubernetes object with apiVersion and kind"));
  }
  if (IsBuiltinApiVersion(info.api_version) && !IsKnownBuiltinKind(info.kind)) {
    YAML::Node kind_node = Child(node, "kind");
    return absl::InvalidArgumentError(absl::StrCat(
        Where(source, kind_node), ": unknown kind '", info.kind, "' for apiVersion ", info.api_version,
        "; fix the kind (workload kinds minpriv narrows: ", absl::StrJoin(WorkloadKinds(), ", "), ")"));
  }
  bool is_list = IsListObject(node);
  if (list_item && is_list) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": a List inside a List; flatten it"));
  }
  if (info.name.empty() && !is_list) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", info.kind,
                                                   " without metadata.name; add a name"));
  }
  return info;
}

}  // namespace

absl::StatusOr<std::vector<ManifestObject>> IndexManifests(const std::vector<ManifestInput>& manifests,
                                                           Proposal& proposal) {
  std::vector<ManifestObject> infos;
  for (const auto& m : manifests) {
    auto docs = ParseYamlDocuments(m.text, m.source);
    if (!docs.ok()) return docs.status();
    proposal.manifests.push_back({m.source, m.text, proposal.originals.size(), docs->size()});
    for (const auto& d : *docs) {
      auto info = Describe(d.node, d.source, false);
      if (!info.ok()) return info.status();
      proposal.originals.push_back(d.node);
      // A deep copy: a YAML alias must not make two containers share one securityContext.
      proposal.documents.push_back(DeepCopy(d.node));
      if (!IsListObject(d.node)) {
        proposal.original_objects.push_back(proposal.originals.back());
        proposal.narrowed_objects.push_back(proposal.documents.back());
        infos.push_back(*std::move(info));
        continue;
      }
      YAML::Node items = Child(d.node, "items");
      if (!items.IsDefined() || items.IsNull()) continue;
      if (!items.IsSequence()) {
        return absl::InvalidArgumentError(absl::StrCat(Where(d.source, items),
                                                       ": List items must be a sequence of objects"));
      }
      YAML::Node original_items = Child(proposal.originals.back(), "items");
      YAML::Node narrowed_items = Child(proposal.documents.back(), "items");
      for (size_t k = 0; k < original_items.size(); ++k) {
        YAML::Node original_item = original_items[k];
        auto item = Describe(original_item, d.source, true);
        if (!item.ok()) return item.status();
        proposal.original_objects.push_back(original_item);
        proposal.narrowed_objects.push_back(narrowed_items[k]);
        infos.push_back(*std::move(item));
      }
    }
  }
  return infos;
}

absl::StatusOr<ProfileMatches> MatchProfiles(const std::vector<ProfileInput>& profiles,
                                             const std::vector<ManifestObject>& infos,
                                             const std::vector<YAML::Node>& original_objects) {
  ProfileMatches out;
  for (const auto& pin : profiles) {
    const crd::WorkloadProfile& prof = pin.profile;
    std::vector<size_t> matches, other_kind;
    for (size_t i = 0; i < infos.size(); ++i) {
      if (infos[i].name != prof.name) continue;
      if (!prof.namespace_.empty() && !infos[i].namespace_.empty() && infos[i].namespace_ != prof.namespace_) continue;
      if (IsWorkloadKind(infos[i].kind)) {
        matches.push_back(i);
      } else if (Child(Child(original_objects[i], "spec"), "template").IsDefined() ||
                 Child(Child(original_objects[i], "spec"), "containers").IsDefined()) {
        other_kind.push_back(i);
      }
    }
    std::string who = absl::StrCat(prof.namespace_.empty() ? "" : absl::StrCat(prof.namespace_, "/"), prof.name);
    if (matches.empty()) {
      if (!other_kind.empty()) {
        const auto& info = infos[other_kind.front()];
        return absl::InvalidArgumentError(absl::StrCat(
            info.where, ": profile ", pin.source, " targets '", who, "', a ", info.kind,
            ", which is not a kind minpriv can narrow (supported: ", absl::StrJoin(WorkloadKinds(), ", "), ")"));
      }
      return absl::InvalidArgumentError(absl::StrCat(
          pin.source, ": profile for '", who, "' matches no workload in the manifests; check the profile's "
          "metadata.name/namespace or pass the manifest that defines it with --manifest"));
    }
    if (matches.size() > 1) {
      std::vector<std::string> where;
      for (size_t i : matches) where.push_back(absl::StrCat(infos[i].kind, " at ", infos[i].where));
      return absl::InvalidArgumentError(absl::StrCat(
          pin.source, ": profile for '", who, "' matches several workloads (", absl::StrJoin(where, ", "),
          "); set metadata.namespace in the profile or split the manifests"));
    }
    size_t idx = matches.front();
    if (out.profiles[idx].empty()) out.objects.push_back(idx);
    out.profiles[idx].push_back(&pin);
  }
  return out;
}

absl::Status CheckPodSpecTypes(const YAML::Node& pod_spec, const std::string& source) {
  auto wrong = [&source](const YAML::Node& node, const std::string& field, const char* want) {
    return absl::InvalidArgumentError(absl::StrCat(
        Where(source, node), ": ", field, " must be ", want, " (found ",
        node.IsScalar() ? absl::StrCat("'", node.Scalar(), "'")
        : node.IsSequence() ? std::string("a list")
        : node.IsMap()      ? std::string("a mapping")
                            : std::string("nothing"),
        "); fix the manifest"));
  };
  auto check_security_context = [&](const YAML::Node& parent, const std::string& field) {
    YAML::Node sc = Child(parent, "securityContext");
    if (sc.IsDefined() && !sc.IsNull() && !sc.IsMap()) {
      return wrong(sc, field, "a mapping");
    }
    return absl::OkStatus();
  };
  if (auto st = check_security_context(pod_spec, "spec.securityContext"); !st.ok()) return st;
  YAML::Node vols = Child(pod_spec, "volumes");
  if (vols.IsDefined() && !vols.IsNull()) {
    if (!vols.IsSequence()) return wrong(vols, "spec.volumes", "a list of volumes");
    for (const auto& v : vols) {
      if (!v.IsMap()) return wrong(v, "each entry of spec.volumes", "a mapping with a name");
    }
  }
  for (const char* list : {"containers", "initContainers"}) {
    YAML::Node seq = Child(pod_spec, list);
    std::string field = absl::StrCat("spec.", list);
    if (!seq.IsDefined() || seq.IsNull()) {
      if (std::strcmp(list, "containers") == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            Where(source, pod_spec), ": pod spec without containers; add spec.containers"));
      }
      continue;
    }
    if (!seq.IsSequence()) return wrong(seq, field, "a list of containers");
    for (const auto& c : seq) {
      if (!c.IsMap()) return wrong(c, absl::StrCat("each entry of ", field), "a mapping with a name");
      YAML::Node name = Child(c, "name");
      if (!name.IsDefined() || !name.IsScalar() || name.Scalar().empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            Where(source, c), ": a container of ", field, " has no name; add name:"));
      }
      std::string where = absl::StrCat(field, "[", name.Scalar(), "]");
      if (auto st = check_security_context(c, where + ".securityContext"); !st.ok()) return st;
      YAML::Node mounts = Child(c, "volumeMounts");
      if (mounts.IsDefined() && !mounts.IsNull()) {
        if (!mounts.IsSequence()) return wrong(mounts, where + ".volumeMounts", "a list of mounts");
        for (const auto& m : mounts) {
          if (!m.IsMap()) {
            return wrong(m, absl::StrCat("each entry of ", where, ".volumeMounts"),
                         "a mapping with name and mountPath");
          }
        }
      }
    }
  }
  return absl::OkStatus();
}


}  // namespace minpriv::remediator
