#include "gitops/forge_http.h"

#include "gtest/gtest.h"

namespace minpriv::gitops {
namespace {

TEST(ForgeHttpTest, NextLinkFindsRelNext) {
  EXPECT_EQ(NextLink("<https://api.github.com/repositories/1/pulls?page=2>; rel=\"next\", "
                     "<https://api.github.com/repositories/1/pulls?page=5>; rel=\"last\""),
            "https://api.github.com/repositories/1/pulls?page=2");
  EXPECT_EQ(NextLink("<https://x/p?page=1>; rel=\"prev\", <https://x/p?page=1>; rel=\"first\""), "");
  EXPECT_EQ(NextLink(""), "");
}

TEST(ForgeHttpTest, PercentEncodeKeepsOnlyUnreserved) {
  EXPECT_EQ(PercentEncode("group/sub/project"), "group%2Fsub%2Fproject");
  EXPECT_EQ(PercentEncode("acme:minpriv/ns/deployment-web"), "acme%3Aminpriv%2Fns%2Fdeployment-web");
  EXPECT_EQ(PercentEncode("a-b_c.d~e"), "a-b_c.d~e");
}

TEST(ForgeHttpTest, ErrorsCarryTheForgesMessage) {
  ForgeResponse r;
  r.code = 422;
  r.body = R"({"message":"Validation Failed","errors":[{"resource":"PullRequest","code":"custom",)"
           R"("message":"A pull request already exists for acme:minpriv/x."}]})";
  absl::Status s = ForgeError("GitHub: opening", r);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "GitHub: opening: HTTP 422: Validation Failed; A pull request already exists for "
            "acme:minpriv/x.");
  r.code = 401;
  r.body = R"({"message":"401 Unauthorized"})";
  EXPECT_EQ(ForgeError("GitLab: listing", r).code(), absl::StatusCode::kUnauthenticated);
  r.code = 404;
  r.body = "not json";
  EXPECT_EQ(ForgeError("x", r).message(), "x: HTTP 404: not json");
}

TEST(ForgeHttpTest, RelativeToApiRefusesAnotherHost) {
  ForgeHttp http("http://127.0.0.1:1/api/v4", {}, "s3cret");
  auto ok = http.RelativeToApi("http://127.0.0.1:1/api/v4/projects/1/merge_requests?page=2");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, "/projects/1/merge_requests?page=2");
  EXPECT_FALSE(http.RelativeToApi("http://evil.example/api/v4/x").ok());
}

TEST(ForgeHttpTest, TransportErrorIsUnavailableWithoutTheToken) {
  ForgeHttp http("http://127.0.0.1:1", {{"Authorization", "Bearer s3cret"}}, "s3cret");
  auto r = http.Send("GET", "/repos/a/b/pulls");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(std::string(r.status().message()).find("s3cret"), std::string::npos);
}

}  // namespace
}  // namespace minpriv::gitops
