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
#include "remediator/manifest_index.h"
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
#include "remediator/replica_divergence.h"
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

// One workload: its profiles merged, each profiled container narrowed, its NetworkPolicy.
absl::StatusOr<WorkloadProposal> ProposeWorkload(size_t idx, const ManifestObject& info,
                                                 const std::vector<const ProfileInput*>& group,
                                                 Proposal& proposal, const Inventory& inventory,
                                                 const ProposeOptions& options) {
  MergedProfiles merged = MergeReplicaProfiles(group);
  const ProfileInput& pin = merged.merged;
  const crd::WorkloadProfile& prof = pin.profile;
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
  wp.divergence = std::move(merged.divergence);
  wp.profile = prof;
  wp.status = prof.status;
  wp.object = idx;

  WorkloadContext ctx;
  ctx.workload_name = info.name;
  ctx.namespace_ = wp.namespace_;
  ctx.startup_not_observed =
      std::find(prof.status.incomplete_reasons.begin(), prof.status.incomplete_reasons.end(),
                crd::kReasonStartupNotObserved) != prof.status.incomplete_reasons.end();
  ctx.seccomp_reachable = options.seccomp == SeccompMode::kReachable;
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
  std::vector<std::string> names;
  for (const char* list : {"initContainers", "containers"}) {
    YAML::Node seq = Child(pod_spec, list);
    if (!seq.IsDefined() || !seq.IsSequence()) continue;
    for (size_t i = 0; i < seq.size(); ++i) {
      YAML::Node c = seq[i];
      std::string cname = ScalarAt(c, "name");
      by_name.emplace(cname, std::make_pair(c, std::strcmp(list, "initContainers") == 0));
      names.push_back(cname);
    }
  }
  std::map<std::string, const crd::ContainerProfile*> prof_by_name;
  for (const auto& cp : prof.containers) {
    if (by_name.count(cp.name) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          pin.source, ": profile container '", cp.name, "' is not in ", info.kind, " '", info.name, "' (",
          info.where, ") whose containers are: ", absl::StrJoin(names, ", "),
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
  for (const auto& cname : names) {
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
  wp.network = BuildNetworkPolicy(info.name, wp.namespace_, labels, profiled, inventory,
                                  DeclaredPorts(pod_spec, wp.namespace_, labels, inventory));
  std::vector<std::string> unseen_clients;  // open ports no outside client came to
  for (const auto& port : wp.network.open_ports) {
    if (std::find(wp.network.open_declared_ports.begin(), wp.network.open_declared_ports.end(),
                  port) == wp.network.open_declared_ports.end()) {
      unseen_clients.push_back(port);
    }
  }
  if (!wp.network.open_declared_ports.empty()) {
    wp.risks.push_back(absl::StrCat(
        "ingress to ", absl::StrJoin(wp.network.open_declared_ports, ", "),
        " stays open to every source: the manifest declares it and the clients seen while "
        "learning are not known in the cluster (not in the inventory); restrict `from` to its "
        "real clients (propose with the cluster's inventory, learn in the cluster, or add them "
        "by hand)"));
  }
  if (!unseen_clients.empty()) {
    wp.risks.push_back(absl::StrCat(
        "ingress to ", absl::StrJoin(unseen_clients, ", "),
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
  return wp;
}

}  // namespace

absl::StatusOr<Proposal> Propose(const std::vector<ProfileInput>& profiles,
                                 const std::vector<ManifestInput>& manifests,
                                 const Inventory& inventory, const ProposeOptions& options) {
  Proposal proposal;
  auto objects = IndexManifests(manifests, proposal);
  if (!objects.ok()) return objects.status();
  // Several profiles of one workload (its replicas, or runs on several nodes) are merged:
  // whatever any of them saw is allowed.
  auto matches = MatchProfiles(profiles, *objects, proposal.original_objects);
  if (!matches.ok()) return matches.status();
  std::vector<WorkloadProposal> built;  // in the order of the first profile of each
  for (size_t idx : matches->objects) {
    auto wp = ProposeWorkload(idx, (*objects)[idx], matches->profiles[idx], proposal, inventory,
                              options);
    if (!wp.ok()) return wp.status();
    built.push_back(*std::move(wp));
  }
  // Sorted by namespace, name, kind: an order of indices, then each proposal moved once into
  // its place. Never sort (assign) WorkloadProposals themselves: assigning a YAML::Node writes
  // into the node it shares with its copies, so two workloads would end up with one
  // NetworkPolicy.
  std::vector<size_t> order(built.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&built](size_t a, size_t b) {
    return std::tie(built[a].namespace_, built[a].name, built[a].kind) <
           std::tie(built[b].namespace_, built[b].name, built[b].kind);
  });
  for (size_t i : order) proposal.workloads.push_back(std::move(built[i]));
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
