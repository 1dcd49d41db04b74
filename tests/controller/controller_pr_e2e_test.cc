// `minpriv controller` delivering `spec.delivery: PullRequest` end to end: the test API
// server, the real controller process with --git-* flags and the token in a Secret, and the
// forge test server (tests/forge: git smart HTTP behind authentication and GitHub's REST
// subset) holding the workload's plain manifest.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "controller/resources.h"
#include "tests/controller/controller_e2e_fixture.h"
#include "tests/forge/test_forge.h"
#include "util/process.h"

namespace minpriv::controller::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

constexpr char kToken[] = "tok_c0ntr0ller_9b1e4f2a7d3c5e8f0a6b";
constexpr char kProject[] = "acme/shop-deploy";
constexpr char kBranch[] = "minpriv/shop/deployment-web";

// The Deployment CreateDeployment makes, as the team keeps it in Git.
constexpr char kWebYaml[] = R"(# web: the shop's storefront. Owned by team-shop.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: shop:1  # pinned by renovate
        ports:
        - containerPort: 8080
)";

int Sh(const std::string& command, std::string* out = nullptr) {
  const std::string path = std::filesystem::temp_directory_path().string() + "/minpriv-pr-e2e-" +
                           std::to_string(getpid());
  util::SpawnOptions o;
  o.stdout_path = path;
  o.stderr_to_stdout = true;
  o.stdin_path = "/dev/null";
  auto p = util::Process::Shell(command, o);
  if (!p.ok()) return -1;
  const int code = util::ExitCodeOf(p->Wait());
  std::ifstream f(path);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::filesystem::remove(path);
  if (out != nullptr) *out = text;
  EXPECT_EQ(code, 0) << command << "\n" << text;
  return code;
}

class ControllerPullRequestE2eTest : public ControllerE2eTest {
 protected:
  void SetUp() override {
    ControllerE2eTest::SetUp();
    forge_ = std::make_unique<forge::TestForge>(forge::Kind::kGitHub, dir_ + "/forge", kProject,
                                                kToken);
    ASSERT_TRUE(forge_->Start());
    const std::string clone = dir_ + "/teammate";
    const std::string g = "git -c user.name=teammate -c user.email=t@example.com -C '" + clone + "' ";
    std::filesystem::create_directories(clone + "/deploy");
    std::ofstream(clone + "/deploy/web.yaml") << kWebYaml;
    Sh("git init -q -b main '" + clone + "' && " + g + "remote add origin '" +
        forge_->bare_repo() + "' && " + g + "add -A && " + g + "commit -q -m 'add web' && " + g +
        "push -q origin main");
    CreateNamespace("shop");
    CreateNamespace("minpriv");
  }

  void TearDown() override {
    if (forge_) {
      EXPECT_THAT(forge_->violations(), ::testing::IsEmpty());
      EXPECT_THAT(forge_->token_sightings(), ::testing::IsEmpty());
    }
    ControllerE2eTest::TearDown();
    forge_.reset();
  }

  void CreateTokenSecret(const std::string& token) {
    Apply(absl::StrCat("apiVersion: v1\nkind: Secret\nmetadata: {name: forge-token, namespace: "
                       "minpriv}\ntype: Opaque\ndata:\n  token: ",
                       absl::Base64Escape(token + "\n"), "\n"));
  }

  void StartPullRequestController(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> flags = {
        "--delivery",    "PullRequest",     "--git-repo",         forge_->repo_url(),
        "--git-forge",   "github",          "--git-api-url",      forge_->api_url(),
        "--git-project", kProject,          "--git-token-secret", "minpriv/forge-token",
        "--git-work-dir", dir_ + "/clones"};
    flags.insert(flags.end(), extra.begin(), extra.end());
    StartController("c1", flags);
  }

  // A learned, approved proposal for shop/web.
  void ApproveWeb() {
    CreateDeployment("shop", "web");
    CreatePartial("shop", "web", "node-a", {"read", "write", "openat"});
    ASSERT_TRUE(WaitFor([&] { return Phase("shop", "deployment-web") == "Proposed"; }));
    MergePatch("rp", "shop", "deployment-web", R"({"spec":{"decision":"Approved"}})");
  }

