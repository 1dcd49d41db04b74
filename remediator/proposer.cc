#include "remediator/proposer.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <functional>
#include <set>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crd/profile_codec.h"
#include "remediator/dns_label.h"
#include "remediator/markdown.h"
#include "remediator/narrow_capabilities.h"
#include "remediator/narrow_filesystem.h"
#include "remediator/narrow_seccomp.h"
#include "remediator/narrow_users.h"
#include "remediator/narrowing.h"
#include "remediator/render_narrowed.h"
#include "remediator/render_patches.h"
#include "remediator/render_report.h"
#include "remediator/render_seccomp.h"
#include "remediator/render_summary.h"
#include "remediator/workload.h"
#include "remediator/yaml_io.h"
#include "remediator/yaml_text.h"
#include "util/files.h"

namespace minpriv::remediator {
namespace {

// One container: each kind of narrowing in turn (their order is the report's).
void NarrowContainer(YAML::Node container, const crd::ContainerProfile& prof, WorkloadContext& ctx,
                     ContainerProposal& out) {
  YAML::Node pod_sc = Child(ctx.pod_spec, "securityContext");
  YAML::Node sc = EnsureMap(container, "securityContext");
  NarrowCapabilities(sc, prof, out);
  NarrowPrivilegeEscalation(sc, prof, out);
  NarrowFileSystem(container, sc, prof, ctx, out);
  NarrowUsers(sc, pod_sc, prof, out);
  NarrowSeccomp(sc, pod_sc, prof, ctx, out);
}

}  // namespace

namespace {

// The pod spec fields minpriv reads and writes must have their Kubernetes types; a wrong
// type (`containers: foo`) is reported where it is, not taken for an empty list.
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

}  // namespace

// The facts of one container, as a reviewer reads them.
std::set<std::string> ContainerFacts(const crd::ContainerProfile& c) {
  std::set<std::string> f;
  for (const auto& s : c.syscalls) f.insert(absl::StrCat("syscall ", s));
  for (const auto& cap : c.capabilities) f.insert(absl::StrCat("capability ", cap));
  for (const auto& w : c.file_writes) f.insert(absl::StrCat("write ", w.path));
  for (const auto& e : c.execs) f.insert(absl::StrCat("exec ", e.path));
  for (const auto& u : c.users) f.insert(absl::StrCat("user ", u.uid, ":", u.gid));
  for (const auto& l : c.network.listen) f.insert(absl::StrCat("listen ", l.port, "/", l.protocol));
  for (const auto& p : c.network.ingress) {
    f.insert(absl::StrCat("ingress from ", p.ip, " to port ", p.port, "/", p.protocol));
  }
  for (const auto& p : c.network.egress) {
    f.insert(absl::StrCat("egress to ", EndpointText(p.ip, p.port, p.protocol)));
  }
  for (const auto& d : c.network.dns) f.insert(absl::StrCat("DNS name ", d));
  return f;
}

// What only some of several profiles of one workload saw, per container (sorted, at most
// kShown lines per container and a count of the rest).
std::vector<std::string> ReplicaDivergence(const std::vector<const ProfileInput*>& group) {
  constexpr size_t kShown = 25;
  std::set<std::string> names;
  for (const ProfileInput* in : group) {
    for (const auto& c : in->profile.containers) names.insert(c.name);
  }
  std::vector<std::string> out;
  for (const std::string& name : names) {
    std::vector<size_t> present;
    std::map<std::string, std::vector<size_t>> seen;  // fact → the profiles that saw it
    for (size_t i = 0; i < group.size(); ++i) {
      for (const auto& c : group[i]->profile.containers) {
        if (c.name != name) continue;
        present.push_back(i);
        for (const std::string& fact : ContainerFacts(c)) seen[fact].push_back(i);
      }
    }
    auto sources = [&](const std::vector<size_t>& idx) {
      std::vector<std::string> s;
      for (size_t i : idx) s.push_back(group[i]->source);
      return absl::StrJoin(s, ", ");
    };
    if (present.size() < group.size()) {
      out.push_back(absl::StrCat("container ", Code(name), " is in ", present.size(), " of ",
                                 group.size(), " profiles only (", sources(present), ")"));
    }
    size_t shown = 0, more = 0;
    for (const auto& [fact, who] : seen) {
      if (who.size() == present.size()) continue;
      if (shown == kShown) {
        ++more;
        continue;
      }
      ++shown;
      out.push_back(absl::StrCat("container ", Code(name), ": ", fact, ", seen in ", who.size(),
                                 " of ", present.size(), " profiles (", sources(who), ")"));
    }
    if (more > 0) {
      out.push_back(absl::StrCat("container ", Code(name), ": ", more,
                                 " more behaviours seen in some profiles only (compare the profiles)"));
    }
  }
  return out;
}

absl::StatusOr<Proposal> Propose(const std::vector<ProfileInput>& profiles,
                                 const std::vector<ManifestInput>& manifests,
                                 const Inventory& inventory) {
  Proposal proposal;
  struct DocInfo {
    std::string source;
    std::string where;
    std::string kind, api_version, name, namespace_;
  };
  std::vector<DocInfo> infos;
  for (const auto& m : manifests) {
    auto docs = ParseYamlDocuments(m.text, m.source);
    if (!docs.ok()) return docs.status();
    proposal.manifests.push_back({m.source, m.text, proposal.originals.size(), docs->size()});
    for (const auto& d : *docs) {
      // One object: a document, or an item of a `kind: List` document.
      auto describe = [&](const YAML::Node& node, bool list_item) -> absl::StatusOr<DocInfo> {
        std::string where = Where(d.source, node);
        if (!node.IsMap()) {
          return absl::InvalidArgumentError(absl::StrCat(
              where, ": ", list_item ? "List item" : "document",
              " is not a Kubernetes object (expected a mapping with apiVersion, kind and metadata)"));
        }
        DocInfo info;
        info.source = d.source;
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
              Where(d.source, kind_node), ": unknown kind '", info.kind, "' for apiVersion ", info.api_version,
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
      };
      auto info = describe(d.node, false);
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
        auto item = describe(original_item, true);
        if (!item.ok()) return item.status();
        proposal.original_objects.push_back(original_item);
        proposal.narrowed_objects.push_back(narrowed_items[k]);
        infos.push_back(*std::move(item));
      }
    }
  }

