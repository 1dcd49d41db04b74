#include "remediator/network_policy.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "remediator/workload.h"
#include "remediator/yaml_io.h"
#include "util/json_format.h"
#include "util/json_parse.h"

namespace minpriv::remediator {
namespace {

constexpr char kNamespaceLabel[] = "kubernetes.io/metadata.name";

// Labels that differ between pods of one workload (or between revisions): never select on them.
bool VolatileLabel(const std::string& key) {
  return key == "pod-template-hash" || key == "controller-revision-hash" ||
         key == "statefulset.kubernetes.io/pod-name" || key == "apps.kubernetes.io/pod-index" ||
         key == "controller-uid" || key == "batch.kubernetes.io/controller-uid" ||
         key == "job-name" || key == "batch.kubernetes.io/job-name" ||
         key == "pod-template-generation" || key == "batch.kubernetes.io/job-completion-index";
}

YAML::Node LabelMap(const std::map<std::string, std::string>& labels) {
  YAML::Node m = NewMap();
  for (const auto& [k, v] : labels) m[Str(k)] = Str(v);
  return m;
}

YAML::Node SelectorPeer(const std::string& ns, const std::map<std::string, std::string>& labels) {
  YAML::Node peer = NewMap();
  YAML::Node nss = NewMap();
  nss["matchLabels"] = LabelMap({{kNamespaceLabel, ns}});
  peer["namespaceSelector"] = nss;
  YAML::Node ps = NewMap();
  ps["matchLabels"] = LabelMap(labels);
  peer["podSelector"] = ps;
  return peer;
}

YAML::Node IpBlockPeer(const std::string& ip) {
  YAML::Node peer = NewMap();
  YAML::Node block = NewMap();
  block["cidr"] = Str(absl::StrCat(ip, ip.find(':') != std::string::npos ? "/128" : "/32"));
  peer["ipBlock"] = block;
  return peer;
}

std::string LabelText(const std::map<std::string, std::string>& labels) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : labels) parts.push_back(absl::StrCat(k, "=", v));
  return absl::StrJoin(parts, ",");
}

std::string SelectorText(const YAML::Node& selector) {
  if (!selector.IsDefined()) return "-";
  std::string out = LabelText(StringMap(Child(selector, "matchLabels")));
  YAML::Node exprs = Child(selector, "matchExpressions");
  if (exprs.IsDefined() && exprs.IsSequence() && exprs.size() > 0) {
    absl::StrAppend(&out, ";", util::DumpCompact(YamlToJson(exprs)));
  }
  return out;
}

// A port in a rule: number, or a named container port.
struct PortKey {
  std::string protocol;
  uint32_t number = 0;
  std::string name;
  auto operator<=>(const PortKey&) const = default;
};

// Ingress from every source (a rule without `from`), for served ports whose clients are
// unknown. Sorts after every peer key.
constexpr char kAnySourceKey[] = "~any";

struct PeerGroup {
  bool any = false;  // every source: the rule has no `from`
  YAML::Node peer;
  std::set<PortKey> ports;
  std::set<std::string> endpoints;  // resolved endpoints (selector peers)
  bool selector = false;
};

struct Resolution {
  YAML::Node peer;
  std::string key;
  PortKey port;
  bool selector = false;
  std::string description;
};

