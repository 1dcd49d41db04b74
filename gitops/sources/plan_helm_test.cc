// Helm: values edited in place where a value reaches the field (found by probing the real
// `helm template`), the smallest marked template change where none does; proven before and
// after with the real `helm template`.
#include <algorithm>
#include <optional>

#include "gitops/sources/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "remediator/yaml_io.h"
#include "util/files.h"

namespace minpriv::gitops {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ChangedLines;
using testing::Change;
using testing::Paths;

// A proposal as the remediator makes it from the installed release: `helm template` output
// with the release namespace on every object, as `helm install --namespace shop` puts it.
struct HelmCase {
  testing::MadeProposal made;
  std::string chart;
  std::string release;
};
HelmCase ProposalFor(const std::string& repo, const std::string& chart, const std::string& release) {
  auto rendered = RunTool({HELM_BINARY, "template", release, testing::Fixture(repo) + "/" + chart,
                           "--namespace", "shop"});
  EXPECT_TRUE(rendered.ok()) << rendered.status();
  std::string text = rendered.value_or("");
  for (size_t at = 0; (at = text.find("\nmetadata:\n", at)) != std::string::npos; at += 11) {
    text.insert(at + 11, "  namespace: shop\n");
  }
  return {testing::MakeProposal({testing::ShopWebProfile()}, {text}), chart, release};
}

YAML::Node RenderedDeployment(const std::string& repo, const HelmCase& c) {
  auto text = RunTool({HELM_BINARY, "template", c.release, repo + "/" + c.chart, "--namespace", "shop"});
  EXPECT_TRUE(text.ok()) << text.status();
  for (const YAML::Node& d : YAML::LoadAll(text.value_or(""))) {
    if (d.IsMap() && d["kind"].as<std::string>() == "Deployment") return d;
  }
  return YAML::Node();
}

// The proposal's narrowed workload as the chart renders it (no namespace in the manifest).
YAML::Node WantRendered(const HelmCase& c) {
  YAML::Node want = remediator::DeepCopy(testing::NarrowedObject(c.made.proposal, "shop-web"));
  want["metadata"].remove("namespace");
  return want;
}

void ExpectIdempotent(const HelmCase& c, const std::string& repo) {
  auto again = PlanChanges(c.made.path(), repo, {});
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(again->workloads.size(), 1u) << (again->unresolved.empty() ? "" : again->unresolved[0].reason);
  EXPECT_THAT(Paths(again->workloads[0]), ::testing::IsEmpty());
}

TEST(PlanHelmTest, ConventionalChartGetsItsValuesEdited) {
  HelmCase c = ProposalFor("helm-conventional", "charts/shop", "shop");
  ScratchDir repo = testing::CopyFixture("helm-conventional");
  auto plan = PlanChanges(c.made.path(), repo.path(), {});
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->workloads.size(), 1u) << (plan->unresolved.empty() ? "" : plan->unresolved[0].reason);
  const WorkloadChange& w = plan->workloads[0];
  EXPECT_EQ(w.layout, Layout::kHelmValues);
  EXPECT_STREQ(LayoutName(w.layout), "helm-values");
  EXPECT_THAT(w.sources, ElementsAre("charts/shop/values.yaml", "charts/shop/templates/deployment.yaml"));
  // Templates untouched: only values, the new NetworkPolicy and the seccomp profile.
  EXPECT_THAT(Paths(w), ElementsAre("charts/shop/templates/minpriv-shop-web.networkpolicy.yaml",
                                    "charts/shop/values.yaml", "seccomp/shop-shop-web-nginx.json"));
  // drop: NET_RAW → ALL (2), 9 new securityContext lines, `extraVolumes: []` and
  // `extraVolumeMounts: []` each become a block list of one item (4 + 4).
  const FileChange* values = Change(w, "charts/shop/values.yaml");
  EXPECT_EQ(ChangedLines(*values->old_content, values->new_content), 19u);
  EXPECT_THAT(values->new_content, HasSubstr("  # Container-level security settings.\n  securityContext:\n"));
  EXPECT_THAT(values->new_content, HasSubstr("  podSecurityContext:\n    fsGroup: 101\n\n"));
  EXPECT_THAT(w.notes, ::testing::Contains(HasSubstr("chart value `web.securityContext`")));
  EXPECT_THAT(w.notes, ::testing::Contains(HasSubstr("chart value `web.extraVolumeMounts`")));
  EXPECT_THAT(w.notes, ::testing::Contains(HasSubstr("chart value `web.extraVolumes`")));
  ASSERT_EQ(w.checks.size(), 1u);
  EXPECT_THAT(w.checks[0], HasSubstr("`helm template shop charts/shop --namespace shop` before and after"));
  EXPECT_THAT(w.checks[0], HasSubstr("2 other object(s) unchanged"));

  testing::ApplyPlan(*plan, repo.path());
  EXPECT_TRUE(remediator::NodesEqual(RenderedDeployment(repo.path(), c), WantRendered(c)))
      << remediator::EmitYaml(RenderedDeployment(repo.path(), c));
  ExpectIdempotent(c, repo.path());
}

