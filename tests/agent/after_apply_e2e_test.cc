// After apply, on the real kernel with real runc (tests/agent/kernel_e2e_fixture.h, the test
// acting as the kubelet) and the real `minpriv agent` and `minpriv controller` processes: the
// agent learns Deployment web, the controller proposes, the proposal is approved, the agent
// installs its seccomp profile and the controller applies it. Then a new replica runs under
// the applied profile (the runc config carries it, as the runtime sets a Localhost profile)
// and does something the profile denies: the agent reports the break on the proposal, the
// controller records Broken and an Event, reverts the patch when the namespace's settings say
// revertOnBreak (and not otherwise), and what was denied widens the learned profile.
// Before approval, shadow mode on the same real parts: a replica doing what the Proposed
// proposal would deny is reported in status.shadow, nothing is enforced, and the controller
// widens the proposal with that evidence; the widened revision is then proven on live traffic.
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/agent/kernel_e2e_fixture.h"
#include "util/files.h"
#include "verifier/seccomp.h"

namespace minpriv::agent::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

const kube::ResourceRef kProposalsRef{"minpriv.dev", "v1alpha1", "remediationproposals", true};
const kube::ResourceRef kSettingsRef{"minpriv.dev", "v1alpha1", "minprivsettings", true};
const kube::ResourceRef kDeploymentsRef{"apps", "v1", "deployments", true};
const kube::ResourceRef kEventsRef{"", "v1", "events", true};

// The learned workload: a shell that runs sleep. The replica after apply also redirects an
// output and runs cat: syscalls (dup2, ...) the shell and sleep never made.
const std::vector<std::string> kLearned = {"/bin/sh", "-c", "sleep 1000"};
const std::vector<std::string> kMisbehaving = {"/bin/sh", "-c",
                                               "cat /proc/self/stat >/dev/null; sleep 1000"};

class AfterApplyE2eTest : public KernelE2eTest {
 protected:
  void SetUp() override {
    KernelE2eTest::SetUp();
    if (HasFatalFailure()) return;
    seccomp_dir_ = absl::StrCat(::testing::TempDir(), "/", root_rel_, ".seccomp");
    std::filesystem::create_directories(seccomp_dir_);
  }
  void TearDown() override {
    if (controller_) controller_->Stop(absl::Seconds(10));
    controller_.reset();
    KernelE2eTest::TearDown();
    std::filesystem::remove_all(seccomp_dir_);
  }

  void StartController() {
    util::SpawnOptions o;
    o.stdout_path = controller_log_ = absl::StrCat(::testing::TempDir(), "/", root_rel_,
                                                   ".controller.log");
    o.stderr_to_stdout = true;
    auto p = util::Process::Spawn({MINPRIV_BINARY, "controller", "--kubeconfig",
                                   server_->kubeconfig(), "--quiet-period", "1s",
                                   "--min-window", "2s", "--max-window", "60s", "--shadow-period", "3s"},
                                  o);
    ASSERT_TRUE(p.ok()) << p.status();
    controller_ = *std::move(p);
  }
  std::string ControllerLog() const {
    auto text = util::ReadFile(controller_log_);
    return text.ok() ? *text : "";
  }
  json Proposal() {
    std::optional<json> rp = Get(kProposalsRef, kNs, "deployment-web");
    return rp ? *rp : json::object();
  }
  std::string Phase() { return Proposal().value("status", json::object()).value("phase", ""); }
  // status and reason of condition `type` ("" when absent).
  std::pair<std::string, std::string> Condition(const std::string& type) {
    for (const json& c : Proposal().value("status", json::object()).value("conditions", json::array())) {
      if (c.value("type", "") == type) return {c.value("status", ""), c.value("reason", "")};
    }
    return {"", ""};
  }
  std::vector<std::string> EventMessages(const std::string& reason) {
    std::vector<std::string> out;
    auto list = client_->List(kEventsRef, kNs);
    if (!list.ok()) return out;
    for (const json& e : list->items) {
      if (e.value("reason", "") == reason) out.push_back(e.value("message", ""));
    }
    return out;
  }
  json ContainerSecurityContext() {
    std::optional<json> web = Get(kDeploymentsRef, kNs, "web");
    if (!web) return nullptr;
    return (*web)["spec"]["template"]["spec"]["containers"][0].value("securityContext", json());
  }

