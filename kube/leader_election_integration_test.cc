// Two electors on one Lease of the test API server.
#include <atomic>
#include <memory>

#include "gtest/gtest.h"
#include "kube/leader_election.h"
#include "kube/status.h"
#include "kube/test_apiserver.h"

namespace minpriv::kube {
namespace {

using testing::TestApiServer;

template <typename Fn>
bool Eventually(Fn done, absl::Duration limit = absl::Seconds(20)) {
  absl::Time deadline = absl::Now() + limit;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return done();
}

struct Candidate {
  std::atomic<int> started{0};
  std::atomic<int> stopped{0};
  std::unique_ptr<LeaderElector> elector;
};

class LeaderElectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = TestApiServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto client = RestClient::Create(*LoadKubeconfig(server_->kubeconfig()));
    ASSERT_TRUE(client.ok());
    client_.emplace(*client);
  }
  void Make(Candidate* c, const std::string& identity, bool release_on_stop) {
    Make(c, identity, release_on_stop, *client_);
  }
  void Make(Candidate* c, const std::string& identity, bool release_on_stop,
            const RestClient& client) {
    LeaderElector::Options o;
    o.lease_namespace = "default";
    o.lease_name = "minpriv-controller";
    o.identity = identity;
    o.lease_duration = kLeaseDuration;
    o.renew_deadline = absl::Milliseconds(1500);
    o.retry_period = absl::Milliseconds(200);
    o.release_on_stop = release_on_stop;
    o.on_started_leading = [c] { c->started++; };
    o.on_stopped_leading = [c] { c->stopped++; };
    ASSERT_TRUE(LeaderElector::Validate(o).ok());
    c->elector = std::make_unique<LeaderElector>(client, o);
  }
  nlohmann::json Lease() {
    auto lease = client_->Get(kLeaseResource, "default", "minpriv-controller");
    EXPECT_TRUE(lease.ok()) << lease.status();
    return lease.ok() ? *lease : nlohmann::json();
  }
  // Exactly one of a and b leads, and it stays so for a while (sampled).
  Candidate* OnlyOneLeads(Candidate& a, Candidate& b) {
    EXPECT_TRUE(Eventually([&] { return a.elector->IsLeader() || b.elector->IsLeader(); }));
    for (int i = 0; i < 100; ++i) {
      EXPECT_FALSE(a.elector->IsLeader() && b.elector->IsLeader());
      absl::SleepFor(absl::Milliseconds(10));
    }
    EXPECT_NE(a.elector->IsLeader(), b.elector->IsLeader());
    return a.elector->IsLeader() ? &a : &b;
  }

  static constexpr absl::Duration kLeaseDuration = absl::Seconds(2);
  std::unique_ptr<TestApiServer> server_;
  std::optional<RestClient> client_;
};

TEST_F(LeaderElectionTest, OneLeadsAndTheOtherTakesOverWhenItStopsRenewing) {
  Candidate a, b;
  Make(&a, "replica-a", /*release_on_stop=*/false);  // stopping without release = a crash
  Make(&b, "replica-b", false);
  a.elector->Start();
  b.elector->Start();
  Candidate* leader = OnlyOneLeads(a, b);
  Candidate* standby = leader == &a ? &b : &a;
  nlohmann::json lease = Lease();
  std::string leader_id = leader == &a ? "replica-a" : "replica-b";
  EXPECT_EQ(lease["spec"]["holderIdentity"], leader_id);
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 2);
  EXPECT_EQ(standby->elector->Leader(), leader_id);
  int transitions = lease["spec"].value("leaseTransitions", 0);
  EXPECT_EQ(leader->started.load(), 1);

  absl::Time stopped_at = absl::Now();
  leader->elector->Stop();
  EXPECT_EQ(leader->stopped.load(), 1);
  ASSERT_TRUE(Eventually([&] { return standby->elector->IsLeader(); }, absl::Seconds(10)));
  absl::Duration takeover = absl::Now() - stopped_at;
  // The Lease was still valid for up to its duration after the last renew; the standby checks
  // every retry period (+20% jitter). Allow scheduling slack on a shared machine.
  EXPECT_LE(takeover, kLeaseDuration + absl::Milliseconds(240) + absl::Seconds(1)) << takeover;
  EXPECT_GE(takeover, absl::Milliseconds(500)) << "took a Lease that was still valid";
  nlohmann::json after = Lease();
  EXPECT_NE(after["spec"]["holderIdentity"], leader_id);
  EXPECT_EQ(after["spec"]["leaseTransitions"], transitions + 1);
  EXPECT_EQ(standby->started.load(), 1);
}

