// The REST client and watch against the project's test API server (a real HTTP server).
#include "kube/rest_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "kube/retry.h"
#include "kube/status.h"
#include "kube/test_apiserver.h"

namespace minpriv::kube {
namespace {

using testing::TestApiServer;

const ResourceRef kConfigMaps{"", "v1", "configmaps", true};
const ResourceRef kDeployments{"apps", "v1", "deployments", true};
const ResourceRef kNamespaces{"", "v1", "namespaces", false};

nlohmann::json ConfigMap(const std::string& name, const std::string& value,
                         nlohmann::json labels = nlohmann::json::object()) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"labels", labels}}},
          {"data", {{"k", value}}}};
}

ListOptions Labels(const std::string& selector) {
  ListOptions o;
  o.label_selector = selector;
  return o;
}
ListOptions Fields(const std::string& selector) {
  ListOptions o;
  o.field_selector = selector;
  return o;
}
ListOptions Limit(int64_t limit) {
  ListOptions o;
  o.limit = limit;
  return o;
}

class RestClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = TestApiServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto config = LoadKubeconfig(server_->kubeconfig());
    ASSERT_TRUE(config.ok()) << config.status();
    auto client = RestClient::Create(*config);
    ASSERT_TRUE(client.ok()) << client.status();
    client_.emplace(*client);
  }
  std::unique_ptr<TestApiServer> server_;
  std::optional<RestClient> client_;
};

TEST_F(RestClientTest, CreateGetListUpdateDeleteWithApiErrors) {
  auto created = client_->Create(kConfigMaps, "default", ConfigMap("a", "1", {{"app", "web"}}));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_FALSE(MetaString(*created, "resourceVersion").empty());
  EXPECT_FALSE(MetaString(*created, "uid").empty());
  ASSERT_TRUE(client_->Create(kConfigMaps, "default", ConfigMap("b", "2", {{"app", "db"}})).ok());

  auto again = client_->Create(kConfigMaps, "default", ConfigMap("a", "1"));
  EXPECT_TRUE(absl::IsAlreadyExists(again.status())) << again.status();
  EXPECT_EQ(HttpCode(again.status()), 409);
  EXPECT_EQ(Reason(again.status()), "AlreadyExists");

  auto got = client_->Get(kConfigMaps, "default", "a");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ((*got)["data"]["k"], "1");

  auto web = client_->List(kConfigMaps, "default", Labels("app=web"));
  ASSERT_TRUE(web.ok()) << web.status();
  ASSERT_EQ(web->items.size(), 1u);
  EXPECT_EQ(MetaString(web->items[0], "name"), "a");
  EXPECT_FALSE(web->resource_version.empty());
  auto by_field = client_->List(kConfigMaps, "default", Fields("metadata.name=b"));
  ASSERT_TRUE(by_field.ok()) << by_field.status();
  ASSERT_EQ(by_field->items.size(), 1u);
  EXPECT_EQ(MetaString(by_field->items[0], "name"), "b");

  nlohmann::json changed = *got;
  changed["data"]["k"] = "changed";
  auto updated = client_->Update(kConfigMaps, "default", changed);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_NE(MetaString(*updated, "resourceVersion"), MetaString(*got, "resourceVersion"));
  // The same stale object again: 409 Conflict, told apart from AlreadyExists.
  auto stale = client_->Update(kConfigMaps, "default", changed);
  EXPECT_TRUE(IsConflict(stale.status())) << stale.status();
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Reason(stale.status()), "Conflict");

  ASSERT_TRUE(client_->Delete(kConfigMaps, "default", "a").ok());
  auto gone = client_->Get(kConfigMaps, "default", "a");
  EXPECT_TRUE(absl::IsNotFound(gone.status())) << gone.status();
  EXPECT_EQ(HttpCode(gone.status()), 404);
  EXPECT_NE(gone.status().message().find("\"a\""), std::string::npos) << gone.status();
  EXPECT_TRUE(absl::IsNotFound(client_->Delete(kConfigMaps, "default", "a")));

  nlohmann::json nameless = ConfigMap("", "1");
  nameless["metadata"].erase("name");
  auto invalid = client_->Create(kConfigMaps, "default", nameless);
  EXPECT_EQ(invalid.status().code(), absl::StatusCode::kInvalidArgument) << invalid.status();
  EXPECT_EQ(HttpCode(invalid.status()), 422);
  EXPECT_EQ(Reason(invalid.status()), "Invalid");
  EXPECT_NE(invalid.status().message().find("name or generateName is required"),
            std::string::npos)
      << invalid.status();
}

