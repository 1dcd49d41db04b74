// Golden tests: realistic manifests + profiles in testdata/<case>/ against the whole
// expected proposal directory in testdata/<case>/golden/. Regenerate (then review the diff
// by eye) with: MINPRIV_UPDATE_GOLDEN=1 ./remediator_golden_test
#include <cstdlib>
#include <filesystem>

#include "gtest/gtest.h"
#include "remediator/proposer.h"
#include "remediator/test_util.h"

namespace minpriv::remediator {
namespace {

using testing::CaseFiles;
using testing::ReadTree;
using testing::TestData;

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, WholeDirectoryMatches) {
  std::string dir = TestData() + "/" + GetParam();
  auto proposal = testing::ProposeFromFiles(CaseFiles(dir));
  ASSERT_TRUE(proposal.ok()) << proposal.status();
  auto files = RenderProposal(*proposal);
  std::string golden = dir + "/golden";
  const char* update = std::getenv("MINPRIV_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::error_code ec;
    std::filesystem::remove_all(golden, ec);
    ASSERT_TRUE(WriteProposalDir(files, golden, /*force=*/true).ok());
  }
  auto expected = ReadTree(golden);
  ASSERT_FALSE(expected.empty()) << "no golden files in " << golden
                                 << "; run with MINPRIV_UPDATE_GOLDEN=1 and review them";
  for (const auto& [name, contents] : expected) {
    auto it = files.find(name);
    ASSERT_NE(it, files.end()) << "golden file " << name << " is no longer produced";
    EXPECT_EQ(it->second, contents) << "output differs from " << golden << "/" << name;
  }
  for (const auto& [name, contents] : files) {
    EXPECT_TRUE(expected.count(name)) << "new output file " << name << " has no golden copy";
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, GoldenTest,
                         ::testing::Values("helm-deployment", "statefulset", "cronjob",
                                           "multi-container-pod", "kubectl-list",
                                           "reachable-statefulset"));

}  // namespace
}  // namespace minpriv::remediator
