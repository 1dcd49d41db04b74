// The reflector against the test API server: list, watch, relist on 410, re-watch after a
// broken connection (a TCP proxy in between is cut), bookmarks, selectors, Stop().
#include "kube/reflector.h"

#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "kube/test_apiserver.h"

namespace minpriv::kube {
namespace {

using testing::TcpProxy;
using testing::TestApiServer;

const ResourceRef kConfigMaps{"", "v1", "configmaps", true};

nlohmann::json ConfigMap(const std::string& name, const std::string& ns = "default",
                         nlohmann::json labels = nlohmann::json::object()) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", labels}}},
          {"data", {{"k", "v"}}}};
}

// Polls `done` until it is true or 20 s passed (informer state has no readiness signal).
template <typename Fn>
bool Eventually(Fn done) {
  absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return done();
}

struct Recorder {
  absl::Mutex mu;
  std::vector<std::string> events;  // "add a", "update a", "delete a"
  EventHandlers Handlers() {
    EventHandlers h;
    h.on_add = [this](const nlohmann::json& o) { Record("add ", o); };
    h.on_update = [this](const nlohmann::json&, const nlohmann::json& o) { Record("update ", o); };
    h.on_delete = [this](const nlohmann::json& o) { Record("delete ", o); };
    return h;
  }
  void Record(const char* what, const nlohmann::json& o) {
    absl::MutexLock lock(&mu);
    events.push_back(what + MetaString(o, "name"));
  }
  bool Has(const std::string& event) {
    absl::MutexLock lock(&mu);
    return std::find(events.begin(), events.end(), event) != events.end();
  }
};

class ReflectorTest : public ::testing::Test {
 protected:
  void StartServer(const std::vector<std::string>& args = {}) {
    auto server = TestApiServer::Start(args);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto config = LoadKubeconfig(server_->kubeconfig());
    ASSERT_TRUE(config.ok()) << config.status();
    config_ = *config;
    direct_.emplace(*RestClient::Create(config_));
    ASSERT_TRUE(direct_
                    ->Create(ResourceRef{"", "v1", "namespaces", false}, "",
                             {{"apiVersion", "v1"},
                              {"kind", "Namespace"},
                              {"metadata", {{"name", "other"}}}})
                    .ok());
  }
  // A client that goes through a proxy the test can cut.
  RestClient ProxiedClient() {
    proxy_ = std::make_unique<TcpProxy>(server_->port());
    Config proxied = config_;
    proxied.server = absl::StrCat("http://127.0.0.1:", proxy_->port());
    return *RestClient::Create(proxied);
  }
  Reflector::Options FastOptions() {
    Reflector::Options options;
    options.resource = kConfigMaps;
    options.ns = "default";
    options.backoff = {absl::Milliseconds(50), absl::Milliseconds(200), 2.0, 0.5};
    return options;
  }

  std::unique_ptr<TestApiServer> server_;
  std::unique_ptr<TcpProxy> proxy_;
  Config config_;
  std::optional<RestClient> direct_;
};

