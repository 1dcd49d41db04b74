// BreakWatch against the test API server: denials of a workload whose proposal is Applied
// become this node's entry of status.breaks (written once, not again while nothing changes,
// other nodes' entries kept); denials before the application, of workloads without an applied
// proposal, and those the proposal did not cause are not breaks; an earlier application's
// entry goes once nothing broke since.
#include "agent/break_watch.h"

#include <cerrno>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agent/agent_test_env.h"
#include "agent/seccomp_installer.h"

namespace minpriv::agent::testing {
namespace {

using nlohmann::json;

const absl::Time kApplied = absl::FromUnixSeconds(1800000000);
constexpr char kAppliedText[] = "2027-01-15T08:00:00Z";

class BreakWatchTest : public AgentEnv {
 protected:
  void SetUp() override {
    AgentEnv::SetUp();
    CreateNamespace("shop");
  }
  // deployment-web: phase `phase`, applied at kAppliedText, container app with profile p
  // (read and write only); `breaks`: status.breaks as given.
  void SetProposal(const std::string& phase, const json& breaks = nullptr) {
    auto current = client_->Get(kRemediationProposals, "shop", "deployment-web");
    if (!current.ok()) {
      json rp = {{"apiVersion", "minpriv.dev/v1alpha1"},
                 {"kind", "RemediationProposal"},
                 {"metadata", {{"name", "deployment-web"}, {"namespace", "shop"}}},
                 {"spec", {{"target", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"},
                                       {"name", "web"}}}}}};
      current = client_->Create(kRemediationProposals, "shop", rp);
      ASSERT_TRUE(current.ok()) << current.status();
    }
    json status = {
        {"phase", phase},
        {"profile", "deployment-web"},
        {"containers", json::array({{{"name", "app"},
                                     {"securityContext", {{"readOnlyRootFilesystem", true}}},
                                     {"seccompProfile", "p"}}})},
        {"seccompProfiles",
         json::array({{{"name", "p"},
                       {"profile",
                        {{"defaultAction", "SCMP_ACT_ERRNO"},
                         {"syscalls", json::array({{{"names", {"read", "write"}},
                                                    {"action", "SCMP_ACT_ALLOW"}}})}}}}})},
        {"applied", {{"time", kAppliedText}}},
        {"breaks", breaks}};
    ASSERT_TRUE(client_
                    ->PatchStatus(kRemediationProposals, "shop", "deployment-web",
                                  kube::PatchType::kMerge, {{"status", status}})
                    .ok());
  }
  json Breaks() {
    auto rp = client_->Get(kRemediationProposals, "shop", "deployment-web");
    if (!rp.ok()) return nullptr;
    return (*rp)["status"].value("breaks", json());
  }
  std::unique_ptr<BreakWatch> Start() {
    auto w = std::make_unique<BreakWatch>(*client_, BreakWatchOptions{"node-a"},
                                          [this] { return now_; });
    EXPECT_TRUE(w->Start(absl::Seconds(10), /*start_worker=*/false).ok());
    return w;
  }
  // Report() once the informer shows `phase` for deployment-web.
  void ReportWhen(BreakWatch& w, const std::string& phase) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      auto rp = client_->Get(kRemediationProposals, "shop", "deployment-web");
      ASSERT_TRUE(rp.ok());
      absl::SleepFor(absl::Milliseconds(300));  // the informer follows
      if ((*rp)["status"].value("phase", "") == phase) break;
    }
    EXPECT_TRUE(w.Report().ok());
  }
  static ContainerDenial Denial(const std::string& syscall, absl::Time t,
                                const std::string& workload = "web") {
    ContainerDenial d;
    d.workload = WorkloadRef{"shop", "Deployment", workload, "apps/v1"};
    d.container = "app";
    d.time = t;
    d.kind = ContainerDenial::Kind::kSyscall;
    d.syscall = syscall;
    d.error = EPERM;
    d.comm = "sh";
    return d;
  }
};

