// End-to-end fixture: the test API server, minpriv's CRDs applied with the real kubectl 1.34,
// and real `minpriv controller` processes. Waits poll the API (or /metrics) with a deadline.
#ifndef MINPRIV_TESTS_CONTROLLER_CONTROLLER_E2E_FIXTURE_H_
#define MINPRIV_TESTS_CONTROLLER_CONTROLLER_E2E_FIXTURE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/time/time.h"
#include "crd/workload_profile.h"
#include "kube/rest_client.h"
#include "kube/test_apiserver.h"
#include "util/process.h"

namespace minpriv::controller::testing {

class ControllerE2eTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // `kubectl --kubeconfig K ARGS...`; the exit code, output in *out (stdout and stderr).
  int Kubectl(const std::vector<std::string>& args, std::string* out = nullptr);
  // kubectl apply of a YAML document.
  void Apply(const std::string& yaml);

  // Starts `minpriv controller` with the test windows and `extra` flags; its log is
  // <dir>/<id>.log. Returns its index in controllers_.
  size_t StartController(const std::string& id, const std::vector<std::string>& extra = {});
  std::string ControllerLog(const std::string& id);

  // Polls `fn` every 50 ms until it is true or `timeout` passes.
  bool WaitFor(const std::function<bool()>& fn, absl::Duration timeout = absl::Seconds(20));

  void CreateNamespace(const std::string& ns);
  void CreateDeployment(const std::string& ns, const std::string& name);
  void CreateRunningPod(const std::string& ns, const std::string& name, const std::string& app,
                        const std::string& node);
  void CreatePartial(const std::string& ns, const std::string& workload, const std::string& node,
                     const std::vector<std::string>& syscalls);
  // A running pod whose controller owner is `owner_kind`/`owner_name` (no labels).
  void CreateOwnedRunningPod(const std::string& ns, const std::string& name,
                             const std::string& owner_kind, const std::string& owner_name,
                             const std::string& node);
  // A partial profile of any workload kind, with optional egress peers.
  struct PartialSpec {
    std::string kind = "Deployment";
    std::string api_version = "apps/v1";
    std::string workload;
    std::string node = "node-a";
    std::vector<std::string> syscalls = {"read", "write"};
    std::vector<crd::Peer> egress;
  };
  void CreatePartial(const std::string& ns, const PartialSpec& spec);
  // kubectl patch --type merge of any object.
  void MergePatch(const std::string& resource, const std::string& ns, const std::string& name,
                  const std::string& patch);

  std::optional<nlohmann::json> Get(const kube::ResourceRef& ref, const std::string& ns,
                                    const std::string& name);
  std::string Phase(const std::string& ns, const std::string& rp);
  // The status of condition `type` of the proposal ("" when absent), its reason in *reason.
  std::string Condition(const std::string& ns, const std::string& rp, const std::string& type,
                        std::string* reason = nullptr);
  // Simulates the node agents: status.seccompInstalls with the current profiles for `nodes`.
  void ReportSeccompInstalled(const std::string& ns, const std::string& rp,
                              const std::vector<std::string>& nodes = {"node-a", "node-b"});
  // Events in `ns` whose reason is `reason`, their messages.
  std::vector<std::string> Events(const std::string& ns, const std::string& reason);
  // A metric's value from http://127.0.0.1:PORT/metrics, nullopt when unreachable.
  std::optional<double> Metric(int port, const std::string& name);
  static int FreePort();

  // Set before SetUp (e.g. in a derived fixture's constructor): extra flags of the test API
  // server, and the kubeconfig StartController passes (empty: the server's own, an admin).
  std::vector<std::string> server_args_;
  std::string controller_kubeconfig_;

  std::unique_ptr<kube::testing::TestApiServer> server_;
  std::optional<kube::RestClient> client_;
  std::string dir_;
  std::vector<std::pair<std::string, util::Process>> controllers_;
};

}  // namespace minpriv::controller::testing

#endif  // MINPRIV_TESTS_CONTROLLER_CONTROLLER_E2E_FIXTURE_H_
