// The ports a workload's manifest and its Services say serve clients from outside the pod
// (network_policy.h: DeclaredPorts).
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "remediator/network_policy.h"
#include "remediator/workload.h"

namespace minpriv::remediator {

std::vector<DeclaredPort> DeclaredPorts(const YAML::Node& pod_spec, const std::string& namespace_,
                                        const std::map<std::string, std::string>& pod_labels,
                                        const Inventory& inventory) {
  std::set<DeclaredPort> out;
  std::map<std::string, std::pair<uint32_t, std::string>> named;  // port name → number, proto
  for (const char* list : {"initContainers", "containers"}) {
    YAML::Node seq = Child(pod_spec, list);
    if (!seq.IsDefined() || !seq.IsSequence()) continue;
    for (const auto& c : seq) {
      YAML::Node ports = Child(c, "ports");
      if (!ports.IsDefined() || !ports.IsSequence()) continue;
      for (const auto& p : ports) {
        uint32_t number = 0;
        if (!absl::SimpleAtoi(ScalarAt(p, "containerPort"), &number) || number == 0) continue;
        std::string proto = ScalarAt(p, "protocol");
        if (proto.empty()) proto = "TCP";
        std::string name = ScalarAt(p, "name");
        if (!name.empty()) named.emplace(name, std::make_pair(number, proto));
        out.insert({number, proto, absl::StrCat("containerPort of container `",
                                                ScalarAt(c, "name"), "`")});
      }
    }
  }
  for (const auto& [ip, svc] : inventory.services_by_ip) {
    if (svc.namespace_ != namespace_ || svc.selector.empty()) continue;
    bool selects = std::all_of(svc.selector.begin(), svc.selector.end(), [&](const auto& kv) {
      auto it = pod_labels.find(kv.first);
      return it != pod_labels.end() && it->second == kv.second;
    });
    if (!selects) continue;
    for (const auto& sp : svc.ports) {
      std::string target = sp.target.empty() ? std::to_string(sp.port) : sp.target;
      uint32_t number = 0;
      std::string proto = sp.protocol.empty() ? "TCP" : sp.protocol;
      if (!absl::SimpleAtoi(target, &number)) {
        auto it = named.find(target);
        if (it == named.end()) continue;
        number = it->second.first;
      }
      out.insert({number, proto, absl::StrCat("targeted by Service `", svc.namespace_, "/",
                                              svc.name, "`")});
    }
  }
  return {out.begin(), out.end()};
}

}  // namespace minpriv::remediator
