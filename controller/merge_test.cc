#include "controller/merge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controller/test_objects.h"

namespace minpriv::controller {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using nlohmann::json;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

MergeInput Input(std::vector<json> partials) {
  MergeInput in;
  in.key = {"shop", "Deployment", "web"};
  in.workload_uid = "u-1";
  in.partials = std::move(partials);
  in.now = kT0;
  in.windows = {absl::Seconds(10), absl::Seconds(30), absl::Seconds(300)};
  return in;
}

std::vector<std::string> Syscalls(const json& merged) {
  return merged["spec"]["containers"][0]["syscalls"].get<std::vector<std::string>>();
}

TEST(MergeTest, TwoNodesThatBehavedDifferentlyMergeIntoOneProfileRecordingTheDifference) {
  MergeResult r = Merge(Input({testing::Partial("web", "node-a", {"read", "write"}),
                               testing::Partial("web", "node-b", {"read", "ptrace"})}));
  ASSERT_TRUE(r.has_profile);
  EXPECT_EQ(r.desired["metadata"]["name"], "deployment-web");
  EXPECT_EQ(r.desired["metadata"]["labels"].count("minpriv.dev/node"), 0u);
  EXPECT_THAT(Syscalls(r.desired), ElementsAre("ptrace", "read", "write"));
  EXPECT_THAT(r.desired["metadata"]["annotations"][kDivergenceAnnotation].get<std::string>(),
              HasSubstr("ptrace"));
  EXPECT_EQ(r.desired["metadata"]["ownerReferences"][0]["uid"], "u-1");
  EXPECT_EQ(r.desired["spec"]["target"]["kind"], "Deployment");
  // Just started: the quiet period and the minimum window are still running.
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.desired["status"]["complete"], false);
  ASSERT_TRUE(r.requeue_after.has_value());
  EXPECT_EQ(*r.requeue_after, absl::Seconds(10));
}

TEST(MergeTest, CompletesWhenQuietMinWindowAndEveryRunningPodObserved) {
  MergeInput in = Input({testing::Partial("web", "node-a", {"read"})});
  MergeResult first = Merge(in);
  in.existing = first.desired;
  in.now = kT0 + absl::Seconds(31);
  in.running_pods = {{"web-1", "node-a"}, {"web-2", "node-b"}};
  MergeResult waiting = Merge(in);
  EXPECT_FALSE(waiting.complete);
  EXPECT_THAT(waiting.complete_message, HasSubstr("PodsNotObserved: web-2 on node node-b"));
  in.running_pods.pop_back();
  MergeResult done = Merge(in);
  EXPECT_TRUE(done.complete);
  EXPECT_EQ(done.complete_reason, "Converged");
  EXPECT_FALSE(done.requeue_after.has_value());
  // Counts alone are no new behaviour.
  json more = testing::Partial("web", "node-a", {"read"});
  more["spec"]["containers"][0]["network"]["listen"][0]["port"] = 8080;
  in.partials = {more};
  in.existing = done.desired;
  EXPECT_TRUE(Merge(in).complete);
}

TEST(MergeTest, NewBehaviourAfterCompletionReopensLearning) {
  MergeInput in = Input({testing::Partial("web", "node-a", {"read"})});
  in.existing = Merge(in).desired;
  in.now = kT0 + absl::Seconds(60);
  MergeResult done = Merge(in);
  ASSERT_TRUE(done.complete);
  in.existing = done.desired;
  in.partials = {testing::Partial("web", "node-a", {"read", "mount"})};
  MergeResult reopened = Merge(in);
  EXPECT_TRUE(reopened.reopened);
  EXPECT_FALSE(reopened.complete);
  EXPECT_THAT(reopened.complete_message, HasSubstr("QuietPeriod"));
}

TEST(MergeTest, MaxWindowForcesCompletionWithAReason) {
  MergeInput in = Input({testing::Partial("web", "node-a", {"read"})});
  in.running_pods = {{"web-2", "node-b"}};
  in.existing = Merge(in).desired;
  in.now = kT0 + absl::Seconds(301);
  MergeResult r = Merge(in);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.complete_reason, "MaxWindow");
  EXPECT_THAT(r.complete_message, HasSubstr("web-2"));
}

TEST(MergeTest, AMalformedPartialIsNamedAndTheOthersStillMerge) {
  json bad = testing::Partial("web", "node-b", {"read"});
  bad["spec"]["containers"][0]["syscalls"] = json::array({"read", "frobnicate"});
  MergeResult r = Merge(Input({testing::Partial("web", "node-a", {"write"}), bad}));
  ASSERT_EQ(r.malformed.size(), 1u);
  EXPECT_THAT(r.malformed[0], HasSubstr("deployment-web-node-b"));
  EXPECT_THAT(r.malformed[0], HasSubstr("frobnicate"));
  EXPECT_THAT(Syscalls(r.desired), ElementsAre("write"));
}

}  // namespace
}  // namespace minpriv::controller
