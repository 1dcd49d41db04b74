// Least privilege, proven: the test API server enforces the RBAC objects rendered from the
// Helm chart (its --token maps a bearer token to a component's ServiceAccount) and audits
// every request of those identities. The real `minpriv controller` runs its normal flows under
// its own (learning, proposal, approval, apply, revert, a workload edited meanwhile, a
// malformed proposal, PullRequest delivery with its token Secret, leader election) while the
// real `minpriv webhook` runs under its own and enforces what gets approved, and the real
// `minpriv agent` of node-a (BPF loaded, root) under its own watches its node's pods and
// installs the approved seccomp profiles. Then every
// request must have been allowed, and every rule the chart grants each of them must have been
// used, or be listed below with the reason this test does not reach it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controller/resources.h"
#include "kube/config.h"
#include "tests/controller/controller_e2e_fixture.h"
#include "tests/deploy/rbac_audit.h"
#include "tests/deploy/render.h"
#include "tests/forge/test_forge.h"
#include "util/cgroup.h"
#include "util/process.h"

namespace minpriv::controller::testing {
namespace {

using deploy_test::Audited;
using deploy_test::GrantedRule;
using deploy_test::GrantedTo;
using deploy_test::Uses;

using nlohmann::json;

constexpr char kReleaseNs[] = "minpriv-system";
constexpr char kControllerUser[] = "system:serviceaccount:minpriv-system:minpriv-controller";
constexpr char kControllerToken[] = "rbac-e2e-controller-3c9d1f7a";
constexpr char kWebhookUser[] = "system:serviceaccount:minpriv-system:minpriv-webhook";
constexpr char kWebhookToken[] = "rbac-e2e-webhook-8b2e6d0c";
constexpr char kAgentUser[] = "system:serviceaccount:minpriv-system:minpriv-agent";
constexpr char kAgentToken[] = "rbac-e2e-agent-5a7c3e1b";
constexpr char kForgeToken[] = "tok_rbac_e2e_4d2a9b8c7e6f5a4b3c2d";
constexpr char kProject[] = "acme/shop-deploy";
const kube::ResourceRef kDeployments{"apps", "v1", "deployments", true};

constexpr char kCartYaml[] = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: cart
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: cart}
  template:
    metadata:
      labels: {app: cart}
    spec:
      containers:
      - name: app
        image: shop:1
        ports:
        - containerPort: 8080
)";

// Granted by the chart but not reached by this test, each with why; the test fails when one
// of these is used after all (then remove it) or a new unused one appears.
const std::map<std::string, std::string>& ControllerNotExercisedHere() {
  static const auto* m = new std::map<std::string, std::string>{
      {"get apps/statefulsets", "read fresh after a failed guarded patch: as for deployments"},
      {"get apps/daemonsets", "read fresh after a failed guarded patch: as for deployments"},
      {"get apps/replicasets", "read fresh after a failed guarded patch: as for deployments"},
      {"get batch/jobs", "a Job's stale read, as for deployments (its patch goes to its CronJob)"},
      {"get batch/cronjobs", "read fresh after a failed guarded patch: as for deployments"},
      {"patch apps/statefulsets", "apply/revert of that kind: the path of deployments "
                                  "(controller_kinds_e2e_test covers each kind)"},
      {"patch apps/daemonsets", "apply/revert of that kind: the path of deployments "
                                "(controller_kinds_e2e_test covers each kind)"},
      {"patch apps/replicasets", "apply/revert of a bare ReplicaSet: the path of deployments "
                                 "(controller_kinds_e2e_test covers each kind)"},
      {"patch batch/cronjobs", "apply/revert of a CronJob (or a Job it owns): the path of "
                               "deployments (controller_kinds_e2e_test covers each kind)"},
  };
  return *m;
}

// Granted for a race this test cannot order: used in some runs, not in others.
const std::map<std::string, std::string>& ControllerUsedOnRaces() {
  static const auto* m = new std::map<std::string, std::string>{
      {"get minpriv.dev/remediationproposals",
       "re-read after a 409 Conflict on its status write (here: the test's own status write "
       "of seccompInstalls racing the controller's)"},
      {"get apps/deployments",
       "read fresh when the guarded patch's `test` failed because the informer cache was "
       "behind the live object (here the edit usually reaches the cache first, and the "
       "workload is re-proposed before any patch)"},
  };
  return *m;
}

