#include "tests/webhook/webhook_e2e_fixture.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tests/test_util.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "crd/remediation_proposal_json.h"
#include "crd/settings.h"
#include "kube/config.h"

namespace minpriv::webhooks::testing {

using nlohmann::json;

namespace {

const kube::ResourceRef kProposals{"minpriv.dev", "v1alpha1", "remediationproposals", true};
const kube::ResourceRef kSettings{"minpriv.dev", "v1alpha1", "minprivsettings", true};
const kube::ResourceRef kClusterSettings{"minpriv.dev", "v1alpha1", "clusterminprivsettings",
                                         false};
const kube::ResourceRef kDeployments{"apps", "v1", "deployments", true};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int Shell(const std::string& command) { return std::system(command.c_str()); }

json Settings(bool cluster, const std::string& ns, crd::EnforcementMode mode) {
  crd::MinprivSettings s;
  s.cluster_scoped = cluster;
  s.metadata.name = crd::kSettingsObjectName;
  s.metadata.namespace_ = ns;
  s.spec.enforcement = mode;
  return crd::MinprivSettingsToJson(s);
}

}  // namespace

json ApprovedSecurityContext() {
  return {{"allowPrivilegeEscalation", false},
          {"capabilities", {{"drop", {"ALL"}}, {"add", {"NET_BIND_SERVICE"}}}},
          {"readOnlyRootFilesystem", true},
          {"runAsNonRoot", true},
          {"seccompProfile", {{"type", "RuntimeDefault"}}}};
}

std::string DeploymentYaml(const std::string& ns, const json& security_context) {
  std::string sc = security_context.is_null()
                       ? ""
                       : absl::StrCat("\n        securityContext: ", security_context.dump());
  return absl::StrCat(R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: )", ns, R"(
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: web:1)", sc, "\n");
}

void WebhookE2eTest::SetUp() {
  char tmpl[] = "/tmp/minpriv-webhook-e2e-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  dir_ = tmpl;
  // The webhook's CA and serving certificate for 127.0.0.1 (what the API server verifies).
  const std::string d = dir_ + "/";
  ASSERT_EQ(Shell(absl::StrCat(
                "cd ", Quote(dir_),
                " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
                "-days 2 -subj /CN=webhook-e2e-ca -keyout ca.key -out ca.pem 2>/dev/null"
                " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
                "-subj /CN=minpriv-webhook -keyout server.key -out server.csr 2>/dev/null"
                " && printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext"
                " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
                "-days 2 -extfile san.ext -out server.pem 2>/dev/null")),
            0);
  auto server = kube::testing::TestApiServer::Start({"--tls"});
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = *std::move(server);
  auto config = kube::LoadKubeconfig(server_->kubeconfig());
  ASSERT_TRUE(config.ok()) << config.status();
  auto client = kube::RestClient::Create(*config);
  ASSERT_TRUE(client.ok()) << client.status();
  client_ = *std::move(client);
  for (const char* crd : {"remediationproposals", "minprivsettings", "clusterminprivsettings"}) {
    std::string out;
    ASSERT_EQ(Kubectl({"apply", "-f", absl::StrCat(MINPRIV_CRD_DIR, "/minpriv.dev_", crd, ".yaml")},
                      &out),
              0)
        << out;
  }
  // Enforce cluster-wide, audit in staging: set by whoever may write minpriv's settings.
  ASSERT_TRUE(WaitFor([&] {
    return client_->Create(kClusterSettings, "", Settings(true, "", crd::EnforcementMode::kEnforce))
        .ok();
  }));
  for (const std::string ns : {"shop", "staging", "kube-system"}) {
    if (ns != "kube-system") {
      ASSERT_EQ(Apply(absl::StrCat("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ", ns,
                                   "\n")),
                0);
    }
    std::string out;
    ASSERT_EQ(Apply(DeploymentYaml(ns, ApprovedSecurityContext()), &out), 0) << out;
    crd::RemediationProposal p;
    p.metadata.name = "deployment-web";
    p.metadata.namespace_ = ns;
    p.spec.target = {"apps/v1", "Deployment", "web"};
    p.spec.decision = crd::Decision::kApproved;
    auto created = client_->Create(kProposals, ns, crd::RemediationProposalToJson(p));
    ASSERT_TRUE(created.ok()) << created.status();
    crd::ContainerChange c;
    c.name = "app";
    c.security_context = ApprovedSecurityContext();
    p.status.phase = crd::ProposalPhase::kApproved;
    p.status.profile = "deployment-web";
    p.status.containers = {c};
    p.status.evidence = {{"container app", "capability `NET_BIND_SERVICE` kept: __inet_bind"}};
    json with_status = *created;
    with_status["status"] = crd::ProposalStatusToJson(p.status);
    auto updated = client_->UpdateStatus(kProposals, ns, with_status);
    ASSERT_TRUE(updated.ok()) << updated.status();
  }
  ASSERT_TRUE(client_->Create(kSettings, "staging",
                              Settings(false, "staging", crd::EnforcementMode::kAudit))
                  .ok());
  ASSERT_TRUE(StartWebhook(server_->kubeconfig()));
  ASSERT_TRUE(WaitFor([&] { return Readyz() == 200; })) << ReadFile(dir_ + "/webhook.log");
  ApplyConfigurations("Fail", webhook_port_);
}

void WebhookE2eTest::TearDown() {
  if (HasFailure()) {
    std::fprintf(stderr, "---- webhook.log\n%s\n", ReadFile(dir_ + "/webhook.log").c_str());
  }
  StopWebhook();
  server_.reset();
  Shell(absl::StrCat("rm -rf ", Quote(dir_)));
}

int WebhookE2eTest::Kubectl(const std::vector<std::string>& args, std::string* out) {
  std::vector<std::string> argv = {"--kubeconfig", server_->kubeconfig()};
  argv.insert(argv.end(), args.begin(), args.end());
  test::RunResult r =
      test::RunBinary(MINPRIV_KUBECTL, argv, dir_, "kubectl", /*merge_stderr=*/true);
  if (out != nullptr) *out = r.out;
  return r.exit_code;
}

int WebhookE2eTest::Apply(const std::string& yaml, std::string* out) {
  const std::string file = dir_ + "/apply.yaml";
  std::ofstream(file) << yaml;
  return Kubectl({"apply", "-f", file}, out);
}

bool WebhookE2eTest::StartWebhook(const std::string& kubeconfig) {
  const std::string log = dir_ + "/webhook.log";
  std::ofstream(log, std::ios::trunc);
  util::SpawnOptions o;
  o.stdout_path = log;
  o.stderr_to_stdout = true;
  o.search_path = false;
  auto p = util::Process::Spawn(
      {MINPRIV_BINARY, "webhook", "--listen", "127.0.0.1:0", "--tls-cert", dir_ + "/server.pem",
       "--tls-key", dir_ + "/server.key", "--kubeconfig", kubeconfig, "--default-mode", "audit"},
      o);
  if (!p.ok()) return false;
  webhook_ = *std::move(p);
  // "webhook: serving N approved workload(s) from ... on port PORT (default mode audit)"
  return WaitFor([&] {
    std::string text = ReadFile(log);
    size_t at = text.find(" on port ");
    if (at == std::string::npos) return false;
    size_t start = at + 9, end = text.find(' ', start);
    return absl::SimpleAtoi(text.substr(start, end - start), &webhook_port_) && webhook_port_ > 0;
  });
}

void WebhookE2eTest::StopWebhook() {
  if (webhook_ && !webhook_->exited()) webhook_->Stop(absl::Seconds(5));
  webhook_.reset();
}

int WebhookE2eTest::Readyz() {
  const std::string out = dir_ + "/readyz.out";
  Shell(absl::StrCat("curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert ",
                     Quote(dir_ + "/ca.pem"), " https://127.0.0.1:", webhook_port_,
                     "/readyz > ", Quote(out)));
  int code = 0;
  return absl::SimpleAtoi(ReadFile(out), &code) ? code : 0;
}

void WebhookE2eTest::ApplyConfigurations(const std::string& failure_policy, int port) {
  std::string ca = absl::Base64Escape(ReadFile(dir_ + "/ca.pem"));
  std::string yaml;
  for (const std::string kind : {"Validating", "Mutating"}) {
    std::string path = kind == "Validating" ? "validate" : "mutate";
    absl::StrAppend(&yaml, "---\napiVersion: admissionregistration.k8s.io/v1\nkind: ", kind,
                    R"(WebhookConfiguration
metadata:
  name: minpriv-webhook
webhooks:
- name: )", path, R"(.minpriv.dev
  admissionReviewVersions: [v1]
  sideEffects: None
  timeoutSeconds: 5
  failurePolicy: )", failure_policy, R"(
  clientConfig:
    url: https://127.0.0.1:)", port, "/", path, R"(
    caBundle: )", ca, R"(
  namespaceSelector:
    matchExpressions:
    - key: kubernetes.io/metadata.name
      operator: NotIn
      values: [kube-system, minpriv-system]
  rules:
  - apiGroups: [""]
    apiVersions: [v1]
    operations: [CREATE, UPDATE]
    resources: [pods, pods/ephemeralcontainers]
    scope: Namespaced
  - apiGroups: [apps]
    apiVersions: [v1]
    operations: [CREATE, UPDATE]
    resources: [deployments, statefulsets, daemonsets, replicasets]
    scope: Namespaced
)");
  }
  std::string out;
  ASSERT_EQ(Apply(yaml, &out), 0) << out;
}

json WebhookE2eTest::StoredSecurityContext(const std::string& ns) {
  auto d = client_->Get(kDeployments, ns, "web");
  EXPECT_TRUE(d.ok()) << d.status();
  if (!d.ok()) return json();
  return (*d)["spec"]["template"]["spec"]["containers"][0].value("securityContext", json());
}

bool WebhookE2eTest::WaitFor(const std::function<bool()>& fn, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (fn()) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return fn();
}

}  // namespace minpriv::webhooks::testing
