// Fixtures of the proposer's tests (proposer_test.cc, proposer_output_test.cc): small
// profiles, a one-manifest Propose, a container's node in the narrowed output, and a
// Deployment that already restricts itself.
#ifndef MINPRIV_REMEDIATOR_PROPOSER_TEST_FIXTURES_H_
#define MINPRIV_REMEDIATOR_PROPOSER_TEST_FIXTURES_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "crd/workload_profile.h"
#include "remediator/proposer.h"
#include "remediator/workload.h"
#include "yaml-cpp/yaml.h"

namespace minpriv::remediator::fixtures {

inline crd::ContainerProfile Container(const std::string& name) {
  crd::ContainerProfile c;
  c.name = name;
  c.syscalls = {"accept4", "read", "write"};
  c.users = {{1000, 1000}};
  return c;
}

inline crd::WorkloadProfile Profile(const std::string& name,
                                    std::vector<crd::ContainerProfile> cs) {
  crd::WorkloadProfile p;
  p.name = name;
  p.containers = std::move(cs);
  return p;
}

inline absl::StatusOr<Proposal> ProposeOne(const crd::WorkloadProfile& p,
                                           const std::string& manifest) {
  return Propose({{"profile.yaml", p}}, {{"manifest.yaml", manifest}}, Inventory{});
}

inline YAML::Node ContainerNode(const Proposal& p, size_t doc, const std::string& name) {
  YAML::Node spec = Child(PodTemplate(p.documents[doc]), "spec");
  for (const char* list : {"containers", "initContainers"}) {
    YAML::Node seq = Child(spec, list);
    if (!seq.IsDefined()) continue;
    for (const auto& c : seq) {
      if (ScalarAt(c, "name") == name) return c;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

inline constexpr char kDeployment[] = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      securityContext:
        fsGroup: 2000
        runAsUser: 3000
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: app
          image: app:1
          securityContext:
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
              add: [NET_BIND_SERVICE, NET_ADMIN]
          volumeMounts:
            - name: cache
              mountPath: /var/cache/app
      volumes:
        - name: cache
          emptyDir: {}
)";

}  // namespace minpriv::remediator::fixtures

#endif  // MINPRIV_REMEDIATOR_PROPOSER_TEST_FIXTURES_H_
