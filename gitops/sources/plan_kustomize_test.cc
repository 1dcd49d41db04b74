// kustomize: a base shared by overlays is never edited; each overlay building the workload
// in its namespace gets minpriv/<workload>.patch.yaml and a `patches:` entry, proven with
// the real `kubectl kustomize`.
#include <algorithm>

#include "gitops/sources/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "remediator/yaml_io.h"

namespace minpriv::gitops {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ChangedLines;
using testing::Change;
using testing::Paths;

YAML::Node Rendered(const std::string& dir, const std::string& kind, const std::string& name) {
  auto text = RunTool({KUBECTL_BINARY, "kustomize", dir});
  EXPECT_TRUE(text.ok()) << text.status();
  for (const YAML::Node& d : YAML::LoadAll(text.value_or(""))) {
    if (d["kind"].as<std::string>() == kind && d["metadata"]["name"].as<std::string>() == name) return d;
  }
  return YAML::Node();
}

// `items` (volumes or mounts) as sorted JSON strings: kustomize lists new items first.
std::vector<std::string> Keys(const YAML::Node& items) {
  std::vector<std::string> out;
  for (const YAML::Node& i : items) {
    out.push_back(nlohmann::json::parse(remediator::YamlToJson(i).dump()).dump());  // keys sorted
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(PlanKustomizeTest, SharedBaseGetsAPatchInEachOverlayOfItsNamespace) {
  const std::string fixture = testing::Fixture("kustomize");
  auto rendered = RunTool({KUBECTL_BINARY, "kustomize", fixture + "/shop/overlays/cluster-a"});
  ASSERT_TRUE(rendered.ok()) << rendered.status();
  testing::MadeProposal made = testing::MakeProposal({testing::ShopWebProfile()}, {*rendered});
  ScratchDir repo = testing::CopyFixture("kustomize");
  const YAML::Node dev_before = Rendered(repo.path() + "/shop/overlays/dev", "Deployment", "shop-web");

  auto plan = PlanChanges(made.path(), repo.path(), {});
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_TRUE(plan->unresolved.empty()) << plan->unresolved[0].reason;
  ASSERT_EQ(plan->workloads.size(), 1u);
  const WorkloadChange& w = plan->workloads[0];
  EXPECT_EQ(w.layout, Layout::kKustomizeOverlay);
  EXPECT_STREQ(LayoutName(w.layout), "kustomize");
  EXPECT_THAT(w.sources, ElementsAre("shop/base/deployment.yaml"));
  // The base is not touched, nor the dev overlay (namespace shop-dev builds another workload).
  EXPECT_THAT(Paths(w), ElementsAre("seccomp/shop-shop-web-nginx.json",
                                    "shop/overlays/cluster-a/kustomization.yaml",
                                    "shop/overlays/cluster-a/minpriv/shop-web.networkpolicy.yaml",
                                    "shop/overlays/cluster-a/minpriv/shop-web.patch.yaml",
                                    "shop/overlays/cluster-b/kustomization.yaml",
                                    "shop/overlays/cluster-b/minpriv/shop-web.networkpolicy.yaml",
                                    "shop/overlays/cluster-b/minpriv/shop-web.patch.yaml"));
  for (const char* overlay : {"cluster-a", "cluster-b"}) {
    const FileChange* k = Change(w, std::string("shop/overlays/") + overlay + "/kustomization.yaml");
    // One resource and one patch entry added; the comment on the existing patch stays.
    EXPECT_EQ(ChangedLines(*k->old_content, k->new_content), 2u);
    EXPECT_THAT(k->new_content, HasSubstr("patches:\n  - path: replicas.yaml   # more replicas in production\n"
                                          "  - path: minpriv/shop-web.patch.yaml\n"));
    EXPECT_THAT(k->new_content, HasSubstr("  - ../../base\n  - minpriv/shop-web.networkpolicy.yaml\n"));
  }
  const FileChange* patch = Change(w, "shop/overlays/cluster-a/minpriv/shop-web.patch.yaml");
  EXPECT_FALSE(patch->old_content.has_value());
  EXPECT_THAT(patch->new_content, HasSubstr("      containers:\n        - name: nginx\n"));
  EXPECT_THAT(patch->new_content, Not(HasSubstr("replicas")));
  EXPECT_THAT(patch->new_content, Not(HasSubstr("/etc/nginx/conf.d")));  // unchanged mounts stay out
  ASSERT_EQ(w.checks.size(), 2u);
  EXPECT_THAT(w.checks[0], HasSubstr("`kubectl kustomize shop/overlays/cluster-a` before and after"));
  EXPECT_THAT(w.checks[0], HasSubstr("renders exactly the narrowed workload"));
  EXPECT_THAT(w.checks[1], HasSubstr("shop/overlays/cluster-b"));

  // Applied: both production overlays render the narrowed workload; dev is unchanged.
  testing::ApplyPlan(*plan, repo.path());
  const YAML::Node want = testing::NarrowedObject(made.proposal, "shop-web");
  for (const char* overlay : {"cluster-a", "cluster-b"}) {
    YAML::Node got = Rendered(repo.path() + "/shop/overlays/" + overlay, "Deployment", "shop-web");
    const YAML::Node got_pod = got["spec"]["template"]["spec"], want_pod = want["spec"]["template"]["spec"];
    EXPECT_TRUE(remediator::NodesEqual(got_pod["containers"][0]["securityContext"],
                                       want_pod["containers"][0]["securityContext"])) << overlay;
    EXPECT_EQ(Keys(got_pod["volumes"]), Keys(want_pod["volumes"])) << overlay;
    EXPECT_EQ(Keys(got_pod["containers"][0]["volumeMounts"]),
              Keys(want_pod["containers"][0]["volumeMounts"])) << overlay;
    EXPECT_TRUE(remediator::NodesEqual(got["metadata"], want["metadata"])) << overlay;
    EXPECT_EQ(got["spec"]["replicas"].as<int>(), 3);
  }
  EXPECT_TRUE(remediator::NodesEqual(
      Rendered(repo.path() + "/shop/overlays/dev", "Deployment", "shop-web"), dev_before));

  // Planning again on the edited tree changes nothing (the patch is made from the base).
  auto again = PlanChanges(made.path(), repo.path(), {});
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(again->workloads.size(), 1u) << (again->unresolved.empty() ? "" : again->unresolved[0].reason);
  EXPECT_THAT(Paths(again->workloads[0]), ::testing::IsEmpty());
}

// An overlay that renames the workload (namePrefix, nameSuffix) and pulls in a component
// (`components:`, here one that pins the replicas with a patch of its own): the workload is
// found by its rendered name, only that overlay gets the patch, which names the base's
// object (kustomize matches it through the affixes), and the real kustomize proves it.
TEST(PlanKustomizeTest, RenamingOverlayWithAComponentIsPatchedByTheBaseName) {
  ScratchDir repo = testing::CopyFixture("kustomize");
  testing::WriteFile(repo.path() + "/shop/components/pinned-replicas/kustomization.yaml",
                     "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
                     "patches:\n  - path: replicas.yaml\n");
  testing::WriteFile(repo.path() + "/shop/components/pinned-replicas/replicas.yaml",
                     "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop-web\nspec:\n  replicas: 5\n");
  testing::WriteFile(repo.path() + "/shop/overlays/eu/kustomization.yaml",
                     "# Production, EU: its own names.\n"
                     "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: shop\n"
                     "namePrefix: eu-\nnameSuffix: -v2\nresources:\n  - ../../base\n"
                     "components:\n  - ../../components/pinned-replicas\n");
  auto rendered = RunTool({KUBECTL_BINARY, "kustomize", repo.path() + "/shop/overlays/eu"});
  ASSERT_TRUE(rendered.ok()) << rendered.status();
  ASSERT_THAT(*rendered, HasSubstr("name: eu-shop-web-v2\n"));
  std::string profile = *util::ReadFile(testing::ShopWebProfile());
  profile.replace(profile.find("name: shop-web"), 14, "name: eu-shop-web-v2");
  ScratchDir scratch = *ScratchDir::Create();
  testing::WriteFile(scratch.path() + "/profile.yaml", profile);
  testing::MadeProposal made = testing::MakeProposal({scratch.path() + "/profile.yaml"}, {*rendered});
  const YAML::Node cluster_a_before = Rendered(repo.path() + "/shop/overlays/cluster-a", "Deployment", "shop-web");

  auto plan = PlanChanges(made.path(), repo.path(), {});
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->workloads.size(), 1u) << (plan->unresolved.empty() ? "" : plan->unresolved[0].reason);
  const WorkloadChange& w = plan->workloads[0];
  EXPECT_EQ(w.layout, Layout::kKustomizeOverlay);
  EXPECT_THAT(w.sources, ElementsAre("shop/base/deployment.yaml"));
  EXPECT_THAT(Paths(w), ElementsAre("seccomp/shop-eu-shop-web-v2-nginx.json",
                                    "shop/overlays/eu/kustomization.yaml",
                                    "shop/overlays/eu/minpriv/eu-shop-web-v2.networkpolicy.yaml",
                                    "shop/overlays/eu/minpriv/eu-shop-web-v2.patch.yaml"));
  const FileChange* patch = Change(w, "shop/overlays/eu/minpriv/eu-shop-web-v2.patch.yaml");
  EXPECT_THAT(patch->new_content, HasSubstr("metadata:\n  name: shop-web\n"));
  const FileChange* k = Change(w, "shop/overlays/eu/kustomization.yaml");
  EXPECT_EQ(ChangedLines(*k->old_content, k->new_content), 3u);  // patches:, its entry, one resource
  EXPECT_THAT(k->new_content, HasSubstr("components:\n  - ../../components/pinned-replicas\n"));
  EXPECT_THAT(w.notes, ::testing::Contains(HasSubstr("make it `eu-shop-web-v2`")));
  ASSERT_EQ(w.checks.size(), 1u);
  EXPECT_THAT(w.checks[0], HasSubstr("`kubectl kustomize shop/overlays/eu` before and after"));

  testing::ApplyPlan(*plan, repo.path());
  const YAML::Node want = testing::NarrowedObject(made.proposal, "eu-shop-web-v2");
  YAML::Node got = Rendered(repo.path() + "/shop/overlays/eu", "Deployment", "eu-shop-web-v2");
  ASSERT_TRUE(got.IsMap());
  const YAML::Node got_pod = got["spec"]["template"]["spec"], want_pod = want["spec"]["template"]["spec"];
  EXPECT_TRUE(remediator::NodesEqual(got_pod["containers"][0]["securityContext"],
                                     want_pod["containers"][0]["securityContext"]));
  EXPECT_EQ(Keys(got_pod["volumes"]), Keys(want_pod["volumes"]));
  EXPECT_EQ(got["spec"]["replicas"].as<int>(), 5) << "the component still applies";
  EXPECT_TRUE(remediator::NodesEqual(
      Rendered(repo.path() + "/shop/overlays/cluster-a", "Deployment", "shop-web"), cluster_a_before));
  auto again = PlanChanges(made.path(), repo.path(), {});
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(again->workloads.size(), 1u) << (again->unresolved.empty() ? "" : again->unresolved[0].reason);
  EXPECT_THAT(Paths(again->workloads[0]), ::testing::IsEmpty());
}

TEST(PlanKustomizeTest, TheDevOverlaysWorkloadIsFoundThroughItsNamespace) {
  // A proposal for shop-dev/shop-web patches only the dev overlay.
  const std::string fixture = testing::Fixture("kustomize");
  auto rendered = RunTool({KUBECTL_BINARY, "kustomize", fixture + "/shop/overlays/dev"});
  ASSERT_TRUE(rendered.ok()) << rendered.status();
  std::string profile = *util::ReadFile(testing::ShopWebProfile());
  profile.replace(profile.find("namespace: shop"), 15, "namespace: shop-dev");
  ScratchDir scratch = *ScratchDir::Create();
  testing::WriteFile(scratch.path() + "/profile.yaml", profile);
  testing::MadeProposal made = testing::MakeProposal({scratch.path() + "/profile.yaml"}, {*rendered});
  auto plan = PlanChanges(made.path(), fixture, {});
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->workloads.size(), 1u) << (plan->unresolved.empty() ? "" : plan->unresolved[0].reason);
  EXPECT_THAT(Paths(plan->workloads[0]),
              ElementsAre("seccomp/shop-dev-shop-web-nginx.json", "shop/overlays/dev/kustomization.yaml",
                          "shop/overlays/dev/minpriv/shop-web.networkpolicy.yaml",
                          "shop/overlays/dev/minpriv/shop-web.patch.yaml"));
  ASSERT_EQ(plan->workloads[0].checks.size(), 1u);
}

}  // namespace
}  // namespace minpriv::gitops
