// Objects for the controller's unit tests: partial profiles as the node agent writes them and
// a Deployment as a user creates it.
#ifndef MINPRIV_CONTROLLER_TEST_OBJECTS_H_
#define MINPRIV_CONTROLLER_TEST_OBJECTS_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "crd/names.h"
#include "crd/object_meta.h"
#include "crd/profile_json.h"

namespace minpriv::controller::testing {

inline nlohmann::json Partial(const std::string& workload, const std::string& node,
                              std::vector<std::string> syscalls) {
  crd::WorkloadProfile p;
  p.name = crd::PartialProfileName("Deployment", workload, node);
  p.namespace_ = "shop";
  p.labels = {{crd::kNodeLabel, node},
              {crd::kWorkloadKindLabel, "Deployment"},
              {crd::kWorkloadNameLabel, workload}};
  p.target = {"apps/v1", "Deployment", workload};
  crd::ContainerProfile c;
  c.name = "app";
  c.syscalls = std::move(syscalls);
  c.network.listen.push_back({8080, "TCP", ""});
  p.containers.push_back(c);
  p.status.window = {"2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z"};
  return crd::WorkloadProfileToJson(p);
}

inline nlohmann::json Deployment(const std::string& name) {
  return nlohmann::json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": ")" + name + R"(", "namespace": "shop", "uid": "u-1",
                 "resourceVersion": "7"},
    "spec": {"replicas": 2, "selector": {"matchLabels": {"app": ")" + name + R"("}},
             "template": {"metadata": {"labels": {"app": ")" + name + R"("}},
                          "spec": {"containers": [{"name": "app", "image": "shop:1",
                                                   "ports": [{"containerPort": 8080}]}]}}}})");
}

}  // namespace minpriv::controller::testing

#endif  // MINPRIV_CONTROLLER_TEST_OBJECTS_H_
