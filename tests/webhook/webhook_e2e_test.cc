// The admission webhook end to end: kubectl 1.34 → the test API server → the real
// `minpriv webhook --kubeconfig` (approved RemediationProposals and the settings' modes from
// the API) → a denial, a warning, a mutation, an exemption, or the failure policy.
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "kube/test_apiserver.h"
#include "tests/webhook/webhook_e2e_fixture.h"

namespace minpriv::webhooks::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

json Widened() {
  json sc = ApprovedSecurityContext();
  sc["capabilities"]["add"].push_back("SYS_ADMIN");
  return sc;
}

TEST_F(WebhookE2eTest, EnforceModeRejectsAWidenedDeploymentWithMinprivsMessage) {
  std::string out;
  EXPECT_NE(Apply(DeploymentYaml("shop", Widened()), &out), 0);
  EXPECT_THAT(out, HasSubstr("admission webhook \"validate.minpriv.dev\" denied the request: "
                             "minpriv: Deployment shop/web is wider than its approved policy "
                             "(Deployment web, approved in RemediationProposal "
                             "shop/deployment-web (Approved))"));
  EXPECT_THAT(out, HasSubstr("container app: capability SYS_ADMIN"));
  EXPECT_THAT(out, HasSubstr("__inet_bind"));  // the proposal's evidence
  EXPECT_EQ(StoredSecurityContext("shop"), ApprovedSecurityContext());
  // A server-side dry run gets the same verdict.
  const std::string file = dir_ + "/dry.yaml";
  std::ofstream(file) << DeploymentYaml("shop", Widened());
  EXPECT_NE(Kubectl({"apply", "--dry-run=server", "-f", file}, &out), 0);
  EXPECT_THAT(out, HasSubstr("denied the request: minpriv:"));
}

