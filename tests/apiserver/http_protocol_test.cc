// The protocol details clients rely on, checked with curl: conflicts, 410 Expired, bookmarks,
// JSON-patch `test`, the status subresource, generation, watch selectors, authentication.
#include <chrono>
#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "apiserver_process.h"

namespace minpriv::apiserver::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using namespace std::chrono_literals;

struct Reply {
  int code;
  json body;
};

class HttpProtocolTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> extra = {}) {
    char templ[] = "/tmp/apiserver-http-test.XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    dir_ = templ;
    std::vector<std::string> argv = {APISERVER_BINARY, "--kubeconfig-out", dir_ + "/kubeconfig"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    server_ = std::make_unique<Child>(argv);
    std::optional<std::string> url = server_->ReadLine(30s);
    ASSERT_TRUE(url.has_value());
    url_ = *url;
  }
  void TearDown() override {
    if (server_) EXPECT_EQ(server_->Terminate(), 0);
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  Reply Call(const std::string& method, const std::string& path, const std::string& body = "",
             const std::string& type = "application/json") {
    std::vector<std::string> argv = {"curl", "-s", "-k", "-X", method, "-w", "\n%{http_code}",
                                     "-H", "Content-Type: " + type};
    if (!body.empty()) argv.insert(argv.end(), {"--data-binary", body});
    argv.push_back(url_ + path);
    CommandResult r = RunCommand(argv);
    size_t nl = r.output.rfind('\n', r.output.size() - 2);
    std::string text = nl == std::string::npos ? "" : r.output.substr(0, nl);
    int code = std::stoi(r.output.substr(nl == std::string::npos ? 0 : nl + 1));
    return {code, text.empty() ? json() : json::parse(text)};
  }
  std::unique_ptr<Child> Watch(const std::string& path_and_query) {
    return std::make_unique<Child>(
        std::vector<std::string>{"curl", "-sN", "-k", "--max-time", "30", url_ + path_and_query});
  }
  json NextEvent(Child& w) {
    std::optional<std::string> line = w.ReadLine(20s);
    if (!line) return json();
    return json::parse(*line);
  }
  Reply CreateConfigMap(const std::string& name, const std::string& labels = "{}") {
    return Call("POST", "/api/v1/namespaces/default/configmaps",
                R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name +
                    R"(","labels":)" + labels + R"(},"data":{"k":"v"}})");
  }

  std::string dir_, url_;
  std::unique_ptr<Child> server_;
};

TEST_F(HttpProtocolTest, StaleUpdateIsConflictAndMissingIsNotFound) {
  Start();
  Reply created = CreateConfigMap("c1");
  ASSERT_EQ(created.code, 201);
  json first = created.body;
  first["data"]["k"] = "v2";
  Reply updated = Call("PUT", "/api/v1/namespaces/default/configmaps/c1", first.dump());
  ASSERT_EQ(updated.code, 200);
  EXPECT_GT(std::stoll(updated.body["metadata"]["resourceVersion"].get<std::string>()),
            std::stoll(first["metadata"]["resourceVersion"].get<std::string>()));
  first["data"]["k"] = "v3";  // still carries the old resourceVersion
  Reply stale = Call("PUT", "/api/v1/namespaces/default/configmaps/c1", first.dump());
  EXPECT_EQ(stale.code, 409);
  EXPECT_EQ(stale.body["kind"], "Status");
  EXPECT_EQ(stale.body["reason"], "Conflict");
  EXPECT_EQ(stale.body["details"]["name"], "c1");
  Reply missing = Call("GET", "/api/v1/namespaces/default/configmaps/nope");
  EXPECT_EQ(missing.code, 404);
  EXPECT_EQ(missing.body["reason"], "NotFound");
  Reply no_ns = Call("POST", "/api/v1/namespaces/absent/configmaps",
                     R"({"metadata":{"name":"x"}})");
  EXPECT_EQ(no_ns.code, 404);
  Reply exists = CreateConfigMap("c1");
  EXPECT_EQ(exists.code, 409);
  EXPECT_EQ(exists.body["reason"], "AlreadyExists");
}