  // status.pullRequest.state, "" while there is none.
  std::string PullRequestState() {
    const json pr = PullRequestStatus();
    return pr.is_object() ? pr.value("state", "") : "";
  }

  json PullRequestStatus() {
    auto rp = Get(kProposals, "shop", "deployment-web");
    if (!rp || !rp->contains("status") || !(*rp)["status"].contains("pullRequest")) return json();
    return (*rp)["status"]["pullRequest"];
  }

  // Makes the controller reconcile the workload again (an annotation on its proposal).
  void Touch(int n) {
    MergePatch("rp", "shop", "deployment-web",
               absl::StrCat(R"({"metadata":{"annotations":{"test/touch":")", n, R"("}}})"));
  }

  // Everything a reader of the cluster or the controller's output could see.
  std::string Visible() {
    std::string events;
    Kubectl({"get", "events", "-A", "-o", "json"}, &events);
    auto rp = Get(kProposals, "shop", "deployment-web");
    return absl::StrCat(rp ? rp->dump() : "", "\n", events, "\n", ControllerLog("c1"));
  }

  std::unique_ptr<forge::TestForge> forge_;
};

TEST_F(ControllerPullRequestE2eTest, ApprovedProposalOpensOnePullRequestAndFollowsItsState) {
  CreateTokenSecret(kToken);
  StartPullRequestController();
  ApproveWeb();
  ASSERT_TRUE(WaitFor([&] { return PullRequestStatus().is_object(); }, absl::Seconds(60)))
      << ControllerLog("c1");
  const json pr = PullRequestStatus();
  std::vector<forge::FakePull> pulls = forge_->pulls();
  ASSERT_EQ(pulls.size(), 1u);
  EXPECT_EQ(pulls[0].head, kBranch);
  EXPECT_EQ(pulls[0].base, "main");
  EXPECT_THAT(pulls[0].body, HasSubstr("deploy/web.yaml"));
  EXPECT_TRUE(absl::StartsWith(pr.value("url", ""), "http://127.0.0.1:")) << pr.dump();
  EXPECT_TRUE(absl::EndsWith(pr.value("url", ""), absl::StrCat("/", kProject, "/pull/1")))
      << pr.dump();
  EXPECT_EQ(pr.value("state", ""), "Open");
  std::string reason;
  EXPECT_EQ(Condition("shop", "deployment-web", "Delivered", &reason), "True");
  EXPECT_EQ(reason, "PullRequestOpen");
  EXPECT_EQ(Phase("shop", "deployment-web"), "Approved");

  // The branch holds the manifest edited in place: the comments stay, the container narrowed.
  std::string edited;
  Sh(absl::StrCat("git --git-dir='", forge_->bare_repo(), "' show ", kBranch, ":deploy/web.yaml"),
      &edited);
  EXPECT_THAT(edited, HasSubstr("# web: the shop's storefront. Owned by team-shop."));
  EXPECT_THAT(edited, HasSubstr("image: shop:1  # pinned by renovate"));
  EXPECT_THAT(edited, HasSubstr("drop"));
  EXPECT_THAT(edited, HasSubstr("localhostProfile: minpriv/"));
  std::string files;
  Sh(absl::StrCat("git --git-dir='", forge_->bare_repo(), "' ls-tree -r --name-only ", kBranch),
      &files);
  EXPECT_THAT(files, HasSubstr("deploy/web-minpriv.networkpolicy.yaml"));
  EXPECT_THAT(files, HasSubstr("seccomp/shop-web-app.json"));
  // Only lines added to the manifest: nothing of the team's text was rewritten.
  std::string numstat;
  Sh(absl::StrCat("git --git-dir='", forge_->bare_repo(), "' diff --numstat main ", kBranch,
                  " -- deploy/web.yaml"),
     &numstat);
  EXPECT_THAT(numstat, ::testing::MatchesRegex("[1-9][0-9]*\t0\tdeploy/web.yaml\n")) << numstat;
  // The live workload is not patched: the pull request is the delivery.
  auto web = Get({"apps", "v1", "deployments", true}, "shop", "web");
  EXPECT_FALSE((*web)["spec"]["template"]["spec"]["containers"][0].contains("securityContext"));

  // Another reconcile: the same pull request is found again; nothing pushed or written.
  const int pushes = forge_->pushes(), writes = forge_->api_writes(), reads = forge_->api_reads();
  Touch(1);
  ASSERT_TRUE(WaitFor([&] { return forge_->api_reads() > reads; }, absl::Seconds(30)));
  absl::SleepFor(absl::Seconds(1));
  EXPECT_EQ(forge_->pulls().size(), 1u);
  EXPECT_EQ(forge_->pushes(), pushes);
  EXPECT_EQ(forge_->api_writes(), writes);
  EXPECT_EQ(PullRequestStatus(), pr);

  // Merged on the forge: the proposal records it and counts as applied.
  forge_->SetState(1, "merged");
  Touch(2);
  ASSERT_TRUE(WaitFor([&] { return PullRequestStatus().value("state", "") == "Merged"; },
                      absl::Seconds(30)))
      << PullRequestStatus().dump();
  EXPECT_EQ(Phase("shop", "deployment-web"), "Applied");
  EXPECT_EQ(forge_->pulls().size(), 1u);
  EXPECT_FALSE(absl::StrContains(Visible(), kToken));
}

