#include "controller/break_step.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kube/config.h"

namespace minpriv::controller {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using nlohmann::json;

crd::ProposalStatus Applied() {
  crd::ProposalStatus st;
  st.phase = crd::ProposalPhase::kApplied;
  st.applied = crd::AppliedRecord{"2027-01-15T08:00:00Z", "7", json::array(), json::array(), ""};
  return st;
}

crd::NodeBreaks Entry(const std::string& node, const std::string& applied,
                      std::vector<std::string> whats) {
  crd::NodeBreaks nb{node, applied, {}, 0};
  for (const std::string& w : whats) nb.breaks.push_back({"app", "seccomp", w, "sh", "", "", 1});
  return nb;
}

const crd::Condition* Find(const crd::ProposalStatus& st, const std::string& type) {
  for (const crd::Condition& c : st.conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

struct Events {
  std::vector<std::string> got;
  RecordEvent Recorder() {
    return [this](const std::string& type, const std::string& reason, const std::string& m) {
      got.push_back(type + " " + reason + " " + m);
    };
  }
};

// Never contacted unless a revert is asked for: an address nothing listens on.
ApplyDelivery Unreachable(Metrics* metrics) {
  kube::Config c;
  c.server = "http://127.0.0.1:1";
  auto client = kube::RestClient::Create(c);
  EXPECT_TRUE(client.ok()) << client.status();
  return ApplyDelivery(*client, metrics);
}

TEST(CurrentBreaksTest, OnlyTheCurrentApplicationsEntriesByNode) {
  crd::ProposalStatus st = Applied();
  st.breaks = {Entry("node-b", "2027-01-15T08:00:00Z", {"syscall ptrace"}),
               Entry("node-a", "2027-01-15T08:00:00Z", {"syscall clone", "syscall fork"}),
               Entry("node-c", "2026-12-01T00:00:00Z", {"syscall kill"})};
  st.breaks[1].truncated = 4;
  EXPECT_THAT(CurrentBreaks(st),
              ElementsAre("node-a: app: syscall clone (sh)", "node-a: app: syscall fork (sh)",
                          "node-a: 4 more not listed", "node-b: app: syscall ptrace (sh)"));
  st.applied.reset();
  EXPECT_THAT(CurrentBreaks(st), IsEmpty());
}

TEST(HandleBreaksTest, BreaksMakeItBrokenWithOneEventAndNoRevertWithoutTheSetting) {
  Metrics metrics;
  ApplyDelivery delivery = Unreachable(&metrics);
  crd::ProposalStatus st = Applied();
  st.breaks = {Entry("node-a", "2027-01-15T08:00:00Z", {"syscall clone"})};
  crd::ProposalPhase phase = crd::ProposalPhase::kApplied;
  Events events;
  ASSERT_TRUE(HandleBreaks(delivery, {"shop", "Deployment", "web"}, json::object(),
                           "deployment-web", /*revert_on_break=*/false, st, phase,
                           events.Recorder())
                  .ok());
  EXPECT_EQ(phase, crd::ProposalPhase::kApplied);
  const crd::Condition* broken = Find(st, crd::kConditionBroken);
  ASSERT_NE(broken, nullptr);
  EXPECT_EQ(broken->status, crd::ConditionStatus::kTrue);
  EXPECT_EQ(broken->reason, "DeniedAfterApply");
  EXPECT_EQ(broken->message, "denied after apply: node-a: app: syscall clone (sh)");
  EXPECT_THAT(events.got, ElementsAre("Warning Broken deployment-web: denied after apply: "
                                      "node-a: app: syscall clone (sh)"));
  EXPECT_FALSE(RevertedOnBreak(st));
  // The same breaks again: no new Event.
  ASSERT_TRUE(HandleBreaks(delivery, {"shop", "Deployment", "web"}, json::object(),
                           "deployment-web", false, st, phase, events.Recorder())
                  .ok());
  EXPECT_EQ(events.got.size(), 1u);
  // Applied anew without breaks since: Broken False.
  st.applied->time = "2027-01-16T08:00:00Z";
  ASSERT_TRUE(HandleBreaks(delivery, {"shop", "Deployment", "web"}, json::object(),
                           "deployment-web", false, st, phase, events.Recorder())
                  .ok());
  broken = Find(st, crd::kConditionBroken);
  EXPECT_EQ(broken->status, crd::ConditionStatus::kFalse);
  EXPECT_EQ(broken->reason, "NoBreaks");
}

TEST(HandleBreaksTest, ARevertThatCannotReachTheApiIsRetriedNotRecorded) {
  Metrics metrics;
  ApplyDelivery delivery = Unreachable(&metrics);
  crd::ProposalStatus st = Applied();
  st.applied->revert_patch = json::array({{{"op", "remove"}, {"path", "/metadata/labels/x"}}});
  st.breaks = {Entry("node-a", "2027-01-15T08:00:00Z", {"syscall clone"})};
  crd::ProposalPhase phase = crd::ProposalPhase::kApplied;
  Events events;
  absl::Status s = HandleBreaks(delivery, {"shop", "Deployment", "web"},
                                {{"apiVersion", "apps/v1"}, {"kind", "Deployment"},
                                 {"metadata", {{"name", "web"}, {"namespace", "shop"}}}},
                                "deployment-web", /*revert_on_break=*/true, st, phase,
                                events.Recorder());
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(phase, crd::ProposalPhase::kApplied);
  EXPECT_FALSE(RevertedOnBreak(st));
}

TEST(RevertedOnBreakTest, PhaseFailedWithAppliedFalseRevertedOnBreak) {
  crd::ProposalStatus st = Applied();
  st.phase = crd::ProposalPhase::kFailed;
  st.conditions = {{"Applied", crd::ConditionStatus::kFalse, "RevertedOnBreak", "", "t", 1}};
  EXPECT_TRUE(RevertedOnBreak(st));
  st.conditions[0].reason = "Reverted";
  EXPECT_FALSE(RevertedOnBreak(st));
}

}  // namespace
}  // namespace minpriv::controller