  // Learns web from one replica running kLearned, has it proposed, approved, its profile
  // installed by the agent and applied by the controller; returns the installed profile's
  // runc form (linux.seccomp).
  json LearnApproveApply() {
    CreateDeployment(kNs, "web");
    StartAgent({"--seccomp-dir", seccomp_dir_});
    learning_pod_ = RunPod("web-1", "web-rs", kLearned);
    EXPECT_NE(learning_pod_, nullptr);
    EXPECT_TRUE(WaitFor([&] {
      std::optional<json> p = Partial("web");
      return p && !Execs(*p).empty();
    })) << AgentLog();
    StartController();
    EXPECT_TRUE(WaitFor([&] { return Phase() == "Proposed"; }, absl::Seconds(60)))
        << Proposal().dump(1) << ControllerLog();
    auto approved = client_->Patch(kProposalsRef, kNs, "deployment-web", kube::PatchType::kMerge,
                                   {{"spec", {{"decision", "Approved"}}}});
    EXPECT_TRUE(approved.ok()) << approved.status();
    EXPECT_TRUE(WaitFor([&] { return Phase() == "Applied"; }, absl::Seconds(60)))
        << Proposal().dump(1) << ControllerLog() << AgentLog();
    const json sc = ContainerSecurityContext();
    EXPECT_EQ(sc.value("seccompProfile", json::object()).value("type", ""), "Localhost") << sc;
    const std::string local = sc["seccompProfile"].value("localhostProfile", "");
    auto text = util::ReadFile(seccomp_dir_ + "/" + local);
    EXPECT_TRUE(text.ok()) << text.status();
    if (!text.ok()) return nullptr;
    auto profile = verifier::ParseSeccompProfile(*text, local, {});
    EXPECT_TRUE(profile.ok()) << profile.status();
    return profile.ok() ? verifier::SeccompToOci(*profile) : json();
  }

  // The breaks node-e2e reported for the current application.
  json NodeBreaks() {
    const json st = Proposal().value("status", json::object());
    for (const json& e : st.value("breaks", json::array())) {
      if (e.value("node", "") == kNode &&
          e.value("appliedTime", "") == st.value("applied", json::object()).value("time", "")) {
        return e.value("breaks", json::array());
      }
    }
    return json::array();
  }

  // A replica under the applied profile doing what it denies; waits for the reported breaks.
  json Misbehave(const json& seccomp) {
    misbehaving_pod_ = RunPod("web-2", "web-rs", kMisbehaving, Driver::kSystemd, true, seccomp);
    EXPECT_NE(misbehaving_pod_, nullptr);
    json breaks;
    EXPECT_TRUE(WaitFor([&] {
      breaks = NodeBreaks();
      return !breaks.empty();
    })) << Proposal().dump(1) << AgentLog();
    return breaks;
  }

  // Every break is a seccomp denial of the workload's processes (never runc's).
  static void ExpectSeccompBreaksOfTheWorkload(const json& breaks) {
    ASSERT_FALSE(breaks.empty());
    for (const json& b : breaks) {
      EXPECT_EQ(b["container"], "app") << b;
      EXPECT_EQ(b["kind"], "seccomp") << b;
      EXPECT_THAT(b.value("what", ""), ::testing::StartsWith("syscall ")) << b;
      EXPECT_THAT(b.value("process", ""), ::testing::Not(HasSubstr("runc"))) << b;
      EXPECT_THAT(b.value("evidence", ""), HasSubstr("not allowed by the seccomp profile minpriv/"))
          << b;
      EXPECT_GE(b.value("count", 0), 1) << b;
      EXPECT_THAT(b.value("process", ""), ::testing::AnyOf("sh", "cat")) << b;
    }
  }

