// The delivery tests' world: a TestForge (GitHub or GitLab) whose repository holds a plain
// manifest with comments, plans built by hand (the sources half is tested on its own),
// and one call that runs a whole delivery as `minpriv pr` does.
#ifndef MINPRIV_TESTS_FORGE_DELIVERY_FIXTURE_H_
#define MINPRIV_TESTS_FORGE_DELIVERY_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gitops/delivery.h"
#include "gtest/gtest.h"
#include "test_forge.h"

namespace minpriv::forge {

inline constexpr char kToken[] = "tok_3f9a1c77e2b54d0c9e6b1a2d8f4c5e6a";

extern const char kWebYaml[];         // deploy/web.yaml on the base
extern const char kWebYamlNarrowed[];  // what the plan makes of it

// Runs a shell command; its stdout (the test fails when it exits non-zero).
std::string Sh(const std::string& command);

class DeliveryTest : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // One `minpriv pr` run: open the work directory (kept between runs, as a controller
  // would), find the forge's pull request, deliver.
  absl::StatusOr<gitops::WorkloadDelivery> Deliver(const gitops::WorkloadChange& change,
                                                   const std::string& token = kToken);
  // web's plan; `variant` changes the proposal (a different runAsUser).
  gitops::WorkloadChange WebChange(int variant = 0) const;
  // A commit on the base in another clone, pushed as a teammate would.
  void CommitOnBase(const std::string& path, const std::string& content, const std::string& message);
  // `git log`/`show` output of the served repository.
  std::string Served(const std::string& git_args) const;
  std::string BranchSha(const std::string& branch) const;

  std::string dir_;
  std::unique_ptr<TestForge> forge_;
  std::string project_;
  gitops::ProposalEvidence evidence_;
  std::string last_git_argv_;  // every git command line of the last Deliver, joined
  std::string workdir_config_;  // .git/config of the work directory after the last Deliver
  bool askpass_removed_ = true;
};

}  // namespace minpriv::forge

#endif  // MINPRIV_TESTS_FORGE_DELIVERY_FIXTURE_H_
