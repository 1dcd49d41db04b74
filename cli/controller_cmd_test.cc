#include "cli/controller_cmd.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace minpriv::cli {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<ControllerFlags> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "controller");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return ParseControllerFlags(static_cast<int>(argv.size()), argv.data());
}

TEST(ControllerFlagsTest, TheInterfaceOthersRelyOn) {
  auto f = Parse({"--kubeconfig", "/k", "--namespace", "shop", "--quiet-period", "2s",
                  "--min-window", "3s", "--max-window", "1h", "--delivery", "PullRequest",
                  "--leader-election-namespace", "minpriv", "--metrics-addr", ":8080",
                  "--identity", "c1"});
  ASSERT_TRUE(f.ok()) << f.status();
  const controller::ControllerOptions& o = f->options;
  EXPECT_EQ(o.kubeconfig, "/k");
  EXPECT_EQ(o.ns, "shop");
  EXPECT_EQ(o.windows.quiet_period, absl::Seconds(2));
  EXPECT_EQ(o.windows.min_window, absl::Seconds(3));
  EXPECT_EQ(o.windows.max_window, absl::Hours(1));
  EXPECT_EQ(o.delivery, crd::Delivery::kPullRequest);
  EXPECT_EQ(o.lease_namespace, "minpriv");
  EXPECT_EQ(o.metrics_addr, ":8080");
  EXPECT_EQ(o.identity, "c1");
}

TEST(ControllerFlagsTest, ShadowPeriod) {
  auto f = Parse({"--shadow-period", "90m"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->options.shadow_period, absl::Minutes(90));
  EXPECT_FALSE(Parse({"--shadow-period", "a while"}).ok());
}

TEST(ControllerFlagsTest, ProductionDefaultsWithoutFlags) {
  auto f = Parse({});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->options.windows.quiet_period, absl::Minutes(10));
  EXPECT_EQ(f->options.windows.min_window, absl::Hours(1));
  EXPECT_EQ(f->options.shadow_period, absl::Hours(24));
  EXPECT_EQ(f->options.delivery, crd::Delivery::kApply);
  EXPECT_TRUE(f->options.kubeconfig.empty());  // in-cluster when nothing else is found
}

TEST(ControllerFlagsTest, BadValuesNameTheFlag) {
  EXPECT_THAT(std::string(Parse({"--delivery", "Email"}).status().message()),
              HasSubstr("--delivery: 'Email' is not one of Apply, PullRequest"));
  EXPECT_THAT(std::string(Parse({"--quiet-period", "soon"}).status().message()),
              HasSubstr("--quiet-period"));
  EXPECT_THAT(std::string(Parse({"--workers", "0"}).status().message()), HasSubstr("--workers"));
}

TEST(ControllerFlagsTest, GitFlagsForPullRequestDelivery) {
  auto f = Parse({"--git-repo", "https://github.com/acme/shop-deploy.git", "--git-base", "prod",
                  "--git-token-secret", "minpriv/forge-token/github", "--git-work-dir", "/var/x"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->git.repo, "https://github.com/acme/shop-deploy.git");
  EXPECT_EQ(f->git.base, "prod");
  EXPECT_EQ(f->git.token_secret, "minpriv/forge-token/github");
  EXPECT_EQ(f->git.work_dir, "/var/x");
  EXPECT_TRUE(CheckGitFlags(f->git).ok()) << CheckGitFlags(f->git);
  EXPECT_TRUE(CheckGitFlags(Parse({})->git).ok());  // no repository: PullRequest waits
}

TEST(ControllerFlagsTest, PullRequestRecheckDefaultsToFiveMinutes) {
  EXPECT_EQ(Parse({})->git.pr_recheck, absl::Minutes(5));
  auto f = Parse({"--pr-recheck", "30s"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->git.pr_recheck, absl::Seconds(30));
  EXPECT_THAT(std::string(Parse({"--pr-recheck", "later"}).status().message()),
              HasSubstr("--pr-recheck"));
  // Zero would requeue an open pull request's workload in a busy loop.
  EXPECT_THAT(std::string(Parse({"--pr-recheck", "0s"}).status().message()),
              HasSubstr("--pr-recheck: '0s' is not a positive duration"));
}

TEST(ControllerFlagsTest, BadGitFlagsSayWhatIsMissing) {
  auto check = [](std::vector<std::string> args) {
    absl::StatusOr<ControllerFlags> f = Parse(std::move(args));
    return f.ok() ? std::string(CheckGitFlags(f->git).message()) : std::string(f.status().message());
  };
  EXPECT_THAT(check({"--git-token-secret", "ns/name"}), HasSubstr("need --git-repo URL"));
  EXPECT_THAT(check({"--git-repo", "https://github.com/acme/shop.git"}),
              HasSubstr("--git-repo needs --git-token-secret"));
  EXPECT_THAT(check({"--git-repo", "https://github.com/acme/shop.git", "--git-token-secret", "x"}),
              HasSubstr("--git-token-secret: 'x'"));
  EXPECT_THAT(check({"--git-repo", "https://git.example.com/acme/shop.git", "--git-token-secret",
                     "ns/name"}),
              HasSubstr("--forge"));
  EXPECT_THAT(check({"--git-forge", "bitbucket"}), HasSubstr("--git-forge"));
  EXPECT_THAT(check({"--git-ca-file", "/etc/hostname"}), HasSubstr("need --git-repo URL"));
  const std::vector<std::string> repo = {"--git-repo", "https://github.com/acme/shop.git",
                                         "--git-token-secret", "ns/name", "--git-ca-file"};
  auto with_ca = [&](const std::string& file) {
    std::vector<std::string> args = repo;
    args.push_back(file);
    return check(args);
  };
  EXPECT_THAT(with_ca("/nonexistent/ca.pem"), HasSubstr("--git-ca-file: "));
  EXPECT_THAT(with_ca("/etc/hostname"), HasSubstr("--git-ca-file: /etc/hostname holds no PEM certificate"));
}

}  // namespace
}  // namespace minpriv::cli
