// kustomize: a base shared by overlays is never edited; each overlay building the workload
// in its namespace gets minpriv/<workload>.patch.yaml and a `patches:` entry, proven with
// the real `kubectl kustomize`.
#include "gitops/sources/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "remediator/yaml_io.h"

namespace minpriv::gitops {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ChangedLines;
using testing::Change;
using testing::Paths;

TEST(PlanKustomizeTest, Explore) {
  auto rendered = RunTool({KUBECTL_BINARY, "kustomize", testing::Fixture("kustomize") + "/shop/overlays/cluster-a"});
  ASSERT_TRUE(rendered.ok()) << rendered.status();
  testing::MadeProposal made = testing::MakeProposal({testing::ShopWebProfile()}, {*rendered});
  auto plan = PlanChanges(made.path(), testing::Fixture("kustomize"), {});
  ASSERT_TRUE(plan.ok()) << plan.status();
  for (const auto& w : plan->workloads) {
    std::cerr << "== " << w.workload.name << " " << LayoutName(w.layout) << "\n";
    for (const auto& n : w.notes) std::cerr << "note: " << n << "\n";
    for (const auto& n : w.checks) std::cerr << "check: " << n << "\n";
    for (const auto& c : w.changes) {
      std::cerr << "-- " << c.path << " changed lines "
                << testing::ChangedLines(c.old_content.value_or(""), c.new_content) << "\n"
                << c.new_content << "\n";
    }
  }
  for (const auto& u : plan->unresolved) std::cerr << "unresolved " << u.workload.name << ": " << u.reason << "\n";
}

}  // namespace
}  // namespace minpriv::gitops
