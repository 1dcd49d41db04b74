#include "kube/status.h"

#include "gtest/gtest.h"
#include "kube/resource.h"

namespace minpriv::kube {
namespace {

std::string StatusBody(int code, const std::string& reason, const std::string& message) {
  return nlohmann::json{{"kind", "Status"},  {"apiVersion", "v1"}, {"status", "Failure"},
                        {"code", code},      {"reason", reason},  {"message", message}}
      .dump();
}

TEST(StatusTest, MapsHttpCodesAndKeepsTheServerMessage) {
  struct Case {
    int code;
    const char* reason;
    absl::StatusCode expected;
  };
  const Case cases[] = {
      {404, "NotFound", absl::StatusCode::kNotFound},
      {409, "Conflict", absl::StatusCode::kAborted},
      {409, "AlreadyExists", absl::StatusCode::kAlreadyExists},
      {410, "Expired", absl::StatusCode::kOutOfRange},
      {422, "Invalid", absl::StatusCode::kInvalidArgument},
      {400, "BadRequest", absl::StatusCode::kInvalidArgument},
      {401, "Unauthorized", absl::StatusCode::kUnauthenticated},
      {403, "Forbidden", absl::StatusCode::kPermissionDenied},
      {429, "TooManyRequests", absl::StatusCode::kResourceExhausted},
      {500, "InternalError", absl::StatusCode::kUnavailable},
      {503, "ServiceUnavailable", absl::StatusCode::kUnavailable},
      {405, "MethodNotAllowed", absl::StatusCode::kFailedPrecondition},
  };
  for (const Case& c : cases) {
    absl::Status status =
        StatusFromResponse(c.code, StatusBody(c.code, c.reason, "the server says why"),
                           "GET /api/v1/pods");
    EXPECT_EQ(status.code(), c.expected) << c.code << " " << c.reason;
    EXPECT_EQ(HttpCode(status), c.code);
    EXPECT_EQ(Reason(status), c.reason);
    EXPECT_NE(status.message().find("the server says why"), std::string::npos) << status;
    EXPECT_NE(status.message().find("GET /api/v1/pods"), std::string::npos) << status;
  }
}

TEST(StatusTest, PredicatesTellConflictFromAlreadyExistsAndGone) {
  absl::Status conflict = StatusFromResponse(409, StatusBody(409, "Conflict", "stale"), "PUT x");
  absl::Status exists =
      StatusFromResponse(409, StatusBody(409, "AlreadyExists", "exists"), "POST x");
  absl::Status gone = StatusFromResponse(410, StatusBody(410, "Expired", "too old"), "GET x");
  EXPECT_TRUE(IsConflict(conflict));
  EXPECT_FALSE(absl::IsAlreadyExists(conflict));
  EXPECT_TRUE(absl::IsAlreadyExists(exists));
  EXPECT_FALSE(IsConflict(exists));
  EXPECT_TRUE(IsGone(gone));
  EXPECT_FALSE(IsGone(conflict));
  EXPECT_TRUE(absl::IsNotFound(StatusFromResponse(404, "", "GET x")));
  EXPECT_FALSE(absl::IsAlreadyExists(StatusFromResponse(409, "", "PUT x")));
  // Statuses that did not come from HTTP carry no code.
  EXPECT_EQ(HttpCode(absl::UnavailableError("down")), 0);
  EXPECT_FALSE(IsConflict(absl::AbortedError("aborted elsewhere")));
}

TEST(StatusTest, NonStatusBodiesStillGiveTheCode) {
  absl::Status html = StatusFromResponse(502, "<html>\nbad gateway</html>", "GET /api");
  EXPECT_EQ(html.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(HttpCode(html), 502);
  EXPECT_NE(html.message().find("bad gateway"), std::string::npos);
  EXPECT_EQ(html.message().find('\n'), std::string::npos);
  absl::Status empty = StatusFromResponse(409, "", "PUT x");
  EXPECT_TRUE(IsConflict(empty));  // a bare 409 is a conflict
  absl::Status json_array = StatusFromResponse(404, "[1,2]", "GET x");
  EXPECT_TRUE(absl::IsNotFound(json_array));
}

TEST(StatusTest, FromApiStatusObjectOfAWatchError) {
  nlohmann::json object = {{"kind", "Status"}, {"code", 410}, {"reason", "Expired"},
                           {"message", "too old resource version: 1 (5)"}};
  absl::Status status = StatusFromApiStatus(object, "watch");
  EXPECT_TRUE(IsGone(status));
  EXPECT_NE(status.message().find("too old resource version"), std::string::npos);
  EXPECT_EQ(StatusFromApiStatus(nlohmann::json("nonsense"), "watch").code(),
            absl::StatusCode::kUnavailable);
}

TEST(ResourceTest, PathsForCoreGroupsNamespacedAndClusterScoped) {
  ResourceRef pods{"", "v1", "pods", true};
  ResourceRef deployments{"apps", "v1", "deployments", true};
  ResourceRef namespaces{"", "v1", "namespaces", false};
  EXPECT_EQ(pods.CollectionPath("default"), "/api/v1/namespaces/default/pods");
  EXPECT_EQ(pods.CollectionPath(""), "/api/v1/pods");
  EXPECT_EQ(deployments.ObjectPath("ns", "web", "status"),
            "/apis/apps/v1/namespaces/ns/deployments/web/status");
  EXPECT_EQ(namespaces.ObjectPath("ignored", "kube-system"), "/api/v1/namespaces/kube-system");
  EXPECT_EQ(deployments.DisplayName(), "deployments.apps");
}

TEST(ResourceTest, QueryEncoding) {
  EXPECT_EQ(QueryEscape("app in (a,b),tier!=db"), "app%20in%20%28a%2Cb%29%2Ctier%21%3Ddb");
  EXPECT_EQ(QueryEscape("a-b_c.d~e"), "a-b_c.d~e");
  EXPECT_EQ(ListQuery({}), "");
  ListOptions list;
  list.label_selector = "app=web";
  list.field_selector = "metadata.name=x";
  list.limit = 10;
  list.continue_token = "abc=";
  EXPECT_EQ(ListQuery(list),
            "?labelSelector=app%3Dweb&fieldSelector=metadata.name%3Dx&limit=10&continue=abc%3D");
  WatchOptions watch;
  watch.resource_version = "42";
  watch.timeout_seconds = 60;
  watch.label_selector = "a=b";
  EXPECT_EQ(WatchQuery(watch),
            "?watch=true&allowWatchBookmarks=true&labelSelector=a%3Db&resourceVersion=42&"
            "timeoutSeconds=60");
}

}  // namespace
}  // namespace minpriv::kube
