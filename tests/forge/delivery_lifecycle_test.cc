// A workload's pull request through its life, on GitHub and on GitLab: opened, left as it
// is when nothing changed, updated when the proposal changed, left alone once merged, not
// reopened once closed for the same proposal but opened again for a changed one.
#include "absl/strings/match.h"
#include "delivery_fixture.h"
#include "gitops/pr_digest.h"

namespace minpriv::forge {
namespace {

using gitops::Outcome;
using gitops::OutcomeName;

constexpr char kBranch[] = "minpriv/shop/deployment-web";

TEST_P(DeliveryTest, FirstRunOpensThePullRequestSecondRunChangesNothing) {
  auto first = Deliver(WebChange());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(OutcomeName(first->outcome), std::string("opened")) << first->message;
  EXPECT_EQ(first->branch, kBranch);
  EXPECT_TRUE(first->pushed);
  EXPECT_EQ(forge_->pushes(), 1);
  ASSERT_EQ(forge_->pulls().size(), 1u);
  FakePull pr = forge_->pulls()[0];
  EXPECT_EQ(pr.head, kBranch);
  EXPECT_EQ(pr.base, "main");
  EXPECT_EQ(pr.title, "fix(security): least privilege for deployment shop/web");
  EXPECT_EQ(pr.labels, (std::vector<std::string>{"security", "minpriv"}));
  EXPECT_EQ(gitops::DigestInBody(pr.body), gitops::ProposalDigest(WebChange()));
  EXPECT_TRUE(absl::StrContains(pr.body, "runAsUser 101 must own the files")) << pr.body;
  EXPECT_EQ(first->url, forge_->api_url().substr(0, forge_->api_url().find("/api/")) + "/" + project_ +
                            (GetParam() == Kind::kGitHub ? "/pull/1" : "/-/merge_requests/1"));
  // One commit on top of the base, by minpriv, with the digest as a trailer; the base as it was.
  EXPECT_EQ(Served(std::string("rev-list --count main..") + kBranch), "1\n");
  EXPECT_EQ(Served(std::string("log -1 --format=%an/%cn/%s ") + kBranch),
            "minpriv/minpriv/fix(security): least privilege for deployment shop/web\n");
  EXPECT_EQ(Served(std::string("log -1 '--format=%(trailers:key=Minpriv-Proposal,valueonly)' ") + kBranch),
            gitops::ProposalDigest(WebChange()) + "\n\n");
  EXPECT_EQ(Served(std::string("show ") + kBranch + ":deploy/web.yaml"), kWebYamlNarrowed);
  EXPECT_EQ(Served("show main:deploy/web.yaml"), kWebYaml);
  // Exactly the lines that must change changed in the existing file.
  EXPECT_EQ(Served(std::string("diff --numstat main ") + kBranch + " -- deploy/web.yaml"),
            "5\t1\tdeploy/web.yaml\n");

  const int writes = forge_->api_writes(), reads = forge_->api_reads();
  const std::string sha = BranchSha(kBranch);
  auto second = Deliver(WebChange());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(OutcomeName(second->outcome), std::string("unchanged")) << second->message;
  EXPECT_FALSE(second->pushed);
  EXPECT_FALSE(second->forge_written);
  EXPECT_EQ(second->url, first->url);
  EXPECT_EQ(forge_->pushes(), 1) << "no push";
  EXPECT_EQ(forge_->api_writes(), writes) << "no POST/PATCH/PUT";
  EXPECT_GT(forge_->api_reads(), reads) << "it did look";
  EXPECT_EQ(BranchSha(kBranch), sha);
  EXPECT_EQ(forge_->pulls().size(), 1u);
}

TEST_P(DeliveryTest, ChangedProposalAddsACommitAndUpdatesTheDescription) {
  ASSERT_TRUE(Deliver(WebChange()).ok());
  const int writes = forge_->api_writes();
  auto changed = Deliver(WebChange(1));
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(OutcomeName(changed->outcome), std::string("updated")) << changed->message;
  EXPECT_EQ(forge_->pushes(), 2);
  EXPECT_EQ(forge_->api_writes(), writes + 1) << "one PATCH/PUT of the description";
  ASSERT_EQ(forge_->pulls().size(), 1u) << "the same pull request, not a second one";
  EXPECT_EQ(gitops::DigestInBody(forge_->pulls()[0].body), gitops::ProposalDigest(WebChange(1)));
  EXPECT_EQ(Served(std::string("rev-list --count main..") + kBranch), "2\n");
  EXPECT_TRUE(absl::StrContains(Served(std::string("show ") + kBranch + ":deploy/web.yaml"), "runAsUser: 102"));
  // And that is now the state: again is a no-op.
  auto again = Deliver(WebChange(1));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(OutcomeName(again->outcome), std::string("unchanged"));
  EXPECT_EQ(forge_->pushes(), 2);
}

TEST_P(DeliveryTest, MergedPullRequestIsLeftAlone) {
  ASSERT_TRUE(Deliver(WebChange()).ok());
  forge_->SetState(1, "merged");
  const int writes = forge_->api_writes();
  auto r = Deliver(WebChange());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(OutcomeName(r->outcome), std::string("merged")) << r->message;
  EXPECT_EQ(forge_->pushes(), 1);
  EXPECT_EQ(forge_->api_writes(), writes);
  EXPECT_EQ(forge_->pulls()[0].state, "merged");
}

TEST_P(DeliveryTest, ClosedPullRequestIsNotReopenedButAChangedProposalGetsANewOne) {
  forge_->AddUnrelatedPulls(3);
  forge_->SetMaxPageSize(1);  // every list is paged: the client must follow the pages
  auto first = Deliver(WebChange());
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(OutcomeName(first->outcome), std::string("opened"));
  forge_->SetState(first->number, "closed");
  const int writes = forge_->api_writes();
  auto same = Deliver(WebChange());
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(OutcomeName(same->outcome), std::string("closed")) << same->message;
  EXPECT_EQ(same->number, first->number);
  EXPECT_EQ(forge_->pushes(), 1);
  EXPECT_EQ(forge_->api_writes(), writes);

  auto changed = Deliver(WebChange(2));
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(OutcomeName(changed->outcome), std::string("opened")) << changed->message;
  EXPECT_GT(changed->number, first->number);
  EXPECT_EQ(forge_->pushes(), 2);
  // The branch restarted from the base: one commit, the new proposal.
  EXPECT_EQ(Served(std::string("rev-list --count main..") + kBranch), "1\n");
  // A later run finds the new one (page 1) ahead of the closed one (page 2): no-op.
  auto again = Deliver(WebChange(2));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(OutcomeName(again->outcome), std::string("unchanged"));
  int paged = 0;
  for (const std::string& line : forge_->log()) paged += absl::StrContains(line, "page=2");
  EXPECT_GT(paged, 0) << "the second page was never asked for";
}

INSTANTIATE_TEST_SUITE_P(Forges, DeliveryTest, ::testing::Values(Kind::kGitHub, Kind::kGitLab),
                         [](const auto& info) {
                           return info.param == Kind::kGitHub ? "GitHub" : "GitLab";
                         });

}  // namespace
}  // namespace minpriv::forge
