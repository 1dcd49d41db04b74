// NetworkPolicy generation from observed peers (resolved through an optional cluster
// inventory, inventory.h) and parsing of NetworkPolicy objects into evaluator rules.
#ifndef MINPRIV_REMEDIATOR_NETWORK_POLICY_H_
#define MINPRIV_REMEDIATOR_NETWORK_POLICY_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "crd/workload_profile.h"
#include "remediator/evaluator.h"
#include "remediator/inventory.h"
#include "yaml-cpp/yaml.h"

namespace minpriv::remediator {

inline constexpr char kResolvedPeersAnnotation[] = "minpriv.dev/resolved-peers";

std::string NetworkPolicyName(const std::string& workload_name);

// One line per rule peer for the report and summary.
struct NetworkPolicyBuild {
  YAML::Node policy;                    // the NetworkPolicy object
  std::vector<std::string> ingress;     // "10.0.0.5/32 → 8080/TCP (count 12, first seen ...)"
  std::vector<std::string> egress;
  std::vector<std::string> notes;       // what was not turned into rules, and why
  std::vector<std::string> open_ports;  // "8080/TCP": served, clients unknown, open to every source
  // Of open_ports, those open because the manifest declares them while the clients seen
  // were not known to the inventory (the rest: no client came from outside the pod).
  std::vector<std::string> open_declared_ports;
  bool dns = false;
};

// A port the manifest says serves clients from outside the pod: a container's
// `containerPort`, or the target of a Service of the same namespace that selects the pods.
struct DeclaredPort {
  uint32_t port = 0;
  std::string protocol = "TCP";
  std::string why;  // "containerPort of container `web`", "targeted by Service `shop/web`"
  auto operator<=>(const DeclaredPort&) const = default;
};

// `pod_labels` selects the workload's pods; `containers` are the profiled containers.
// A declared port the workload listened on stays reachable from outside the pod: from the
// clients seen while learning when every one of them is a pod or Service the inventory
// knows, otherwise (none came from outside, or one came from an address the inventory does
// not know, such as the learning host's exercise) from every source, listed in open_ports.
NetworkPolicyBuild BuildNetworkPolicy(const std::string& workload_name,
                                      const std::string& namespace_,
                                      const std::map<std::string, std::string>& pod_labels,
                                      const std::vector<crd::ContainerProfile>& containers,
                                      const Inventory& inventory,
                                      const std::vector<DeclaredPort>& declared = {});

// The declared ports of a pod spec (container ports of every container) and of the
// inventory's Services in `namespace_` whose selector matches `pod_labels` (their target
// ports, by number or by a container port's name). Sorted, one entry per port and reason.
std::vector<DeclaredPort> DeclaredPorts(const YAML::Node& pod_spec, const std::string& namespace_,
                                        const std::map<std::string, std::string>& pod_labels,
                                        const Inventory& inventory);

// Canonical text of a NetworkPolicy peer's selectors ("ns{k=v} pod{k=v}").
std::string SelectorKey(const YAML::Node& peer);

absl::StatusOr<NetworkRules> NetworkRulesFromPolicy(const YAML::Node& policy);

// "IP:PORT/PROTO", with the address in brackets for IPv6: how peers are named in reports.
std::string EndpointText(const std::string& ip, uint32_t port, const std::string& proto);

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_NETWORK_POLICY_H_