// The team deploys the chart with values-prod.yaml over values.yaml (`helm -f`): the chart is
// rendered with it, the edit goes into it and values.yaml stays as it is.
constexpr char kProdValues[] = R"(# Production overrides for shop.
replicaCount: 4

web:
  # Production runs nginx as the image's user.
  podSecurityContext:
    fsGroup: 2000
)";

TEST(PlanHelmTest, TheValuesFileTheTeamNamesIsTheOneEdited) {
  ScratchDir repo = testing::CopyFixture("helm-conventional");
  testing::WriteFile(repo.path() + "/charts/shop/values-prod.yaml", kProdValues);
  // The proposal from the release as deployed: with the production values.
  auto deployed = RunTool({HELM_BINARY, "template", "shop", repo.path() + "/charts/shop", "--namespace",
                           "shop", "-f", repo.path() + "/charts/shop/values-prod.yaml"});
  ASSERT_TRUE(deployed.ok()) << deployed.status();
  std::string text = *deployed;
  for (size_t at = 0; (at = text.find("\nmetadata:\n", at)) != std::string::npos; at += 11) {
    text.insert(at + 11, "  namespace: shop\n");
  }
  HelmCase c{testing::MakeProposal({testing::ShopWebProfile()}, {text}), "charts/shop", "shop"};
  const std::string values_before = *util::ReadFile(repo.path() + "/charts/shop/values.yaml");

  // --values relative to the chart, and --path naming the file (as the minpriv.dev/source
  // annotation does: it becomes the only path searched) give the same plan.
  PlanOptions by_flag;
  by_flag.values_files = {"values-prod.yaml"};
  PlanOptions by_path;
  by_path.paths = {"charts/shop/values-prod.yaml"};
  std::optional<Plan> first;
  for (const PlanOptions& options : {by_flag, by_path}) {
    auto plan = PlanChanges(c.made.path(), repo.path(), options);
    ASSERT_TRUE(plan.ok()) << plan.status();
    ASSERT_EQ(plan->workloads.size(), 1u) << (plan->unresolved.empty() ? "" : plan->unresolved[0].reason);
    const WorkloadChange& w = plan->workloads[0];
    EXPECT_EQ(w.layout, Layout::kHelmValues);
    EXPECT_THAT(w.sources, ElementsAre("charts/shop/values-prod.yaml", "charts/shop/templates/deployment.yaml"));
    EXPECT_THAT(Paths(w), ElementsAre("charts/shop/templates/minpriv-shop-web.networkpolicy.yaml",
                                      "charts/shop/values-prod.yaml", "seccomp/shop-shop-web-nginx.json"));
    const FileChange* prod = Change(w, "charts/shop/values-prod.yaml");
    ASSERT_NE(prod, nullptr);
    // Only added lines: the overrides the team wrote stay, with their comments.
    EXPECT_THAT(prod->new_content, HasSubstr("replicaCount: 4\n"));
    EXPECT_THAT(prod->new_content, HasSubstr("  # Production runs nginx as the image's user.\n  podSecurityContext:\n    fsGroup: 2000\n"));
    EXPECT_THAT(prod->new_content, HasSubstr("  securityContext:\n"));
    EXPECT_THAT(prod->new_content, HasSubstr("  extraVolumeMounts:\n"));
    EXPECT_THAT(w.notes, ::testing::Contains(HasSubstr("chart value `web.securityContext` in `charts/shop/values-prod.yaml`")));
    ASSERT_EQ(w.checks.size(), 1u);
    EXPECT_THAT(w.checks[0], HasSubstr("`helm template shop charts/shop --namespace shop -f charts/shop/values-prod.yaml` before and after"));
    if (!first) {
      first = *plan;
    } else {
      EXPECT_EQ(Change(first->workloads[0], "charts/shop/values-prod.yaml")->new_content, prod->new_content);
    }
  }

  testing::ApplyPlan(*first, repo.path());
  EXPECT_EQ(*util::ReadFile(repo.path() + "/charts/shop/values.yaml"), values_before);
  // helm template -f values-prod.yaml renders exactly the narrowed workload now.
  auto after = RunTool({HELM_BINARY, "template", "shop", repo.path() + "/charts/shop", "--namespace", "shop",
                        "-f", repo.path() + "/charts/shop/values-prod.yaml"});
  ASSERT_TRUE(after.ok()) << after.status();
  YAML::Node rendered;
  for (const YAML::Node& d : YAML::LoadAll(*after)) {
    if (d.IsMap() && d["kind"].as<std::string>() == "Deployment") rendered = d;
  }
  EXPECT_TRUE(remediator::NodesEqual(rendered, WantRendered(c))) << remediator::EmitYaml(rendered);
  auto again = PlanChanges(c.made.path(), repo.path(), by_flag);
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(again->workloads.size(), 1u);
  EXPECT_THAT(Paths(again->workloads[0]), ::testing::IsEmpty());
}