TEST_F(LeaderElectionTest, ReleaseOnStopHandsOverAtOnce) {
  Candidate a, b;
  Make(&a, "replica-a", true);
  Make(&b, "replica-b", true);
  a.elector->Start();
  ASSERT_TRUE(Eventually([&] { return a.elector->IsLeader(); }));
  b.elector->Start();
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_FALSE(b.elector->IsLeader());
  absl::Time stopped_at = absl::Now();
  a.elector->Stop();
  nlohmann::json released = Lease();
  ASSERT_TRUE(Eventually([&] { return b.elector->IsLeader(); }, absl::Seconds(10)));
  // Well under the lease duration: the released Lease is free at once.
  EXPECT_LT(absl::Now() - stopped_at, kLeaseDuration);
  EXPECT_EQ(Lease()["spec"]["holderIdentity"], "replica-b");
  EXPECT_EQ(Lease()["spec"]["leaseTransitions"], 1);
  b.elector->Stop();
  EXPECT_EQ(Lease()["spec"]["holderIdentity"], "");
  EXPECT_EQ(Lease()["spec"]["leaseDurationSeconds"], 1);
  (void)released;
}

TEST_F(LeaderElectionTest, ALeaderThatSeesAnotherHolderStopsLeading) {
  Candidate a;
  Make(&a, "replica-a", true);
  a.elector->Start();
  ASSERT_TRUE(Eventually([&] { return a.elector->IsLeader(); }));
  // Another candidate (or an operator) takes the Lease: optimistic concurrency lets exactly one
  // writer win; here the intruder writes first.
  nlohmann::json lease = Lease();
  lease["spec"]["holderIdentity"] = "intruder";
  lease["spec"]["renewTime"] = FormatMicroTime(absl::Now() + absl::Seconds(60));
  absl::Time taken_at = absl::Now();
  ASSERT_TRUE(client_->Update(kLeaseResource, "default", lease).ok());
  ASSERT_TRUE(Eventually([&] { return !a.elector->IsLeader(); }, absl::Seconds(10)));
  EXPECT_LE(absl::Now() - taken_at, absl::Milliseconds(1500) + absl::Seconds(1));
  EXPECT_EQ(a.stopped.load(), 1);
  EXPECT_EQ(a.elector->Leader(), "intruder");
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_FALSE(a.elector->IsLeader());  // the intruder's Lease is valid: no taking it back
  a.elector->Stop();
  EXPECT_EQ(Lease()["spec"]["holderIdentity"], "intruder");  // release only what it holds
}

TEST_F(LeaderElectionTest, ALeaderCutOffFromTheServerStopsWithinTheRenewDeadline) {
  testing::TcpProxy proxy(server_->port());
  Config proxied = *LoadKubeconfig(server_->kubeconfig());
  proxied.server = "http://127.0.0.1:" + std::to_string(proxy.port());
  Candidate a;
  Make(&a, "replica-a", true, *RestClient::Create(proxied));
  a.elector->Start();
  ASSERT_TRUE(Eventually([&] { return a.elector->IsLeader(); }));
  absl::SleepFor(absl::Milliseconds(300));  // at least one renew went through
  proxy.SetRefusing(true);
  proxy.CutAll();
  absl::Time cut_at = absl::Now();
  ASSERT_TRUE(Eventually([&] { return !a.elector->IsLeader(); }, absl::Seconds(10)));
  // Within the renew deadline (1.5 s) of the last renew, which was before the cut.
  EXPECT_LE(absl::Now() - cut_at, absl::Milliseconds(1500) + absl::Milliseconds(300));
  EXPECT_EQ(a.stopped.load(), 1);
  // Its Lease stays until it expires; then another replica could take it.
  nlohmann::json lease = Lease();
  EXPECT_EQ(lease["spec"]["holderIdentity"], "replica-a");
  a.elector->Stop();  // cannot release (no connection); returns anyway
}

TEST_F(LeaderElectionTest, StaleWriteLosesOnTheLeaseResourceVersion) {
  Candidate a;
  Make(&a, "replica-a", true);
  // Two writers read the same (absent, then created) Lease; only one update can win.
  ASSERT_TRUE(*a.elector->TryAcquireOrRenew());
  nlohmann::json read_by_b = Lease();
  ASSERT_TRUE(*a.elector->TryAcquireOrRenew());  // a renews: the resourceVersion moves on
  read_by_b["spec"]["holderIdentity"] = "replica-b";
  auto stale = client_->Update(kLeaseResource, "default", read_by_b);
  EXPECT_TRUE(IsConflict(stale.status())) << stale.status();
  EXPECT_EQ(Lease()["spec"]["holderIdentity"], "replica-a");
}

}  // namespace
}  // namespace minpriv::kube