TEST_F(BreakWatchTest, DenialsAfterTheApplicationBecomeThisNodesEntryOnce) {
  SetProposal("Applied", json::array({{{"node", "node-b"},
                                       {"appliedTime", kAppliedText},
                                       {"breaks", json::array()}}}));
  now_ = kApplied + absl::Minutes(1);
  auto w = Start();
  w->OnDenial(Denial("clone", kApplied - absl::Seconds(5)));  // before: not a break
  w->OnDenial(Denial("write", kApplied + absl::Seconds(5)));  // allowed: not the profile's
  w->OnDenial(Denial("clone", kApplied + absl::Seconds(7)));
  w->OnDenial(Denial("clone", kApplied + absl::Seconds(6)));
  w->OnDenial(Denial("ptrace", kApplied + absl::Seconds(8)));
  w->OnDenial(Denial("ptrace", kApplied + absl::Seconds(8), "other"));  // no proposal
  ReportWhen(*w, "Applied");
  json breaks = Breaks();
  ASSERT_TRUE(breaks.is_array()) << breaks;
  ASSERT_EQ(breaks.size(), 2u) << breaks.dump(1);
  EXPECT_EQ(breaks[0]["node"], "node-a");  // sorted by node; node-b's kept
  EXPECT_EQ(breaks[1]["node"], "node-b");
  EXPECT_EQ(breaks[0]["appliedTime"], kAppliedText);
  const json& items = breaks[0]["breaks"];
  ASSERT_EQ(items.size(), 2u) << breaks.dump(1);
  EXPECT_EQ(items[0]["what"], "syscall clone");
  EXPECT_EQ(items[0]["kind"], "seccomp");
  EXPECT_EQ(items[0]["container"], "app");
  EXPECT_EQ(items[0]["process"], "sh");
  EXPECT_EQ(items[0]["count"], 2);
  EXPECT_EQ(items[0]["firstSeen"], "2027-01-15T08:00:06Z");
  EXPECT_EQ(items[0]["evidence"],
            "EPERM from clone: not allowed by the seccomp profile minpriv/p.json");
  EXPECT_EQ(items[1]["what"], "syscall ptrace");
  EXPECT_EQ(w->counters().status_patches, 1u);
  EXPECT_EQ(w->counters().breaks, 2u);
  EXPECT_EQ(w->counters().denials, 6u);
  // Nothing new: nothing written.
  EXPECT_TRUE(w->Report().ok());
  EXPECT_EQ(w->counters().status_patches, 1u);
  EXPECT_THAT(w->Metrics(), ::testing::HasSubstr("minpriv_agent_breaks 2\n"));
}

TEST_F(BreakWatchTest, AnEarlierApplicationsEntryGoesWhenNothingBrokeSince) {
  SetProposal("Applied", json::array({{{"node", "node-a"},
                                       {"appliedTime", "2027-01-01T00:00:00Z"},
                                       {"breaks", json::array({{{"container", "app"},
                                                                {"kind", "seccomp"},
                                                                {"what", "syscall clone"},
                                                                {"count", 1}}})}}}));
  auto w = Start();
  ReportWhen(*w, "Applied");
  EXPECT_TRUE(Breaks().is_null()) << Breaks();
  EXPECT_EQ(w->counters().status_patches, 1u);
}

TEST_F(BreakWatchTest, OnlyAppliedProposalsAreJudged) {
  SetProposal("Proposed");
  now_ = kApplied + absl::Minutes(1);
  auto w = Start();
  w->OnDenial(Denial("clone", kApplied + absl::Seconds(5)));
  ReportWhen(*w, "Proposed");
  EXPECT_TRUE(Breaks().is_null()) << Breaks();
  // Applied a little later: the denial kept meanwhile (keep_unapplied) counts.
  SetProposal("Applied");
  ReportWhen(*w, "Applied");
  ASSERT_TRUE(Breaks().is_array()) << Breaks();
  EXPECT_EQ(Breaks()[0]["breaks"][0]["what"], "syscall clone");
}

// The denial switch (Agent::UpdateDenialWatch) follows the informer's events, not Report().
TEST_F(BreakWatchTest, DenialsAreWantedForWorkloadsWhileTheirProposalIsApplied) {
  SetProposal("Proposed");
  auto w = Start();
  auto wants_within = [&](bool want) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (w->WantsDenialsOf("shop/Deployment/web") != want && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(20));
    }
    return w->WantsDenialsOf("shop/Deployment/web") == want;
  };
  EXPECT_TRUE(wants_within(false));
  SetProposal("Applied");
  EXPECT_TRUE(wants_within(true));
  EXPECT_FALSE(w->WantsDenialsOf("shop/Deployment/other"));
  SetProposal("Failed");
  EXPECT_TRUE(wants_within(false));
  SetProposal("Applied");
  EXPECT_TRUE(wants_within(true));
  ASSERT_TRUE(client_->Delete(kRemediationProposals, "shop", "deployment-web").ok());
  EXPECT_TRUE(wants_within(false));
  EXPECT_EQ(w->counters().status_patches, 0u);  // no Report() ran
}

}  // namespace
}  // namespace minpriv::agent::testing
