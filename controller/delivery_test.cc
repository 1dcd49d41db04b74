#include "controller/delivery.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace minpriv::controller {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

json WithOwner(const std::string& kind, const std::string& name) {
  return {{"metadata",
           {{"name", "x"},
            {"ownerReferences", json::array({{{"kind", kind}, {"name", name},
                                              {"controller", true}}})}}}};
}

TEST(PatchTargetTest, InPlaceKindsThemselvesAJobThroughItsCronJob) {
  auto d = ResolvePatchTarget({"shop", "Deployment", "web"}, json::object());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->kind->kind, "Deployment");
  EXPECT_EQ(d->Translate("/spec/template/spec"), "/spec/template/spec");

  auto job = ResolvePatchTarget({"shop", "Job", "backup-29"}, WithOwner("CronJob", "backup"));
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->kind->kind, "CronJob");
  EXPECT_EQ(job->name, "backup");
  EXPECT_EQ(job->Translate("/spec/template/spec/containers/0"),
            "/spec/jobTemplate/spec/template/spec/containers/0");

  auto lone = ResolvePatchTarget({"shop", "Job", "once"}, json::object());
  EXPECT_TRUE(absl::IsFailedPrecondition(lone.status()));
  EXPECT_THAT(std::string(lone.status().message()), HasSubstr("immutable"));
  auto pod = ResolvePatchTarget({"shop", "Pod", "debug"}, json::object());
  EXPECT_TRUE(absl::IsFailedPrecondition(pod.status()));
}

TEST(PendingPullRequestDeliveryTest, WaitsWithAReasonTheOperatorCanRead) {
  PendingPullRequestDelivery d;
  crd::RemediationProposal rp;
  json workload = json::object();
  auto r = d.Deliver({{"shop", "Deployment", "web"}, &workload, &rp, 1});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome, DeliveryResult::Outcome::kPending);
  EXPECT_EQ(r->reason, "PullRequestDeliveryPending");
  EXPECT_FALSE(r->applied.has_value());
}

}  // namespace
}  // namespace minpriv::controller