const std::map<std::string, std::string>& WebhookNotExercisedHere() {
  static const auto* m = new std::map<std::string, std::string>{
      {"get apps/statefulsets", "an approved StatefulSet's pod settings: as for deployments"},
      {"get apps/daemonsets", "an approved DaemonSet's pod settings: as for deployments"},
      {"get apps/replicasets", "a bare ReplicaSet as a proposal's workload: as for deployments"},
      {"get batch/jobs", "a bare Job as a proposal's workload: as for deployments"},
      {"get batch/cronjobs", "an approved CronJob's pod settings: as for deployments"},
      {"get /pods", "a bare Pod as a proposal's workload: as for deployments"},
  };
  return *m;
}

const std::map<std::string, std::string>& AgentNotExercisedHere() {
  static const auto* m = new std::map<std::string, std::string>{
      {"get apps/replicasets", "a pod's owner, resolved for a container it observes (runc): "
                               "agent_controller_e2e_test"},
      {"get batch/jobs", "a pod's owner, resolved for a container it observes (runc): "
                         "agent_controller_e2e_test"},
      {"get minpriv.dev/workloadprofiles", "its partial profiles, written for a container it "
                                           "observes (runc): agent_controller_e2e_test"},
      {"create minpriv.dev/workloadprofiles", "its partial profiles, written for a container "
                                              "it observes (runc): agent_controller_e2e_test"},
      {"update minpriv.dev/workloadprofiles", "its partial profiles, written for a container "
                                              "it observes (runc): agent_controller_e2e_test"},
      {"update minpriv.dev/workloadprofiles/status",
       "its partial profiles, written for a container it observes (runc): "
       "agent_controller_e2e_test"},
  };
  return *m;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class RbacE2eTest : public ControllerE2eTest {
 protected:
  RbacE2eTest() {
    char tmpl[] = "/tmp/minpriv-rbac-e2e-XXXXXX";
    if (mkdtemp(tmpl) != nullptr) audit_dir_ = tmpl;
    audit_log_ = audit_dir_ + "/audit.jsonl";
    server_args_ = {"--token",     absl::StrCat(kControllerToken, "=", kControllerUser),
                    "--token",     absl::StrCat(kWebhookToken, "=", kWebhookUser),
                    "--token",     absl::StrCat(kAgentToken, "=", kAgentUser),
                    "--audit-log", audit_log_};
  }
  ~RbacE2eTest() override { std::filesystem::remove_all(audit_dir_); }

  void SetUp() override {
    ASSERT_FALSE(audit_dir_.empty());
    ControllerE2eTest::SetUp();
    if (HasFatalFailure()) return;
    // The chart as a user installs it with PullRequest delivery configured.
    deploy_test::Rendered r = deploy_test::HelmTemplate(
        {"--set", "controller.git.repo=https://git.example.com/acme/shop-deploy"});
    ASSERT_EQ(r.exit_code, 0) << r.errors;
    ASSERT_TRUE(r.parse_error.empty()) << r.parse_error;
    std::string documents;  // JSON documents, one YAML stream
    for (const json& o : r.objects) {
      const std::string kind = o.value("kind", "");
      if (kind == "ClusterRole" || kind == "ClusterRoleBinding" || kind == "Role" ||
          kind == "RoleBinding") {
        rbac_.push_back(o);
        documents += "---\n" + o.dump() + "\n";
      }
    }
    ASSERT_FALSE(rbac_.empty());
    CreateNamespace(kReleaseNs);
    const std::string file = dir_ + "/rbac.yaml";
    std::ofstream(file) << documents;
    std::string out;
    ASSERT_EQ(Kubectl({"apply", "-f", file}, &out), 0) << out;

    // Each component's own kubeconfig: its ServiceAccount's token, nothing else.
    controller_kubeconfig_ = WriteKubeconfig("controller", kControllerToken);
    webhook_kubeconfig_ = WriteKubeconfig("webhook", kWebhookToken);
    agent_kubeconfig_ = WriteKubeconfig("agent", kAgentToken);

    forge_ = std::make_unique<forge::TestForge>(forge::Kind::kGitHub, dir_ + "/forge", kProject,
                                                kForgeToken);
    ASSERT_TRUE(forge_->Start());
    const std::string clone = dir_ + "/teammate";
    std::filesystem::create_directories(clone + "/deploy");
    std::ofstream(clone + "/deploy/cart.yaml") << kCartYaml;
    const std::string g =
        "git -c user.name=teammate -c user.email=t@example.com -C '" + clone + "' ";
    util::SpawnOptions o;
    o.stdout_path = dir_ + "/git.log";
    o.stderr_to_stdout = true;
    o.stdin_path = "/dev/null";
    auto p = util::Process::Shell("git init -q -b main '" + clone + "' && " + g +
                                      "remote add origin '" + forge_->bare_repo() + "' && " + g +
                                      "add -A && " + g + "commit -q -m 'add cart' && " + g +
                                      "push -q origin main",
                                  o);
    ASSERT_TRUE(p.ok()) << p.status();
    ASSERT_EQ(util::ExitCodeOf(p->Wait()), 0) << ReadFile(dir_ + "/git.log");
    Apply(absl::StrCat("apiVersion: v1\nkind: Secret\nmetadata: {name: minpriv-git-token, "
                       "namespace: minpriv-system}\ntype: Opaque\ndata:\n  token: ",
                       absl::Base64Escape(absl::StrCat(kForgeToken, "\n")), "\n"));
  }

  void TearDown() override {
    if (webhook_ && !webhook_->exited()) webhook_->Stop(absl::Seconds(5));
    if (HasFailure()) std::fprintf(stderr, "---- webhook.log\n%s\n", ReadFile(dir_ + "/webhook.log").c_str());
    webhook_.reset();
    if (agent_ && !agent_->exited()) agent_->Stop(absl::Seconds(20));
    if (HasFailure()) std::fprintf(stderr, "---- agent.log\n%s\n", ReadFile(dir_ + "/agent.log").c_str());
    agent_.reset();
    if (!cgroup_root_.empty()) {
      (void)util::RemoveCgroup(cgroup_root_ + "/kubepods.slice/kubepods-besteffort.slice");
      (void)util::RemoveCgroup(cgroup_root_ + "/kubepods.slice");
      (void)util::RemoveCgroup(cgroup_root_);
    }
    ControllerE2eTest::TearDown();
    forge_.reset();
  }

  std::string WriteKubeconfig(const std::string& user, const std::string& token) {
    const std::string path = dir_ + "/" + user + ".kubeconfig";
    std::ofstream(path) << "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
                           "    server: "
                        << server_->url() << "\nusers:\n- name: " << user
                        << "\n  user:\n    token: " << token
                        << "\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: "
                        << user << "\ncurrent-context: c\n";
    return path;
  }

  // `minpriv webhook` under its own identity, with a self-signed serving certificate.
  void StartWebhook() {
    util::SpawnOptions so;
    so.stdout_path = dir_ + "/openssl.log";
    so.stderr_to_stdout = true;
    so.stdin_path = "/dev/null";
    auto cert = util::Process::Shell(
        "cd '" + dir_ + "' && openssl req -x509 -newkey ec -pkeyopt "
        "ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=minpriv-webhook -addext "
        "subjectAltName=IP:127.0.0.1 -keyout server.key -out server.pem",
        so);
    ASSERT_TRUE(cert.ok()) << cert.status();
    ASSERT_EQ(util::ExitCodeOf(cert->Wait()), 0) << ReadFile(dir_ + "/openssl.log");
    util::SpawnOptions o;
    o.stdout_path = dir_ + "/webhook.log";
    o.stderr_to_stdout = true;
    o.search_path = false;
    auto p = util::Process::Spawn(
        {MINPRIV_BINARY, "webhook", "--listen", "127.0.0.1:0", "--tls-cert",
         dir_ + "/server.pem", "--tls-key", dir_ + "/server.key", "--kubeconfig",
         webhook_kubeconfig_, "--default-mode", "enforce"},
        o);
    ASSERT_TRUE(p.ok()) << p.status();
    webhook_ = *std::move(p);
    ASSERT_TRUE(WaitFor([&] {
      return ReadFile(dir_ + "/webhook.log").find(" on port ") != std::string::npos;
    })) << ReadFile(dir_ + "/webhook.log");
  }

  // `minpriv agent --node node-a` under its own identity, on an empty kubepods cgroup tree of
  // its own (no container to observe: its profile writes are agent_controller_e2e_test's).
  void StartAgent() {
    auto mount = util::CgroupV2Root();
    ASSERT_TRUE(mount.ok()) << mount.status();
    cgroup_root_ = absl::StrCat(*mount, "/minpriv-rbac-e2e-", getpid());
    std::error_code ec;
    std::filesystem::create_directories(cgroup_root_ + "/kubepods.slice/kubepods-besteffort.slice",
                                        ec);
    ASSERT_FALSE(ec) << ec.message();
    std::filesystem::create_directories(dir_ + "/seccomp");
    util::SpawnOptions o;
    o.stdout_path = dir_ + "/agent.log";
    o.stderr_to_stdout = true;
    o.search_path = false;
    auto p = util::Process::Spawn(
        {MINPRIV_BINARY, "agent", "--node", "node-a", "--kubeconfig", agent_kubeconfig_,
         "--cgroup-root", cgroup_root_, "--seccomp-dir", dir_ + "/seccomp",
         "--publish-interval", "1s"},
        o);
    ASSERT_TRUE(p.ok()) << p.status();
    agent_ = *std::move(p);
    ASSERT_TRUE(WaitFor([&] {
      return Audited(Audit(), kAgentUser, "watch", "remediationproposals", "") &&
             Audited(Audit(), kAgentUser, "watch", "pods", "");
    }, absl::Seconds(60))) << ReadFile(dir_ + "/agent.log");
  }

  // Every request of `user` allowed; every verb the chart grants it used, or in `unused_ok`.
  void ExpectLeastPrivilege(const std::string& user,
                            const std::map<std::string, std::string>& unused_ok,
                            const std::map<std::string, std::string>& races,
                            const std::string& log) {
    std::vector<std::string> denied;
    std::vector<json> mine;
    for (const json& line : Audit()) {
      if (line.value("user", "") != user) continue;
      mine.push_back(line);
      if (!line.value("allowed", false)) denied.push_back(line.dump());
    }
    ASSERT_FALSE(mine.empty()) << "no request was made as " << user << "\n" << log;
    EXPECT_THAT(denied, ::testing::IsEmpty()) << user << "\n" << log;
    const std::vector<GrantedRule> granted = GrantedTo(rbac_, user);
    ASSERT_FALSE(granted.empty()) << user;
    std::set<std::string> unused, listed;
    for (const GrantedRule& g : granted) {
      if (races.count(g.key) == 0 &&
          std::none_of(mine.begin(), mine.end(), [&](const json& r) { return Uses(r, g); })) {
        unused.insert(g.key);
      }
    }
    for (const auto& [key, why] : races) {
      EXPECT_TRUE(std::any_of(granted.begin(), granted.end(),
                              [&](const GrantedRule& g) { return g.key == key; }))
          << key << " is listed but not granted";
    }
    for (const auto& [key, why] : unused_ok) listed.insert(key);
    EXPECT_EQ(unused, listed) << user << ": granted but unused: " << absl::StrJoin(unused, ", ");
  }

  std::vector<json> Audit() { return deploy_test::ReadAuditLog(audit_log_); }

  void Approve(const std::string& rp, const std::string& extra_spec = "") {
    std::string out;
    ASSERT_EQ(Kubectl({"patch", "rp", rp, "-n", "shop", "--type", "merge", "-p",
                       absl::StrCat(R"({"spec":{"decision":"Approved")", extra_spec, "}}")},
                      &out),
              0)
        << out;
  }

  std::string audit_dir_, audit_log_, webhook_kubeconfig_, agent_kubeconfig_, cgroup_root_;
  std::optional<util::Process> webhook_, agent_;
  std::vector<json> rbac_;
  std::unique_ptr<forge::TestForge> forge_;
};

TEST_F(RbacE2eTest, ControllerWebhookAndAgentNeedEveryRuleTheyAreGrantedAndNothingElse) {
  CreateNamespace("shop");
  CreateDeployment("shop", "web");
  CreateRunningPod("shop", "web-1", "web", "node-a");
  CreateRunningPod("shop", "web-2", "web", "node-b");
  CreatePartial("shop", "web", "node-a", {"read", "write", "openat"});
  CreatePartial("shop", "web", "node-b", {"read", "ptrace"});
  CreateDeployment("shop", "api");
  // Learned on node-c, which has no agent here: node-a's report does not let it be applied.
  CreatePartial("shop", "api", "node-c", {"read", "write"});
  CreateDeployment("shop", "cart");
  CreatePartial("shop", "cart", "node-a", {"read", "write"});
  StartWebhook();
  StartAgent();
  StartController("c1", {"--leader-election-namespace", kReleaseNs, "--git-repo",
                         forge_->repo_url(), "--git-forge", "github", "--git-api-url",
                         forge_->api_url(), "--git-project", kProject, "--git-token-secret",
                         "minpriv-system/minpriv-git-token/token", "--git-work-dir",
                         dir_ + "/clones", "--pr-recheck", "1s"});
  for (const char* rp : {"deployment-web", "deployment-api", "deployment-cart"}) {
    ASSERT_TRUE(WaitFor([&] { return Phase("shop", rp) == "Proposed"; }, absl::Seconds(30)))
        << rp << "\n" << ControllerLog("c1");
  }

  // Apply, then revert: the patch, the NetworkPolicy, Events.
  Approve("deployment-web");
  // node-a's agent installs the approved profile and reports it; node-b's report is simulated.
  ASSERT_TRUE(WaitFor([&] {
    return Audited(Audit(), kAgentUser, "patch", "remediationproposals/status", "deployment-web");
  })) << ReadFile(dir_ + "/agent.log");
  ReportSeccompInstalled("shop", "deployment-web");
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "deployment-web") == "Applied"; }))
      << ControllerLog("c1");
  // The webhook reads the applied proposal's workload once (its pod-level settings).
  ASSERT_TRUE(WaitFor([&] {
    for (const json& line : Audit()) {
      if (line.value("user", "") == kWebhookUser && line.value("verb", "") == "get" &&
          line.value("resource", "") == "deployments" && line.value("name", "") == "web") {
        return true;
      }
    }
    return false;
  })) << ReadFile(dir_ + "/webhook.log");
  std::string out;
  ASSERT_EQ(Kubectl({"patch", "rp", "deployment-web", "-n", "shop", "--type", "merge", "-p",
                     R"({"spec":{"decision":"Rejected"}})"},
                    &out),
            0)
      << out;
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "deployment-web") == "Rejected"; }))
      << ControllerLog("c1");

  // A workload edited between approval and apply: read fresh, re-proposed, not patched.
  Approve("deployment-api");
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "deployment-api") == "Approved"; }));
  ASSERT_EQ(Kubectl({"patch", "deployment", "api", "-n", "shop", "--type", "json", "-p",
                     R"([{"op":"add","path":"/spec/template/spec/containers/0/securityContext",)"
                     R"("value":{"runAsUser":1000}}])"},
                    &out),
            0)
      << out;
  ReportSeccompInstalled("shop", "deployment-api", {"node-c"});
  ASSERT_TRUE(WaitFor([&] {
    auto rp = Get(kProposals, "shop", "deployment-api");
    return rp && (*rp)["status"]["patch"].dump().find("runAsUser") != std::string::npos &&
           Phase("shop", "deployment-api") == "Proposed";
  })) << ControllerLog("c1");

  // PullRequest delivery: the token read from its one Secret, the pull request followed.
  Approve("deployment-cart", R"(,"delivery":"PullRequest")");
  ASSERT_TRUE(WaitFor([&] {
    auto rp = Get(kProposals, "shop", "deployment-cart");
    return rp && rp->contains("status") && (*rp)["status"].contains("pullRequest");
  }, absl::Seconds(60))) << ControllerLog("c1");
  forge_->SetState(1, "merged");
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "deployment-cart") == "Applied"; },
                      absl::Seconds(30)))
      << ControllerLog("c1");

  // A proposal edited into nonsense: the status is patched with the condition.
  ASSERT_EQ(Kubectl({"patch", "rp", "deployment-api", "-n", "shop", "--type", "merge", "-p",
                     R"({"spec":{"decision":"Maybe"}})"},
                    &out),
            0)
      << out;
  ASSERT_TRUE(WaitFor([&] {
    std::string r;
    return Condition("shop", "deployment-api", "Valid", &r) == "False" && r == "InvalidSpec";
  })) << ControllerLog("c1");
  // New behaviour after completion: the merged profile's spec is updated, learning reopens.
  CreatePartial("shop", "cart", "node-b", {"read", "write", "ptrace"});
  ASSERT_TRUE(WaitFor([&] {
    auto wp = Get(kProfiles, "shop", "deployment-cart");
    return wp && wp->dump().find("ptrace") != std::string::npos;
  })) << ControllerLog("c1");
  // The Lease is renewed (update) at least once.
  absl::SleepFor(absl::Seconds(3));
  controllers_[0].second.Stop(absl::Seconds(5));

  webhook_->Stop(absl::Seconds(5));
  agent_->Stop(absl::Seconds(20));
  ExpectLeastPrivilege(kControllerUser, ControllerNotExercisedHere(), ControllerUsedOnRaces(),
                       ControllerLog("c1"));
  ExpectLeastPrivilege(kWebhookUser, WebhookNotExercisedHere(), {},
                       ReadFile(dir_ + "/webhook.log"));
  ExpectLeastPrivilege(kAgentUser, AgentNotExercisedHere(), {}, ReadFile(dir_ + "/agent.log"));
  const std::vector<json> mine = Audit();
  // The Secret rule is scoped to its one name: any other Secret is Forbidden.
  bool secret_read = std::any_of(mine.begin(), mine.end(), [](const json& r) {
    return r.value("user", "") == kControllerUser && r.value("resource", "") == "secrets" &&
           r.value("name", "") == "minpriv-git-token" && r.value("allowed", false);
  });
  EXPECT_TRUE(secret_read);
}