TEST_F(ReflectorTest, SeesAddsUpdatesAndDeletesAndEnqueuesKeys) {
  StartServer();
  ASSERT_TRUE(direct_->Create(kConfigMaps, "default", ConfigMap("before")).ok());
  ASSERT_TRUE(direct_->Create(kConfigMaps, "other", ConfigMap("elsewhere", "other")).ok());
  Recorder recorder;
  WorkQueue queue;
  EventHandlers record = recorder.Handlers();
  EventHandlers enqueue = EnqueueKeys(&queue);
  EventHandlers both;
  both.on_add = [&](const nlohmann::json& o) { record.on_add(o); enqueue.on_add(o); };
  both.on_update = [&](const nlohmann::json& a, const nlohmann::json& b) {
    record.on_update(a, b);
    enqueue.on_update(a, b);
  };
  both.on_delete = [&](const nlohmann::json& o) { record.on_delete(o); enqueue.on_delete(o); };
  Reflector reflector(*direct_, FastOptions(), both);
  EXPECT_FALSE(reflector.HasSynced());
  reflector.Start();
  ASSERT_TRUE(reflector.WaitForSync(absl::Seconds(20)));
  EXPECT_EQ(reflector.store().Keys(), std::vector<std::string>{"default/before"});
  EXPECT_EQ(*queue.Get(), "default/before");
  queue.Done("default/before");

  ASSERT_TRUE(direct_->Create(kConfigMaps, "default", ConfigMap("new")).ok());
  ASSERT_TRUE(direct_->Patch(kConfigMaps, "default", "before", PatchType::kMerge,
                             {{"data", {{"k", "changed"}}}})
                  .ok());
  ASSERT_TRUE(direct_->Delete(kConfigMaps, "default", "new").ok());
  ASSERT_TRUE(Eventually([&] { return recorder.Has("delete new"); }));
  EXPECT_TRUE(recorder.Has("add new"));
  EXPECT_TRUE(recorder.Has("update before"));
  EXPECT_EQ((*reflector.store().Get("default/before"))["data"]["k"], "changed");
  EXPECT_FALSE(reflector.store().Get("default/new").has_value());
  EXPECT_EQ(reflector.store().size(), 1u);
  // The queue holds each changed key once.
  std::set<std::string> keys;
  while (queue.Len() > 0) {
    std::string key = *queue.Get();
    keys.insert(key);
    queue.Done(key);
  }
  EXPECT_EQ(keys, (std::set<std::string>{"default/before", "default/new"}));
  EXPECT_EQ(reflector.stats().lists, 1);
}

TEST_F(ReflectorTest, LabelSelectorLimitsTheCache) {
  StartServer();
  ASSERT_TRUE(direct_->Create(kConfigMaps, "default", ConfigMap("a", "default", {{"app", "x"}})).ok());
  ASSERT_TRUE(direct_->Create(kConfigMaps, "default", ConfigMap("b", "default", {{"app", "y"}})).ok());
  Reflector::Options options = FastOptions();
  options.label_selector = "app=x";
  Reflector reflector(*direct_, options, {});
  reflector.Start();
  ASSERT_TRUE(reflector.WaitForSync(absl::Seconds(20)));
  ASSERT_TRUE(direct_->Create(kConfigMaps, "default", ConfigMap("c", "default", {{"app", "x"}})).ok());
  ASSERT_TRUE(direct_->Create(kConfigMaps, "default", ConfigMap("d", "default", {{"app", "y"}})).ok());
  ASSERT_TRUE(Eventually([&] { return reflector.store().size() == 2; }));
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(reflector.store().Keys(), (std::vector<std::string>{"default/a", "default/c"}));
}

TEST_F(ReflectorTest, RewatchesFromTheLastVersionAfterADisconnect) {
  StartServer();
  RestClient proxied = ProxiedClient();
  Recorder recorder;
  Reflector reflector(proxied, FastOptions(), recorder.Handlers());
  reflector.Start();
  ASSERT_TRUE(reflector.WaitForSync(absl::Seconds(20)));
  ASSERT_TRUE(Eventually([&] { return reflector.stats().watches == 1; }));
  // The change happens while the reflector cannot connect: only a watch resumed from the
  // last resourceVersion (not a fresh one from "now") delivers it as an event.
  proxy_->SetRefusing(true);
  proxy_->CutAll();
  ASSERT_TRUE(direct_->Create(kConfigMaps, "default", ConfigMap("after-cut")).ok());
  ASSERT_TRUE(Eventually([&] { return reflector.stats().watch_errors >= 2; }));
  proxy_->SetRefusing(false);
  ASSERT_TRUE(Eventually([&] { return recorder.Has("add after-cut"); }));
  Reflector::Stats stats = reflector.stats();
  EXPECT_GE(stats.watches, 2);
  EXPECT_EQ(stats.lists, 1);  // no relist: the watch resumed from the last resourceVersion
  EXPECT_EQ(stats.expired, 0);
}

