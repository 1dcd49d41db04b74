// Plain manifests: edited in place (multi-document and `kind: List`), only the lines that
// must change; NetworkPolicy beside the workload and in the directory's kustomization;
// idempotent; several or no matches reported with candidates; malformed proposals named.
#include <filesystem>

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

std::string Text(const std::string& path) { return *util::ReadFile(path); }

testing::MadeProposal PlainProposal() {
  const std::string repo = testing::Fixture("plain");
  return testing::MakeProposal(
      {testing::ShopWebProfile(), testing::ApiProfile()},
      {Text(repo + "/apps/payments/api.yaml"), Text(repo + "/apps/payments/service.yaml"),
       Text(repo + "/apps/shop/web.yaml")});
}

TEST(PlanPlainTest, Explore) {
  testing::MadeProposal made = PlainProposal();
  auto plan = PlanChanges(made.path(), testing::Fixture("plain"), {});
  ASSERT_TRUE(plan.ok()) << plan.status();
  for (const auto& w : plan->workloads) {
    std::cerr << "== " << w.workload.name << " " << LayoutName(w.layout) << "\n";
    for (const auto& n : w.notes) std::cerr << "note: " << n << "\n";
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
