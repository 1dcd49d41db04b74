#include "remediator/render_summary.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "remediator/network_policy.h"
#include "remediator/render_seccomp.h"
#include "remediator/runtime_syscalls.h"
#include "remediator/workload.h"
#include "remediator/yaml_io.h"
#include "util/json_format.h"

namespace minpriv::remediator {
namespace {

using nlohmann::ordered_json;

std::vector<std::string> PeerSummaries(const YAML::Node& rules, const char* peers_key) {
  std::vector<std::string> out;
  if (!rules.IsDefined() || !rules.IsSequence()) return out;
  for (const auto& rule : rules) {
    std::vector<std::string> ports;
    YAML::Node ps = Child(rule, "ports");
    if (ps.IsDefined() && ps.IsSequence()) {
      for (const auto& p : ps) ports.push_back(absl::StrCat(ScalarAt(p, "port"), "/", ScalarAt(p, "protocol")));
    }
    YAML::Node peers = Child(rule, peers_key);
    if (!peers.IsDefined()) {
      out.push_back(absl::StrCat("any ", absl::StrJoin(ports, ",")));  // every source
      continue;
    }
    if (!peers.IsSequence()) continue;
    for (const auto& peer : peers) {
      std::string who;
      YAML::Node block = Child(peer, "ipBlock");
      if (block.IsDefined()) {
        who = ScalarAt(block, "cidr");
      } else {
        who = SelectorKey(peer);
      }
      out.push_back(absl::StrCat(who, " ", absl::StrJoin(ports, ",")));
    }
  }
  return out;
}

ordered_json Summary(const Proposal& p) {
  ordered_json arr = ordered_json::array();
  for (const auto& w : p.workloads) {
    YAML::Node spec = Child(w.network.policy, "spec");
    std::vector<std::string> egress = PeerSummaries(Child(spec, "egress"), "to");
    std::vector<std::string> ingress = PeerSummaries(Child(spec, "ingress"), "from");
    for (const auto& c : w.containers) {
      ordered_json o = ordered_json::object();
      o["workload"] = w.name;
      o["namespace"] = w.namespace_;
      o["kind"] = w.kind;
      o["container"] = c.name;
      o["initContainer"] = c.init;
      ordered_json sys = ordered_json::object();
      // null: no seccomp filter the proposal knows of (unconfined, or the manifest's own profile).
      sys["allowed"] = c.policy.syscalls_unrestricted
                           ? ordered_json()
                           : ordered_json(c.policy.allowed_syscalls.size());
      sys["observed"] = c.profile.syscalls.size();
      sys["runtimeDefault"] = RuntimeDefaultSyscalls().size();
      if (c.reachability) {  // only for profiles that carry reachability
        sys["runtime"] = c.runtime_only.size();
        sys["reachableOnly"] = c.reachable_only.size();
        ordered_json evidence = ordered_json::object();
        for (const auto& r : c.reachable_only) evidence[r.name] = r.evidence;
        sys["reachableOnlyEvidence"] = std::move(evidence);
        sys["complainProfile"] = SeccompComplainFile(c);
      }
      o["syscalls"] = std::move(sys);
      ordered_json caps = ordered_json::object();
      caps["added"] = c.caps_added;
      caps["dropped"] = c.caps_dropped;
      o["capabilities"] = std::move(caps);
      o["privileged"] = c.policy.privileged;
      o["allowPrivilegeEscalation"] = c.policy.allow_privilege_escalation;
      o["readOnlyRootFilesystem"] = c.policy.read_only_root;
      o["writablePaths"] = c.policy.writable_paths;
      if (c.profile.file_system_use.has_value()) {  // only for profiles that carry it
        ordered_json fs = ordered_json::object();
        fs["seededVolumes"] = c.seeded_mounts;
        fs["rootWritableBecause"] = c.root_writable_because;
        o["fileSystem"] = std::move(fs);
      }
      o["runAsNonRoot"] = c.policy.run_as_non_root;
      o["runAsUser"] = c.policy.run_as_user ? ordered_json(*c.policy.run_as_user) : ordered_json();
      o["egress"] = egress;
      o["ingress"] = ingress;
      o["dns"] = w.network.dns;
      o["seccompProfile"] = c.seccomp_referenced
                                ? ordered_json(absl::StrCat("seccomp/", c.seccomp_name, ".json"))
                                : ordered_json();
      o["risks"] = c.risks.size() + w.risks.size();
      arr.push_back(std::move(o));
    }
  }
  ordered_json root = ordered_json::object();
  root["apiVersion"] = "minpriv.dev/v1alpha1";
  root["kind"] = "ProposalSummary";
  root["containers"] = std::move(arr);
  return root;
}

}  // namespace

std::string RenderSummary(const Proposal& p) { return util::DumpPretty(Summary(p)); }

}  // namespace minpriv::remediator
