#include "gitops/forge_target.h"

#include "gtest/gtest.h"

namespace minpriv::gitops {
namespace {

TEST(ForgeTargetTest, GitHubFromHost) {
  auto t = ResolveForgeTarget({"https://github.com/acme/shop.git", "", "", ""});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->kind, ForgeKind::kGitHub);
  EXPECT_EQ(t->api_url, "https://api.github.com");
  EXPECT_EQ(t->project, "acme/shop");
  EXPECT_EQ(t->token_env, "GITHUB_TOKEN");
  auto scp = ResolveForgeTarget({"git@github.com:acme/shop.git", "", "", ""});
  ASSERT_TRUE(scp.ok()) << scp.status();
  EXPECT_EQ(scp->project, "acme/shop");
}

TEST(ForgeTargetTest, GitLabKeepsTheWholeGroupPath) {
  auto t = ResolveForgeTarget({"https://gitlab.com/acme/platform/deploy", "", "", ""});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->kind, ForgeKind::kGitLab);
  EXPECT_EQ(t->api_url, "https://gitlab.com/api/v4");
  EXPECT_EQ(t->project, "acme/platform/deploy");
  EXPECT_EQ(t->git_user, "oauth2");
}

TEST(ForgeTargetTest, SelfHostedNeedsForgeAndFileNeedsProject) {
  auto unknown = ResolveForgeTarget({"https://git.example.com/a/b.git", "", "", ""});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("--forge"), std::string::npos);
  auto ghe = ResolveForgeTarget(
      {"https://git.example.com/a/b.git", "github", "https://git.example.com/api/v3/", ""});
  ASSERT_TRUE(ghe.ok()) << ghe.status();
  EXPECT_EQ(ghe->api_url, "https://git.example.com/api/v3");
  EXPECT_EQ(ghe->project, "a/b");
  auto file = ResolveForgeTarget({"file:///srv/repo.git", "gitlab", "", ""});
  EXPECT_EQ(file.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(file.status().message().find("--project"), std::string::npos);
  auto with_project = ResolveForgeTarget({"file:///srv/repo.git", "gitlab", "", "g/sub/p"});
  ASSERT_TRUE(with_project.ok());
  EXPECT_EQ(with_project->project, "g/sub/p");
  EXPECT_FALSE(ResolveForgeTarget({"file:///r", "github", "", "a/b/c"}).ok());
  EXPECT_FALSE(ResolveForgeTarget({"https://github.com/a/b", "bitbucket", "", ""}).ok());
  EXPECT_FALSE(ResolveForgeTarget({"https://github.com/a/b", "", "ftp://x", ""}).ok());
}

}  // namespace
}  // namespace minpriv::gitops
