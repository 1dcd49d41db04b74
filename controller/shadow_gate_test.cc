// ProvenOnLiveTraffic from the agents' status.shadow entries, and the widened evidence.
#include "controller/shadow_gate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crd/remediation_proposal_json.h"

namespace minpriv::controller {
namespace {

using ::testing::HasSubstr;
using crd::ConditionStatus;

crd::ProposalStatus Proposal() {
  crd::ProposalStatus s;
  s.phase = crd::ProposalPhase::kProposed;
  crd::ContainerChange c;
  c.name = "app";
  c.security_context = {{"readOnlyRootFilesystem", true}};
  s.containers = {c};
  return s;
}

crd::ShadowReport Report(const crd::ProposalStatus& s, const std::string& node,
                         const std::string& since) {
  return {node, crd::ProposalContentDigest(s), since, since, {}, 0};
}

const absl::Time kNow = absl::FromUnixSeconds(1800000000);  // 2027-01-15T08:00:00Z

TEST(ShadowGateTest, ProvenOnceEveryNodeReportedNothingForThePeriod) {
  crd::ProposalStatus s = Proposal();
  s.shadow = {Report(s, "node-a", "2027-01-14T07:00:00Z"), Report(s, "node-b", "2027-01-14T08:00:00Z")};
  ShadowVerdict v = CheckShadow(s, {"node-a", "node-b"}, kNow, absl::Hours(24));
  EXPECT_EQ(v.status, ConditionStatus::kTrue);
  EXPECT_EQ(v.reason, "NoWouldBeBreaks");
  EXPECT_THAT(v.message, HasSubstr("node-a, node-b for 24h"));
  EXPECT_FALSE(v.requeue_after.has_value());
}

TEST(ShadowGateTest, WaitsForTheLastNodeAndSaysWhen) {
  crd::ProposalStatus s = Proposal();
  s.shadow = {Report(s, "node-a", "2027-01-14T07:00:00Z"), Report(s, "node-b", "2027-01-15T06:00:00Z")};
  ShadowVerdict v = CheckShadow(s, {"node-a", "node-b", "node-c"}, kNow, absl::Hours(24));
  EXPECT_EQ(v.status, ConditionStatus::kUnknown);
  EXPECT_EQ(v.reason, "ShadowPeriodNotElapsed");
  EXPECT_THAT(v.message, HasSubstr("node-b until 2027-01-16T06:00:00Z"));
  EXPECT_THAT(v.message, HasSubstr("node-c has not reported yet"));
  ASSERT_TRUE(v.requeue_after.has_value());
  EXPECT_EQ(*v.requeue_after, absl::Hours(22));
}

TEST(ShadowGateTest, AWouldBeBreakOfTheCurrentContentIsFalseAStaleOneIsIgnored) {
  crd::ProposalStatus s = Proposal();
  crd::ShadowReport stale = Report(s, "node-a", "2027-01-14T07:00:00Z");
  stale.proposal_digest = "0000000000000000";
  stale.would_be_breaks = {{"app", "syscall", "syscall ptrace", "", "", "2027-01-14T07:00:00Z", 1}};
  s.shadow = {stale, Report(s, "node-b", "2027-01-14T07:00:00Z")};
  EXPECT_EQ(CheckShadow(s, {"node-b"}, kNow, absl::Hours(24)).status, ConditionStatus::kTrue);

  s.shadow[1].would_be_breaks = {
      {"app", "write", "write /var/lib/x", "shopfront", "read-only root", "2027-01-15T07:00:00Z", 3}};
  ShadowVerdict v = CheckShadow(s, {"node-b"}, kNow, absl::Hours(24));
  EXPECT_EQ(v.status, ConditionStatus::kFalse);
  EXPECT_EQ(v.reason, "WouldBreak");
  EXPECT_THAT(v.message, HasSubstr("node-b: container app write /var/lib/x (process shopfront)"));
  ASSERT_EQ(v.breaks.size(), 1u);

  auto evidence = WidenedEvidence(v.breaks);
  ASSERT_EQ(evidence.size(), 1u);
  EXPECT_EQ(evidence[0].change, "widened: allow write /var/lib/x (container app)");
  EXPECT_THAT(evidence[0].evidence, HasSubstr("shadow mode on node node-b"));
  EXPECT_THAT(evidence[0].evidence, HasSubstr("process shopfront"));
  EXPECT_THAT(evidence[0].evidence, HasSubstr("3 time(s)"));
}

}  // namespace
}  // namespace minpriv::controller