  // Each profile's workload; several profiles of one workload (its replicas, or runs on
  // several nodes) are merged: whatever any of them saw is allowed.
  std::vector<size_t> order;                                // documents, first profile first
  std::map<size_t, std::vector<const ProfileInput*>> by_doc;
  for (const auto& pin : profiles) {
    const crd::WorkloadProfile& prof = pin.profile;
    std::vector<size_t> matches, other_kind;
    for (size_t i = 0; i < infos.size(); ++i) {
      if (infos[i].name != prof.name) continue;
      if (!prof.namespace_.empty() && !infos[i].namespace_.empty() && infos[i].namespace_ != prof.namespace_) continue;
      if (IsWorkloadKind(infos[i].kind)) {
        matches.push_back(i);
      } else if (Child(Child(proposal.original_objects[i], "spec"), "template").IsDefined() ||
                 Child(Child(proposal.original_objects[i], "spec"), "containers").IsDefined()) {
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
    if (by_doc[idx].empty()) order.push_back(idx);
    by_doc[idx].push_back(&pin);
  }

  for (size_t idx : order) {
    const std::vector<const ProfileInput*>& group = by_doc[idx];
    ProfileInput merged;
    std::vector<std::string> divergence;
    if (group.size() == 1) {
      merged = *group.front();
    } else {
      std::vector<crd::WorkloadProfile> each;
      std::vector<std::string> sources;
      for (const ProfileInput* in : group) {
        crd::WorkloadProfile one = in->profile;
        // Which input a reason came from stays visible after the merge.
        for (std::string& r : one.status.incomplete_reasons) r = absl::StrCat(in->source, ": ", r);
        for (std::string& w : one.status.warnings) w = absl::StrCat(in->source, ": ", w);
        each.push_back(std::move(one));
        sources.push_back(in->source);
      }
      merged.source = absl::StrJoin(sources, ", ");
      merged.profile = crd::MergeProfiles(each);
      divergence = ReplicaDivergence(group);
    }
    const ProfileInput& pin = merged;
    const crd::WorkloadProfile& prof = pin.profile;
    const DocInfo& info = infos[idx];
    YAML::Node doc = proposal.narrowed_objects[idx];
    YAML::Node tmpl = PodTemplate(doc);
    YAML::Node pod_spec = Child(tmpl, "spec");
    if (!tmpl.IsDefined() || !pod_spec.IsDefined() || !pod_spec.IsMap()) {
      return absl::InvalidArgumentError(absl::StrCat(info.where, ": ", info.kind, " '", info.name,
                                                     "' has no pod template spec; fix the manifest"));
    }
    if (auto s = CheckPodSpecTypes(Child(PodTemplate(proposal.original_objects[idx]), "spec"), info.source);
        !s.ok()) {
      return s;
    }
    WorkloadProposal wp;
    wp.api_version = info.api_version;
    wp.kind = info.kind;
    wp.name = info.name;
    // The manifest's namespace (empty: applied to the namespace of the kubectl context, where
    // the NetworkPolicy, also without one, lands too).
    wp.namespace_ = info.namespace_;
    wp.location = info.where;
    wp.profile_source = pin.source;
    wp.profile_count = group.size();
    wp.divergence = std::move(divergence);
    wp.profile = prof;
    wp.status = prof.status;
    wp.object = idx;

    WorkloadContext ctx;
      ctx.workload_name = info.name;
    ctx.namespace_ = wp.namespace_;
    ctx.pod_spec.reset(pod_spec);
    YAML::Node vols = Child(pod_spec, "volumes");
    if (vols.IsDefined() && vols.IsSequence()) {
      for (const auto& v : vols) {
        std::string vn = ScalarAt(v, "name");
        ctx.volume_names.insert(vn);
        ctx.volumes_by_name.emplace(vn, v);
        YAML::Node hp = Child(v, "hostPath");
        if (hp.IsDefined()) {
          wp.risks.push_back(absl::StrCat("hostPath volume ", Code(vn), " mounts the node's ",
                                          Code(ScalarAt(hp, "path")), ": host files are reachable from the pod"));
        }
      }
    }
    for (const char* ns_field : {"hostNetwork", "hostPID", "hostIPC"}) {
      if (IsTrue(pod_spec, ns_field)) {
        wp.risks.push_back(absl::StrCat("`", ns_field, ": true` shares the node's namespace",
                                        std::string(ns_field) == "hostNetwork"
                                            ? "; NetworkPolicies do not apply to host-network pods"
                                            : ""));
      }
    }

    // Containers of the manifest, by name.
    std::map<std::string, std::pair<YAML::Node, bool>> by_name;
    std::vector<std::string> order;
    for (const char* list : {"initContainers", "containers"}) {
      YAML::Node seq = Child(pod_spec, list);
      if (!seq.IsDefined() || !seq.IsSequence()) continue;
      for (size_t i = 0; i < seq.size(); ++i) {
        YAML::Node c = seq[i];
        std::string cname = ScalarAt(c, "name");
        by_name.emplace(cname, std::make_pair(c, std::strcmp(list, "initContainers") == 0));
        order.push_back(cname);
      }
    }
    std::map<std::string, const crd::ContainerProfile*> prof_by_name;
    for (const auto& cp : prof.containers) {
      if (by_name.count(cp.name) == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            pin.source, ": profile container '", cp.name, "' is not in ", info.kind, " '", info.name, "' (",
            info.where, ") whose containers are: ", absl::StrJoin(order, ", "),
            "; fix the container name in the profile or use the matching manifest"));
      }
      prof_by_name[cp.name] = &cp;
    }
    // Pod labels for the NetworkPolicy; a template without labels gets one.
    std::map<std::string, std::string> labels;
    YAML::Node lab = Child(Child(tmpl, "metadata"), "labels");
    if (lab.IsDefined() && lab.IsMap()) {
      for (const auto& kv : lab) labels[kv.first.Scalar()] = kv.second.Scalar();
    }
    if (labels.empty()) {
      labels["minpriv.dev/workload"] = info.name;
      YAML::Node meta = EnsureMap(tmpl, "metadata");
      YAML::Node l = EnsureMap(meta, "labels");
      l[Str("minpriv.dev/workload")] = Str(info.name);
      wp.risks.push_back(absl::StrCat("the pod template had no labels; added `minpriv.dev/workload: ", info.name,
                                      "` so the NetworkPolicy can select its pods"));
    }
    std::vector<crd::ContainerProfile> profiled;
    for (const auto& cname : order) {
      auto pit = prof_by_name.find(cname);
      if (pit == prof_by_name.end()) {
        wp.risks.push_back(absl::StrCat("container ", Code(cname),
                                        " has no profile: left unchanged, but the pod's NetworkPolicy "
                                        "restricts its traffic too"));
        continue;
      }
      ContainerProposal cp;
      cp.name = cname;
      cp.init = by_name[cname].second;
      cp.profile = *pit->second;
      NarrowContainer(by_name[cname].first, *pit->second, ctx, cp);
      profiled.push_back(*pit->second);
      wp.containers.push_back(std::move(cp));
    }
    wp.network = BuildNetworkPolicy(info.name, wp.namespace_, labels, profiled, inventory);
    if (!wp.network.open_ports.empty()) {
      wp.risks.push_back(absl::StrCat(
          "ingress to ", absl::StrJoin(wp.network.open_ports, ", "),
          " stays open to every source: the workload serves it but no client from outside the "
          "pod was seen while learning; restrict `from` to its real clients (learn in the cluster, "
          "or add them by hand)"));
    }
    std::map<std::string, std::set<std::string>> seccomp;
    for (const auto& cp : wp.containers) {
      seccomp[absl::StrCat("minpriv/", cp.seccomp_name, ".json")] =
          std::set<std::string>(cp.seccomp_allowed.begin(), cp.seccomp_allowed.end());
    }
    for (auto& cp : wp.containers) {
      auto policy = PolicyFromWorkload(doc, cp.name, seccomp, wp.network.policy);
      if (!policy.ok()) return policy.status();
      cp.policy = *std::move(policy);
    }
    proposal.workloads.push_back(std::move(wp));
  }
  std::sort(proposal.workloads.begin(), proposal.workloads.end(),
            [](const WorkloadProposal& a, const WorkloadProposal& b) {
              return std::tie(a.namespace_, a.name, a.kind) < std::tie(b.namespace_, b.name, b.kind);
            });
  return proposal;
}