TEST_F(RestClientTest, RetryOnConflictRereadsAndWins) {
  ASSERT_TRUE(client_->Create(kConfigMaps, "default", ConfigMap("c", "0")).ok());
  int attempts = 0;
  absl::Status status = RetryOnConflict([&]() -> absl::Status {
    ++attempts;
    auto current = client_->Get(kConfigMaps, "default", "c");
    if (!current.ok()) return current.status();
    if (attempts == 1) {
      // Someone else writes between our read and our write.
      nlohmann::json other = *current;
      other["data"]["other"] = "yes";
      if (auto s = client_->Update(kConfigMaps, "default", other); !s.ok()) return s.status();
    }
    (*current)["data"]["k"] = "mine";
    return client_->Update(kConfigMaps, "default", *current).status();
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(attempts, 2);
  auto final = client_->Get(kConfigMaps, "default", "c");
  ASSERT_TRUE(final.ok());
  EXPECT_EQ((*final)["data"]["k"], "mine");
  EXPECT_EQ((*final)["data"]["other"], "yes");  // the other writer's change survived

  int calls = 0;
  absl::Status exhausted = RetryOnConflict(
      [&] {
        ++calls;
        return StatusFromResponse(409, "", "PUT x");
      },
      3);
  EXPECT_TRUE(IsConflict(exhausted));
  EXPECT_EQ(calls, 3);
}

TEST_F(RestClientTest, MergeAndJsonPatch) {
  ASSERT_TRUE(client_->Create(kConfigMaps, "default", ConfigMap("p", "1")).ok());
  auto merged = client_->Patch(kConfigMaps, "default", "p", PatchType::kMerge,
                               {{"data", {{"k", nullptr}, {"n", "2"}}}});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_FALSE((*merged)["data"].contains("k"));
  EXPECT_EQ((*merged)["data"]["n"], "2");
  auto patched = client_->Patch(
      kConfigMaps, "default", "p", PatchType::kJson,
      nlohmann::json::array({{{"op", "test"}, {"path", "/data/n"}, {"value", "2"}},
                             {{"op", "replace"}, {"path", "/data/n"}, {"value", "3"}}}));
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ((*patched)["data"]["n"], "3");
  // A failed `test` leaves the object alone and says so.
  auto refused = client_->Patch(
      kConfigMaps, "default", "p", PatchType::kJson,
      nlohmann::json::array({{{"op", "test"}, {"path", "/data/n"}, {"value", "2"}},
                             {{"op", "replace"}, {"path", "/data/n"}, {"value", "4"}}}));
  EXPECT_FALSE(refused.ok());
  EXPECT_GE(HttpCode(refused.status()), 400);
  EXPECT_EQ((*client_->Get(kConfigMaps, "default", "p"))["data"]["n"], "3");
  EXPECT_TRUE(absl::IsNotFound(
      client_->Patch(kConfigMaps, "default", "missing", PatchType::kMerge, {{"data", {}}})
          .status()));
}

TEST_F(RestClientTest, StatusSubresourceWritesOnlyStatus) {
  nlohmann::json deployment = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", {{"name", "web"}}},
      {"spec",
       {{"replicas", 1},
        {"selector", {{"matchLabels", {{"app", "web"}}}}},
        {"template",
         {{"metadata", {{"labels", {{"app", "web"}}}}},
          {"spec", {{"containers", {{{"name", "c"}, {"image", "nginx"}}}}}}}}}}};
  auto created = client_->Create(kDeployments, "default", deployment);
  ASSERT_TRUE(created.ok()) << created.status();
  nlohmann::json with_status = *created;
  with_status["status"] = {{"replicas", 1}, {"readyReplicas", 1}};
  with_status["spec"]["replicas"] = 5;  // ignored by the status subresource
  auto updated = client_->UpdateStatus(kDeployments, "default", with_status);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ((*updated)["status"]["readyReplicas"], 1);
  EXPECT_EQ((*updated)["spec"]["replicas"], 1);
  auto patched = client_->PatchStatus(kDeployments, "default", "web", PatchType::kMerge,
                                      {{"status", {{"readyReplicas", 0}}}});
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ((*patched)["status"]["readyReplicas"], 0);
  EXPECT_EQ((*patched)["status"]["replicas"], 1);
}

TEST_F(RestClientTest, ListAllFollowsContinueTokens) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(client_->Create(kConfigMaps, "default", ConfigMap(absl::StrCat("m", i), "x")).ok());
  }
  auto page = client_->List(kConfigMaps, "default", Limit(3));
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->items.size(), 3u);
  EXPECT_FALSE(page->continue_token.empty());
  auto all = client_->ListAll(kConfigMaps, "default", Limit(3));
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->items.size(), 7u);
  EXPECT_TRUE(all->continue_token.empty());
  auto namespaces = client_->ListAll(kNamespaces, "", {});
  ASSERT_TRUE(namespaces.ok()) << namespaces.status();
  EXPECT_FALSE(namespaces->items.empty());
}

