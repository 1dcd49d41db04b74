#include "delivery_fixture.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gitops/askpass.h"
#include "gitops/git_runner.h"
#include "gitops/git_workdir.h"
#include "gitops/github_client.h"
#include "gitops/gitlab_client.h"
#include "util/process.h"

namespace minpriv::forge {

const char kWebYaml[] = R"(# web: the shop's storefront. Owned by team-shop.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: nginx
          image: "nginx:1.27"  # pinned by renovate
          securityContext:
            privileged: true
)";

const char kWebYamlNarrowed[] = R"(# web: the shop's storefront. Owned by team-shop.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: nginx
          image: "nginx:1.27"  # pinned by renovate
          securityContext:
            privileged: false
            allowPrivilegeEscalation: false
            capabilities:
              drop: [ALL]
            runAsUser: 101
)";

std::string Sh(const std::string& command) {
  static int n = 0;
  std::string out = std::filesystem::temp_directory_path().string() + "/minpriv-forge-sh-" +
                    std::to_string(getpid()) + "-" + std::to_string(n++);
  util::SpawnOptions o;
  o.stdout_path = out;
  o.stdin_path = "/dev/null";
  auto p = util::Process::Shell(command, o);
  EXPECT_TRUE(p.ok()) << p.status();
  if (!p.ok()) return "";
  int st = p->Wait();
  std::ifstream f(out);
  std::stringstream ss;
  ss << f.rdbuf();
  std::filesystem::remove(out);
  EXPECT_EQ(util::ExitCodeOf(st), 0) << command << "\n" << ss.str();
  return ss.str();
}

void DeliveryTest::SetUp() {
  char templ[] = "/tmp/minpriv-forge-test-XXXXXX";
  ASSERT_NE(mkdtemp(templ), nullptr);
  dir_ = templ;
  project_ = GetParam() == Kind::kGitHub ? "acme/shop-deploy" : "acme/platform/shop-deploy";
  forge_ = std::make_unique<TestForge>(GetParam(), dir_ + "/forge", project_, kToken);
  ASSERT_TRUE(forge_->Start());
  CommitOnBase("deploy/web.yaml", kWebYaml, "add web");
  CommitOnBase("README.md", "# shop deploy\n", "readme");
  evidence_.report_md =
      "# minpriv proposal\n\n## Deployment shop/web\n\n- capabilities: `drop: [ALL]`\n\n"
      "Risks for the reviewer:\n\n- runAsUser 101 must own the files nginx writes\n";
}

void DeliveryTest::TearDown() {
  EXPECT_EQ(absl::StrJoin(forge_->violations(), "\n"), "");
  EXPECT_EQ(absl::StrJoin(forge_->token_sightings(), "\n"), "");
  forge_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void DeliveryTest::CommitOnBase(const std::string& path, const std::string& content,
                                const std::string& message) {
  const std::string clone = dir_ + "/teammate";
  const std::string g = "git -c user.name=teammate -c user.email=t@example.com -C '" + clone + "' ";
  if (!std::filesystem::exists(clone + "/.git")) {
    Sh("git init -q -b main '" + clone + "' && " + g + "remote add origin '" + forge_->bare_repo() + "'");
    Sh(g + "fetch -q origin && (" + g + "checkout -q -B main origin/main 2>/dev/null || true)");
  } else {
    Sh(g + "fetch -q origin && " + g + "checkout -q -B main origin/main");
  }
  std::filesystem::create_directories(std::filesystem::path(clone + "/" + path).parent_path());
  std::ofstream(clone + "/" + path) << content;
  Sh(g + "add -A && " + g + "commit -q -m '" + message + "' && " + g + "push -q origin main");
}

std::string DeliveryTest::Served(const std::string& git_args) const {
  return Sh("git --git-dir='" + forge_->bare_repo() + "' " + git_args);
}

std::string DeliveryTest::BranchSha(const std::string& branch) const {
  auto r = util::RunQuiet({"git", "--git-dir=" + forge_->bare_repo(), "rev-parse", "-q", "--verify",
                           "refs/heads/" + branch});
  if (!r.ok() || *r != 0) return "";
  std::string sha = Served("rev-parse refs/heads/" + branch);
  while (!sha.empty() && sha.back() == '\n') sha.pop_back();
  return sha;
}

gitops::WorkloadChange DeliveryTest::WebChange(int variant) const {
  gitops::WorkloadChange c;
  c.workload = {"apps/v1", "Deployment", "shop", "web"};
  c.layout = gitops::Layout::kPlain;
  c.sources = {"deploy/web.yaml"};
  std::string narrowed = kWebYamlNarrowed;
  if (variant != 0) {
    narrowed.replace(narrowed.find("runAsUser: 101"), 14, "runAsUser: " + std::to_string(101 + variant));
  }
  c.changes.push_back({"deploy/web-networkpolicy.yaml", std::nullopt,
                       "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: "
                       "web-minpriv\n  namespace: shop\n"});
  c.changes.push_back({"deploy/web.yaml", std::string(kWebYaml), narrowed});
  return c;
}

absl::StatusOr<gitops::WorkloadDelivery> DeliveryTest::Deliver(const gitops::WorkloadChange& change,
                                                               const std::string& token) {
  const bool github = GetParam() == Kind::kGitHub;
  std::string askpass_dir;
  absl::StatusOr<gitops::WorkloadDelivery> result;
  {
    absl::StatusOr<gitops::Askpass> askpass =
        gitops::Askpass::Create(github ? "x-access-token" : "oauth2", token);
    if (!askpass.ok()) return askpass.status();
    askpass_dir = askpass->dir();
    forge_->WatchFilesUnder({dir_, askpass_dir});
    gitops::GitRunner git(dir_ + "/work", &*askpass);
    absl::StatusOr<gitops::GitWorkdir> repo = gitops::GitWorkdir::Open(&git, forge_->repo_url(), "main");
    last_git_argv_ = absl::StrJoin(git.last_argv(), " ");
    if (!repo.ok()) return repo.status();
    std::unique_ptr<gitops::ForgeClient> client;
    gitops::RateLimitPolicy policy;
    policy.max_wait = absl::Seconds(5);
    if (github) {
      client = std::make_unique<gitops::GitHubClient>(forge_->api_url(), project_, token, policy);
    } else {
      client = std::make_unique<gitops::GitLabClient>(forge_->api_url(), project_, token, policy);
    }
    gitops::Delivery delivery(&*repo, client.get(), &evidence_);
    result = delivery.Deliver(change);
    absl::StrAppend(&last_git_argv_, "\n", absl::StrJoin(git.last_argv(), " "));
    std::ifstream f(dir_ + "/work/.git/config");
    std::stringstream ss;
    ss << f.rdbuf();
    workdir_config_ = ss.str();
  }
  askpass_removed_ = !std::filesystem::exists(askpass_dir);
  return result;
}

}  // namespace minpriv::forge