Resolution Resolve(const crd::Peer& p, const Inventory& inv) {
  Resolution r;
  r.port = {p.protocol, p.port, ""};
  if (auto it = inv.services_by_ip.find(p.ip);
      it != inv.services_by_ip.end() && !it->second.selector.empty()) {
    const auto& svc = it->second;
    r.peer.reset(SelectorPeer(svc.namespace_, svc.selector));
    r.selector = true;
    std::string target;
    for (const auto& sp : svc.ports) {
      if (sp.port == p.port && sp.protocol == p.protocol) target = sp.target;
    }
    uint32_t n = 0;
    if (target.empty()) {
      // port of the service itself
    } else if (absl::SimpleAtoi(target, &n)) {
      r.port.number = n;
    } else {
      // Named target port: resolve through a pod behind the service, else keep the name.
      bool resolved = false;
      for (const auto& [ip, pod] : inv.pods_by_ip) {
        if (pod.namespace_ != svc.namespace_) continue;
        bool match = true;
        for (const auto& [k, v] : svc.selector) {
          auto l = pod.labels.find(k);
          match = match && l != pod.labels.end() && l->second == v;
        }
        auto np = pod.named_ports.find(absl::StrCat(target, "/", p.protocol));
        if (match && np != pod.named_ports.end()) {
          r.port.number = np->second;
          resolved = true;
          break;
        }
      }
      if (!resolved) {
        r.port.number = 0;
        r.port.name = target;
      }
    }
    r.description = absl::StrCat("service ", svc.namespace_, "/", svc.name, " (ClusterIP ",
                                 p.ip, ") → pods ", LabelText(svc.selector), " in namespace ",
                                 svc.namespace_);
  } else if (auto pit = inv.pods_by_ip.find(p.ip); pit != inv.pods_by_ip.end()) {
    std::map<std::string, std::string> labels;
    for (const auto& [k, v] : pit->second.labels) {
      if (!VolatileLabel(k)) labels[k] = v;
    }
    if (!labels.empty()) {
      r.peer.reset(SelectorPeer(pit->second.namespace_, labels));
      r.selector = true;
      r.description = absl::StrCat("pod ", pit->second.namespace_, "/", pit->second.name, " (",
                                   p.ip, ") → pods ", LabelText(labels), " in namespace ",
                                   pit->second.namespace_);
    }
  }
  if (!r.selector) {
    r.peer.reset(IpBlockPeer(p.ip));
    r.description = absl::StrCat(p.ip, " (not in the inventory: ipBlock)");
  }
  r.key = r.selector ? SelectorKey(r.peer) : absl::StrCat("ip ", p.ip);
  return r;
}

YAML::Node PortsNode(const std::set<PortKey>& ports) {
  YAML::Node seq = NewSeq();
  for (const auto& p : ports) {
    YAML::Node n = NewMap();
    if (p.name.empty()) {
      n["port"] = Int(p.number);
    } else {
      n["port"] = Str(p.name);
    }
    n["protocol"] = Str(p.protocol);
    seq.push_back(n);
  }
  return seq;
}

std::string PortText(const PortKey& p) {
  return absl::StrCat(p.name.empty() ? std::to_string(p.number) : p.name, "/", p.protocol);
}

}  // namespace

std::string NetworkPolicyName(const std::string& workload_name) {
  return absl::StrCat(workload_name, "-minpriv");
}

std::string SelectorKey(const YAML::Node& peer) {
  return absl::StrCat("ns{", SelectorText(Child(peer, "namespaceSelector")), "} pod{",
                      SelectorText(Child(peer, "podSelector")), "}");
}

