// Plain manifests: edited in place (multi-document and `kind: List`), only the lines that
// must change; NetworkPolicy beside the workload and in the directory's kustomization;
// idempotent; several or no matches reported with candidates; malformed proposals named.
#include <filesystem>

#include "gitops/sources/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "remediator/yaml_io.h"
#include "gitops/sources/tools.h"

namespace minpriv::gitops {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ChangedLines;
using testing::Change;
using testing::Paths;

std::string Text(const std::string& path) { return *util::ReadFile(path); }

testing::MadeProposal PlainProposal() {
  const std::string repo = testing::Fixture("plain");
  return testing::MakeProposal(
      {testing::ShopWebProfile(), testing::ApiProfile()},
      {Text(repo + "/apps/payments/api.yaml"), Text(repo + "/apps/payments/service.yaml"),
       Text(repo + "/apps/shop/web.yaml")});
}

// The object `kind`/`name` of a file's documents (List items included).
YAML::Node ObjectIn(const std::string& path, const std::string& kind, const std::string& name) {
  for (const YAML::Node& d : YAML::LoadAll(Text(path))) {
    std::vector<YAML::Node> objects;
    if (d["kind"].as<std::string>() == "List") {
      for (const YAML::Node& i : d["items"]) objects.push_back(i);
    } else {
      objects.push_back(d);
    }
    for (const YAML::Node& o : objects) {
      if (o["kind"].as<std::string>() == kind && o["metadata"]["name"].as<std::string>() == name) {
        return o;
      }
    }
  }
  return YAML::Node();
}

TEST(PlanPlainTest, EditsOnlyTheLinesThatMustChangeAndIsIdempotent) {
  testing::MadeProposal made = PlainProposal();
  ScratchDir repo = testing::CopyFixture("plain");
  auto plan = PlanChanges(made.path(), repo.path(), {});
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(plan->unresolved.empty());
  ASSERT_EQ(plan->workloads.size(), 2u);

  // Sorted by namespace: payments/api, then shop/shop-web.
  const WorkloadChange& api = plan->workloads[0];
  EXPECT_EQ(api.workload.name, "api");
  EXPECT_EQ(api.layout, Layout::kPlain);
  EXPECT_THAT(api.sources, ElementsAre("apps/payments/api.yaml"));
  EXPECT_THAT(Paths(api), ElementsAre("apps/payments/api-minpriv.networkpolicy.yaml",
                                      "apps/payments/api.yaml", "apps/payments/kustomization.yaml",
                                      "seccomp/payments-api-api.json"));
  EXPECT_TRUE(api.checks.empty());
  // A new securityContext (12 lines), one mount (3 lines) and one volume (3 lines) added, at
  // the end of their mappings; nothing else moves, the comments stay.
  const FileChange* api_yaml = Change(api, "apps/payments/api.yaml");
  ASSERT_TRUE(api_yaml->old_content.has_value());
  EXPECT_EQ(ChangedLines(*api_yaml->old_content, api_yaml->new_content), 19u);
  EXPECT_THAT(api_yaml->new_content, HasSubstr("replicas: 3  # scaled for Black Friday\n"));
  EXPECT_THAT(api_yaml->new_content, HasSubstr("value: \"payments-db\"   # resolved by cluster DNS\n"));
  // The directory's kustomization lists the new NetworkPolicy: one line added.
  const FileChange* kust = Change(api, "apps/payments/kustomization.yaml");
  EXPECT_EQ(ChangedLines(*kust->old_content, kust->new_content), 1u);
  EXPECT_THAT(kust->new_content, HasSubstr("  - api.yaml   # the API and its service account\n"
                                           "  - service.yaml\n"
                                           "  - api-minpriv.networkpolicy.yaml\n"));
  EXPECT_FALSE(Change(api, "apps/payments/api-minpriv.networkpolicy.yaml")->old_content);
  ASSERT_EQ(api.notes.size(), 1u);
  EXPECT_THAT(api.notes[0], HasSubstr("/var/lib/kubelet/seccomp/minpriv/"));

  // kind: List, flow sequence edited in place with its comment: drop (1 line changed = 2),
  // 8 new securityContext lines + seccompProfile (9), a mount (2), a volume (2).
  const WorkloadChange& web = plan->workloads[1];
  EXPECT_EQ(web.workload.name, "shop-web");
  EXPECT_THAT(Paths(web), ElementsAre("apps/shop/shop-web-minpriv.networkpolicy.yaml",
                                      "apps/shop/web.yaml", "seccomp/shop-shop-web-nginx.json"));
  const FileChange* web_yaml = Change(web, "apps/shop/web.yaml");
  EXPECT_EQ(ChangedLines(*web_yaml->old_content, web_yaml->new_content), 15u);
  EXPECT_THAT(web_yaml->new_content, HasSubstr("drop: [ALL]   # the scanner asked for this one\n"));

  // Applied, each file holds exactly the narrowed workload the remediator proposed.
  testing::ApplyPlan(*plan, repo.path());
  EXPECT_TRUE(remediator::NodesEqual(
      ObjectIn(repo.path() + "/apps/payments/api.yaml", "Deployment", "api"),
      testing::NarrowedObject(made.proposal, "api")));
  EXPECT_TRUE(remediator::NodesEqual(
      ObjectIn(repo.path() + "/apps/shop/web.yaml", "Deployment", "shop-web"),
      testing::NarrowedObject(made.proposal, "shop-web")));
  // kubectl kustomize renders the edited directory with its new NetworkPolicy.
  auto rendered = RunTool({KUBECTL_BINARY, "kustomize", repo.path() + "/apps/payments"});
  ASSERT_TRUE(rendered.ok()) << rendered.status();
  EXPECT_THAT(*rendered, HasSubstr("name: api-minpriv"));

  // Planning again on the edited tree changes nothing.
  auto again = PlanChanges(made.path(), repo.path(), {});
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(again->workloads.size(), 2u);
  for (const WorkloadChange& w : again->workloads) {
    EXPECT_TRUE(w.changes.empty()) << w.workload.name << ": " << w.changes.size() << " changes, first "
                                   << (w.changes.empty() ? "" : w.changes[0].path);
  }
}

TEST(PlanPlainTest, SeveralPlacesOrNoneAreUnresolvedWithCandidates) {
  testing::MadeProposal made = PlainProposal();
  ScratchDir repo = testing::CopyFixture("plain");
  // A second copy of the payments API (a stale export), and shop-web removed.
  testing::WriteFile(repo.path() + "/old/api-export.yaml", Text(repo.path() + "/apps/payments/api.yaml"));
  std::filesystem::remove(repo.path() + "/apps/shop/web.yaml");
  auto plan = PlanChanges(made.path(), repo.path(), {});
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(plan->workloads.empty());
  ASSERT_EQ(plan->unresolved.size(), 2u);
  EXPECT_EQ(plan->unresolved[0].workload.name, "api");
  EXPECT_EQ(plan->unresolved[0].reason, "found in 2 places");
  EXPECT_THAT(plan->unresolved[0].candidates,
              ElementsAre("apps/payments/api.yaml", "old/api-export.yaml"));
  EXPECT_EQ(plan->unresolved[1].workload.name, "shop-web");
  EXPECT_THAT(plan->unresolved[1].reason, HasSubstr("not found"));

  // --path chooses among them; so does the minpriv.dev/source annotation in the repository.
  PlanOptions options;
  options.paths = {"apps"};
  auto chosen = PlanChanges(made.path(), repo.path(), options);
  ASSERT_TRUE(chosen.ok()) << chosen.status();
  ASSERT_EQ(chosen->workloads.size(), 1u);
  EXPECT_THAT(chosen->workloads[0].sources, ElementsAre("apps/payments/api.yaml"));
  std::string annotated = Text(repo.path() + "/old/api-export.yaml");
  annotated.replace(annotated.find("  labels:\n    app: api\nspec:"), 0,
                    "  annotations:\n    minpriv.dev/source: old\n");
  testing::WriteFile(repo.path() + "/old/api-export.yaml", annotated);
  auto by_annotation = PlanChanges(made.path(), repo.path(), {});
  ASSERT_TRUE(by_annotation.ok()) << by_annotation.status();
  ASSERT_EQ(by_annotation->workloads.size(), 1u);
  EXPECT_THAT(by_annotation->workloads[0].sources, ElementsAre("old/api-export.yaml"));
}

TEST(PlanPlainTest, WrongNamespaceIsNotAMatch) {
  testing::MadeProposal made = PlainProposal();
  ScratchDir repo = testing::CopyFixture("plain");
  std::string text = Text(repo.path() + "/apps/payments/api.yaml");
  for (size_t at; (at = text.find("namespace: payments")) != std::string::npos;) {
    text.replace(at, 19, "namespace: billing");
  }
  testing::WriteFile(repo.path() + "/apps/payments/api.yaml", text);
  auto plan = PlanChanges(made.path(), repo.path(), {});
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->unresolved.size(), 1u);
  EXPECT_EQ(plan->unresolved[0].workload.name, "api");
  EXPECT_THAT(plan->unresolved[0].reason, HasSubstr("not found"));
  // The same kind and name in another namespace is named as a candidate.
  EXPECT_THAT(plan->unresolved[0].candidates, ElementsAre("apps/payments/api.yaml"));
}