TEST_F(WebhookE2eTest, AuditModeAcceptsAWidenedDeploymentWithAWarning) {
  std::string out;
  ASSERT_EQ(Apply(DeploymentYaml("staging", Widened()), &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("Warning: minpriv: Deployment staging/web is wider than its "
                             "approved policy"));
  EXPECT_THAT(out, HasSubstr("(audit mode: allowed)"));
  EXPECT_THAT(out, HasSubstr("Warning: minpriv: container app: capability SYS_ADMIN"));
  EXPECT_THAT(StoredSecurityContext("staging")["capabilities"]["add"].dump(),
              HasSubstr("SYS_ADMIN"));
}

TEST_F(WebhookE2eTest, ADeploymentLackingTheApprovedFieldsIsStoredWithThem) {
  std::string out;
  ASSERT_EQ(Apply(DeploymentYaml("shop", json()), &out), 0) << out;
  EXPECT_EQ(StoredSecurityContext("shop"), ApprovedSecurityContext());
  // Narrower than approved is kept as written (never overwritten).
  json narrower = ApprovedSecurityContext();
  narrower["capabilities"]["add"] = json::array();
  ASSERT_EQ(Apply(DeploymentYaml("shop", narrower), &out), 0) << out;
  EXPECT_EQ(StoredSecurityContext("shop")["capabilities"]["add"], json::array());
}

TEST_F(WebhookE2eTest, AServerDryRunGetsTheSameAnswerAndStoresNothing) {
  auto rv = [&](const std::string& ns) {
    std::string out;
    Kubectl({"get", "deployment", "web", "-n", ns, "-o", "jsonpath={.metadata.resourceVersion}"},
            &out);
    return out;
  };
  const std::string shop_rv = rv("shop"), staging_rv = rv("staging");
  ASSERT_FALSE(shop_rv.empty());
  const std::string file = dir_ + "/dry.yaml";
  std::string out;
  // Enforce mode, a narrower Deployment: answered as stored, written nowhere.
  json narrower = ApprovedSecurityContext();
  narrower["capabilities"]["add"] = json::array();
  std::ofstream(file) << DeploymentYaml("shop", narrower);
  ASSERT_EQ(Kubectl({"apply", "--dry-run=server", "-o", "json", "-f", file}, &out), 0) << out;
  json answer = json::parse(out.substr(out.find('{')), nullptr, false);
  ASSERT_TRUE(answer.is_object()) << out;
  EXPECT_EQ(answer["spec"]["template"]["spec"]["containers"][0]["securityContext"]
                  ["capabilities"]["add"],
            json::array());
  // Lacking the approved fields: the dry run's answer carries the mutation.
  std::ofstream(file, std::ios::trunc) << DeploymentYaml("shop", json());
  ASSERT_EQ(Kubectl({"apply", "--dry-run=server", "-o", "json", "-f", file}, &out), 0) << out;
  answer = json::parse(out.substr(out.find('{')), nullptr, false);
  ASSERT_TRUE(answer.is_object()) << out;
  EXPECT_EQ(answer["spec"]["template"]["spec"]["containers"][0]["securityContext"],
            ApprovedSecurityContext());
  // Audit mode, widened: the same warnings, nothing stored.
  std::ofstream(file, std::ios::trunc) << DeploymentYaml("staging", Widened());
  ASSERT_EQ(Kubectl({"apply", "--dry-run=server", "-f", file}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("Warning: minpriv: container app: capability SYS_ADMIN"));
  EXPECT_THAT(out, HasSubstr("configured (server dry run)"));
  // A create in a namespace without the Deployment: not created.
  std::ofstream(file, std::ios::trunc) << absl::StrCat(
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: other, namespace: shop}\n",
      "spec:\n  selector: {matchLabels: {app: o}}\n  template:\n    metadata: {labels: {app: o}}\n",
      "    spec: {containers: [{name: c, image: o:1}]}\n");
  ASSERT_EQ(Kubectl({"create", "--dry-run=server", "-f", file}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("deployment.apps/other created (server dry run)"));
  EXPECT_NE(Kubectl({"get", "deployment", "other", "-n", "shop"}, &out), 0);
  EXPECT_THAT(out, HasSubstr("NotFound"));

  EXPECT_EQ(rv("shop"), shop_rv);
  EXPECT_EQ(rv("staging"), staging_rv);
  EXPECT_EQ(StoredSecurityContext("shop"), ApprovedSecurityContext());
  EXPECT_EQ(StoredSecurityContext("staging"), ApprovedSecurityContext());
}

TEST_F(WebhookE2eTest, KubeSystemIsExemptByTheNamespaceSelector) {
  std::string out;
  ASSERT_EQ(Apply(DeploymentYaml("kube-system", Widened()), &out), 0) << out;
  EXPECT_THAT(out, Not(HasSubstr("minpriv")));
  EXPECT_THAT(StoredSecurityContext("kube-system")["capabilities"]["add"].dump(),
              HasSubstr("SYS_ADMIN"));
}

TEST_F(WebhookE2eTest, WithTheWebhookDownIgnoreAllowsAndFailRejects) {
  int port = webhook_port_;
  StopWebhook();
  ApplyConfigurations("Ignore", port);
  std::string out;
  ASSERT_EQ(Apply(DeploymentYaml("shop", Widened()), &out), 0) << out;
  EXPECT_THAT(StoredSecurityContext("shop")["capabilities"]["add"].dump(),
              HasSubstr("SYS_ADMIN"));
  ApplyConfigurations("Fail", port);
  json wider = Widened();
  wider["privileged"] = true;
  EXPECT_NE(Apply(DeploymentYaml("shop", wider), &out), 0);
  EXPECT_THAT(out, HasSubstr(absl::StrCat(
                       "Internal error occurred: failed calling webhook \"mutate.minpriv.dev\": "
                       "failed to call webhook: Post \"https://127.0.0.1:",
                       port, "/mutate\": dial tcp 127.0.0.1:", port,
                       ": connect: connection refused")));
  EXPECT_FALSE(StoredSecurityContext("shop").contains("privileged"));
}

TEST_F(WebhookE2eTest, ReadyzWaitsForTheInformersToSync) {
  // A second webhook whose API server is behind a proxy refusing connections.
  kube::testing::TcpProxy proxy(server_->port());
  proxy.SetRefusing(true);
  std::string kubeconfig = dir_ + "/proxied.kubeconfig";
  std::string text;
  {
    std::ifstream in(server_->kubeconfig());
    std::stringstream s;
    s << in.rdbuf();
    text = s.str();
  }
  std::string from = absl::StrCat("127.0.0.1:", server_->port());
  size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, from.size(), absl::StrCat("127.0.0.1:", proxy.port()));
  std::ofstream(kubeconfig) << text;
  StopWebhook();
  ASSERT_TRUE(StartWebhook(kubeconfig));
  absl::SleepFor(absl::Seconds(1));
  EXPECT_EQ(Readyz(), 503);
  proxy.SetRefusing(false);
  EXPECT_TRUE(WaitFor([&] { return Readyz() == 200; }, absl::Seconds(40)));
}

}  // namespace
}  // namespace minpriv::webhooks::testing