NetworkPolicyBuild BuildNetworkPolicy(const std::string& workload_name,
                                      const std::string& namespace_,
                                      const std::map<std::string, std::string>& pod_labels,
                                      const std::vector<crd::ContainerProfile>& containers,
                                      const Inventory& inventory,
                                      const std::vector<DeclaredPort>& declared) {
  NetworkPolicyBuild out;
  // Clients from outside the pod per served port that the inventory could not name.
  std::map<std::pair<uint32_t, std::string>, std::set<std::string>> unknown_clients;
  std::map<std::string, PeerGroup> ingress, egress;
  std::set<std::string> notes;
  std::map<std::string, std::set<std::string>> ingress_desc, egress_desc;
  auto add = [&](std::map<std::string, PeerGroup>& groups,
                 std::map<std::string, std::set<std::string>>& desc, const crd::Peer& p,
                 const std::string& container) {
    Resolution r = Resolve(p, inventory);
    PeerGroup& g = groups[r.key];
    if (g.peer.IsNull()) g.peer.reset(r.peer);
    g.selector = r.selector;
    g.ports.insert(r.port);
    if (r.selector) g.endpoints.insert(EndpointText(p.ip, p.port, p.protocol));
    desc[r.key].insert(absl::StrCat(EndpointText(p.ip, p.port, p.protocol), ": ", r.description,
                                    ", port ", PortText(r.port), " (container ", container,
                                    ", count ", p.count, ", first seen ",
                                    p.first_seen.empty() ? "unknown" : p.first_seen, ")"));
    return r.selector;  // whether the inventory named the peer
  };
  // Ports served on an address other pods can reach (not a loopback one).
  std::set<std::pair<uint32_t, std::string>> listened, received;
  std::map<std::pair<uint32_t, std::string>, uint64_t> loopback_clients;
  for (const auto& c : containers) {
    for (const auto& p : c.network.ingress) {
      if (IsLoopback(p.ip)) {
        notes.insert(absl::StrCat("ingress from loopback ", EndpointText(p.ip, p.port, p.protocol),
                                  " stays inside the pod; NetworkPolicy does not apply"));
        loopback_clients[{p.port, p.protocol}] += p.count;
        continue;
      }
      if (!add(ingress, ingress_desc, p, c.name)) {
        unknown_clients[{p.port, p.protocol}].insert(p.ip);
      }
      received.insert({p.port, p.protocol});
    }
    for (const auto& p : c.network.egress) {
      if (IsLoopback(p.ip)) {
        notes.insert(absl::StrCat("egress to loopback ", EndpointText(p.ip, p.port, p.protocol),
                                  " stays inside the pod; NetworkPolicy does not apply"));
        continue;
      }
      add(egress, egress_desc, p, c.name);
    }
    for (const auto& l : c.network.listen) {
      // (UDP "listen" is an explicit bind to a fixed port: clients' auto-bound sockets
      // are not recorded.)
      if (!l.address.empty() && IsLoopback(l.address)) continue;
      listened.insert({l.port, l.protocol});
    }
    if (!c.network.dns.empty()) out.dns = true;
  }
  // A served port whose clients were never seen from outside the pod (none came, or only
  // loopback ones, as when learning on a workstation) stays open to every source: closing
  // it would break the service, and who its clients are is not known.
  // A declared port (containerPort, a Service's target) whose outside clients were not all
  // named by the inventory stays open too: the manifest says it has clients, and the ones
  // seen (a workstation's exercise, say) are not who they will be in the cluster.
  std::map<std::pair<uint32_t, std::string>, std::set<std::string>> declared_why;
  for (const auto& d : declared) declared_why[{d.port, d.protocol}].insert(d.why);
  for (const auto& [port, proto] : listened) {
    std::string seen;
    if (received.count({port, proto}) == 0) {
      auto lo = loopback_clients.find({port, proto});
      seen = lo == loopback_clients.end()
                 ? "no client connected while learning"
                 : absl::StrCat("only loopback clients were seen (", lo->second, " connection",
                                lo->second == 1 ? "" : "s", ")");
    } else {
      auto why = declared_why.find({port, proto});
      auto unknown = unknown_clients.find({port, proto});
      if (why == declared_why.end() || unknown == unknown_clients.end()) continue;
      seen = absl::StrCat("the manifest declares it (",
                          absl::StrJoin(why->second, "; "),
                          ") while the clients seen came from addresses the inventory does not "
                          "know (",
                          absl::StrJoin(unknown->second, ", "), ")");
    }
    PeerGroup& g = ingress[kAnySourceKey];
    g.any = true;
    g.ports.insert({proto, port, ""});
    ingress_desc[kAnySourceKey].insert(absl::StrCat(
        "port ", port, "/", proto, " from any source: the workload serves it and ", seen,
        ", so its clients are unknown"));
    out.open_ports.push_back(absl::StrCat(port, "/", proto));
    if (received.count({port, proto}) != 0) {
      out.open_declared_ports.push_back(absl::StrCat(port, "/", proto));
    }
  }
  if (out.dns) {
    // Cluster DNS: the kube-dns service's pods (CoreDNS), found in the inventory or by the
    // conventional labels.
    std::map<std::string, std::string> dns_labels = {{"k8s-app", "kube-dns"}};
    std::string dns_ns = "kube-system";
    for (const auto& [ip, svc] : inventory.services_by_ip) {
      if (svc.name == "kube-dns" && svc.namespace_ == "kube-system" && !svc.selector.empty()) {
        dns_labels = svc.selector;
      }
    }
    YAML::Node peer = SelectorPeer(dns_ns, dns_labels);
    std::string key = SelectorKey(peer);
    PeerGroup& g = egress[key];
    if (g.peer.IsNull()) g.peer.reset(peer);
    g.selector = true;
    g.ports.insert({"UDP", 53, ""});
    g.ports.insert({"TCP", 53, ""});
    std::set<std::string> names;
    for (const auto& c : containers) names.insert(c.network.dns.begin(), c.network.dns.end());
    std::vector<std::string> shown(names.begin(), names.end());
    if (shown.size() > 5) {
      shown.resize(5);
      shown.push_back("...");
    }
    egress_desc[key].insert(absl::StrCat("DNS: cluster DNS pods ", LabelText(dns_labels),
                                         " in namespace ", dns_ns, ", ports 53/UDP and 53/TCP (",
                                         names.size(), " names queried: ",
                                         absl::StrJoin(shown, ", "), ")"));
  }

  YAML::Node policy = NewMap();
  policy["apiVersion"] = Str("networking.k8s.io/v1");
  policy["kind"] = Str("NetworkPolicy");
  YAML::Node meta = NewMap();
  meta["name"] = Str(NetworkPolicyName(workload_name));
  if (!namespace_.empty()) meta["namespace"] = Str(namespace_);
  meta["labels"] = LabelMap({{"app.kubernetes.io/managed-by", "minpriv"}});
  nlohmann::ordered_json resolved = nlohmann::ordered_json::object();
  for (auto* dir : {&egress, &ingress}) {
    nlohmann::ordered_json side = nlohmann::ordered_json::object();
    for (const auto& [key, g] : *dir) {
      if (g.selector && !g.endpoints.empty()) side[key] = g.endpoints;
    }
    resolved[dir == &egress ? "egress" : "ingress"] = std::move(side);
  }
  YAML::Node annotations = NewMap();
  annotations[Str(kResolvedPeersAnnotation)] = Str(util::DumpCompact(resolved));
  meta["annotations"] = annotations;
  policy["metadata"] = meta;
  YAML::Node spec = NewMap();
  YAML::Node pod_selector = NewMap();
  pod_selector["matchLabels"] = LabelMap(pod_labels);
  spec["podSelector"] = pod_selector;
  YAML::Node types = NewSeq();
  types.push_back(Str("Ingress"));
  types.push_back(Str("Egress"));
  spec["policyTypes"] = types;
  auto rules = [](const std::map<std::string, PeerGroup>& groups, const char* peers_key) {
    YAML::Node seq = NewSeq();
    for (const auto& [key, g] : groups) {
      YAML::Node rule = NewMap();
      if (!g.any) {
        YAML::Node peers = NewSeq();
        peers.push_back(g.peer);
        rule[peers_key] = peers;
      }
      rule["ports"] = PortsNode(g.ports);
      seq.push_back(rule);
    }
    return seq;
  };
  spec["ingress"] = rules(ingress, "from");
  spec["egress"] = rules(egress, "to");
  policy["spec"] = spec;
  out.policy.reset(policy);
  for (const auto& [k, d] : ingress_desc) out.ingress.insert(out.ingress.end(), d.begin(), d.end());
  for (const auto& [k, d] : egress_desc) out.egress.insert(out.egress.end(), d.begin(), d.end());
  out.notes.assign(notes.begin(), notes.end());
  return out;
}