  std::string seccomp_dir_;
  std::string controller_log_;
  std::optional<util::Process> controller_;
  std::unique_ptr<RuncPod> learning_pod_, misbehaving_pod_;
};

TEST_F(AfterApplyE2eTest, ADenialIsReportedAsABreakAndThePatchRevertedWithRevertOnBreak) {
  ASSERT_TRUE(client_
                  ->Create(kSettingsRef, kNs,
                           {{"apiVersion", "minpriv.dev/v1alpha1"},
                            {"kind", "MinprivSettings"},
                            {"metadata", {{"name", "default"}, {"namespace", kNs}}},
                            {"spec", {{"revertOnBreak", true}}}})
                  .ok());
  const json seccomp = LearnApproveApply();
  ASSERT_FALSE(HasFailure());
  const json breaks = Misbehave(seccomp);
  ExpectSeccompBreaksOfTheWorkload(breaks);

  // Reverted: phase Failed, Applied and Delivered False RevertedOnBreak. With the test's short
  // windows the widened next revision may follow within a second (Learning, then Proposed,
  // which resets Applied), so the phase is read from the controller's log.
  ASSERT_TRUE(WaitFor([&] { return !EventMessages("RevertedOnBreak").empty(); },
                      absl::Seconds(30)))
      << Proposal().dump(1) << ControllerLog();
  EXPECT_THAT(ControllerLog(), HasSubstr("phase=Failed revision=1 decision=Approved"));
  EXPECT_EQ(Condition("Broken"), std::make_pair(std::string("True"), std::string("DeniedAfterApply")));
  EXPECT_EQ(Condition("Delivered"), std::make_pair(std::string("False"), std::string("RevertedOnBreak")));
  EXPECT_THAT(EventMessages("RevertedOnBreak")[0],
              HasSubstr("deployment-web reverted after denials on node-e2e (revertOnBreak)"));
  // The patch is undone: the container runs as before it was applied.
  EXPECT_TRUE(WaitFor([&] { return ContainerSecurityContext().is_null(); }))
      << ContainerSecurityContext();
  // One Event per set of breaks the controller saw (the agent may report them in two rounds).
  std::vector<std::string> broken = EventMessages("Broken");
  ASSERT_FALSE(broken.empty());
  EXPECT_THAT(broken, ::testing::Each(HasSubstr(
                          "deployment-web: denied after apply: node-e2e: app: syscall ")));
  EXPECT_THAT(broken, ::testing::Contains(HasSubstr(breaks[0]["what"].get<std::string>())));
  // What was denied widens the learned profile (the partial, then the merged one the next
  // revision is made from).
  std::vector<std::string> denied;
  for (const json& b : breaks) denied.push_back(b["what"].get<std::string>().substr(8));
  std::optional<json> partial;
  EXPECT_TRUE(WaitFor([&] {
    partial = Partial("web");
    if (!partial) return false;
    const std::vector<std::string> learned = Syscalls(*partial);
    return std::all_of(denied.begin(), denied.end(), [&](const std::string& s) {
      return std::find(learned.begin(), learned.end(), s) != learned.end();
    });
  })) << (partial ? partial->dump(1) : "no partial");
  // ... and the next revision allows it, waiting for a decision.
  EXPECT_TRUE(WaitFor(
      [&] {
        const json st = Proposal().value("status", json::object());
        if (st.value("phase", "") != "Proposed") return false;
        for (const json& p : st.value("seccompProfiles", json::array())) {
          auto parsed = verifier::ParseSeccompProfile(p["profile"].dump(), "status", {});
          if (!parsed.ok()) return false;
          for (const std::string& s : denied) {
            if (!parsed->Allows(s)) return false;
          }
          return true;
        }
        return false;
      },
      absl::Seconds(60)))
      << Proposal().dump(1) << ControllerLog();
  EXPECT_EQ(Proposal()["spec"]["decision"], "Pending");
}