TEST_F(HttpProtocolTest, ExpiredWatchAndContinueAre410) {
  Start({"--history", "3"});
  Reply list = Call("GET", "/api/v1/namespaces/default/configmaps?limit=1");
  ASSERT_EQ(CreateConfigMap("a").code, 201);
  ASSERT_EQ(CreateConfigMap("b").code, 201);
  Reply page = Call("GET", "/api/v1/namespaces/default/configmaps?limit=1");
  ASSERT_TRUE(page.body["metadata"].contains("continue"));
  std::string old_rv = list.body["metadata"]["resourceVersion"];
  for (const char* n : {"c", "d", "e", "f"}) ASSERT_EQ(CreateConfigMap(n).code, 201);
  auto w = Watch("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=" + old_rv);
  json e = NextEvent(*w);
  EXPECT_EQ(e["type"], "ERROR");
  EXPECT_EQ(e["object"]["code"], 410);
  EXPECT_EQ(e["object"]["reason"], "Expired");
  Reply expired = Call("GET", "/api/v1/namespaces/default/configmaps?limit=1&continue=" +
                                  page.body["metadata"]["continue"].get<std::string>());
  EXPECT_EQ(expired.code, 410);
  EXPECT_EQ(expired.body["reason"], "Expired");
}

TEST_F(HttpProtocolTest, WatchFromVersionThenBookmarks) {
  Start({"--bookmark-interval", "200ms"});
  Reply list = Call("GET", "/api/v1/namespaces/default/configmaps");
  std::string rv = list.body["metadata"]["resourceVersion"];
  auto w = Watch("/api/v1/namespaces/default/configmaps?watch=1&allowWatchBookmarks=true&"
                 "resourceVersion=" + rv);
  ASSERT_EQ(CreateConfigMap("a").code, 201);
  json added;
  for (int i = 0; i < 20 && added.is_null(); ++i) {
    json e = NextEvent(*w);
    if (e["type"] == "ADDED") added = e;
  }
  ASSERT_FALSE(added.is_null());
  EXPECT_EQ(added["object"]["metadata"]["name"], "a");
  json bookmark = NextEvent(*w);
  EXPECT_EQ(bookmark["type"], "BOOKMARK");
  EXPECT_EQ(bookmark["object"]["metadata"]["resourceVersion"],
            added["object"]["metadata"]["resourceVersion"]);
  EXPECT_FALSE(bookmark["object"]["metadata"].contains("name"));
}

TEST_F(HttpProtocolTest, InitialEventsEndWithAnnotatedBookmark) {
  Start();
  ASSERT_EQ(CreateConfigMap("a").code, 201);
  auto w = Watch("/api/v1/namespaces/default/configmaps?watch=1&sendInitialEvents=true&"
                 "allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan");
  json e = NextEvent(*w);
  EXPECT_EQ(e["type"], "ADDED");
  json end = NextEvent(*w);
  EXPECT_EQ(end["type"], "BOOKMARK");
  EXPECT_EQ(end["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"], "true");
}

TEST_F(HttpProtocolTest, WatchSelectorLeavingIsDeleted) {
  Start();
  ASSERT_EQ(CreateConfigMap("a", R"({"tier":"web"})").code, 201);
  auto w = Watch("/api/v1/namespaces/default/configmaps?watch=1&labelSelector=tier%20in%20(web)");
  json e = NextEvent(*w);
  EXPECT_EQ(e["type"], "ADDED");
  ASSERT_EQ(CreateConfigMap("other", R"({"tier":"db"})").code, 201);  // never seen
  Reply moved = Call("PATCH", "/api/v1/namespaces/default/configmaps/a",
                     R"({"metadata":{"labels":{"tier":"db"}}})", "application/merge-patch+json");
  ASSERT_EQ(moved.code, 200);
  json left = NextEvent(*w);
  EXPECT_EQ(left["type"], "DELETED");
  EXPECT_EQ(left["object"]["metadata"]["name"], "a");
}

