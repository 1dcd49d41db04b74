// `minpriv controller` and minpriv's settings (ClusterMinprivSettings / MinprivSettings), end
// to end: learning off per namespace, a workload's own windows, delivery, edited live with
// kubectl 1.34.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "controller/resources.h"
#include "tests/controller/controller_e2e_fixture.h"

namespace minpriv::controller::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

const kube::ResourceRef kDeployments{"apps", "v1", "deployments", true};

TEST_F(ControllerE2eTest, LearningOffInANamespaceGetsNoProposalUntilTurnedOnLive) {
  CreateNamespace("shop");
  CreateNamespace("quiet");
  Apply(R"(apiVersion: minpriv.dev/v1alpha1
kind: MinprivSettings
metadata: {name: default, namespace: quiet}
spec:
  learning: {enabled: false}
)");
  for (const char* ns : {"shop", "quiet"}) {
    CreateDeployment(ns, "web");
    CreatePartial(ns, "web", "node-a", {"read", "write"});
  }
  StartController("c1");
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "deployment-web") == "Proposed"; }));
  // Both were reconciled from the same caches; one more window for good measure.
  absl::SleepFor(absl::Seconds(3));
  EXPECT_FALSE(Get(kProposals, "quiet", "deployment-web").has_value());
  EXPECT_FALSE(Get(kProfiles, "quiet", "deployment-web").has_value());

  // Turned on live: learning starts then, and converges like anywhere else.
  const absl::Time on = absl::Now();
  MergePatch("minprivsettings", "quiet", "default", R"({"spec":{"learning":{"enabled":true}}})");
  ASSERT_TRUE(WaitFor([&] { return Phase("quiet", "deployment-web") == "Proposed"; }));
  EXPECT_GE(absl::Now() - on, absl::Seconds(2));  // the flags' minimum window
}

TEST_F(ControllerE2eTest, AWorkloadsWindowOverrideDecidesWhenItCompletesAndEditsTakeEffect) {
  CreateNamespace("shop");
  Apply(R"(apiVersion: minpriv.dev/v1alpha1
kind: MinprivSettings
metadata: {name: default, namespace: shop}
spec:
  workloads:
  - kind: Deployment
    name: slow
    learning: {minWindow: 1h}
)");
  for (const char* name : {"fast", "slow"}) {
    CreateDeployment("shop", name);
    CreatePartial("shop", name, "node-a", {"read", "write"});
  }
  const absl::Time started = absl::Now();
  StartController("c1");
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "deployment-fast") == "Proposed"; }));
  absl::SleepFor(absl::Seconds(2));
  EXPECT_EQ(Phase("shop", "deployment-slow"), "Learning");
  auto wp = Get(kProfiles, "shop", "deployment-slow");
  ASSERT_TRUE(wp.has_value());
  EXPECT_THAT(wp->dump(), HasSubstr("MinWindow"));

  // The operator shortens it live: completes 6 s after learning started, not 1 h.
  MergePatch("minprivsettings", "shop", "default",
             R"({"spec":{"workloads":[{"kind":"Deployment","name":"slow",)"
             R"("learning":{"minWindow":"6s"}}]}})");
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "deployment-slow") == "Proposed"; }));
  EXPECT_GE(absl::Now() - started, absl::Seconds(6));
}

TEST_F(ControllerE2eTest, PullRequestDeliveryWaitsApprovedUntilADeliveryIsPluggedIn) {
  CreateNamespace("shop");
  Apply(R"(apiVersion: minpriv.dev/v1alpha1
kind: ClusterMinprivSettings
metadata: {name: default}
spec: {delivery: PullRequest}
)");
  CreateDeployment("shop", "web");
  CreatePartial("shop", "web", "node-a", {"read", "write"});
  StartController("c1");
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "deployment-web") == "Proposed"; }));
  EXPECT_FALSE(Get(kProposals, "shop", "deployment-web")->at("spec").contains("delivery"));
  MergePatch("rp", "shop", "deployment-web", R"({"spec":{"decision":"Approved"}})");
  ReportSeccompInstalled("shop", "deployment-web");
  ASSERT_TRUE(WaitFor([&] {
    std::string r;
    return Condition("shop", "deployment-web", "Delivered", &r) == "False" &&
           r == "PullRequestDeliveryPending";
  }));
  EXPECT_EQ(Phase("shop", "deployment-web"), "Approved");
  auto web = Get(kDeployments, "shop", "web");
  EXPECT_FALSE((*web)["spec"]["template"]["spec"]["containers"][0].contains("securityContext"));

  // The proposal's own spec.delivery wins over every setting.
  MergePatch("rp", "shop", "deployment-web", R"({"spec":{"delivery":"Apply"}})");
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "deployment-web") == "Applied"; }));
  std::string reason;
  EXPECT_EQ(Condition("shop", "deployment-web", "Delivered", &reason), "True");
  EXPECT_EQ(reason, "Applied");
}

}  // namespace
}  // namespace minpriv::controller::testing