TEST(PlanHelmTest, AValuesFileThatIsNowhereIsNamed) {
  HelmCase c = ProposalFor("helm-conventional", "charts/shop", "shop");
  ScratchDir repo = testing::CopyFixture("helm-conventional");
  PlanOptions options;
  options.values_files = {"values-staging.yaml"};
  auto plan = PlanChanges(c.made.path(), repo.path(), options);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->unresolved.size(), 1u);
  EXPECT_THAT(plan->unresolved[0].reason,
              HasSubstr("values file values-staging.yaml is neither in chart charts/shop nor in the repository"));
}

TEST(PlanHelmTest, ChartWithoutValuesGetsTheSmallestMarkedTemplateChange) {
  HelmCase c = ProposalFor("helm-unconventional", "deploy/storefront", "storefront");
  ScratchDir repo = testing::CopyFixture("helm-unconventional");
  auto plan = PlanChanges(c.made.path(), repo.path(), {});
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->workloads.size(), 1u) << (plan->unresolved.empty() ? "" : plan->unresolved[0].reason);
  const WorkloadChange& w = plan->workloads[0];
  EXPECT_EQ(w.layout, Layout::kHelmTemplate);
  EXPECT_STREQ(LayoutName(w.layout), "helm-template");
  EXPECT_THAT(Paths(w), ElementsAre("deploy/storefront/templates/deployment.yaml",
                                    "deploy/storefront/templates/minpriv-shop-web.networkpolicy.yaml",
                                    "seccomp/shop-shop-web-nginx.json"));
  EXPECT_THAT(w.notes, ::testing::Contains(HasSubstr("**Template change**: chart `storefront` has no value")));
  const FileChange* tpl = Change(w, "deploy/storefront/templates/deployment.yaml");
  // 2 (drop) + 9 (securityContext) + 2 (mount) + 2 (volume) + 3 marker comments.
  EXPECT_EQ(ChangedLines(*tpl->old_content, tpl->new_content), 18u);
  std::string text = tpl->new_content;
  size_t marks = 0;
  for (size_t at = 0; (at = text.find("# minpriv: ", at)) != std::string::npos; ++at) ++marks;
  EXPECT_EQ(marks, 3u);
  // The template's actions are kept as they were.
  EXPECT_THAT(text, HasSubstr("  replicas: {{ .Values.replicas }}\n"));
  EXPECT_THAT(text, HasSubstr("          image: {{ .Values.image | quote }}\n"));
  ASSERT_EQ(w.checks.size(), 1u);
  EXPECT_THAT(w.checks[0], HasSubstr("renders exactly the narrowed workload"));

  testing::ApplyPlan(*plan, repo.path());
  EXPECT_TRUE(remediator::NodesEqual(RenderedDeployment(repo.path(), c), WantRendered(c)));
  ExpectIdempotent(c, repo.path());
}

TEST(PlanHelmTest, ARenderedCopyBesideTheChartMakesTwoCandidates) {
  HelmCase c = ProposalFor("helm-conventional", "charts/shop", "shop");
  ScratchDir repo = testing::CopyFixture("helm-conventional");
  auto rendered = RunTool({HELM_BINARY, "template", "shop", repo.path() + "/charts/shop"});
  ASSERT_TRUE(rendered.ok());
  testing::WriteFile(repo.path() + "/rendered/shop.yaml", *rendered);
  auto plan = PlanChanges(c.made.path(), repo.path(), {});
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->unresolved.size(), 1u);
  EXPECT_EQ(plan->unresolved[0].reason, "found in 2 places");
  EXPECT_THAT(plan->unresolved[0].candidates, ElementsAre("charts/shop", "rendered/shop.yaml"));
  // --path settles it.
  PlanOptions options;
  options.paths = {"charts/shop"};
  plan = PlanChanges(c.made.path(), repo.path(), options);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->workloads.size(), 1u);
  EXPECT_EQ(plan->workloads[0].layout, Layout::kHelmValues);
}

TEST(PlanHelmTest, AChartThatDoesNotRenderIsNamedInTheUnresolvedReason) {
  HelmCase c = ProposalFor("helm-conventional", "charts/shop", "shop");
  ScratchDir repo = testing::CopyFixture("helm-conventional");
  testing::WriteFile(repo.path() + "/charts/shop/templates/broken.yaml",
                     "value: {{ .Values.missing.deeper }}\n");
  auto plan = PlanChanges(c.made.path(), repo.path(), {});
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->unresolved.size(), 1u);
  EXPECT_THAT(plan->unresolved[0].reason, HasSubstr("not found"));
  EXPECT_THAT(plan->unresolved[0].reason, HasSubstr("chart charts/shop does not render: "));
  EXPECT_THAT(plan->unresolved[0].reason, HasSubstr("broken.yaml"));
}

}  // namespace
}  // namespace minpriv::gitops
