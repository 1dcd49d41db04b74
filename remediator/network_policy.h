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
  bool dns = false;
};

// `pod_labels` selects the workload's pods; `containers` are the profiled containers.
NetworkPolicyBuild BuildNetworkPolicy(const std::string& workload_name,
                                      const std::string& namespace_,
                                      const std::map<std::string, std::string>& pod_labels,
                                      const std::vector<crd::ContainerProfile>& containers,
                                      const Inventory& inventory);

// Canonical text of a NetworkPolicy peer's selectors ("ns{k=v} pod{k=v}").
std::string SelectorKey(const YAML::Node& peer);

absl::StatusOr<NetworkRules> NetworkRulesFromPolicy(const YAML::Node& policy);

// "IP:PORT/PROTO", with the address in brackets for IPv6: how peers are named in reports.
std::string EndpointText(const std::string& ip, uint32_t port, const std::string& proto);

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_NETWORK_POLICY_H_