TEST_F(HttpProtocolTest, JsonPatchTestFailureIs422) {
  Start();
  ASSERT_EQ(CreateConfigMap("a").code, 201);
  Reply failed = Call("PATCH", "/api/v1/namespaces/default/configmaps/a",
                      R"([{"op":"test","path":"/data/k","value":"other"},)"
                      R"({"op":"replace","path":"/data/k","value":"x"}])",
                      "application/json-patch+json");
  EXPECT_EQ(failed.code, 422);
  EXPECT_EQ(failed.body["kind"], "Status");
  EXPECT_EQ(Call("GET", "/api/v1/namespaces/default/configmaps/a").body["data"]["k"], "v");
  Reply ok = Call("PATCH", "/api/v1/namespaces/default/configmaps/a",
                  R"([{"op":"test","path":"/data/k","value":"v"},)"
                  R"({"op":"replace","path":"/data/k","value":"x"}])",
                  "application/json-patch+json");
  EXPECT_EQ(ok.code, 200);
  EXPECT_EQ(ok.body["data"]["k"], "x");
}

TEST_F(HttpProtocolTest, StatusSubresourceAndGeneration) {
  Start();
  std::string path = "/apis/apps/v1/namespaces/default/deployments";
  Reply created = Call("POST", path,
                       R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},)"
                       R"("spec":{"replicas":1},"status":{"replicas":9}})");
  ASSERT_EQ(created.code, 201);
  EXPECT_EQ(created.body["metadata"]["generation"], 1);
  // Status through the main resource is ignored; through /status only status changes.
  Reply status = Call("PATCH", path + "/d/status",
                      R"({"spec":{"replicas":5},"status":{"readyReplicas":1}})",
                      "application/merge-patch+json");
  ASSERT_EQ(status.code, 200);
  EXPECT_EQ(status.body["status"]["readyReplicas"], 1);
  EXPECT_EQ(status.body["spec"]["replicas"], 1);
  EXPECT_EQ(status.body["metadata"]["generation"], 1);
  Reply labels = Call("PATCH", path + "/d", R"({"metadata":{"labels":{"a":"b"}}})",
                      "application/merge-patch+json");
  EXPECT_EQ(labels.body["metadata"]["generation"], 1);
  Reply spec = Call("PATCH", path + "/d", R"({"spec":{"replicas":3},"status":{"replicas":7}})",
                    "application/merge-patch+json");
  EXPECT_EQ(spec.body["metadata"]["generation"], 2);
  EXPECT_EQ(spec.body["status"]["readyReplicas"], 1);
  EXPECT_FALSE(spec.body["status"].contains("replicas"));
}

TEST_F(HttpProtocolTest, TlsNeedsCertificateOrToken) {
  Start({"--tls"});
  ASSERT_EQ(url_.rfind("https://", 0), 0u);
  Reply anonymous = Call("GET", "/api/v1/namespaces");
  EXPECT_EQ(anonymous.code, 401);
  EXPECT_EQ(anonymous.body["reason"], "Unauthorized");
  CommandResult view = RunCommand({KUBECTL_BINARY, "--kubeconfig", dir_ + "/kubeconfig",
                                   "config", "view", "--raw", "-o",
                                   "jsonpath={.users[?(@.name==\"minpriv-test-token\")].user.token}"});
  ASSERT_EQ(view.exit_code, 0);
  std::string token = view.output.substr(0, view.output.find('\n'));
  ASSERT_FALSE(token.empty());
  CommandResult with_token = RunCommand({"curl", "-s", "-k", "-o", "/dev/null", "-w",
                                         "%{http_code}", "-H", "Authorization: Bearer " + token,
                                         url_ + "/api/v1/namespaces"});
  EXPECT_EQ(with_token.output, "200\n");
  CommandResult bad_token = RunCommand({"curl", "-s", "-k", "-o", "/dev/null", "-w",
                                        "%{http_code}", "-H", "Authorization: Bearer wrong",
                                        url_ + "/api/v1/namespaces"});
  EXPECT_EQ(bad_token.output, "401\n");
}

}  // namespace
}  // namespace minpriv::apiserver::testing
