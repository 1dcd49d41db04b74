// Writes the AdmissionReviews bench/webhook.sh sends: the approved Deployment of a proposal
// directory (three containers) and a Pod of its ReplicaSet, each as the API server sends it.
// Usage: webhook_requests PROPOSAL_DIR OUT_DIR
#include <cstdio>
#include <fstream>
#include <string>

#include "nlohmann/json.hpp"
#include "remediator/workload.h"
#include "remediator/yaml_io.h"
#include "util/json_format.h"
#include "util/files.h"

using nlohmann::json;

namespace {

json Review(const json& object, const std::string& group, const std::string& resource) {
  std::string kind = object["kind"];
  json req = {{"uid", "705ab4f5-6393-11e8-b7cc-42010a800002"},
              {"kind", {{"group", group}, {"version", "v1"}, {"kind", kind}}},
              {"resource", {{"group", group}, {"version", "v1"}, {"resource", resource}}},
              {"name", object["metadata"].value("name", "")},
              {"namespace", object["metadata"]["namespace"]},
              {"operation", "CREATE"},
              {"userInfo", {{"username", "system:serviceaccount:kube-system:replicaset-controller"}}},
              {"object", object},
              {"oldObject", nullptr},
              {"dryRun", false},
              {"options", {{"apiVersion", "meta.k8s.io/v1"}, {"kind", "CreateOptions"}}}};
  return {{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"request", req}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fputs("usage: webhook_requests PROPOSAL_DIR OUT_DIR\n", stderr);
    return 2;
  }
  std::string path = std::string(argv[1]) + "/narrowed.yaml";
  auto text = minpriv::util::ReadFile(path);
  if (!text.ok()) return 1;
  auto docs = minpriv::remediator::ParseYamlDocuments(*text, path);
  if (!docs.ok()) return 1;
  for (const auto& d : *docs) {
    if (minpriv::remediator::ObjectKind(d.node) != "Deployment") continue;
    json deployment = json::parse(minpriv::util::DumpCompact(minpriv::remediator::YamlToJson(d.node)));
    json pod = deployment["spec"]["template"];
    std::string rs = deployment["metadata"]["name"].get<std::string>() + "-7d4b9c8f5d";
    pod["apiVersion"] = "v1";
    pod["kind"] = "Pod";
    pod["metadata"]["generateName"] = rs + "-";
    pod["metadata"]["namespace"] = deployment["metadata"]["namespace"];
    pod["metadata"]["labels"]["pod-template-hash"] = "7d4b9c8f5d";
    pod["metadata"]["ownerReferences"] = {{{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"},
                                           {"name", rs}, {"uid", "0b6e5f4c-1111-4222-8333-944445555666"},
                                           {"controller", true}, {"blockOwnerDeletion", true}}};
    std::ofstream(std::string(argv[2]) + "/deployment.json") << Review(deployment, "apps", "deployments").dump();
    std::ofstream(std::string(argv[2]) + "/pod.json") << Review(pod, "", "pods").dump();
    return 0;
  }
  std::fprintf(stderr, "%s: no Deployment\n", path.c_str());
  return 1;
}