// The server answers a request its RBAC denies as the real one does: 403, a Forbidden
// Status naming the user, verb, resource, group and scope.
TEST_F(RbacE2eTest, ADeniedRequestIsAForbiddenStatus) {
  auto config = kube::LoadKubeconfig(controller_kubeconfig_);
  ASSERT_TRUE(config.ok()) << config.status();
  auto client = kube::RestClient::Create(*config);
  ASSERT_TRUE(client.ok()) << client.status();
  auto other = client->Get({"", "v1", "secrets", true}, kReleaseNs, "someone-elses");
  ASSERT_FALSE(other.ok());
  EXPECT_TRUE(absl::IsPermissionDenied(other.status())) << other.status();
  EXPECT_THAT(std::string(other.status().message()),
              ::testing::HasSubstr(absl::StrCat(
                  "secrets \"someone-elses\" is forbidden: User \"", kControllerUser,
                  "\" cannot get resource \"secrets\" in API group \"\" in the namespace "
                  "\"minpriv-system\"")));
  // Its own Secret is readable.
  EXPECT_TRUE(client->Get({"", "v1", "secrets", true}, kReleaseNs, "minpriv-git-token").ok());
  // Its one name only: listing Secrets is not granted either.
  auto list = client->List({"", "v1", "secrets", true}, kReleaseNs);
  EXPECT_TRUE(absl::IsPermissionDenied(list.status())) << list.status();
  bool audited = false;
  for (const json& line : Audit()) {
    if (line.value("name", "") == "someone-elses") {
      audited = true;
      EXPECT_EQ(line.value("verb", ""), "get");
      EXPECT_FALSE(line.value("allowed", true));
    }
  }
  EXPECT_TRUE(audited);
}

}  // namespace
}  // namespace minpriv::controller::testing