TEST_F(RestClientTest, WatchDeliversEventsAsTheyHappen) {
  auto list = client_->List(kConfigMaps, "default");
  ASSERT_TRUE(list.ok());
  WatchOptions options;
  options.resource_version = list->resource_version;
  options.timeout_seconds = 60;
  auto watch = client_->Watch(kConfigMaps, "default", options);
  ASSERT_TRUE(watch.ok()) << watch.status();
  std::thread writer([&] {
    absl::SleepFor(absl::Milliseconds(100));
    EXPECT_TRUE(client_->Create(kConfigMaps, "default", ConfigMap("w", "1")).ok());
  });
  absl::Time start = absl::Now();
  std::optional<WatchEvent> added;
  while (!added) {
    auto event = (*watch)->Next();
    ASSERT_TRUE(event.ok()) << event.status();
    ASSERT_TRUE(event->has_value());
    if ((*event)->type != WatchEvent::Type::kBookmark) added = **event;
  }
  writer.join();
  EXPECT_EQ(added->type, WatchEvent::Type::kAdded);
  EXPECT_EQ(added->object["metadata"]["name"], "w");
  // Well before the watch's 60 s timeout: the body was read as it arrived.
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));

  // Cancel() from another thread unblocks a waiting Next().
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(200));
    (*watch)->Cancel();
  });
  absl::Time waiting = absl::Now();
  absl::Status ended;
  for (;;) {
    auto event = (*watch)->Next();
    if (!event.ok()) {
      ended = event.status();
      break;
    }
  }
  canceller.join();
  EXPECT_EQ(ended.code(), absl::StatusCode::kCancelled) << ended;
  EXPECT_LT(absl::Now() - waiting, absl::Seconds(10));
}

TEST_F(RestClientTest, WatchFromAnExpiredVersionIsGone) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client_->Create(kConfigMaps, "default", ConfigMap(absl::StrCat("g", i), "x")).ok());
  }
  server_.reset();
  auto server = TestApiServer::Start({"--history", "2"});
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = std::move(*server);
  auto client = RestClient::Create(*LoadKubeconfig(server_->kubeconfig()));
  ASSERT_TRUE(client.ok());
  auto first = client->Create(kConfigMaps, "default", ConfigMap("x", "0"));
  ASSERT_TRUE(first.ok());
  for (int i = 1; i < 6; ++i) {
    ASSERT_TRUE(client->Patch(kConfigMaps, "default", "x", PatchType::kMerge,
                              {{"data", {{"k", absl::StrCat(i)}}}})
                    .ok());
  }
  WatchOptions options;
  options.resource_version = MetaString(*first, "resourceVersion");
  auto watch = client->Watch(kConfigMaps, "default", options);
  bool expired = false;
  if (!watch.ok()) {
    expired = IsGone(watch.status());
  } else {
    auto event = (*watch)->Next();
    ASSERT_TRUE(event.ok() && event->has_value()) << event.status();
    expired = (*event)->Expired();
  }
  EXPECT_TRUE(expired);
}

