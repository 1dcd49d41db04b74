#include "remediator/evaluator.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "remediator/network_policy.h"
#include "remediator/runtime_syscalls.h"
#include "remediator/workload.h"
#include "remediator/yaml_io.h"
#include "util/files.h"
#include "util/json_parse.h"

namespace minpriv::remediator {
namespace {

bool ParseIp(const std::string& ip, unsigned char out[16], int* bits) {
  if (inet_pton(AF_INET, ip.c_str(), out) == 1) {
    *bits = 32;
    return true;
  }
  if (inet_pton(AF_INET6, ip.c_str(), out) == 1) {
    *bits = 128;
    return true;
  }
  return false;
}

bool PortMatches(const NetworkPortRule& rule, uint32_t port, const std::string& proto) {
  if (rule.protocol != proto) return false;
  if (!rule.named.empty()) return false;  // named ports only match through resolved peers
  if (rule.port == 0) return true;
  if (rule.end_port != 0) return port >= rule.port && port <= rule.end_port;
  return port == rule.port;
}

bool PeerAllowed(const std::vector<NetworkRule>& rules, const crd::Peer& peer) {
  std::string endpoint = EndpointText(peer.ip, peer.port, peer.protocol);
  for (const NetworkRule& rule : rules) {
    bool port_ok = rule.ports.empty();
    for (const auto& p : rule.ports) port_ok = port_ok || PortMatches(p, peer.port, peer.protocol);
    if (rule.peers.empty()) {
      if (port_ok) return true;
      continue;
    }
    for (const NetworkPeerRule& p : rule.peers) {
      if (p.ip_block.has_value() && port_ok && CidrContains(p.ip_block->cidr, peer.ip)) {
        bool excepted = false;
        for (const auto& ex : p.ip_block->except) excepted = excepted || CidrContains(ex, peer.ip);
        if (!excepted) return true;
      }
      if (p.has_selector && p.resolved.count(endpoint) > 0) return true;
    }
  }
  return false;
}

std::set<std::string> ScalarSet(const YAML::Node& seq, bool caps) {
  std::set<std::string> out;
  if (!seq.IsDefined() || !seq.IsSequence()) return out;
  for (const auto& item : seq) {
    if (!item.IsScalar()) continue;
    out.insert(caps ? NormalizeCapability(item.Scalar()) : item.Scalar());
  }
  return out;
}

std::optional<int64_t> IntAt(const YAML::Node& map, const char* key) {
  std::string s = ScalarAt(map, key);
  int64_t v;
  if (s.empty() || !absl::SimpleAtoi(s, &v)) return std::nullopt;
  return v;
}

bool ReferencesMinprivSeccomp(const YAML::Node& object) {
  YAML::Node spec = Child(PodTemplate(object), "spec");
  for (const char* list : {"containers", "initContainers"}) {
    YAML::Node seq = Child(spec, list);
    if (!seq.IsDefined() || !seq.IsSequence()) continue;
    for (const auto& c : seq) {
      std::string lh = ScalarAt(Child(Child(c, "securityContext"), "seccompProfile"), "localhostProfile");
      if (absl::StartsWith(lh, "minpriv/")) return true;
    }
  }
  return false;
}

}  // namespace

bool IsLoopback(const std::string& ip) {
  return CidrContains("127.0.0.0/8", ip) || ip == "::1" || CidrContains("::ffff:127.0.0.0/104", ip);
}

bool CidrContains(const std::string& cidr, const std::string& ip) {
  std::vector<std::string> parts = absl::StrSplit(cidr, '/');
  unsigned char net[16], addr[16];
  int net_bits = 0, addr_bits = 0;
  if (parts.empty() || !ParseIp(parts[0], net, &net_bits) || !ParseIp(ip, addr, &addr_bits)) {
    return false;
  }
  if (net_bits != addr_bits) return false;
  int prefix = net_bits;
  if (parts.size() == 2 && (!absl::SimpleAtoi(parts[1], &prefix) || prefix < 0 || prefix > net_bits)) {
    return false;
  }
  int full = prefix / 8, rest = prefix % 8;
  if (std::memcmp(net, addr, static_cast<size_t>(full)) != 0) return false;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (net[full] & mask) == (addr[full] & mask);
}

std::vector<Violation> Evaluate(const ContainerPolicy& policy,
                                const crd::ContainerProfile& observed) {
  std::vector<Violation> out;
  if (!policy.syscalls_unrestricted) {
    for (const auto& s : observed.syscalls) {
      if (policy.allowed_syscalls.count(s) == 0) {
        out.push_back({"syscall", s,
                       absl::StrCat("not in the ", policy.seccomp_type, " seccomp profile",
                                    policy.seccomp_localhost.empty() ? "" : " ",
                                    policy.seccomp_localhost)});
      }
    }
  }
  if (!policy.privileged) {
    for (const auto& raw : observed.capabilities) {
      std::string cap = NormalizeCapability(raw);
      bool any = false, all_denied = true;
      for (const auto& ev : observed.capability_evidence) {
        if (NormalizeCapability(ev.capability) != cap) continue;
        any = true;
        all_denied = all_denied && ev.denied;
      }
      if (any && all_denied) continue;  // the workload ran without it
      if (policy.effective_capabilities.count(cap) == 0) {
        out.push_back({"capability", cap, "not in the container's effective capability set"});
      }
    }
  }
  for (const auto& w : observed.file_writes) {
    if (util::IsKernelFsPath(w.path)) continue;
    std::string best;
    bool best_ro = false;
    for (const auto& p : policy.writable_paths) {
      if (util::PathUnder(w.path, p) && p.size() >= best.size()) { best = p; best_ro = false; }
    }
    for (const auto& p : policy.read_only_paths) {
      if (util::PathUnder(w.path, p) && p.size() >= best.size()) { best = p; best_ro = true; }
    }
    if (!best.empty()) {
      if (best_ro) out.push_back({"fileWrite", w.path, absl::StrCat("under read-only mount ", best)});
    } else if (policy.read_only_root) {
      out.push_back({"fileWrite", w.path, "root file system is read-only and no writable volume covers it"});
    }
  }
  if (!policy.allow_privilege_escalation && !policy.privileged) {
    for (const auto& e : observed.execs) {
      if (e.privilege_gain) {
        out.push_back({"exec", e.path, "gains privilege but allowPrivilegeEscalation is false"});
      }
    }
  }
  bool can_setuid = policy.privileged || policy.effective_capabilities.count("SETUID") > 0;
  bool can_setgid = policy.privileged || policy.effective_capabilities.count("SETGID") > 0;
  for (const auto& u : observed.users) {
    if (policy.run_as_non_root && u.uid == 0) {
      out.push_back({"user", absl::StrCat("uid 0"), "runAsNonRoot is true"});
    }
    if (policy.run_as_user.has_value() && static_cast<int64_t>(u.uid) != *policy.run_as_user &&
        !can_setuid) {
      out.push_back({"user", absl::StrCat("uid ", u.uid),
                     absl::StrCat("runAsUser is ", *policy.run_as_user, " and SETUID is not allowed")});
    }
    if (policy.run_as_group.has_value() && static_cast<int64_t>(u.gid) != *policy.run_as_group &&
        !can_setgid) {
      out.push_back({"user", absl::StrCat("gid ", u.gid),
                     absl::StrCat("runAsGroup is ", *policy.run_as_group, " and SETGID is not allowed")});
    }
  }
  const NetworkRules& net = policy.network;
  if (net.ingress_restricted) {
    for (const auto& p : observed.network.ingress) {
      if (IsLoopback(p.ip)) continue;
      if (!PeerAllowed(net.ingress, p)) {
        out.push_back({"ingress", EndpointText(p.ip, p.port, p.protocol),
                       absl::StrCat("no ingress rule of ", net.policy, " admits it")});
      }
    }
  }
  if (net.egress_restricted) {
    for (const auto& p : observed.network.egress) {
      if (IsLoopback(p.ip)) continue;
      if (!PeerAllowed(net.egress, p)) {
        out.push_back({"egress", EndpointText(p.ip, p.port, p.protocol),
                       absl::StrCat("no egress rule of ", net.policy, " admits it")});
      }
    }
    if (!net.dns_allowed) {
      for (const auto& name : observed.network.dns) {
        out.push_back({"dns", name, absl::StrCat(net.policy, " allows no DNS egress (port 53)")});
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

absl::StatusOr<ContainerPolicy> PolicyFromWorkload(
    const YAML::Node& workload, const std::string& container,
    const std::map<std::string, std::set<std::string>>& seccomp_profiles,
    const YAML::Node& network_policy) {
  ContainerPolicy policy;
  policy.workload = absl::StrCat(ObjectKind(workload), "/", ObjectNamespace(workload), "/",
                                 ObjectName(workload));
  policy.container = container;
  YAML::Node tmpl = PodTemplate(workload);
  if (!tmpl.IsDefined()) {
    return absl::InvalidArgumentError(absl::StrCat(policy.workload, ": no pod template"));
  }
  YAML::Node pod_spec = Child(tmpl, "spec");
  YAML::Node found(YAML::NodeType::Undefined);
  bool found_any = false;
  for (const char* list : {"containers", "initContainers"}) {
    YAML::Node seq = Child(pod_spec, list);
    if (!seq.IsDefined() || !seq.IsSequence()) continue;
    for (const auto& c : seq) {
      if (!found_any && ScalarAt(c, "name") == container) {
        found.reset(c);
        found_any = true;
        policy.init_container = std::strcmp(list, "initContainers") == 0;
      }
    }
  }
  if (!found_any) {
    return absl::NotFoundError(absl::StrCat(policy.workload, ": no container named '", container, "'"));
  }
  YAML::Node pod_sc = Child(pod_spec, "securityContext");
  YAML::Node sc = Child(found, "securityContext");

  // Seccomp: the container's setting wins over the pod's.
  YAML::Node seccomp = Child(sc, "seccompProfile");
  if (!seccomp.IsDefined()) seccomp.reset(Child(pod_sc, "seccompProfile"));
  policy.seccomp_type = ScalarAt(seccomp, "type");
  policy.seccomp_localhost = ScalarAt(seccomp, "localhostProfile");
  if (policy.seccomp_type == "Localhost") {
    auto it = seccomp_profiles.find(policy.seccomp_localhost);
    if (it == seccomp_profiles.end()) {
      // Someone else's profile, contents unknown here: syscalls are not judged.
      policy.seccomp_unknown = true;
    } else {
      policy.syscalls_unrestricted = false;
      policy.allowed_syscalls = it->second;
    }
  } else if (policy.seccomp_type == "RuntimeDefault") {
    policy.syscalls_unrestricted = false;
    const auto& def = RuntimeDefaultSyscalls();
    policy.allowed_syscalls = std::set<std::string>(def.begin(), def.end());
  }

  policy.privileged = BoolAt(sc, "privileged").value_or(false);
  YAML::Node caps = Child(sc, "capabilities");
  policy.added_capabilities = ScalarSet(Child(caps, "add"), true);
  policy.dropped_capabilities = ScalarSet(Child(caps, "drop"), true);
  if (policy.dropped_capabilities.count("ALL") == 0) {
    for (const auto& c : RuntimeDefaultCapabilities()) {
      if (policy.dropped_capabilities.count(c) == 0) policy.effective_capabilities.insert(c);
    }
  }
  for (const auto& c : policy.added_capabilities) policy.effective_capabilities.insert(c);

  policy.read_only_root = BoolAt(sc, "readOnlyRootFilesystem").value_or(false);
  std::map<std::string, YAML::Node> volumes;
  YAML::Node vols = Child(pod_spec, "volumes");
  if (vols.IsDefined() && vols.IsSequence()) {
    for (const auto& v : vols) volumes.emplace(ScalarAt(v, "name"), v);
  }
  YAML::Node mounts = Child(found, "volumeMounts");
  if (mounts.IsDefined() && mounts.IsSequence()) {
    for (const auto& m : mounts) {
      std::string path = ScalarAt(m, "mountPath");
      if (path.empty()) continue;
      bool ro = BoolAt(m, "readOnly").value_or(false);
      auto it = volumes.find(ScalarAt(m, "name"));
      if (it != volumes.end() && ReadOnlyVolumeSource(it->second)) ro = true;
      (ro ? policy.read_only_paths : policy.writable_paths).push_back(path);
    }
  }
  std::sort(policy.writable_paths.begin(), policy.writable_paths.end());
  std::sort(policy.read_only_paths.begin(), policy.read_only_paths.end());

  policy.allow_privilege_escalation =
      policy.privileged || BoolAt(sc, "allowPrivilegeEscalation").value_or(true);
  policy.run_as_user = IntAt(sc, "runAsUser");
  if (!policy.run_as_user) policy.run_as_user = IntAt(pod_sc, "runAsUser");
  policy.run_as_group = IntAt(sc, "runAsGroup");
  if (!policy.run_as_group) policy.run_as_group = IntAt(pod_sc, "runAsGroup");
  std::optional<bool> non_root = BoolAt(sc, "runAsNonRoot");
  if (!non_root) non_root = BoolAt(pod_sc, "runAsNonRoot");
  policy.run_as_non_root = non_root.value_or(false);

  if (network_policy.IsDefined() && !network_policy.IsNull()) {
    auto rules = NetworkRulesFromPolicy(network_policy);
    if (!rules.ok()) return rules.status();
    policy.network = *std::move(rules);
  }
  return policy;
}

absl::StatusOr<std::set<std::string>> ParseSeccompAllowList(const std::string& json,
                                                            const std::string& source) {
  auto root = util::ParseJson(json, source);
  if (!root.ok()) return root.status();
  if (!root->is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": not a seccomp profile object"));
  }
  // Lenient like the runtimes' readers: rules and names of other shapes are skipped.
  std::set<std::string> allowed;
  auto syscalls = root->find("syscalls");
  if (syscalls != root->end() && syscalls->is_array()) {
    for (const auto& rule : *syscalls) {
      if (!rule.is_object() || rule.value("action", nlohmann::json()) != "SCMP_ACT_ALLOW") continue;
      auto names = rule.find("names");
      if (names == rule.end() || !names->is_array()) continue;
      for (const auto& n : *names) {
        if (n.is_string()) allowed.insert(n.get<std::string>());
      }
    }
  }
  return allowed;
}

absl::StatusOr<ContainerPolicy> LoadContainerPolicy(const std::string& proposal_dir,
                                                    const std::string& workload,
                                                    const std::string& container) {
  std::string narrowed_path = absl::StrCat(proposal_dir, "/narrowed.yaml");
  auto narrowed_text = util::ReadFile(narrowed_path);
  if (!narrowed_text.ok()) return narrowed_text.status();
  auto docs = ParseYamlDocuments(*narrowed_text, narrowed_path);
  if (!docs.ok()) return docs.status();

  std::string want_ns, want_name = workload;
  if (size_t slash = workload.find('/'); slash != std::string::npos) {
    want_ns = workload.substr(0, slash);
    want_name = workload.substr(slash + 1);
  }
  std::vector<YAML::Node> candidates, narrowed_candidates;
  for (const auto& doc : *docs) {
    for (const YAML::Node& object : ObjectsOf(doc.node)) {
      if (!IsWorkloadKind(ObjectKind(object))) continue;
      if (!want_name.empty() && ObjectName(object) != want_name) continue;
      if (!want_ns.empty() && ObjectNamespace(object) != want_ns) continue;
      candidates.push_back(object);
      // Narrowed by minpriv: some container references a minpriv/ seccomp profile.
      if (ReferencesMinprivSeccomp(object)) narrowed_candidates.push_back(object);
    }
  }
  if (candidates.size() > 1 && !narrowed_candidates.empty()) candidates = narrowed_candidates;
  if (candidates.empty()) {
    return absl::NotFoundError(absl::StrCat(narrowed_path, ": no workload named '", workload, "'"));
  }
  if (candidates.size() > 1) {
    std::vector<std::string> names;
    for (const auto& c : candidates) names.push_back(absl::StrCat(ObjectKind(c), "/", ObjectNamespace(c), "/", ObjectName(c)));
    return absl::InvalidArgumentError(absl::StrCat(narrowed_path, ": several workloads match '", workload,
                                                   "' (", absl::StrJoin(names, ", "),
                                                   "); name one as NAMESPACE/NAME"));
  }
  YAML::Node object = candidates.front();

  std::string want_container = container;
  if (want_container.empty()) {
    YAML::Node spec = Child(PodTemplate(object), "spec");
    std::vector<std::string> main, init;
    YAML::Node cs = Child(spec, "containers");
    if (cs.IsDefined() && cs.IsSequence()) for (const auto& c : cs) main.push_back(ScalarAt(c, "name"));
    YAML::Node is = Child(spec, "initContainers");
    if (is.IsDefined() && is.IsSequence()) for (const auto& c : is) init.push_back(ScalarAt(c, "name"));
    if (main.size() == 1) {
      want_container = main.front();
    } else if (main.empty() && init.size() == 1) {
      want_container = init.front();
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          narrowed_path, ": ", ObjectName(object), " has several containers (",
          absl::StrJoin(main, ", "), "); name one"));
    }
  }

  // Seccomp profiles referenced by the pod or its containers: a Localhost profile
  // ".../NAME.json" is read from DIR/seccomp/NAME.json.
  std::map<std::string, std::set<std::string>> seccomp;
  std::set<std::string> referenced;
  YAML::Node spec = Child(PodTemplate(object), "spec");
  referenced.insert(ScalarAt(Child(Child(spec, "securityContext"), "seccompProfile"), "localhostProfile"));
  for (const char* list : {"containers", "initContainers"}) {
    YAML::Node seq = Child(spec, list);
    if (!seq.IsDefined() || !seq.IsSequence()) continue;
    for (const auto& c : seq) {
      referenced.insert(ScalarAt(Child(Child(c, "securityContext"), "seccompProfile"), "localhostProfile"));
    }
  }
  referenced.erase("");
  for (const auto& value : referenced) {
    size_t slash = value.rfind('/');
    std::string base = slash == std::string::npos ? value : value.substr(slash + 1);
    std::string path = absl::StrCat(proposal_dir, "/seccomp/", base);
    auto json = util::ReadFile(path);
    if (!json.ok()) {
      if (absl::StartsWith(value, "minpriv/")) return json.status();
      continue;  // someone else's profile: PolicyFromWorkload reports it if this container uses it
    }
    auto allowed = ParseSeccompAllowList(*json, path);
    if (!allowed.ok()) return allowed.status();
    seccomp[value] = *std::move(allowed);
  }

  YAML::Node netpol(YAML::NodeType::Undefined);
  std::string np_path = absl::StrCat(proposal_dir, "/networkpolicy.yaml");
  auto np_text = util::ReadFile(np_path);
  if (np_text.ok()) {
    auto np_docs = ParseYamlDocuments(*np_text, np_path);
    if (!np_docs.ok()) return np_docs.status();
    for (const auto& d : *np_docs) {
      if (ObjectKind(d.node) == "NetworkPolicy" &&
          ObjectName(d.node) == NetworkPolicyName(ObjectName(object)) &&
          ObjectNamespace(d.node) == ObjectNamespace(object)) {
        netpol.reset(d.node);
      }
    }
  } else if (!absl::IsNotFound(np_text.status())) {
    return np_text.status();
  }
  return PolicyFromWorkload(object, want_container, seccomp, netpol);
}

}  // namespace minpriv::remediator