TEST(PlanPlainTest, MalformedProposalIsInvalidArgumentNamingTheFile) {
  testing::MadeProposal made = PlainProposal();
  const std::string repo = testing::Fixture("plain");
  testing::WriteFile(made.path() + "/networkpolicy.yaml", "kind: [unclosed\n");
  auto plan = PlanChanges(made.path(), repo, {});
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(plan.status().message(), HasSubstr(made.path() + "/networkpolicy.yaml"));

  testing::WriteFile(made.path() + "/jsonpatch.json", R"([{"target": {"kind": "Deployment"}, "patch": []}])");
  plan = PlanChanges(made.path(), repo, {});
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(plan.status().message(), HasSubstr(made.path() + "/jsonpatch.json:1:2"));
  EXPECT_THAT(plan.status().message(), HasSubstr("kind and a name"));

  std::filesystem::remove(made.path() + "/jsonpatch.json");
  plan = PlanChanges(made.path(), repo, {});
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(plan.status().message(), HasSubstr(made.path() + "/jsonpatch.json"));
}

TEST(PlanPlainTest, RepositoryUsingTheSecurityProfilesOperatorGetsSeccompProfileObjects) {
  testing::MadeProposal made = PlainProposal();
  ScratchDir repo = testing::CopyFixture("plain");
  testing::WriteFile(repo.path() + "/platform/seccomp/runtime-default.yaml",
                     "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\n"
                     "kind: SeccompProfile\nmetadata:\n  name: base\n  namespace: platform\n"
                     "spec:\n  defaultAction: SCMP_ACT_ERRNO\n");
  auto plan = PlanChanges(made.path(), repo.path(), {});
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->workloads.size(), 2u);
  const WorkloadChange& api = plan->workloads[0];
  // Beside the workload and listed in its kustomization; no OCI files under seccomp/.
  EXPECT_THAT(Paths(api), ElementsAre("apps/payments/api-minpriv.networkpolicy.yaml",
                                      "apps/payments/api-minpriv.seccompprofiles.yaml",
                                      "apps/payments/api.yaml", "apps/payments/kustomization.yaml"));
  EXPECT_THAT(Change(api, "apps/payments/api-minpriv.seccompprofiles.yaml")->new_content,
              HasSubstr("kind: SeccompProfile\nmetadata:\n  name: payments-api-api\n  namespace: payments\n"));
  EXPECT_THAT(Change(api, "apps/payments/kustomization.yaml")->new_content,
              HasSubstr("  - api-minpriv.networkpolicy.yaml\n  - api-minpriv.seccompprofiles.yaml\n"));
  // The workload refers to the profile where the operator installs it.
  EXPECT_THAT(Change(api, "apps/payments/api.yaml")->new_content,
              HasSubstr("localhostProfile: operator/payments/payments-api-api.json\n"));
  EXPECT_THAT(api.notes, ::testing::Contains(HasSubstr("Security Profiles Operator")));
}