// A one-shot HTTP server answering every request with `response`.
class CannedServer {
 public:
  explicit CannedServer(std::string response) : response_(std::move(response)) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(fd_, 8);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      for (;;) {
        int c = accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        char buf[8192];
        (void)!read(c, buf, sizeof buf);
        (void)!write(c, response_.data(), response_.size());
        close(c);
      }
    });
  }
  ~CannedServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_); }

 private:
  std::string response_;
  int fd_;
  int port_;
  std::thread thread_;
};

std::string HttpResponse(int code, const std::string& body) {
  return absl::StrCat("HTTP/1.1 ", code, " X\r\nContent-Type: application/json\r\nContent-Length: ",
                      body.size(), "\r\nConnection: close\r\n\r\n", body);
}

TEST(RestClientMalformedTest, MalformedResponsesAreStatusesNotCrashes) {
  struct Case {
    std::string response;
    absl::StatusCode code;
  };
  const Case cases[] = {
      {HttpResponse(200, "this is not json"), absl::StatusCode::kDataLoss},
      {HttpResponse(200, "[1,2,3]"), absl::StatusCode::kDataLoss},
      {HttpResponse(200, "{\"kind\":\"ConfigMapList\",\"items\":7}"), absl::StatusCode::kDataLoss},
      {HttpResponse(200, "{\"items\":[1]}"), absl::StatusCode::kDataLoss},
      {HttpResponse(404, "<html>nope</html>"), absl::StatusCode::kNotFound},
      {HttpResponse(503, ""), absl::StatusCode::kUnavailable},
      {"garbage that is not HTTP\r\n\r\n", absl::StatusCode::kUnavailable},
  };
  for (const Case& c : cases) {
    CannedServer server(c.response);
    Config config;
    config.server = server.url();
    auto client = RestClient::Create(config);
    ASSERT_TRUE(client.ok());
    auto list = client->WithTimeout(absl::Seconds(5)).List(kConfigMaps, "default");
    EXPECT_EQ(list.status().code(), c.code) << c.response << " → " << list.status();
  }
}

TEST(RestClientTimeoutTest, ARequestThatGetsNoAnswerTimesOut) {
  // Accepts connections (the kernel's backlog) but never answers.
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 8), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  Config config;
  config.server = absl::StrCat("http://127.0.0.1:", ntohs(addr.sin_port));
  auto client = RestClient::Create(config);
  ASSERT_TRUE(client.ok());
  absl::Time start = absl::Now();
  auto result = client->WithTimeout(absl::Milliseconds(300)).Get(kConfigMaps, "default", "x");
  absl::Duration took = absl::Now() - start;
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(result.status().code() == absl::StatusCode::kDeadlineExceeded ||
              result.status().code() == absl::StatusCode::kUnavailable)
      << result.status();
  EXPECT_GE(took, absl::Milliseconds(250));
  EXPECT_LT(took, absl::Seconds(5));
  close(fd);
}

TEST(RestClientSecretsTest, ErrorsNeverContainTheToken) {
  const std::string token = "super-secret-bearer-token-4711";
  // Nothing listens on this port: a transport error.
  Config config;
  config.server = "http://127.0.0.1:1";
  config.token = token;
  auto client = RestClient::Create(config);
  ASSERT_TRUE(client.ok());
  auto result = client->WithTimeout(absl::Seconds(5)).Get(kConfigMaps, "default", "x");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().ToString().find(token), std::string::npos) << result.status();
  EXPECT_EQ(config.DebugString().find(token), std::string::npos);
}

}  // namespace
}  // namespace minpriv::kube
