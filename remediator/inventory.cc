#include "remediator/inventory.h"

#include <set>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "remediator/workload.h"
#include "remediator/yaml_io.h"

namespace minpriv::remediator {

absl::StatusOr<Inventory> ParseInventory(std::string_view yaml, std::string_view source) {
  auto docs = ParseYamlDocuments(yaml, source);
  if (!docs.ok()) return docs.status();
  Inventory inv;
  std::vector<std::pair<YAML::Node, std::string>> objects;
  for (const auto& d : *docs) {
    if (!d.node.IsMap()) {
      return absl::InvalidArgumentError(absl::StrCat(Where(d.source, d.node),
                                                     ": inventory document is not an object; "
                                                     "produce it with `kubectl get pods,services,namespaces -A -o yaml`"));
    }
    YAML::Node items = Child(d.node, "items");
    if (ObjectKind(d.node) == "List" || (items.IsDefined() && items.IsSequence())) {
      if (items.IsDefined() && items.IsSequence()) {
        for (const auto& item : items) objects.emplace_back(item, d.source);
      }
    } else {
      objects.emplace_back(d.node, d.source);
    }
  }
  for (const auto& [obj, src] : objects) {
    std::string kind = ObjectKind(obj);
    std::string ns = ObjectNamespace(obj);
    std::string name = ObjectName(obj);
    if (kind == "Pod") {
      YAML::Node spec = Child(obj, "spec");
      if (ScalarAt(spec, "hostNetwork") == "true") continue;
      Inventory::PodInfo pod;
      pod.namespace_ = ns;
      pod.name = name;
      pod.labels = StringMap(Child(Child(obj, "metadata"), "labels"));
      YAML::Node containers = Child(spec, "containers");
      if (containers.IsDefined() && containers.IsSequence()) {
        for (const auto& c : containers) {
          YAML::Node ports = Child(c, "ports");
          if (!ports.IsDefined() || !ports.IsSequence()) continue;
          for (const auto& p : ports) {
            uint32_t n = 0;
            std::string pname = ScalarAt(p, "name");
            std::string proto = ScalarAt(p, "protocol");
            if (proto.empty()) proto = "TCP";
            if (!pname.empty() && absl::SimpleAtoi(ScalarAt(p, "containerPort"), &n)) {
              pod.named_ports[absl::StrCat(pname, "/", proto)] = n;
            }
          }
        }
      }
      YAML::Node status = Child(obj, "status");
      std::set<std::string> ips;
      if (!ScalarAt(status, "podIP").empty()) ips.insert(ScalarAt(status, "podIP"));
      YAML::Node pod_ips = Child(status, "podIPs");
      if (pod_ips.IsDefined() && pod_ips.IsSequence()) {
        for (const auto& ip : pod_ips) {
          if (!ScalarAt(ip, "ip").empty()) ips.insert(ScalarAt(ip, "ip"));
        }
      }
      for (const auto& ip : ips) inv.pods_by_ip[ip] = pod;
    } else if (kind == "Service") {
      YAML::Node spec = Child(obj, "spec");
      Inventory::ServiceInfo svc;
      svc.namespace_ = ns;
      svc.name = name;
      svc.selector = StringMap(Child(spec, "selector"));
      YAML::Node ports = Child(spec, "ports");
      if (ports.IsDefined() && ports.IsSequence()) {
        for (const auto& p : ports) {
          Inventory::ServicePort sp;
          if (!absl::SimpleAtoi(ScalarAt(p, "port"), &sp.port)) continue;
          sp.protocol = ScalarAt(p, "protocol").empty() ? "TCP" : ScalarAt(p, "protocol");
          sp.target = ScalarAt(p, "targetPort");
          svc.ports.push_back(sp);
        }
      }
      std::set<std::string> ips;
      std::string cip = ScalarAt(spec, "clusterIP");
      if (!cip.empty() && cip != "None") ips.insert(cip);
      YAML::Node cips = Child(spec, "clusterIPs");
      if (cips.IsDefined() && cips.IsSequence()) {
        for (const auto& ip : cips) {
          if (ip.IsScalar() && ip.Scalar() != "None") ips.insert(ip.Scalar());
        }
      }
      for (const auto& ip : ips) inv.services_by_ip[ip] = svc;
    } else if (kind == "Namespace") {
      inv.namespace_labels[name] = StringMap(Child(Child(obj, "metadata"), "labels"));
    }
  }
  return inv;
}

}  // namespace minpriv::remediator
