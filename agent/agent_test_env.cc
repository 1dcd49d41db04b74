#include "agent/agent_test_env.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "crd/crd_manifests.h"
#include "kube/config.h"

namespace minpriv::agent::testing {

using nlohmann::json;

namespace {
const kube::ResourceRef kCrds{"apiextensions.k8s.io", "v1", "customresourcedefinitions", false};
const kube::ResourceRef kNamespaces{"", "v1", "namespaces", false};
const kube::ResourceRef kDeployments{"apps", "v1", "deployments", true};
}  // namespace

std::string ContainerId(int n) { return absl::StrFormat("%064x", 0xc0de0000 + n); }

std::string CgroupfsPath(const std::string& uid, const std::string& id) {
  return absl::StrCat("kubepods/burstable/pod", uid, "/", id);
}

std::string SystemdPath(const std::string& uid, const std::string& id) {
  const std::string u = absl::StrReplaceAll(uid, {{"-", "_"}});
  return absl::StrCat("kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod", u,
                      ".slice/cri-containerd-", id, ".scope");
}

uint32_t Nr(const std::string& name) {
  static const std::map<std::string, uint32_t> kNrs = {
      {"read", 0},     {"write", 1},   {"close", 3},    {"mmap", 9},  {"capset", 126},
      {"execve", 59},  {"openat", 257}, {"prctl", 157}, {"accept4", 288}};
  return kNrs.at(name);
}

void AgentEnv::SetUp() {
  auto server = kube::testing::TestApiServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = *std::move(server);
  auto config = kube::LoadKubeconfig(server_->kubeconfig());
  ASSERT_TRUE(config.ok()) << config.status();
  auto client = kube::RestClient::Create(*config);
  ASSERT_TRUE(client.ok()) << client.status();
  client_ = *std::move(client);
  for (const crd::CrdManifest& m : crd::CustomResourceDefinitions()) {
    auto created = client_->Create(kCrds, "", m.object);
    ASSERT_TRUE(created.ok()) << created.status();
  }
}

void AgentEnv::TearDown() { server_.reset(); }

void AgentEnv::CreateNamespace(const std::string& ns) {
  auto r = client_->Create(kNamespaces, "",
                           {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
  ASSERT_TRUE(r.ok() || absl::IsAlreadyExists(r.status())) << r.status();
}

void AgentEnv::CreateDeployment(const std::string& ns, const std::string& name) {
  json d = {{"apiVersion", "apps/v1"},
            {"kind", "Deployment"},
            {"metadata", {{"name", name}, {"namespace", ns}}},
            {"spec",
             {{"replicas", 2},
              {"selector", {{"matchLabels", {{"app", name}}}}},
              {"template",
               {{"metadata", {{"labels", {{"app", name}}}}},
                {"spec", {{"containers", json::array({{{"name", "app"}, {"image", "shop:1"}}})}}}}}}}};
  auto created = client_->Create(kDeployments, ns, d);
  ASSERT_TRUE(created.ok()) << created.status();
  json rs = {{"apiVersion", "apps/v1"},
             {"kind", "ReplicaSet"},
             {"metadata",
              {{"name", name + "-rs"},
               {"namespace", ns},
               {"ownerReferences",
                json::array({{{"apiVersion", "apps/v1"},
                              {"kind", "Deployment"},
                              {"name", name},
                              {"uid", (*created)["metadata"]["uid"]},
                              {"controller", true}}})}}},
             {"spec", d["spec"]}};
  auto rs_created = client_->Create(kReplicaSets, ns, rs);
  ASSERT_TRUE(rs_created.ok()) << rs_created.status();
}

std::string AgentEnv::CreatePod(const std::string& ns, const std::string& name,
                                const std::string& node, const std::string& owner_kind,
                                const std::string& owner_name, const std::string& owner_api) {
  json meta = {{"name", name}, {"namespace", ns}, {"labels", {{"app", name}}}};
  if (!owner_kind.empty()) {
    meta["ownerReferences"] = json::array({{{"apiVersion", owner_api},
                                            {"kind", owner_kind},
                                            {"name", owner_name},
                                            {"uid", "00000000-0000-4000-8000-000000000001"},
                                            {"controller", true}}});
  }
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", meta},
              {"spec",
               {{"nodeName", node},
                {"containers", json::array({{{"name", "app"}, {"image", "shop:1"}}})}}}};
  auto created = client_->Create(kPods, ns, pod);
  EXPECT_TRUE(created.ok()) << created.status();
  return created.ok() ? (*created)["metadata"]["uid"].get<std::string>() : "";
}

void AgentEnv::SetStatuses(const std::string& ns, const std::string& name,
                           const std::vector<std::pair<std::string, std::string>>& containers) {
  json statuses = json::array();
  for (const auto& [c, id] : containers) {
    statuses.push_back({{"name", c},
                        {"containerID", "containerd://" + id},
                        {"ready", true},
                        {"state", {{"running", {{"startedAt", "2027-01-15T08:00:00Z"}}}}}});
  }
  auto r = client_->PatchStatus(
      kPods, ns, name, kube::PatchType::kMerge,
      {{"status", {{"phase", "Running"}, {"containerStatuses", statuses}}}});
  ASSERT_TRUE(r.ok()) << r.status();
}

void AgentEnv::DeletePod(const std::string& ns, const std::string& name) {
  ASSERT_TRUE(client_->Delete(kPods, ns, name).ok());
}

std::unique_ptr<Agent> AgentEnv::NewAgent(const std::string& node, AgentOptions options) {
  options.node = node;
  auto agent = std::make_unique<Agent>(*client_, options, [this] { return now_; });
  absl::Status started = agent->Start(absl::Seconds(10));
  EXPECT_TRUE(started.ok()) << started;
  return agent;
}

std::optional<json> AgentEnv::Get(const kube::ResourceRef& ref, const std::string& ns,
                                  const std::string& name) {
  auto got = client_->Get(ref, ns, name);
  if (!got.ok()) return std::nullopt;
  return *std::move(got);
}

bool AgentEnv::TickUntil(Agent& agent, const std::function<bool()>& done,
                         const NodeCounters& node) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    agent.Tick(node);
    if (done()) return agent.WaitForApi();
    absl::SleepFor(absl::Milliseconds(20));
  }
  return false;
}

void AgentEnv::Settle(Agent& agent, const NodeCounters& node) {
  agent.Tick(node);
  EXPECT_TRUE(agent.WaitForApi());
}

}  // namespace minpriv::agent::testing
