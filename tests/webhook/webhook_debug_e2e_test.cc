// `kubectl debug` (kubectl 1.34) against an enforced workload end to end: kubectl sends a
// strategic merge patch to pods/NAME/ephemeralcontainers, the test API server keeps only the
// ephemeral containers and calls the webhooks with the Pod, subResource
// "ephemeralcontainers", object and oldObject, and `minpriv webhook` denies a debug container
// wider than the Pod's approved containers and admits a narrow one.
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/webhook/webhook_e2e_fixture.h"

namespace minpriv::webhooks::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

const kube::ResourceRef kDeployments{"apps", "v1", "deployments", true};
const kube::ResourceRef kReplicaSets{"apps", "v1", "replicasets", true};
const kube::ResourceRef kPods{"", "v1", "pods", true};

constexpr char kReplicaSet[] = "web-5d8f7c9b6";
constexpr char kPod[] = "web-5d8f7c9b6-x2k4q";

json OwnerReference(const std::string& api_version, const std::string& kind, const json& owner) {
  return json::array({{{"apiVersion", api_version},
                       {"kind", kind},
                       {"name", owner["metadata"]["name"]},
                       {"uid", owner["metadata"]["uid"]},
                       {"controller", true},
                       {"blockOwnerDeletion", true}}});
}

json PodSpec() {
  return {{"containers",
           json::array({{{"name", "app"},
                         {"image", "web:1"},
                         {"securityContext", ApprovedSecurityContext()}}})}};
}

class WebhookDebugE2eTest : public WebhookE2eTest {
 protected:
  // A ReplicaSet of Deployment NS/web and one of its Pods, as the controllers would create.
  void CreatePod(const std::string& ns) {
    auto deployment = client_->Get(kDeployments, ns, "web");
    ASSERT_TRUE(deployment.ok()) << deployment.status();
    json rs = {{"apiVersion", "apps/v1"},
               {"kind", "ReplicaSet"},
               {"metadata",
                {{"name", kReplicaSet},
                 {"labels", {{"app", "web"}}},
                 {"ownerReferences", OwnerReference("apps/v1", "Deployment", *deployment)}}},
               {"spec",
                {{"replicas", 1},
                 {"selector", {{"matchLabels", {{"app", "web"}}}}},
                 {"template",
                  {{"metadata", {{"labels", {{"app", "web"}}}}}, {"spec", PodSpec()}}}}}};
    auto created_rs = client_->Create(kReplicaSets, ns, rs);
    ASSERT_TRUE(created_rs.ok()) << created_rs.status();
    json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata",
                 {{"name", kPod},
                  {"labels", {{"app", "web"}}},
                  {"ownerReferences", OwnerReference("apps/v1", "ReplicaSet", *created_rs)}}},
                {"spec", PodSpec()}};
    auto created_pod = client_->Create(kPods, ns, pod);
    ASSERT_TRUE(created_pod.ok()) << created_pod.status();
  }

  json StoredPod(const std::string& ns = "shop") {
    auto pod = client_->Get(kPods, ns, kPod);
    EXPECT_TRUE(pod.ok()) << pod.status();
    return pod.ok() ? *pod : json();
  }

  std::string CustomProfile(const json& container) {
    const std::string path = dir_ + "/custom.json";
    std::ofstream(path) << container.dump();
    return path;
  }
};

TEST_F(WebhookDebugE2eTest, AWidenedDebugContainerIsDeniedAndANarrowOneAdmitted) {
  ASSERT_NO_FATAL_FAILURE(CreatePod("shop"));
  const json before = StoredPod();

  // --profile=sysadmin: a privileged debug container, wider than any approved container.
  std::string out;
  EXPECT_NE(Kubectl({"debug", "-n", "shop", kPod, "--image=busybox:1.36", "-c", "wide",
                     "--target=app", "--profile=sysadmin"},
                    &out),
            0);
  EXPECT_THAT(out, HasSubstr(absl::StrCat(
                       "admission webhook \"validate.minpriv.dev\" denied the request: minpriv: "
                       "Pod shop/",
                       kPod,
                       " is wider than its approved policy (Deployment web, approved in "
                       "RemediationProposal shop/deployment-web (Approved))")));
  EXPECT_THAT(out, HasSubstr("container wide: privileged"));
  EXPECT_THAT(out, HasSubstr("(as container app)"));
  EXPECT_EQ(StoredPod(), before);  // nothing stored, not even the resourceVersion

  // --profile=general adds SYS_PTRACE: also wider.
  EXPECT_NE(Kubectl({"debug", "-n", "shop", kPod, "--image=busybox:1.36", "-c", "ptrace",
                     "--target=app", "--profile=general"},
                    &out),
            0);
  EXPECT_THAT(out, HasSubstr("container ptrace: capability SYS_PTRACE"));

  // --profile=restricted with a read-only root (a custom profile): within what `app` was
  // approved to do, so admitted and stored.
  ASSERT_EQ(Kubectl({"debug", "-n", "shop", kPod, "--image=busybox:1.36", "-c", "narrow",
                     "--target=app", "--profile=restricted",
                     "--custom=" + CustomProfile({{"securityContext",
                                                   {{"readOnlyRootFilesystem", true}}}})},
                    &out),
            0)
      << out;
  EXPECT_THAT(out, Not(HasSubstr("minpriv")));
  json stored = StoredPod();
  ASSERT_EQ(stored["spec"]["ephemeralContainers"].size(), 1u) << stored.dump();
  const json& debug = stored["spec"]["ephemeralContainers"][0];
  EXPECT_EQ(debug["name"], "narrow");
  EXPECT_EQ(debug["targetContainerName"], "app");
  EXPECT_EQ(debug["securityContext"]["readOnlyRootFilesystem"], true);
  EXPECT_EQ(debug["securityContext"]["capabilities"]["drop"], json::array({"ALL"}));
  // Only the ephemeral containers changed (and the versions): the profile's label removal is
  // dropped by the subresource, as the real API server does.
  json rest = stored, rest_before = before;
  for (json* p : {&rest, &rest_before}) {
    (*p)["spec"].erase("ephemeralContainers");
    (*p)["metadata"].erase("resourceVersion");
    (*p)["metadata"].erase("generation");
  }
  EXPECT_EQ(rest, rest_before);
}

TEST_F(WebhookDebugE2eTest, InAuditModeAWidenedDebugContainerIsAdmittedWithAWarning) {
  ASSERT_NO_FATAL_FAILURE(CreatePod("staging"));
  std::string out;
  ASSERT_EQ(Kubectl({"debug", "-n", "staging", kPod, "--image=busybox:1.36", "-c", "wide",
                     "--target=app", "--profile=sysadmin"},
                    &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr(absl::StrCat("Warning: minpriv: Pod staging/", kPod,
                                          " is wider than its approved policy")));
  EXPECT_THAT(out, HasSubstr("(audit mode: allowed)"));
  EXPECT_THAT(out, HasSubstr("Warning: minpriv: container wide: privileged"));
  json stored = StoredPod("staging");
  ASSERT_EQ(stored["spec"]["ephemeralContainers"].size(), 1u) << stored.dump();
  EXPECT_EQ(stored["spec"]["ephemeralContainers"][0]["securityContext"]["privileged"], true);
}

}  // namespace
}  // namespace minpriv::webhooks::testing
