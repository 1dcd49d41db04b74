#include "gitops/pr_description.h"

#include <algorithm>
#include <string>

#include "gitops/pr_digest.h"
#include "gtest/gtest.h"

namespace minpriv::gitops {
namespace {

ProposalEvidence Evidence(int report_lines) {
  ProposalEvidence e;
  e.report_md = "# minpriv proposal\n\n## Deployment shop/other\n\n- other\n\n## Deployment shop/web\n\n";
  for (int i = 0; i < report_lines; ++i) e.report_md += "- evidence line " + std::to_string(i) + "\n";
  e.report_md += "\nRisks for the reviewer:\n\n- the emptyDir on `/tmp` hides files\n";
  ContainerSummary c;
  c.kind = "Deployment";
  c.namespace_ = "shop";
  c.workload = "web";
  c.container = "nginx";
  c.caps_dropped = {"CHOWN", "NET_RAW"};
  c.caps_added = {"NET_BIND_SERVICE"};
  c.syscalls_allowed = 80;
  c.syscalls_runtime_default = 297;
  c.seccomp_profile = "seccomp/shop-web-nginx.json";
  c.read_only_root_fs = true;
  c.run_as_non_root = true;
  c.run_as_user = 101;
  c.writable_paths = {"/tmp"};
  c.network = true;
  c.ingress = {"0.0.0.0/0 80/TCP"};
  e.containers.push_back(c);
  return e;
}

WorkloadChange Change() {
  WorkloadChange c;
  c.workload = {"apps/v1", "Deployment", "shop", "web"};
  c.layout = Layout::kHelmValues;
  c.sources = {"charts/web/values.yaml"};
  c.changes.push_back({"charts/web/values.yaml", std::string("a: 1\n"), "a: 2\n"});
  c.changes.push_back({"charts/web/minpriv/networkpolicy.yaml", std::nullopt, "kind: NetworkPolicy\n"});
  c.checks = {"`helm template charts/web` renders the narrowed Deployment"};
  return c;
}

TEST(PrDescriptionTest, HasEverySection) {
  std::string digest = ProposalDigest(Change());
  PullRequestText t = DescribePullRequest(Change(), Evidence(3), digest);
  EXPECT_EQ(t.title, "fix(security): least privilege for deployment shop/web");
  EXPECT_EQ(DigestInBody(t.body), digest);
  for (const char* want :
       {"| `nginx` | capabilities | runtime default: `CHOWN`, `NET_RAW` | drop `ALL`, add "
        "`NET_BIND_SERVICE` |",
        "| `nginx` | seccomp | RuntimeDefault: 297 syscalls | Localhost: 80 syscalls",
        "| `nginx` | ingress | all allowed | `0.0.0.0/0 80/TCP` |",
        "- `charts/web/values.yaml`: edited in place", "- `charts/web/minpriv/networkpolicy.yaml`: new file",
        "`helm template charts/web` renders", "- evidence line 2", "### Verification\n\nNot verified",
        "- the emptyDir on `/tmp` hides files", "### Rollback", "Layout: `helm-values`"}) {
    EXPECT_NE(t.body.find(want), std::string::npos) << want << "\n---\n" << t.body;
  }
  EXPECT_EQ(t.body.find("- other"), std::string::npos) << "another workload's section leaked";
  EXPECT_EQ(t.body.find("<details>"), std::string::npos);
  EXPECT_NE(t.commit_message.find("\n\nMinpriv-Proposal: " + digest + "\n"), std::string::npos);
  EXPECT_EQ(t.commit_message.rfind(t.title, 0), 0u);
}

TEST(PrDescriptionTest, LongEvidenceFoldsAndVerdictShows) {
  ProposalEvidence e = Evidence(kFoldLines + 5);
  e.verification = Verification{false, {"capability CHOWN: denied"}, "verification.json"};
  PullRequestText t = DescribePullRequest(Change(), e, "ab");
  EXPECT_NE(t.body.find("<details>\n<summary>report.md"), std::string::npos);
  EXPECT_NE(t.body.find("**Broken**"), std::string::npos);
  EXPECT_NE(t.body.find("- capability CHOWN: denied"), std::string::npos);
  e.verification = Verification{true, {}, "verification.json"};
  EXPECT_NE(DescribePullRequest(Change(), e, "ab").body.find("**Verified**"), std::string::npos);
  // Deterministic.
  EXPECT_EQ(DescribePullRequest(Change(), e, "ab").body, DescribePullRequest(Change(), e, "ab").body);
}

}  // namespace
}  // namespace minpriv::gitops
