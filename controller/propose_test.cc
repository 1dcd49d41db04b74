#include "controller/propose.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controller/merge.h"
#include "controller/test_objects.h"

namespace minpriv::controller {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

TEST(TestOpsTest, GuardTheNearestExistingAncestorOfEachChangedPath) {
  json original = {{"spec", {{"a", {{"x", 1}}}, {"list", {1, 2}}}}};
  json ops = json::parse(R"([
    {"op": "add", "path": "/spec/a/y/z", "value": 3},
    {"op": "replace", "path": "/spec/a/x", "value": 2},
    {"op": "add", "path": "/spec/list/-", "value": 3}])");
  EXPECT_EQ(TestOps(original, ops), json::parse(R"([
    {"op": "test", "path": "/spec/a", "value": {"x": 1}},
    {"op": "test", "path": "/spec/list", "value": [1, 2]}])"));
}

TEST(TestOpsTest, RevertTestsThePatchedValueAndRestoresTheOriginal) {
  json tests = json::parse(R"([{"op": "test", "path": "/spec/a", "value": {"x": 1}}])");
  json after = {{"spec", {{"a", {{"x", 2}}}}}};
  EXPECT_EQ(RevertOps(tests, after), json::parse(R"([
    {"op": "test", "path": "/spec/a", "value": {"x": 2}},
    {"op": "replace", "path": "/spec/a", "value": {"x": 1}}])"));
}

TEST(BuildProposalContentTest, TheRemediatorsProposalAgainstTheLiveObject) {
  MergeInput in;
  in.key = {"shop", "Deployment", "web"};
  in.partials = {testing::Partial("web", "node-a", {"read", "write", "openat"}),
                 testing::Partial("web", "node-b", {"read", "ptrace"})};
  in.now = absl::Now();
  MergeResult merged = Merge(in);
  json live = testing::Deployment("web");
  remediator::Inventory inventory;
  absl::StatusOr<crd::ProposalStatus> st = BuildProposalContent(
      {in.key, &live, &merged.partials, &merged.partial_names, &inventory});
  ASSERT_TRUE(st.ok()) << st.status();
  ASSERT_EQ(st->containers.size(), 1u);
  EXPECT_EQ(st->containers[0].name, "app");
  EXPECT_EQ(st->containers[0].security_context["capabilities"]["drop"], json({"ALL"}));
  ASSERT_EQ(st->seccomp_profiles.size(), 1u);
  EXPECT_EQ(st->containers[0].seccomp_profile, st->seccomp_profiles[0].name);
  EXPECT_THAT(st->seccomp_profiles[0].profile.dump(), HasSubstr("ptrace"));
  ASSERT_TRUE(st->patch.is_array() && !st->patch.empty());
  EXPECT_EQ(st->patch[0]["op"], "test");
  // Every test guards a value of the live object.
  for (const json& op : st->patch) {
    if (op["op"] != "test") continue;
    EXPECT_EQ(live.at(json::json_pointer(op["path"].get<std::string>())), op["value"]);
  }
  EXPECT_EQ(st->network_policy["kind"], "NetworkPolicy");
  ASSERT_TRUE(st->numbers.has_value());
  EXPECT_GT(st->numbers->syscalls_allowed, 3);
  EXPECT_GT(st->numbers->runtime_default_syscalls, st->numbers->syscalls_allowed);
  bool divergence = false;
  for (const crd::Risk& r : st->risks) divergence = divergence || r.risk.find("ptrace") != std::string::npos;
  EXPECT_TRUE(divergence);
  // The same inputs give the same content (reconciles write nothing new).
  absl::StatusOr<crd::ProposalStatus> again = BuildProposalContent(
      {in.key, &live, &merged.partials, &merged.partial_names, &inventory});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(SameContent(*st, *again));
}

}  // namespace
}  // namespace minpriv::controller