TEST_F(AfterApplyE2eTest, WithoutRevertOnBreakABreakIsReportedAndThePatchStays) {
  const json seccomp = LearnApproveApply();
  ASSERT_FALSE(HasFailure());
  ExpectSeccompBreaksOfTheWorkload(Misbehave(seccomp));
  ASSERT_TRUE(WaitFor([&] { return Condition("Broken").first == "True"; }, absl::Seconds(30)))
      << Proposal().dump(1) << ControllerLog();
  EXPECT_EQ(Condition("Broken").second, "DeniedAfterApply");
  ASSERT_TRUE(WaitFor([&] { return !EventMessages("Broken").empty(); }));
  absl::SleepFor(absl::Seconds(3));  // the agent's last round
  const size_t events = EventMessages("Broken").size();
  absl::SleepFor(absl::Seconds(3));  // a few more reconciles: still applied, no repeated Event
  EXPECT_EQ(Phase(), "Applied");
  EXPECT_EQ(Condition("Applied"), std::make_pair(std::string("True"), std::string("Applied")));
  EXPECT_EQ(ContainerSecurityContext().value("seccompProfile", json::object()).value("type", ""),
            "Localhost");
  EXPECT_TRUE(EventMessages("RevertedOnBreak").empty());
  EXPECT_EQ(EventMessages("Broken").size(), events);
}

TEST_F(AfterApplyE2eTest, ShadowModeWidensFromAMisbehavingReplicaAndProvesTheWidenedRevision) {
  CreateDeployment(kNs, "web");
  StartAgent({"--seccomp-dir", seccomp_dir_});
  learning_pod_ = RunPod("web-1", "web-rs", kLearned);
  ASSERT_NE(learning_pod_, nullptr);
  ASSERT_TRUE(WaitFor([&] {
    std::optional<json> p = Partial("web");
    return p && !Execs(*p).empty();
  })) << AgentLog();
  StartController();
  ASSERT_TRUE(WaitFor([&] { return Phase() == "Proposed"; }, absl::Seconds(60)))
      << Proposal().dump(1) << ControllerLog();
  const std::string first_revision =
      Proposal()["metadata"]["annotations"].value("minpriv.dev/revision", "");

  // A second replica does what the proposal would deny (a redirect and cat): no seccomp
  // profile is applied, so it runs; the agent reports it as would-be breaks.
  misbehaving_pod_ = RunPod("web-2", "web-rs", kMisbehaving);
  ASSERT_NE(misbehaving_pod_, nullptr);
  ASSERT_TRUE(WaitFor([&] { return !EventMessages("Widened").empty(); }, absl::Seconds(60)))
      << Proposal().dump(1) << ControllerLog() << AgentLog();
  const std::string widened = EventMessages("Widened")[0];
  EXPECT_THAT(widened, HasSubstr("seen in shadow mode on node-e2e")) << widened;
  EXPECT_THAT(widened, HasSubstr("syscall ")) << widened;
  // Nothing was enforced: the Deployment is as it was.
  EXPECT_TRUE(ContainerSecurityContext().is_null()) << ContainerSecurityContext();

  // The widened revision allows what was reported, names it as evidence, and is proven once
  // no node reports a would-be break for the shadow period.
  ASSERT_TRUE(WaitFor([&] { return Condition("ProvenOnLiveTraffic").first == "True"; },
                      absl::Seconds(60)))
      << Proposal().dump(1) << ControllerLog();
  const json rp = Proposal();
  EXPECT_NE(rp["metadata"]["annotations"].value("minpriv.dev/revision", ""), first_revision);
  EXPECT_EQ(rp["status"].value("phase", ""), "Proposed");
  std::vector<std::string> evidence;
  for (const json& e : rp["status"].value("evidence", json::array())) {
    evidence.push_back(e.value("change", "") + " " + e.value("evidence", ""));
  }
  EXPECT_THAT(evidence, ::testing::Contains(HasSubstr("widened: "))) << rp["status"].dump(1);
  EXPECT_THAT(evidence, ::testing::Contains(HasSubstr("node-e2e"))) << rp["status"].dump(1);
  EXPECT_EQ(rp["spec"]["decision"], "Pending");
}

}  // namespace
}  // namespace minpriv::agent::testing