TEST_F(ReflectorTest, RelistsWhenItsVersionExpiredAndReportsDeletionsItMissed) {
  StartServer({"--history", "3"});
  ASSERT_TRUE(direct_->Create(kConfigMaps, "default", ConfigMap("doomed")).ok());
  RestClient proxied = ProxiedClient();
  Recorder recorder;
  Reflector reflector(proxied, FastOptions(), recorder.Handlers());
  reflector.Start();
  ASSERT_TRUE(reflector.WaitForSync(absl::Seconds(20)));
  ASSERT_TRUE(Eventually([&] { return reflector.stats().watches == 1; }));
  // Disconnected while more changes happen than the server's history holds.
  proxy_->SetRefusing(true);
  proxy_->CutAll();
  ASSERT_TRUE(direct_->Delete(kConfigMaps, "default", "doomed").ok());
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(direct_->Create(kConfigMaps, "default", ConfigMap(absl::StrCat("n", i))).ok());
  }
  proxy_->SetRefusing(false);
  ASSERT_TRUE(Eventually([&] { return reflector.store().size() == 8; }));
  EXPECT_TRUE(recorder.Has("delete doomed"));  // found by the relist's diff
  EXPECT_TRUE(recorder.Has("add n7"));
  Reflector::Stats stats = reflector.stats();
  EXPECT_GE(stats.expired, 1);
  EXPECT_GE(stats.lists, 2);
  // And the new watch works.
  ASSERT_TRUE(direct_->Create(kConfigMaps, "default", ConfigMap("later")).ok());
  EXPECT_TRUE(Eventually([&] { return recorder.Has("add later"); }));
}

TEST_F(ReflectorTest, BookmarksAdvanceTheResourceVersion) {
  StartServer({"--bookmark-interval", "100ms"});
  Reflector reflector(*direct_, FastOptions(), {});
  reflector.Start();
  ASSERT_TRUE(reflector.WaitForSync(absl::Seconds(20)));
  // A change the reflector does not watch (another namespace) moves the server's version on.
  auto other = direct_->Create(kConfigMaps, "other", ConfigMap("x", "other"));
  ASSERT_TRUE(other.ok());
  int64_t target = 0;
  ASSERT_TRUE(absl::SimpleAtoi(MetaString(*other, "resourceVersion"), &target));
  EXPECT_TRUE(Eventually([&] {
    int64_t rv = 0;
    return absl::SimpleAtoi(reflector.last_resource_version(), &rv) && rv >= target;
  })) << reflector.last_resource_version() << " < " << target;
  EXPECT_EQ(reflector.store().size(), 0u);
}

TEST_F(ReflectorTest, StopReturnsPromptlyWhileWatchingOrBackingOff) {
  StartServer();
  {
    Reflector reflector(*direct_, FastOptions(), {});
    reflector.Start();
    ASSERT_TRUE(reflector.WaitForSync(absl::Seconds(20)));
    ASSERT_TRUE(Eventually([&] { return reflector.stats().watches == 1; }));
    absl::Time start = absl::Now();
    reflector.Stop();
    EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  }
  // Against nothing: it lists, fails, backs off (long), and still stops at once.
  Config nowhere = config_;
  nowhere.server = "http://127.0.0.1:1";
  Reflector::Options options = FastOptions();
  options.backoff = {absl::Seconds(30), absl::Seconds(30), 2.0, 0.0};
  Reflector reflector(*RestClient::Create(nowhere), options, {});
  reflector.Start();
  EXPECT_FALSE(reflector.WaitForSync(absl::Milliseconds(300)));
  EXPECT_GE(reflector.stats().list_errors, 1);
  absl::Time start = absl::Now();
  reflector.Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

}  // namespace
}  // namespace minpriv::kube
