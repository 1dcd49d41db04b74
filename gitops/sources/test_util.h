// Test helpers for the source finding tests: proposals made by the real remediator from the
// fixture repositories' rendered manifests and the remediator's fixture profiles, scratch
// copies of the fixtures, plans applied to them, and line counts of diffs.
#ifndef MINPRIV_GITOPS_SOURCES_TEST_UTIL_H_
#define MINPRIV_GITOPS_SOURCES_TEST_UTIL_H_

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_split.h"
#include "crd/profile_codec.h"
#include "gitops/change_set.h"
#include "gitops/sources/tools.h"
#include "gtest/gtest.h"
#include "remediator/inventory.h"
#include "remediator/proposer.h"
#include "util/files.h"

namespace minpriv::gitops::testing {

inline std::string Fixture(const std::string& name) {
  return std::string(MINPRIV_GITOPS_TESTDATA) + "/" + name;
}
inline std::string RemediatorCase(const std::string& name) {
  return std::string(MINPRIV_REMEDIATOR_TESTDATA) + "/" + name;
}

// Profiles of the remediator's fixtures: shop/shop-web (container nginx) and payments/api.
inline std::string ShopWebProfile() { return RemediatorCase("helm-deployment/profile.yaml"); }
inline std::string ApiProfile() { return RemediatorCase("kubectl-list/profile.yaml"); }

// A proposal directory written by the real remediator: `manifests` as `minpriv propose`
// would read them (the rendered objects), both fixtures' inventories.
struct MadeProposal {
  ScratchDir dir;
  remediator::Proposal proposal;
  std::string path() const { return dir.path() + "/proposal"; }
};
inline MadeProposal MakeProposal(const std::vector<std::string>& profile_files,
                                 const std::vector<std::string>& manifest_texts) {
  MadeProposal out;
  out.dir = *ScratchDir::Create();
  std::vector<remediator::ProfileInput> profiles;
  for (const std::string& p : profile_files) {
    auto profile = crd::ReadWorkloadProfileFile(p);
    EXPECT_TRUE(profile.ok()) << profile.status();
    profiles.push_back({p, *profile});
  }
  std::vector<remediator::ManifestInput> manifests;
  for (size_t i = 0; i < manifest_texts.size(); ++i) {
    manifests.push_back({"manifest" + std::to_string(i) + ".yaml", manifest_texts[i]});
  }
  std::string inventory_text =
      *util::ReadFile(RemediatorCase("helm-deployment/inventory.yaml")) + "\n---\n" +
      *util::ReadFile(RemediatorCase("kubectl-list/inventory.yaml"));
  auto inventory = remediator::ParseInventory(inventory_text, "inventory");
  EXPECT_TRUE(inventory.ok()) << inventory.status();
  auto proposal = remediator::Propose(profiles, manifests, *inventory);
  EXPECT_TRUE(proposal.ok()) << proposal.status();
  out.proposal = *std::move(proposal);
  EXPECT_TRUE(remediator::WriteProposalDir(remediator::RenderProposal(out.proposal), out.path(),
                                           /*force=*/false)
                  .ok());
  return out;
}

// The narrowed object of the proposal's workload `name`.
inline YAML::Node NarrowedObject(const remediator::Proposal& p, const std::string& name) {
  for (const auto& w : p.workloads) {
    if (w.name == name) return p.narrowed_objects[w.object];
  }
  return YAML::Node();
}

// A scratch copy of a fixture repository.
inline ScratchDir CopyFixture(const std::string& name) {
  ScratchDir dir = *ScratchDir::Create();
  EXPECT_TRUE(CopyTree(Fixture(name), dir.path()).ok());
  return dir;
}

inline void WriteFile(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

// Writes every change of the plan into `repo`.
inline void ApplyPlan(const Plan& plan, const std::string& repo) {
  for (const WorkloadChange& w : plan.workloads) {
    for (const FileChange& c : w.changes) WriteFile(repo + "/" + c.path, c.new_content);
  }
}

// Lines removed + lines added between two texts (a line diff by longest common subsequence).
inline size_t ChangedLines(const std::string& a, const std::string& b) {
  std::vector<std::string> x = absl::StrSplit(a, '\n'), y = absl::StrSplit(b, '\n');
  std::vector<std::vector<size_t>> lcs(x.size() + 1, std::vector<size_t>(y.size() + 1, 0));
  for (size_t i = x.size(); i-- > 0;) {
    for (size_t j = y.size(); j-- > 0;) {
      lcs[i][j] = x[i] == y[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  return x.size() + y.size() - 2 * lcs[0][0];
}

inline const FileChange* Change(const WorkloadChange& w, const std::string& path) {
  for (const FileChange& c : w.changes) {
    if (c.path == path) return &c;
  }
  return nullptr;
}

inline std::vector<std::string> Paths(const WorkloadChange& w) {
  std::vector<std::string> out;
  for (const FileChange& c : w.changes) out.push_back(c.path);
  return out;
}

}  // namespace minpriv::gitops::testing

#endif  // MINPRIV_GITOPS_SOURCES_TEST_UTIL_H_