TEST_F(ControllerPullRequestE2eTest, ClosedWithoutMergingIsRecordedAndNotReopened) {
  CreateTokenSecret(kToken);
  StartPullRequestController();
  ApproveWeb();
  ASSERT_TRUE(WaitFor([&] { return PullRequestStatus().is_object(); }, absl::Seconds(60)))
      << ControllerLog("c1");
  forge_->SetState(1, "closed");
  const int pushes = forge_->pushes();
  Touch(1);
  ASSERT_TRUE(WaitFor([&] { return PullRequestStatus().value("state", "") == "Closed"; },
                      absl::Seconds(30)))
      << PullRequestStatus().dump();
  std::string reason;
  EXPECT_EQ(Condition("shop", "deployment-web", "Delivered", &reason), "False");
  EXPECT_EQ(reason, "PullRequestClosed");
  EXPECT_EQ(forge_->pulls().size(), 1u);
  EXPECT_EQ(forge_->pushes(), pushes);
}

// --pr-recheck: an open pull request's state is looked at again on a timer, so a merge or a
// close on the forge is recorded with nothing changing in the cluster.
TEST_F(ControllerPullRequestE2eTest, OpenPullRequestIsRecheckedWithoutAnotherTrigger) {
  CreateTokenSecret(kToken);
  StartPullRequestController({"--pr-recheck", "1s"});
  ApproveWeb();
  ASSERT_TRUE(WaitFor([&] { return PullRequestState() == "Open"; },
                      absl::Seconds(60)))
      << ControllerLog("c1");
  // Still open: each recheck reads the forge again and writes nothing. (The reconciles that
  // follow the status write are over after a moment; only the timer reads it after that.)
  absl::SleepFor(absl::Seconds(2));
  const int reads = forge_->api_reads(), writes = forge_->api_writes(), pushes = forge_->pushes();
  ASSERT_TRUE(WaitFor([&] { return forge_->api_reads() > reads; }, absl::Seconds(10)))
      << ControllerLog("c1");
  EXPECT_EQ(forge_->api_writes(), writes);
  EXPECT_EQ(forge_->pushes(), pushes);

  forge_->SetState(1, "merged");
  ASSERT_TRUE(WaitFor([&] { return PullRequestState() == "Merged"; },
                      absl::Seconds(20)))
      << PullRequestStatus().dump() << ControllerLog("c1");
  EXPECT_EQ(Phase("shop", "deployment-web"), "Applied");
  // Merged is final: no more rechecks of the forge.
  absl::SleepFor(absl::Seconds(1));
  const int settled = forge_->api_reads();
  absl::SleepFor(absl::Seconds(3));
  EXPECT_EQ(forge_->api_reads(), settled);
  EXPECT_EQ(forge_->pulls().size(), 1u);
}

TEST_F(ControllerPullRequestE2eTest, ClosedPullRequestIsRecordedByTheRecheck) {
  CreateTokenSecret(kToken);
  StartPullRequestController({"--pr-recheck", "1s"});
  ApproveWeb();
  ASSERT_TRUE(WaitFor([&] { return PullRequestState() == "Open"; },
                      absl::Seconds(60)))
      << ControllerLog("c1");
  absl::SleepFor(absl::Seconds(2));  // the reconciles that follow the status write are over
  forge_->SetState(1, "closed");
  ASSERT_TRUE(WaitFor([&] { return PullRequestState() == "Closed"; },
                      absl::Seconds(20)))
      << PullRequestStatus().dump() << ControllerLog("c1");
  std::string reason;
  EXPECT_EQ(Condition("shop", "deployment-web", "Delivered", &reason), "False");
  EXPECT_EQ(reason, "PullRequestClosed");
}

