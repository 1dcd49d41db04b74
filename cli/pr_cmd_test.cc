// `minpriv pr` end to end against the forge test server, with a stand-in for the source
// finding (a planner that edits deploy/web.yaml as gitops::PlanChanges would): the URL
// printed, a second run silent, --dry-run pushing nothing, the token from a file or the
// environment, a forge on HTTPS with a private CA (--ca-file), and the exit statuses of the
// user's mistakes.
#include "cli/pr_cmd.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/apiserver/tls_certs.h"
#include "tests/forge/test_forge.h"
#include "util/exit_codes.h"
#include "util/process.h"

namespace minpriv::cli {
namespace {

using ::testing::HasSubstr;

constexpr char kToken[] = "tok_cli_5d1e0b7a9c3f4e21a8b6d0c2e4f6a8b0";
constexpr char kWeb[] = "# the storefront\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n"
                        "spec:\n  template:\n    spec:\n      containers:\n        - name: nginx\n"
                        "          securityContext:\n            privileged: true\n";

struct Result {
  int code = -1;
  std::string out, err;
};

class PrCmdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/minpriv-pr-cmd-XXXXXX";
    ASSERT_NE(mkdtemp(templ), nullptr);
    dir_ = templ;
    ASSERT_NO_FATAL_FAILURE(StartForge(std::nullopt));
    proposal_ = dir_ + "/proposal";
    std::filesystem::create_directories(proposal_);
    std::ofstream(proposal_ + "/report.md") << "# minpriv proposal\n\n## Deployment shop/web\n\n- privileged: false\n";
    std::ofstream(dir_ + "/token") << kToken << "\n";
  }

  // A fresh forge (over HTTPS with `tls`) whose repository holds deploy/web.yaml.
  void StartForge(std::optional<forge::ServerCertificate> tls) {
    forge_.reset();
    std::filesystem::remove_all(dir_ + "/forge");
    std::filesystem::remove_all(dir_ + "/seed");
    forge_ = std::make_unique<forge::TestForge>(forge::Kind::kGitHub, dir_ + "/forge", "acme/shop", kToken);
    ASSERT_TRUE(forge_->Start(std::move(tls)));
    const std::string seed = dir_ + "/seed";
    const std::string g = "git -c user.name=t -c user.email=t@example.com -C '" + seed + "' ";
    std::filesystem::create_directories(seed + "/deploy");
    std::ofstream(seed + "/deploy/web.yaml") << kWeb;
    ASSERT_EQ(Sh("git init -q -b main '" + seed + "' && " + g + "add -A && " + g + "commit -q -m init && " +
                 g + "push -q '" + forge_->bare_repo() + "' main"), 0);
  }
  void TearDown() override {
    EXPECT_THAT(forge_->violations(), ::testing::IsEmpty());
    EXPECT_THAT(forge_->token_sightings(), ::testing::IsEmpty());
    forge_.reset();
    std::filesystem::remove_all(dir_);
  }

  static int Sh(const std::string& cmd) {
    auto r = util::RunQuiet({"/bin/sh", "-c", cmd});
    return r.ok() ? *r : -1;
  }

  // Edits deploy/web.yaml in the checkout it is given, as the sources half does.
  Planner WebPlanner(std::string* seen_repo = nullptr) {
    return [seen_repo](const std::string& proposal, const std::string& repo,
                       const gitops::PlanOptions& options) -> absl::StatusOr<gitops::Plan> {
      if (seen_repo) *seen_repo = repo;
      std::ifstream f(repo + "/deploy/web.yaml");
      std::stringstream ss;
      ss << f.rdbuf();
      std::string old = ss.str();
      if (old.empty()) return absl::InvalidArgumentError("deploy/web.yaml not in the checkout");
      std::string narrowed = old;
      narrowed.replace(narrowed.find("privileged: true"), 16, "privileged: false");
      gitops::Plan plan;
      gitops::WorkloadChange c;
      c.workload = {"apps/v1", "Deployment", "shop", "web"};
      c.sources = {"deploy/web.yaml"};
      c.changes.push_back({"deploy/web.yaml", old, narrowed});
      plan.workloads.push_back(c);
      if (!options.paths.empty()) {
        plan.unresolved.push_back({{"apps/v1", "Deployment", "shop", "api"}, "found in 2 places",
                                   {"deploy/api.yaml", "charts/api/values.yaml"}});
      }
      return plan;
    };
  }

  Result Run(std::vector<std::string> args, const Planner& planner) {
    args.insert(args.begin(), "pr");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    Result r;
    r.code = RunPrWith(static_cast<int>(argv.size()), argv.data(), planner, out, err);
    for (auto [f, s] : {std::pair{out, &r.out}, std::pair{err, &r.err}}) {
      std::rewind(f);
      char buf[4096];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s->append(buf, n);
      std::fclose(f);
    }
    return r;
  }

