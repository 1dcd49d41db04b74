// The cluster inventory: Pods, Services and Namespaces by address, to name observed peers.
#ifndef MINPRIV_REMEDIATOR_INVENTORY_H_
#define MINPRIV_REMEDIATOR_INVENTORY_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace minpriv::remediator {

// The cluster's Pods, Services and Namespaces as `kubectl get pods,services,namespaces -A
// -o yaml` prints them (a List, or several documents).
struct Inventory {
  struct PodInfo {
    std::string namespace_;
    std::string name;
    std::map<std::string, std::string> labels;
    std::map<std::string, uint32_t> named_ports;  // "http/TCP" → 8080
  };
  struct ServicePort {
    uint32_t port = 0;
    std::string protocol = "TCP";
    std::string target;  // number or port name; empty: same as port
  };
  struct ServiceInfo {
    std::string namespace_;
    std::string name;
    std::map<std::string, std::string> selector;
    std::vector<ServicePort> ports;
  };
  std::map<std::string, PodInfo> pods_by_ip;          // hostNetwork pods excluded
  std::map<std::string, ServiceInfo> services_by_ip;  // ClusterIPs
  std::map<std::string, std::map<std::string, std::string>> namespace_labels;
};

// Objects of other kinds are ignored. Errors (InvalidArgument, file:line:column): malformed
// YAML, a document that is not an object.
absl::StatusOr<Inventory> ParseInventory(std::string_view yaml, std::string_view source);

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_INVENTORY_H_
