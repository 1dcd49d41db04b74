#include "kube/leader_election.h"

#include "gtest/gtest.h"

namespace minpriv::kube {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000) + absl::Microseconds(123456);

nlohmann::json Lease(const std::string& holder, absl::Time renewed, int duration,
                     int transitions) {
  return {{"metadata", {{"name", "l"}, {"namespace", "ns"}, {"resourceVersion", "7"}}},
          {"spec",
           {{"holderIdentity", holder},
            {"leaseDurationSeconds", duration},
            {"renewTime", FormatMicroTime(renewed)},
            {"acquireTime", FormatMicroTime(renewed - absl::Seconds(100))},
            {"leaseTransitions", transitions}}}};
}

TEST(LeaseTest, MicroTimeRoundTrips) {
  EXPECT_EQ(FormatMicroTime(kNow), "2023-11-14T22:13:20.123456Z");
  EXPECT_EQ(*ParseMicroTime("2023-11-14T22:13:20.123456Z"), kNow);
  EXPECT_EQ(*ParseMicroTime("2023-11-14T23:13:20.123456+01:00"), kNow);
  EXPECT_FALSE(ParseMicroTime("yesterday").has_value());
}

TEST(LeaseTest, CreatesAFreshLeaseWithoutATransition) {
  auto spec = NextLeaseSpec(nullptr, "me", absl::Seconds(15), kNow);
  ASSERT_TRUE(spec.has_value());
  EXPECT_EQ((*spec)["holderIdentity"], "me");
  EXPECT_EQ((*spec)["leaseDurationSeconds"], 15);
  EXPECT_EQ((*spec)["leaseTransitions"], 0);
  EXPECT_EQ((*spec)["acquireTime"], FormatMicroTime(kNow));
  EXPECT_EQ((*spec)["renewTime"], FormatMicroTime(kNow));
}

TEST(LeaseTest, ValidLeaseOfAnotherHolderIsLeftAlone) {
  EXPECT_FALSE(NextLeaseSpec(Lease("other", kNow - absl::Seconds(14), 15, 3), "me",
                             absl::Seconds(15), kNow)
                   .has_value());
}

TEST(LeaseTest, ExpiredLeaseIsTakenOverAndCountsATransition) {
  auto spec = NextLeaseSpec(Lease("other", kNow - absl::Seconds(16), 15, 3), "me",
                            absl::Seconds(15), kNow);
  ASSERT_TRUE(spec.has_value());
  EXPECT_EQ((*spec)["holderIdentity"], "me");
  EXPECT_EQ((*spec)["leaseTransitions"], 4);
  EXPECT_EQ((*spec)["acquireTime"], FormatMicroTime(kNow));
}

TEST(LeaseTest, RenewKeepsAcquireTimeAndTransitions) {
  nlohmann::json lease = Lease("me", kNow - absl::Seconds(2), 15, 3);
  auto spec = NextLeaseSpec(lease, "me", absl::Seconds(15), kNow);
  ASSERT_TRUE(spec.has_value());
  EXPECT_EQ((*spec)["leaseTransitions"], 3);
  EXPECT_EQ((*spec)["acquireTime"], lease["spec"]["acquireTime"]);
  EXPECT_EQ((*spec)["renewTime"], FormatMicroTime(kNow));
}

TEST(LeaseTest, ReleasedLeaseIsTakenAtOnceAndReleaseKeepsTransitions) {
  nlohmann::json lease = Lease("me", kNow, 15, 5);
  nlohmann::json released = ReleasedLeaseSpec(lease, kNow);
  EXPECT_EQ(released["holderIdentity"], "");
  EXPECT_EQ(released["leaseDurationSeconds"], 1);
  EXPECT_EQ(released["leaseTransitions"], 5);
  lease["spec"] = released;
  auto spec = NextLeaseSpec(lease, "next", absl::Seconds(15), kNow);
  ASSERT_TRUE(spec.has_value());
  EXPECT_EQ((*spec)["holderIdentity"], "next");
  EXPECT_EQ((*spec)["leaseTransitions"], 6);
}

TEST(LeaseTest, UnreadableRenewTimeCountsAsExpired) {
  nlohmann::json lease = Lease("other", kNow, 15, 1);
  lease["spec"]["renewTime"] = "garbage";
  EXPECT_TRUE(NextLeaseSpec(lease, "me", absl::Seconds(15), kNow).has_value());
}

TEST(LeaderElectorTest, ValidateChecksDurations) {
  LeaderElector::Options o;
  o.lease_name = "l";
  o.lease_namespace = "ns";
  o.identity = "me";
  EXPECT_TRUE(LeaderElector::Validate(o).ok());
  o.renew_deadline = absl::Seconds(20);
  EXPECT_EQ(LeaderElector::Validate(o).code(), absl::StatusCode::kInvalidArgument);
  o.renew_deadline = absl::Seconds(10);
  o.identity = "";
  EXPECT_EQ(LeaderElector::Validate(o).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace minpriv::kube