  std::vector<std::string> Flags() {
    return {"--proposal", proposal_, "--repo", forge_->repo_url(), "--forge", "github",
            "--api-url", forge_->api_url(), "--project", "acme/shop"};
  }

  std::string dir_, proposal_;
  std::unique_ptr<forge::TestForge> forge_;
};

TEST_F(PrCmdTest, PrintsTheUrlThenIsANoOp) {
  std::vector<std::string> args = Flags();
  args.insert(args.end(), {"--token-file", dir_ + "/token"});
  std::string repo_dir;
  Result first = Run(args, WebPlanner(&repo_dir));
  ASSERT_EQ(first.code, util::kExitOk) << first.err;
  EXPECT_EQ(first.out, forge_->api_url().substr(0, forge_->api_url().find("/api/")) + "/acme/shop/pull/1\n");
  EXPECT_THAT(first.err, HasSubstr("Deployment shop/web: opened"));
  EXPECT_FALSE(std::filesystem::exists(repo_dir)) << "the work directory (and the token) stayed behind";
  Result second = Run(args, WebPlanner());
  ASSERT_EQ(second.code, util::kExitOk) << second.err;
  EXPECT_EQ(second.out, first.out);
  EXPECT_THAT(second.err, HasSubstr("unchanged"));
  EXPECT_EQ(forge_->pushes(), 1);
  ASSERT_EQ(forge_->pulls().size(), 1u);
  EXPECT_EQ(forge_->pulls()[0].labels, (std::vector<std::string>{"security", "minpriv"}));
  EXPECT_THAT(first.err + second.err, ::testing::Not(HasSubstr(kToken)));
}

TEST_F(PrCmdTest, DryRunPrintsDiffAndTextAndPushesNothing) {
  std::vector<std::string> args = Flags();
  args.insert(args.end(), {"--dry-run", "--token-file", dir_ + "/token"});  // the repository is private
  Result r = Run(args, WebPlanner());
  ASSERT_EQ(r.code, util::kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("-            privileged: true\n+            privileged: false\n"));
  EXPECT_THAT(r.out, HasSubstr("### fix(security): least privilege for deployment shop/web"));
  EXPECT_THAT(r.out, HasSubstr("### Rollback"));
  EXPECT_EQ(forge_->pushes(), 0);
  EXPECT_EQ(forge_->api_reads() + forge_->api_writes(), 0);
}

TEST_F(PrCmdTest, TokenFromTheEnvironment) {
  setenv("GITHUB_TOKEN", kToken, 1);
  Result r = Run(Flags(), WebPlanner());
  EXPECT_EQ(std::getenv("GITHUB_TOKEN"), nullptr) << "left for children to inherit";
  unsetenv("GITHUB_TOKEN");
  ASSERT_EQ(r.code, util::kExitOk) << r.err;
  EXPECT_EQ(forge_->pulls().size(), 1u);
}

TEST_F(PrCmdTest, UnresolvedWorkloadsAreReportedWithCandidates) {
  std::vector<std::string> args = Flags();
  args.insert(args.end(), {"--token-file", dir_ + "/token", "--path", "deploy"});
  Result r = Run(args, WebPlanner());
  EXPECT_EQ(r.code, util::kExitFailure);
  EXPECT_THAT(r.err, HasSubstr("Deployment shop/api: found in 2 places; nothing pushed for it; "
                               "candidates: deploy/api.yaml, charts/api/values.yaml"));
  EXPECT_EQ(forge_->pulls().size(), 1u) << "web is still delivered";
}

TEST_F(PrCmdTest, UserMistakesExitTwoAndPushNothing) {
  unsetenv("GITHUB_TOKEN");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  std::ofstream(dir_ + "/bad-token") << "tok_not_the_one\n";
  std::vector<Case> cases = {
      {{"--repo", forge_->repo_url()}, "--proposal DIR is required"},
      {{"--proposal", proposal_}, "--repo URL is required"},
      {{"--proposal", dir_ + "/nowhere", "--repo", forge_->repo_url()}, "report.md"},
      {{"--proposal", proposal_, "--repo", forge_->repo_url()}, "--forge"},
      {{"--proposal", proposal_, "--repo", forge_->repo_url(), "--forge", "bitbucket"}, "--forge"},
      {Flags(), "no token: give --token-file FILE or set GITHUB_TOKEN"},
      {[&] { auto a = Flags(); a.insert(a.end(), {"--token-file", dir_ + "/none"}); return a; }(),
       "--token-file"},
      {[&] { auto a = Flags(); a.insert(a.end(), {"--token-file", dir_ + "/bad-token"}); return a; }(),
       "token was refused"},
      {[&] { auto a = Flags(); a.insert(a.end(), {"--token-file", dir_ + "/token", "--base", "release"}); return a; }(),
       "base branch 'release' not found"},
      {{"--proposal", proposal_, "--bogus"}, "--bogus"},
  };
  for (const Case& c : cases) {
    Result r = Run(c.args, WebPlanner());
    EXPECT_EQ(r.code, util::kExitUsage) << c.message << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.message));
    EXPECT_THAT(r.err, ::testing::Not(HasSubstr("tok_not_the_one")));
  }
  EXPECT_EQ(forge_->pushes(), 0);
  EXPECT_EQ(forge_->api_writes(), 0);
}

