// What goes wrong around a delivery, on GitHub and on GitLab: the base moved (merged in
// cleanly, or a conflict reported with nothing overwritten), a rate limit waited out, a
// bad token refused before anything was pushed, and the token kept out of every process's
// arguments and environment, the repository's config and the messages.
#include <chrono>
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "delivery_fixture.h"

namespace minpriv::forge {
namespace {

using gitops::OutcomeName;

constexpr char kBranch[] = "minpriv/shop/deployment-web";

using DeliveryFailureTest = DeliveryTest;

TEST_P(DeliveryFailureTest, MovedBaseIsMergedIntoTheBranch) {
  ASSERT_TRUE(Deliver(WebChange()).ok());
  CommitOnBase("README.md", "# shop deploy\n\nOwned by team-shop.\n", "readme: owner");
  const int writes = forge_->api_writes();
  auto r = Deliver(WebChange());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(OutcomeName(r->outcome), std::string("base-merged")) << r->message;
  EXPECT_EQ(forge_->pushes(), 2);
  EXPECT_EQ(forge_->api_writes(), writes) << "the description did not change";
  Sh("git --git-dir='" + forge_->bare_repo() + "' merge-base --is-ancestor main " + kBranch);
  EXPECT_EQ(Served(std::string("show ") + kBranch + ":README.md"), "# shop deploy\n\nOwned by team-shop.\n");
  EXPECT_EQ(Served(std::string("show ") + kBranch + ":deploy/web.yaml"), kWebYamlNarrowed);
  auto again = Deliver(WebChange());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(OutcomeName(again->outcome), std::string("unchanged"));
  EXPECT_EQ(forge_->pushes(), 2);
}

TEST_P(DeliveryFailureTest, ConflictWithTheBaseIsReportedAndNothingOverwritten) {
  ASSERT_TRUE(Deliver(WebChange()).ok());
  const std::string before = BranchSha(kBranch);
  std::string theirs = kWebYaml;
  theirs.replace(theirs.find("privileged: true"), 16, "privileged: true  # needed for the GPU driver");
  CommitOnBase("deploy/web.yaml", theirs, "web: explain privileged");
  auto r = Deliver(WebChange());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(OutcomeName(r->outcome), std::string("conflict")) << r->message;
  EXPECT_TRUE(absl::StrContains(r->message, "deploy/web.yaml")) << r->message;
  EXPECT_FALSE(r->pushed);
  EXPECT_EQ(forge_->pushes(), 1);
  EXPECT_EQ(BranchSha(kBranch), before);
  EXPECT_EQ(Served("show main:deploy/web.yaml"), theirs);
}

TEST_P(DeliveryFailureTest, RateLimitIsWaitedOut) {
  forge_->RateLimitNext(2, 1);
  auto start = std::chrono::steady_clock::now();
  auto r = Deliver(WebChange());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(OutcomeName(r->outcome), std::string("opened"));
  EXPECT_GE(seconds, 2.0) << "Retry-After: 1, twice";
  int limited = 0;
  for (const std::string& line : forge_->log()) limited += absl::StrContains(line, "-> 429");
  EXPECT_EQ(limited, 2);
}

TEST_P(DeliveryFailureTest, SpentRateLimitIsWaitedOutUntilItsReset) {
  forge_->ExhaustRateLimitFor(1, 1);
  auto start = std::chrono::steady_clock::now();
  auto r = Deliver(WebChange());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(OutcomeName(r->outcome), std::string("opened"));
  EXPECT_GE(seconds, 1.0);
  int limited = 0;
  for (const std::string& line : forge_->log()) {
    limited += absl::StrContains(line, GetParam() == Kind::kGitHub ? "-> 403" : "-> 429");
  }
  EXPECT_EQ(limited, 1);
}

TEST_P(DeliveryFailureTest, RateLimitBeyondTheCapIsAClearError) {
  forge_->RateLimitNext(1, 3600);
  auto r = Deliver(WebChange());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(absl::StrContains(r.status().message(), "rate limited")) << r.status();
  EXPECT_EQ(forge_->pushes(), 0) << "the pull requests are read before anything is pushed";
}

TEST_P(DeliveryFailureTest, BadTokenIsAClearErrorAndNothingIsPushed) {
  const std::string bad = "tok_wrong_0000000000000000000000000";
  auto r = Deliver(WebChange(), bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied) << r.status();
  EXPECT_TRUE(absl::StrContains(r.status().message(), "token was refused")) << r.status();
  EXPECT_FALSE(absl::StrContains(r.status().message(), bad)) << r.status();
  EXPECT_EQ(forge_->pushes(), 0);
  EXPECT_EQ(forge_->api_writes(), 0);
  EXPECT_EQ(BranchSha(kBranch), "");
}

TEST_P(DeliveryFailureTest, TokenNeverInArgvEnvironmentConfigOrMessages) {
  // Even a token in the caller's environment is not inherited by git and its helpers.
  setenv("GITHUB_TOKEN", kToken, 1);
  setenv("GITLAB_TOKEN", kToken, 1);
  auto r = Deliver(WebChange());
  unsetenv("GITHUB_TOKEN");
  unsetenv("GITLAB_TOKEN");
  ASSERT_TRUE(r.ok()) << r.status();
  auto again = Deliver(WebChange(1));
  ASSERT_TRUE(again.ok()) << again.status();
  // TearDown checks that no process's /proc/PID/cmdline or environ held the token while git
  // was connected (fetch and push both connect).
  EXPECT_GT(forge_->pushes(), 1);
  EXPECT_FALSE(absl::StrContains(workdir_config_, kToken)) << workdir_config_;
  EXPECT_FALSE(absl::StrContains(workdir_config_, "extraheader"));
  EXPECT_FALSE(absl::StrContains(last_git_argv_, kToken));
  EXPECT_FALSE(absl::StrContains(again->message, kToken));
  EXPECT_TRUE(askpass_removed_) << "the token's directory outlived the run";
  EXPECT_FALSE(absl::StrContains(Sh("git -C '" + dir_ + "/work' config --list --show-origin"), kToken));
}

TEST_P(DeliveryFailureTest, AFileHoldingTheTokenIsSeen) {
  // The watch that keeps the token out of files works: a file planted in the run's
  // directory is reported while git talks to the forge.
  std::filesystem::create_directories(dir_ + "/planted");
  std::ofstream(dir_ + "/planted/leak.txt") << "token=" << kToken << "\n";
  ASSERT_TRUE(Deliver(WebChange()).ok());
  EXPECT_TRUE(absl::StrContains(absl::StrJoin(forge_->token_sightings(), "\n"), "planted/leak.txt"));
  std::filesystem::remove_all(dir_ + "/planted");
  forge_->ClearTokenSightings();
  ASSERT_TRUE(Deliver(WebChange(1)).ok());
  // TearDown: nothing else held it, the work directory and the askpass directory included.
}

INSTANTIATE_TEST_SUITE_P(Forges, DeliveryFailureTest, ::testing::Values(Kind::kGitHub, Kind::kGitLab),
                         [](const auto& info) {
                           return info.param == Kind::kGitHub ? "GitHub" : "GitLab";
                         });

}  // namespace
}  // namespace minpriv::forge
