// The real `minpriv propose` then the real `minpriv pr` (source finding, git, GitHub API)
// against the forge test server, on a repository shaped like a team's: plain manifests
// with comments and a kustomization (gitops/testdata/plain). One pull request per
// workload, the URLs printed, only the lines that must change changed, a second run a
// no-op, --dry-run pushing nothing.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_forge.h"
#include "tests/test_util.h"

namespace minpriv::forge {
namespace {

using ::testing::HasSubstr;

constexpr char kToken[] = "tok_e2e_0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e";

std::string Read(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

int Sh(const std::string& cmd) {
  auto r = util::RunQuiet({"/bin/sh", "-c", cmd});
  return r.ok() ? *r : -1;
}

std::string ShOut(const std::string& cmd, const std::string& dir) {
  test::RunResult r = test::RunBinary("/bin/sh", {"-c", cmd}, dir, "sh");
  EXPECT_EQ(r.exit_code, 0) << cmd << "\n" << r.err;
  return r.out;
}

class PrE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/minpriv-pr-e2e-XXXXXX";
    ASSERT_NE(mkdtemp(templ), nullptr);
    dir_ = templ;
    forge_ = std::make_unique<TestForge>(Kind::kGitHub, dir_ + "/forge", "acme/deploy", kToken);
    ASSERT_TRUE(forge_->Start());
    // minpriv's scratch (its askpass directory and clone) goes under dir_/tmp, where no file
    // may hold the token while git talks to the forge (the token file the user gives is
    // dir_/token, outside it).
    std::filesystem::create_directories(dir_ + "/tmp");
    old_tmpdir_ = getenv("TMPDIR") ? getenv("TMPDIR") : "";
    setenv("TMPDIR", (dir_ + "/tmp").c_str(), 1);
    forge_->WatchFilesUnder({dir_ + "/tmp"});
    const std::string seed = dir_ + "/seed";
    std::filesystem::copy(std::string(GITOPS_TESTDATA) + "/plain", seed,
                          std::filesystem::copy_options::recursive);
    const std::string g = "git -c user.name=t -c user.email=t@example.com -C '" + seed + "' ";
    ASSERT_EQ(Sh("git init -q -b main '" + seed + "' && " + g + "add -A && " + g +
                 "commit -q -m 'the team manifests' && " + g + "push -q '" + forge_->bare_repo() + "' main"),
              0);
    const std::string rem = REMEDIATOR_TESTDATA;
    std::ofstream(dir_ + "/inventory.yaml") << Read(rem + "/helm-deployment/inventory.yaml") << "\n---\n"
                                             << Read(rem + "/kubectl-list/inventory.yaml");
    test::RunResult p = test::RunMinpriv(
        {"propose", "--profile", rem + "/helm-deployment/profile.yaml", "--profile",
         rem + "/kubectl-list/profile.yaml", "--manifest", seed + "/apps/payments/api.yaml", "--manifest",
         seed + "/apps/payments/service.yaml", "--manifest", seed + "/apps/shop/web.yaml", "--inventory",
         dir_ + "/inventory.yaml", "--out-dir", dir_ + "/proposal"},
        dir_, "propose");
    ASSERT_EQ(p.exit_code, 0) << p.err;
    std::ofstream(dir_ + "/token") << kToken << "\n";
  }
  void TearDown() override {
    if (old_tmpdir_.empty()) {
      unsetenv("TMPDIR");
    } else {
      setenv("TMPDIR", old_tmpdir_.c_str(), 1);
    }
    EXPECT_THAT(forge_->violations(), ::testing::IsEmpty());
    EXPECT_THAT(forge_->token_sightings(), ::testing::IsEmpty());
    forge_.reset();
    std::filesystem::remove_all(dir_);
  }

  test::RunResult Pr(std::vector<std::string> extra, const std::string& tag) {
    std::vector<std::string> args = {"pr", "--proposal", dir_ + "/proposal", "--repo", forge_->repo_url(),
                                     "--forge", "github", "--api-url", forge_->api_url(), "--project",
                                     "acme/deploy", "--token-file", dir_ + "/token"};
    args.insert(args.end(), extra.begin(), extra.end());
    return test::RunMinpriv(args, dir_, tag);
  }

  std::string dir_;
  std::string old_tmpdir_;
  std::unique_ptr<TestForge> forge_;
};

TEST_F(PrE2eTest, OnePullRequestPerWorkloadThenNothing) {
  test::RunResult first = Pr({}, "pr1");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  std::vector<std::string> urls = absl::StrSplit(first.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(urls.size(), 2u) << first.out << first.err;
  EXPECT_THAT(first.err, HasSubstr("payments/api: opened"));
  ASSERT_EQ(forge_->pulls().size(), 2u);
  std::vector<std::string> heads;
  for (const FakePull& p : forge_->pulls()) {
    heads.push_back(p.head);
    EXPECT_EQ(p.labels, (std::vector<std::string>{"security", "minpriv"}));
    EXPECT_THAT(p.body, HasSubstr("### Before and after"));
    EXPECT_THAT(p.body, HasSubstr("### Evidence"));
  }
  EXPECT_THAT(heads, ::testing::UnorderedElementsAre("minpriv/payments/deployment-api",
                                                     "minpriv/shop/deployment-shop-web"));
  EXPECT_EQ(forge_->pushes(), 2);
  // Only the lines that must change: the manifest's comments are still there, and the
  // kustomization gained exactly one line.
  const std::string git = "git --git-dir='" + forge_->bare_repo() + "' ";
  std::string numstat = ShOut(git + "diff --numstat main minpriv/payments/deployment-api", dir_);
  EXPECT_THAT(numstat, HasSubstr("1\t0\tapps/payments/kustomization.yaml"));
  EXPECT_THAT(numstat, HasSubstr("19\t0\tapps/payments/api.yaml")) << numstat;
  EXPECT_THAT(ShOut(git + "show minpriv/payments/deployment-api:apps/payments/api.yaml", dir_),
              HasSubstr("# scaled for Black Friday"));

  const int writes = forge_->api_writes();
  test::RunResult second = Pr({}, "pr2");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out, first.out);
  EXPECT_EQ(forge_->pushes(), 2);
  EXPECT_EQ(forge_->api_writes(), writes);
  EXPECT_THAT(first.err + second.err, ::testing::Not(HasSubstr(kToken)));
}

TEST_F(PrE2eTest, DryRunShowsTheDiffAndPushesNothing) {
  test::RunResult r = Pr({"--dry-run"}, "dry");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("+++ b/apps/payments/api.yaml"));
  EXPECT_THAT(r.out, HasSubstr("### fix(security): least privilege for deployment payments/api"));
  EXPECT_EQ(forge_->pushes(), 0);
  EXPECT_EQ(forge_->api_reads() + forge_->api_writes(), 0);
}

TEST_F(PrE2eTest, UsageErrorsExitTwo) {
  test::RunResult r = test::RunMinpriv({"pr", "--repo", forge_->repo_url()}, dir_, "usage");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--proposal DIR is required"));
  test::RunResult help = test::RunMinpriv({"--help"}, dir_, "help");
  EXPECT_THAT(help.out + help.err, HasSubstr("pr "));
}

}  // namespace
}  // namespace minpriv::forge
