// A proposal's status written as a proposal directory, read back as PlanChanges reads it.
#include "gitops/proposal_files.h"

#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gitops/cluster_delivery.h"
#include "gitops/sources/proposal_reader.h"
#include "util/files.h"

namespace minpriv::gitops {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

class ProposalFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/minpriv-proposal-files-XXXXXX";
    ASSERT_NE(mkdtemp(templ), nullptr);
    dir_ = templ;
    status_.patch = json::parse(R"([
      {"op": "test", "path": "/spec/template/spec/containers/0", "value": {"name": "app"}},
      {"op": "add", "path": "/spec/template/spec/containers/0/securityContext",
       "value": {"capabilities": {"drop": ["ALL"]},
                 "seccompProfile": {"type": "Localhost",
                                    "localhostProfile": "minpriv/shop-web-app.json"}}}])");
    status_.network_policy = json::parse(R"({"apiVersion": "networking.k8s.io/v1",
      "kind": "NetworkPolicy", "metadata": {"name": "web-minpriv", "namespace": "shop"},
      "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress"]}})");
    status_.seccomp_profiles.push_back(
        {"shop-web-app", json::parse(R"({"defaultAction": "SCMP_ACT_ERRNO"})")});
    status_.evidence.push_back({"container app", "drop ALL: no capability was used"});
    status_.risks.push_back({"ptrace seen on one node", "container app"});
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  crd::ProposalStatus status_;
};

TEST_F(ProposalFilesTest, ReadBackAsTheSourcesHalfReadsAProposalDirectory) {
  ProposalFilesInput in{{"apps/v1", "Deployment", "shop", "web"}, &status_, "deployment-web", 3};
  ASSERT_TRUE(WriteProposalFiles(in, dir_).ok());
  absl::StatusOr<std::vector<ProposalWorkload>> read = ReadProposal(dir_);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), 1u);
  const ProposalWorkload& w = (*read)[0];
  EXPECT_EQ(w.ref, (WorkloadRef{"apps/v1", "Deployment", "shop", "web"}));
  // The `test` guard speaks of the live object, not of the repository's text: dropped.
  ASSERT_EQ(w.ops.size(), 1u);
  EXPECT_EQ(w.ops[0]["op"], "add");
  EXPECT_TRUE(w.network_policy.IsMap());
  ASSERT_EQ(w.seccomp_files.count("shop-web-app.json"), 1u);
  EXPECT_THAT(w.seccomp_files.at("shop-web-app.json"), HasSubstr("SCMP_ACT_ERRNO"));
  absl::StatusOr<std::string> report = util::ReadFile(dir_ + "/report.md");
  ASSERT_TRUE(report.ok());
  EXPECT_THAT(*report, HasSubstr("## Deployment shop/web\n"));
  EXPECT_THAT(*report, HasSubstr("(revision 3)"));
  EXPECT_THAT(*report, HasSubstr("drop ALL: no capability was used"));
  EXPECT_THAT(*report, HasSubstr("ptrace seen on one node"));
}

TEST_F(ProposalFilesTest, NoPatchIsAnError) {
  status_.patch = json::array({{{"op", "test"}, {"path", "/spec"}, {"value", 1}}});
  ProposalFilesInput in{{"apps/v1", "Deployment", "shop", "web"}, &status_, "deployment-web", 1};
  absl::Status s = WriteProposalFiles(in, dir_);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("deployment-web has no patch"));
}

TEST(SecretKeyRefTest, NamespaceNameAndOptionalKey) {
  absl::StatusOr<SecretKeyRef> r = ParseSecretKeyRef("minpriv/forge-token");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ns, "minpriv");
  EXPECT_EQ(r->name, "forge-token");
  EXPECT_EQ(r->key, "token");
  r = ParseSecretKeyRef("minpriv/forge/github");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->key, "github");
  for (const char* bad : {"forge-token", "minpriv/", "/x", "a/b/c/d", "a//b"}) {
    EXPECT_THAT(std::string(ParseSecretKeyRef(bad).status().message()),
                HasSubstr("--git-token-secret"))
        << bad;
  }
}

}  // namespace
}  // namespace minpriv::gitops