TEST(PlanPlainTest, SourceAnnotationInTheProposalOverridesDiscovery) {
  testing::MadeProposal made = PlainProposal();
  ScratchDir repo = testing::CopyFixture("plain");
  testing::WriteFile(repo.path() + "/old/api-export.yaml", Text(repo.path() + "/apps/payments/api.yaml"));
  // The workload as deployed carries the annotation, so its narrowed object does.
  std::string narrowed = Text(made.path() + "/narrowed.yaml");
  const std::string anchor = "  name: api\n  namespace: payments\n  labels:\n";
  ASSERT_NE(narrowed.find(anchor), std::string::npos);
  narrowed.replace(narrowed.find(anchor), anchor.size(),
                   "  name: api\n  namespace: payments\n  annotations:\n    minpriv.dev/source: old/api-export.yaml\n  labels:\n");
  testing::WriteFile(made.path() + "/narrowed.yaml", narrowed);
  PlanOptions options;
  options.paths = {"apps"};  // the annotation wins over --path
  auto plan = PlanChanges(made.path(), repo.path(), options);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_GE(plan->workloads.size(), 1u);
  EXPECT_EQ(plan->workloads[0].workload.name, "api");
  EXPECT_THAT(plan->workloads[0].sources, ElementsAre("old/api-export.yaml"));
}

}  // namespace
}  // namespace minpriv::gitops
