// The cluster bench/webhook.sh measures `minpriv webhook --kubeconfig` against: the test API
// server with minpriv's CRDs, the approved Deployment of a proposal directory (narrowed.yaml),
// its ReplicaSet (so a Pod's owner is found in the webhook's owner cache, as in a cluster) and
// an approved RemediationProposal carrying each container's approved securityContext. Writes
// OUT_DIR/kubeconfig, then OUT_DIR/cluster.ready, and serves until SIGTERM or SIGINT.
// Usage: webhook_cluster PROPOSAL_DIR OUT_DIR   (env MINPRIV_TEST_APISERVER: the server binary)
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "crd/remediation_proposal_json.h"
#include "crd/yaml_json.h"
#include "kube/config.h"
#include "kube/rest_client.h"
#include "kube/test_apiserver.h"

namespace {

using nlohmann::json;
namespace kube = minpriv::kube;
namespace crd = minpriv::crd;

const kube::ResourceRef kCrds{"apiextensions.k8s.io", "v1", "customresourcedefinitions", false};
const kube::ResourceRef kNamespaces{"", "v1", "namespaces", false};
const kube::ResourceRef kDeployments{"apps", "v1", "deployments", true};
const kube::ResourceRef kReplicaSets{"apps", "v1", "replicasets", true};
const kube::ResourceRef kProposals{"minpriv.dev", "v1alpha1", "remediationproposals", true};

// The ReplicaSet name bench/webhook_requests gives the Pods' owner.
constexpr char kPodTemplateHash[] = "7d4b9c8f5d";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "webhook_cluster: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fputs("usage: webhook_cluster PROPOSAL_DIR OUT_DIR\n", stderr);
    return 2;
  }
  const std::string proposal_dir = argv[1], out_dir = argv[2];
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // before any thread starts

  auto server = kube::testing::TestApiServer::Start();
  if (!server.ok()) return Fail(server.status().ToString());
  auto config = kube::LoadKubeconfig((*server)->kubeconfig());
  if (!config.ok()) return Fail(config.status().ToString());
  auto client = kube::RestClient::Create(*config);
  if (!client.ok()) return Fail(client.status().ToString());
  for (const char* name : {"remediationproposals", "minprivsettings", "clusterminprivsettings"}) {
    auto docs = crd::ParseYamlDocuments(
        ReadFile(absl::StrCat(MINPRIV_CRD_DIR, "/minpriv.dev_", name, ".yaml")), name);
    if (!docs.ok() || docs->empty()) return Fail("cannot read the CRDs");
    if (auto s = client->Create(kCrds, "", (*docs)[0]); !s.ok()) return Fail(s.status().ToString());
  }
  const std::string narrowed = proposal_dir + "/narrowed.yaml";
  auto docs = crd::ParseYamlDocuments(ReadFile(narrowed), narrowed);
  if (!docs.ok()) return Fail(docs.status().ToString());
  json deployment;
  for (const json& d : *docs) {
    if (d.value("kind", "") == "Deployment") deployment = d;
  }
  if (deployment.is_null()) return Fail(narrowed + ": no Deployment");
  const std::string ns = deployment["metadata"]["namespace"], name = deployment["metadata"]["name"];
  if (auto s = client->Create(kNamespaces, "", {{"apiVersion", "v1"}, {"kind", "Namespace"},
                                                 {"metadata", {{"name", ns}}}});
      !s.ok()) {
    return Fail(s.status().ToString());
  }
  auto created = client->Create(kDeployments, ns, deployment);
  if (!created.ok()) return Fail(created.status().ToString());
  json rs = {{"apiVersion", "apps/v1"},
             {"kind", "ReplicaSet"},
             {"metadata",
              {{"name", absl::StrCat(name, "-", kPodTemplateHash)},
               {"namespace", ns},
               {"ownerReferences",
                json::array({{{"apiVersion", "apps/v1"},
                              {"kind", "Deployment"},
                              {"name", name},
                              {"uid", (*created)["metadata"]["uid"]},
                              {"controller", true},
                              {"blockOwnerDeletion", true}}})}}},
             {"spec",
              {{"replicas", deployment["spec"].value("replicas", 1)},
               {"selector", deployment["spec"]["selector"]},
               {"template", deployment["spec"]["template"]}}}};
  if (auto s = client->Create(kReplicaSets, ns, rs); !s.ok()) return Fail(s.status().ToString());

  crd::RemediationProposal p;
  p.metadata.name = absl::StrCat("deployment-", name);
  p.metadata.namespace_ = ns;
  p.spec.target = {"apps/v1", "Deployment", name};
  p.spec.decision = crd::Decision::kApproved;
  auto proposal = client->Create(kProposals, ns, crd::RemediationProposalToJson(p));
  if (!proposal.ok()) return Fail(proposal.status().ToString());
  p.status.phase = crd::ProposalPhase::kApproved;
  p.status.profile = p.metadata.name;
  for (const json& c : deployment["spec"]["template"]["spec"].value("containers", json::array())) {
    crd::ContainerChange change;
    change.name = c.value("name", "");
    change.security_context = c.value("securityContext", json::object());
    p.status.containers.push_back(change);
    p.status.evidence.push_back({absl::StrCat("container ", change.name), "learned profile"});
  }
  json with_status = *proposal;
  with_status["status"] = crd::ProposalStatusToJson(p.status);
  if (auto s = client->UpdateStatus(kProposals, ns, with_status); !s.ok())
    return Fail(s.status().ToString());

  std::filesystem::copy_file((*server)->kubeconfig(), out_dir + "/kubeconfig",
                             std::filesystem::copy_options::overwrite_existing);
  std::ofstream(out_dir + "/cluster.ready") << (*server)->url() << "\n";
  int sig = 0;
  sigwait(&stop, &sig);
  return 0;  // the server is stopped by its destructor
}