absl::StatusOr<NetworkRules> NetworkRulesFromPolicy(const YAML::Node& policy) {
  NetworkRules out;
  out.policy = absl::StrCat(ObjectNamespace(policy), "/", ObjectName(policy));
  YAML::Node spec = Child(policy, "spec");
  YAML::Node types = Child(spec, "policyTypes");
  YAML::Node ingress = Child(spec, "ingress");
  YAML::Node egress = Child(spec, "egress");
  if (types.IsDefined() && types.IsSequence()) {
    for (const auto& t : types) {
      if (t.Scalar() == "Ingress") out.ingress_restricted = true;
      if (t.Scalar() == "Egress") out.egress_restricted = true;
    }
  } else {
    out.ingress_restricted = true;
    out.egress_restricted = egress.IsDefined();
  }
  std::map<std::string, std::set<std::string>> resolved_in, resolved_eg;
  std::string annotation =
      ScalarAt(Child(Child(policy, "metadata"), "annotations"), kResolvedPeersAnnotation);
  if (!annotation.empty()) {
    auto ann = util::ParseJson(
        annotation, absl::StrCat(out.policy, ": annotation ", kResolvedPeersAnnotation));
    if (!ann.ok()) return ann.status();
    for (auto [side, target] : {std::pair{"ingress", &resolved_in}, std::pair{"egress", &resolved_eg}}) {
      auto m = ann->find(side);
      if (m == ann->end() || !m->is_object()) continue;
      for (const auto& [key, endpoints] : m->items()) {
        if (!endpoints.is_array()) continue;
        for (const auto& e : endpoints) {
          if (e.is_string()) (*target)[key].insert(e.get<std::string>());
        }
      }
    }
  }
  auto parse_rules = [](const YAML::Node& seq, const char* peers_key,
                        const std::map<std::string, std::set<std::string>>& resolved) {
    std::vector<NetworkRule> rules;
    if (!seq.IsDefined() || !seq.IsSequence()) return rules;
    for (const auto& r : seq) {
      NetworkRule rule;
      YAML::Node peers = Child(r, peers_key);
      if (peers.IsDefined() && peers.IsSequence()) {
        for (const auto& p : peers) {
          NetworkPeerRule pr;
          YAML::Node block = Child(p, "ipBlock");
          if (block.IsDefined()) {
            IpBlock b;
            b.cidr = ScalarAt(block, "cidr");
            YAML::Node ex = Child(block, "except");
            if (ex.IsDefined() && ex.IsSequence()) {
              for (const auto& e : ex) b.except.push_back(e.Scalar());
            }
            pr.ip_block = b;
          }
          if (Child(p, "podSelector").IsDefined() || Child(p, "namespaceSelector").IsDefined()) {
            pr.has_selector = true;
            pr.selector = SelectorKey(p);
            auto it = resolved.find(pr.selector);
            if (it != resolved.end()) pr.resolved = it->second;
          }
          rule.peers.push_back(pr);
        }
      }
      YAML::Node ports = Child(r, "ports");
      if (ports.IsDefined() && ports.IsSequence()) {
        for (const auto& p : ports) {
          NetworkPortRule pr;
          if (!ScalarAt(p, "protocol").empty()) pr.protocol = ScalarAt(p, "protocol");
          std::string port = ScalarAt(p, "port");
          if (!port.empty() && !absl::SimpleAtoi(port, &pr.port)) pr.named = port;
          absl::SimpleAtoi(ScalarAt(p, "endPort"), &pr.end_port);
          rule.ports.push_back(pr);
        }
      }
      rules.push_back(rule);
    }
    return rules;
  };
  out.ingress = parse_rules(ingress, "from", resolved_in);
  out.egress = parse_rules(egress, "to", resolved_eg);
  out.dns_allowed = !out.egress_restricted;
  for (const auto& rule : out.egress) {
    if (rule.ports.empty()) out.dns_allowed = true;
    for (const auto& p : rule.ports) {
      if ((p.port == 53 && p.end_port == 0) || p.port == 0 || (p.port <= 53 && p.end_port >= 53)) {
        out.dns_allowed = true;
      }
    }
  }
  return out;
}

std::string EndpointText(const std::string& ip, uint32_t port, const std::string& proto) {
  if (ip.find(':') != std::string::npos) return absl::StrCat("[", ip, "]:", port, "/", proto);
  return absl::StrCat(ip, ":", port, "/", proto);
}

}  // namespace minpriv::remediator
