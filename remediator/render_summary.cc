#include "remediator/render_summary.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "remediator/network_policy.h"
#include "remediator/runtime_syscalls.h"
#include "remediator/workload.h"
#include "remediator/yaml_io.h"

namespace minpriv::remediator {
namespace {

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

Json Summary(const Proposal& p) {
  Json arr = Json::Array();
  for (const auto& w : p.workloads) {
    YAML::Node spec = Child(w.network.policy, "spec");
    std::vector<std::string> egress = PeerSummaries(Child(spec, "egress"), "to");
    std::vector<std::string> ingress = PeerSummaries(Child(spec, "ingress"), "from");
    for (const auto& c : w.containers) {
      Json o = Json::Object();
      o.Set("workload", Json::String(w.name));
      o.Set("namespace", Json::String(w.namespace_));
      o.Set("kind", Json::String(w.kind));
      o.Set("container", Json::String(c.name));
      o.Set("initContainer", Json::Bool(c.init));
      Json sys = Json::Object();
      // null: no seccomp filter the proposal knows of (unconfined, or the manifest's own profile).
      sys.Set("allowed", c.policy.syscalls_unrestricted
                             ? Json::Null()
                             : Json::Number(static_cast<int64_t>(c.policy.allowed_syscalls.size())));
      sys.Set("observed", Json::Number(static_cast<int64_t>(c.profile.syscalls.size())));
      sys.Set("runtimeDefault", Json::Number(static_cast<int64_t>(RuntimeDefaultSyscalls().size())));
      o.Set("syscalls", sys);
      Json caps = Json::Object();
      caps.Set("added", Json::StringArray(c.caps_added));
      caps.Set("dropped", Json::StringArray(c.caps_dropped));
      o.Set("capabilities", caps);
      o.Set("privileged", Json::Bool(c.policy.privileged));
      o.Set("allowPrivilegeEscalation", Json::Bool(c.policy.allow_privilege_escalation));
      o.Set("readOnlyRootFilesystem", Json::Bool(c.policy.read_only_root));
      o.Set("writablePaths", Json::StringArray(c.policy.writable_paths));
      o.Set("runAsNonRoot", Json::Bool(c.policy.run_as_non_root));
      o.Set("runAsUser", c.policy.run_as_user ? Json::Number(*c.policy.run_as_user) : Json::Null());
      o.Set("egress", Json::StringArray(egress));
      o.Set("ingress", Json::StringArray(ingress));
      o.Set("dns", Json::Bool(w.network.dns));
      o.Set("seccompProfile", c.seccomp_referenced ? Json::String(absl::StrCat("seccomp/", c.seccomp_name, ".json"))
                                                   : Json::Null());
      o.Set("risks", Json::Number(static_cast<int64_t>(c.risks.size() + w.risks.size())));
      arr.Push(o);
    }
  }
  Json root = Json::Object();
  root.Set("apiVersion", Json::String("minpriv.dev/v1alpha1"));
  root.Set("kind", Json::String("ProposalSummary"));
  root.Set("containers", arr);
  return root;
}

}  // namespace

std::string RenderSummary(const Proposal& p) { return Summary(p).Dump(); }

}  // namespace minpriv::remediator