TEST_F(ControllerPullRequestE2eTest, MergedIntoTheBaseIsRecordedAsMerged) {
  CreateTokenSecret(kToken);
  StartPullRequestController();
  ApproveWeb();
  ASSERT_TRUE(WaitFor([&] { return PullRequestStatus().is_object(); }, absl::Seconds(60)))
      << ControllerLog("c1");
  // Merged as the forge merges: the base now holds the narrowed manifest, so there is
  // nothing left to plan; the pull request is still found by its branch and recorded.
  Sh(absl::StrCat("git --git-dir='", forge_->bare_repo(), "' update-ref refs/heads/main refs/heads/",
                  kBranch));
  forge_->SetState(1, "merged");
  const int pushes = forge_->pushes();
  Touch(1);
  ASSERT_TRUE(WaitFor([&] { return PullRequestStatus().value("state", "") == "Merged"; },
                      absl::Seconds(30)))
      << PullRequestStatus().dump() << ControllerLog("c1");
  EXPECT_EQ(Phase("shop", "deployment-web"), "Applied");
  std::string reason;
  EXPECT_EQ(Condition("shop", "deployment-web", "Delivered", &reason), "True");
  EXPECT_EQ(reason, "PullRequestMerged");
  EXPECT_EQ(forge_->pushes(), pushes);
  EXPECT_EQ(forge_->pulls().size(), 1u);
}

TEST_F(ControllerPullRequestE2eTest, BadTokenIsDeliveredFalseWithAClearReasonAndNothingPushed) {
  const std::string bad = "tok_wrong_5e6f7a8b9c0d1e2f3a4b5c6d";
  CreateTokenSecret(bad);
  StartPullRequestController();
  ApproveWeb();
  std::string reason;
  ASSERT_TRUE(WaitFor([&] {
    return Condition("shop", "deployment-web", "Delivered", &reason) == "False" &&
           reason == "TokenRefused";
  }, absl::Seconds(60))) << reason << "\n" << ControllerLog("c1");
  auto rp = Get(kProposals, "shop", "deployment-web");
  std::string message;
  for (const json& c : (*rp)["status"]["conditions"]) {
    if (c.value("type", "") == "Delivered") message = c.value("message", "");
  }
  EXPECT_THAT(message, HasSubstr("token was refused"));
  EXPECT_THAT(message, HasSubstr("nothing was pushed"));
  EXPECT_EQ(forge_->pushes(), 0);
  EXPECT_EQ(forge_->api_writes(), 0);
  EXPECT_TRUE(forge_->pulls().empty());
  EXPECT_FALSE(PullRequestStatus().is_object());
  EXPECT_EQ(Phase("shop", "deployment-web"), "Approved");
  const std::string visible = Visible();
  EXPECT_FALSE(absl::StrContains(visible, bad));
  EXPECT_FALSE(absl::StrContains(visible, absl::Base64Escape(bad + "\n")));

  // The Secret fixed: the next reconcile reads the new token and opens the pull request.
  CreateTokenSecret(kToken);
  Touch(1);
  ASSERT_TRUE(WaitFor([&] { return PullRequestStatus().is_object(); }, absl::Seconds(60)))
      << ControllerLog("c1");
  EXPECT_EQ(forge_->pulls().size(), 1u);
}

TEST_F(ControllerPullRequestE2eTest, MissingSecretSaysWhich) {
  StartPullRequestController();
  ApproveWeb();
  std::string reason;
  ASSERT_TRUE(WaitFor([&] {
    return Condition("shop", "deployment-web", "Delivered", &reason) == "False" &&
           reason == "TokenUnavailable";
  }, absl::Seconds(60))) << reason << "\n" << ControllerLog("c1");
  EXPECT_EQ(forge_->api_reads(), 0);
  EXPECT_EQ(forge_->pushes(), 0);
}

}  // namespace
}  // namespace minpriv::controller::testing