std::map<std::string, std::string> RenderProposal(const Proposal& p) {
  std::map<std::string, std::string> files;
  std::vector<std::string> reemitted;
  files["narrowed.yaml"] = NarrowedManifests(p, &reemitted);
  AddPatchFiles(p, files);
  std::vector<YAML::Node> policies;
  for (const auto& w : p.workloads) {
    policies.push_back(w.network.policy);
    files[absl::StrCat("profiles/", w.namespace_.empty() ? "" : w.namespace_ + "-", w.name,
                       ".yaml")] = crd::EmitWorkloadProfile(w.profile);
  }
  files["networkpolicy.yaml"] = EmitYamlDocuments(policies);
  AddSeccompFiles(p, files);
  files["report.md"] = RenderReport(p, reemitted);
  files["summary.json"] = RenderSummary(p);
  return files;
}

absl::StatusOr<ContainerPolicy> PolicyFor(const Proposal& proposal, const std::string& workload,
                                          const std::string& container) {
  std::string ns, name = workload;
  if (size_t slash = workload.find('/'); slash != std::string::npos) {
    ns = workload.substr(0, slash);
    name = workload.substr(slash + 1);
  }
  for (const auto& w : proposal.workloads) {
    if (!name.empty() && w.name != name) continue;
    if (!ns.empty() && w.namespace_ != ns) continue;
    for (const auto& c : w.containers) {
      if (container.empty() || c.name == container) return c.policy;
    }
  }
  return absl::NotFoundError(absl::StrCat("no proposed container '", container, "' in workload '", workload, "'"));
}

}  // namespace minpriv::remediator