// A forge whose certificate a private CA signed: without --ca-file, or with another CA, git
// refuses it with a message saying what to give; with the CA, git and the REST API both
// talk HTTPS to it (git through -c http.sslCAInfo, the API through the client's own store).
TEST_F(PrCmdTest, PrivateCaForgeNeedsCaFile) {
  std::string error;
  std::optional<apiserver::Pki> pki = apiserver::GeneratePki(&error);
  std::optional<apiserver::Pki> stranger = apiserver::GeneratePki(&error);
  ASSERT_TRUE(pki && stranger) << error;
  std::ofstream(dir_ + "/ca.pem") << pki->ca_cert;
  std::ofstream(dir_ + "/other-ca.pem") << stranger->ca_cert;
  ASSERT_NO_FATAL_FAILURE(StartForge(forge::ServerCertificate{pki->server_cert, pki->server_key}));
  ASSERT_EQ(forge_->repo_url().rfind("https://", 0), 0u);
  std::vector<std::string> args = Flags();
  args.insert(args.end(), {"--token-file", dir_ + "/token"});

  Result unknown = Run(args, WebPlanner());
  EXPECT_NE(unknown.code, util::kExitOk);
  EXPECT_THAT(unknown.err, HasSubstr("certificate"));
  EXPECT_THAT(unknown.err, HasSubstr("give that CA's certificate with --ca-file FILE")) << unknown.err;

  std::vector<std::string> other = args;
  other.insert(other.end(), {"--ca-file", dir_ + "/other-ca.pem"});
  Result wrong = Run(other, WebPlanner());
  EXPECT_NE(wrong.code, util::kExitOk);
  EXPECT_THAT(wrong.err, HasSubstr("not trusted with --ca-file " + dir_ + "/other-ca.pem")) << wrong.err;
  EXPECT_EQ(forge_->pushes(), 0);
  EXPECT_EQ(forge_->api_reads() + forge_->api_writes(), 0);

  // The REST client alone (the repository reached another way): refused, then trusted.
  std::vector<std::string> api_only = {"--proposal", proposal_, "--repo", "file://" + forge_->bare_repo(),
                                       "--forge", "github", "--api-url", forge_->api_url(),
                                       "--project", "acme/shop", "--token-file", dir_ + "/token"};
  Result api_unknown = Run(api_only, WebPlanner());
  EXPECT_NE(api_unknown.code, util::kExitOk);
  EXPECT_THAT(api_unknown.err, HasSubstr(forge_->api_url())) << api_unknown.err;
  EXPECT_THAT(api_unknown.err, HasSubstr("--ca-file FILE")) << api_unknown.err;
  EXPECT_EQ(forge_->api_reads() + forge_->api_writes(), 0);

  args.insert(args.end(), {"--ca-file", dir_ + "/ca.pem"});
  Result trusted = Run(args, WebPlanner());
  ASSERT_EQ(trusted.code, util::kExitOk) << trusted.err;
  EXPECT_EQ(trusted.out, forge_->api_url().substr(0, forge_->api_url().find("/api/")) + "/acme/shop/pull/1\n");
  EXPECT_EQ(trusted.out.rfind("https://127.0.0.1:", 0), 0u);
  EXPECT_EQ(forge_->pushes(), 1);
  EXPECT_EQ(forge_->pulls().size(), 1u);

  Result not_pem = Run({"--proposal", proposal_, "--repo", forge_->repo_url(), "--ca-file", dir_ + "/token"},
                       WebPlanner());
  EXPECT_EQ(not_pem.code, util::kExitUsage);
  EXPECT_THAT(not_pem.err, HasSubstr("holds no PEM certificate"));
  EXPECT_THAT(not_pem.err, ::testing::Not(HasSubstr(kToken)));
}

TEST_F(PrCmdTest, HelpNamesEveryFlag) {
  std::string help = PrHelp();
  for (const char* flag : {"--proposal", "--repo", "--base", "--path", "--forge", "--api-url",
                           "--project", "--token-file", "--ca-file", "--dry-run"}) {
    EXPECT_THAT(help, HasSubstr(flag));
  }
  Result r = Run({"--help"}, WebPlanner());
  EXPECT_EQ(r.code, util::kExitOk);
  EXPECT_EQ(r.out, help);
}

}  // namespace
}  // namespace minpriv::cli
