#include "gitops/pr_digest.h"

#include "gtest/gtest.h"

namespace minpriv::gitops {
namespace {

WorkloadChange Change(const std::string& content) {
  WorkloadChange c;
  c.workload = {"apps/v1", "Deployment", "shop", "web"};
  c.changes.push_back({"deploy/web.yaml", std::string("old"), content});
  return c;
}

TEST(PrDigestTest, SameEditsSameDigestOtherwiseNot) {
  std::string a = ProposalDigest(Change("new"));
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a, ProposalDigest(Change("new")));
  EXPECT_NE(a, ProposalDigest(Change("newer")));
  WorkloadChange other = Change("new");
  other.workload.name = "api";
  EXPECT_NE(a, ProposalDigest(other));
  WorkloadChange notes = Change("new");
  notes.notes.push_back("a note does not change what is proposed");
  EXPECT_EQ(a, ProposalDigest(notes));
}

TEST(PrDigestTest, MarkerRoundTrips) {
  std::string d = ProposalDigest(Change("x"));
  std::string body = "intro\n" + DigestMarker(d) + "\nrest";
  EXPECT_EQ(DigestInBody(body), d);
  EXPECT_EQ(DigestInBody("a body someone wrote"), "");
}

}  // namespace
}  // namespace minpriv::gitops
