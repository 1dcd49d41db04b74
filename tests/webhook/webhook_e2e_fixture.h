// End-to-end fixture for the admission webhook: a test CA and serving certificate (openssl),
// the test API server over TLS with minpriv's CRDs, Deployments and approved
// RemediationProposals in three namespaces (shop: enforce, staging: audit, kube-system: enforce
// but exempted by the configurations' namespaceSelector), the real `minpriv webhook
// --kubeconfig` process, and its Validating/MutatingWebhookConfigurations applied with kubectl.
#ifndef MINPRIV_TESTS_WEBHOOK_WEBHOOK_E2E_FIXTURE_H_
#define MINPRIV_TESTS_WEBHOOK_WEBHOOK_E2E_FIXTURE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/time/time.h"
#include "kube/rest_client.h"
#include "kube/test_apiserver.h"
#include "util/process.h"

namespace minpriv::webhooks::testing {

// The approved container securityContext of every proposal here.
nlohmann::json ApprovedSecurityContext();

// A Deployment `web` in `ns` whose container `app` has `security_context` (none when null).
std::string DeploymentYaml(const std::string& ns, const nlohmann::json& security_context);

class WebhookE2eTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // `kubectl --kubeconfig K ARGS...`; the exit code, stdout and stderr in *out.
  int Kubectl(const std::vector<std::string>& args, std::string* out = nullptr);
  // kubectl apply of `yaml`; the exit code, output in *out.
  int Apply(const std::string& yaml, std::string* out = nullptr);

  // Starts `minpriv webhook --kubeconfig KUBECONFIG` and waits for its port; false on failure.
  bool StartWebhook(const std::string& kubeconfig);
  void StopWebhook();
  // /readyz of the running webhook: the HTTP status (0 when unreachable).
  int Readyz();
  // Applies both webhook configurations pointing at port `port`.
  void ApplyConfigurations(const std::string& failure_policy, int port);

  // The stored Deployment `web` of `ns`, container app's securityContext.
  nlohmann::json StoredSecurityContext(const std::string& ns);

  bool WaitFor(const std::function<bool()>& fn, absl::Duration timeout = absl::Seconds(20));

  std::unique_ptr<kube::testing::TestApiServer> server_;
  std::optional<kube::RestClient> client_;
  std::string dir_;
  std::optional<util::Process> webhook_;
  int webhook_port_ = 0;
};

}  // namespace minpriv::webhooks::testing

#endif  // MINPRIV_TESTS_WEBHOOK_WEBHOOK_E2E_FIXTURE_H_
