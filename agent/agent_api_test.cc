// The agent's API calls off the polling thread, and exclusion by settings, against the test
// API server: an API that hangs stops neither polling nor observation, and what was learned
// meanwhile is written once it answers again; `learning: false` in MinprivSettings (a
// namespace, a workload entry) stops the agent learning them.
#include <atomic>
#include <deque>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "agent/agent.h"
#include "agent/agent_test_env.h"

namespace minpriv::agent::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

// Holds every call while stalled (as an API server that accepted the connection and never
// answers), then passes it on. Counts the calls that were held.
class Gate {
 public:
  void Set(bool stalled) {
    absl::MutexLock lock(&mu_);
    stalled_ = stalled;
  }
  void Pass() {
    absl::MutexLock lock(&mu_);
    if (stalled_) ++held_;
    mu_.Await(absl::Condition(+[](bool* s) { return !*s; }, &stalled_));
  }
  int held() {
    absl::MutexLock lock(&mu_);
    return held_;
  }

 private:
  absl::Mutex mu_;
  bool stalled_ = false;
  int held_ = 0;
};

class GatedStore : public ProfileStore {
 public:
  GatedStore(kube::RestClient client, Gate* gate) : store_(std::move(client)), gate_(gate) {}
  absl::StatusOr<std::optional<json>> Load(const std::string& ns,
                                           const std::string& name) override {
    gate_->Pass();
    return store_.Load(ns, name);
  }
  absl::StatusOr<json> Save(const json& object) override {
    gate_->Pass();
    return store_.Save(object);
  }

 private:
  ApiProfileStore store_;
  Gate* gate_;
};

// Plays the NodeObserver: one container, fed the syscalls the test queues, one per poll;
// records the longest pause between two polls (the time its ring buffer would go unread).
class FeedingObserver : public observer::NodeObserver {
 public:
  absl::Status SetDenialWatch(uint64_t, bool) override { return absl::OkStatus(); }
  explicit FeedingObserver(std::string path) : path_(std::move(path)) {}
  absl::Status WatchRoot(const std::string&, observer::CgroupSinkFactory* factory) override {
    sink_ = factory->OnCgroupCreated(31, path_);
    return sink_ != nullptr ? absl::OkStatus() : absl::InternalError("not tracked");
  }
  absl::Status Poll(absl::Duration) override {
    const absl::Time now = absl::Now();
    absl::MutexLock lock(&mu_);
    if (last_poll_ != absl::InfinitePast()) longest_gap_ = std::max(longest_gap_, now - last_poll_);
    last_poll_ = now;
    ++polls_;
    if (!feed_.empty()) {
      sink_->OnSyscall(now, {feed_.front(), observer::SyscallAbi::kX86_64});
      feed_.pop_front();
      ++delivered_;
    }
    mu_.Unlock();
    absl::SleepFor(absl::Milliseconds(5));
    mu_.Lock();
    return absl::OkStatus();
  }
  absl::Status Drain() override { return absl::OkStatus(); }
  observer::NodeStats GetStats() const override { return {}; }
  void Detach() override {}

  void Feed(const std::string& name) {
    absl::MutexLock lock(&mu_);
    feed_.push_back(Nr(name));
  }
  int64_t polls() {
    absl::MutexLock lock(&mu_);
    return polls_;
  }
  bool AllDelivered() {
    absl::MutexLock lock(&mu_);
    return feed_.empty();
  }
  absl::Duration ResetGap() {
    absl::MutexLock lock(&mu_);
    return std::exchange(longest_gap_, absl::ZeroDuration());
  }

 private:
  std::string path_;
  observer::ObservationSink* sink_ = nullptr;
  absl::Mutex mu_;
  std::deque<uint32_t> feed_;
  absl::Time last_poll_ = absl::InfinitePast();
  absl::Duration longest_gap_;
  int64_t polls_ = 0;
  int64_t delivered_ = 0;
};

bool WaitFor(const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(20)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return done();
}

class AgentApiTest : public AgentEnv {
 protected:
  void SetUp() override {
    AgentEnv::SetUp();
    if (HasFatalFailure()) return;
    CreateNamespace("shop");
    CreateDeployment("shop", "web");
  }
  json Syscalls(const std::string& ns, const std::string& name) {
    std::optional<json> p = Get(kWorkloadProfiles, ns, name);
    return p ? (*p)["spec"]["containers"][0]["syscalls"] : json();
  }
};

TEST_F(AgentApiTest, AStalledApiServerStopsNeitherPollingNorObservationAndWritesConverge) {
  const std::string uid = CreatePod("shop", "web-1", "node-a", "ReplicaSet", "web-rs", "apps/v1");
  SetStatuses("shop", "web-1", {{"app", ContainerId(1)}});
  Gate gate;
  AgentApi api;
  api.profiles = std::make_unique<GatedStore>(*client_, &gate);
  api.get = [this, &gate](const kube::ResourceRef& ref, const std::string& ns,
                          const std::string& name) {
    gate.Pass();
    return client_->Get(ref, ns, name);
  };
  AgentOptions o;
  o.node = "node-a";
  o.publish_interval = absl::Milliseconds(100);
  o.drain_interval = absl::Milliseconds(100);
  Agent agent(*client_, o, absl::Now, std::move(api));
  ASSERT_TRUE(agent.Start(absl::Seconds(10)).ok());
  FeedingObserver node(CgroupfsPath(uid, ContainerId(1)));
  std::atomic<bool> stop{false};
  absl::Status run;
  std::thread runner([&] { run = agent.Run(node, "/sys/fs/cgroup/kubepods", stop); });

  node.Feed("read");
  ASSERT_TRUE(WaitFor([&] { return Syscalls("shop", "deployment-web-node-a") == json({"read"}); }));

  // The API server stops answering: the next write hangs on the worker.
  gate.Set(true);
  node.ResetGap();
  node.Feed("write");
  ASSERT_TRUE(WaitFor([&] { return gate.held() >= 1; }));
  const int64_t polls_at_stall = node.polls();
  for (const char* name : {"close", "mmap", "openat", "prctl"}) node.Feed(name);
  // Polling goes on while the write hangs, and every observation is taken.
  EXPECT_TRUE(WaitFor([&] { return node.polls() >= polls_at_stall + 100 && node.AllDelivered(); }));
  EXPECT_LT(node.ResetGap(), absl::Seconds(2));
  EXPECT_EQ(Syscalls("shop", "deployment-web-node-a"), json({"read"}));
  EXPECT_THAT(agent.Metrics(), HasSubstr("minpriv_agent_api_queue 1\n"));

  // It answers again: the latest partial is written.
  gate.Set(false);
  EXPECT_TRUE(WaitFor([&] {
    return Syscalls("shop", "deployment-web-node-a") ==
           json({"close", "mmap", "openat", "prctl", "read", "write"});
  }));
  stop.store(true);
  runner.join();
  EXPECT_TRUE(run.ok()) << run;
  std::optional<json> p = Get(kWorkloadProfiles, "shop", "deployment-web-node-a");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ((*p)["metadata"]["annotations"][kAgentStateAnnotation], "stopped");
  EXPECT_EQ(agent.table_counters().publish_errors, 0u);
}

TEST_F(AgentApiTest, OwnerReadsThatHangDoNotBlockTicksAndAttributeWhenAnswered) {
  const std::string uid = CreatePod("shop", "web-1", "node-a", "ReplicaSet", "web-rs", "apps/v1");
  SetStatuses("shop", "web-1", {{"app", ContainerId(1)}});
  Gate gate;
  gate.Set(true);
  AgentApi api;
  api.get = [this, &gate](const kube::ResourceRef& ref, const std::string& ns,
                          const std::string& name) {
    gate.Pass();
    return client_->Get(ref, ns, name);
  };
  AgentOptions o;
  o.node = "node-a";
  Agent agent(*client_, o, [this] { return now_; }, std::move(api));
  ASSERT_TRUE(agent.Start(absl::Seconds(10)).ok());
  observer::ObservationSink* sink =
      agent.factory()->OnCgroupCreated(11, CgroupfsPath(uid, ContainerId(1)));
  sink->OnSyscall(now_, {Nr("read"), observer::SyscallAbi::kX86_64});
  ASSERT_TRUE(WaitFor([&] {
    agent.Tick({});  // returns while the ReplicaSet's read hangs
    return gate.held() == 1;
  }));
  for (int i = 0; i < 5; ++i) agent.Tick({});
  EXPECT_EQ(agent.attribution_counters().pending, 1u);
  EXPECT_EQ(agent.attribution_counters().resolve_errors, 0u);
  gate.Set(false);
  EXPECT_TRUE(WaitFor([&] {
    agent.Tick({});
    return Syscalls("shop", "deployment-web-node-a") == json({"read"});
  }));
  EXPECT_EQ(agent.attribution_counters().attributed, 1u);
}

json Settings(const std::string& ns, json spec) {
  return {{"apiVersion", "minpriv.dev/v1alpha1"},
          {"kind", "MinprivSettings"},
          {"metadata", {{"name", "default"}, {"namespace", ns}}},
          {"spec", std::move(spec)}};
}

TEST_F(AgentApiTest, LearningOffInSettingsStopsLearningNamespacesAndWorkloads) {
  CreateNamespace("quiet");
  CreateDeployment("shop", "api");
  ASSERT_TRUE(client_->Create(kMinprivSettingsResource, "quiet",
                              Settings("quiet", {{"learning", {{"enabled", false}}}}))
                  .ok());
  auto shop = client_->Create(
      kMinprivSettingsResource, "shop",
      Settings("shop", {{"workloads", json::array({{{"kind", "Deployment"},
                                                    {"name", "web"},
                                                    {"learning", {{"enabled", false}}}}})}}));
  ASSERT_TRUE(shop.ok()) << shop.status();
  const std::string quiet = CreatePod("quiet", "q-1", "node-a");
  const std::string web = CreatePod("shop", "web-1", "node-a", "ReplicaSet", "web-rs", "apps/v1");
  const std::string api = CreatePod("shop", "api-1", "node-a", "ReplicaSet", "api-rs", "apps/v1");
  SetStatuses("quiet", "q-1", {{"q", ContainerId(1)}});
  SetStatuses("shop", "web-1", {{"app", ContainerId(2)}});
  SetStatuses("shop", "api-1", {{"app", ContainerId(3)}});
  auto agent = NewAgent("node-a");
  agent->Tick({});  // the node's pods are known from here on

  // A pod of a namespace that learns nothing: its cgroup is not even tracked.
  EXPECT_EQ(agent->factory()->OnCgroupCreated(1, CgroupfsPath(quiet, ContainerId(1))), nullptr);
  observer::ObservationSink* web_sink =
      agent->factory()->OnCgroupCreated(2, CgroupfsPath(web, ContainerId(2)));
  observer::ObservationSink* api_sink =
      agent->factory()->OnCgroupCreated(3, CgroupfsPath(api, ContainerId(3)));
  ASSERT_NE(web_sink, nullptr);  // its workload is not known yet
  ASSERT_NE(api_sink, nullptr);
  web_sink->OnSyscall(now_, {Nr("read"), observer::SyscallAbi::kX86_64});
  api_sink->OnSyscall(now_, {Nr("read"), observer::SyscallAbi::kX86_64});
  ASSERT_TRUE(TickUntil(*agent, [&] { return Syscalls("shop", "deployment-api-node-a") == json({"read"}); }));
  EXPECT_EQ(agent->attribution_counters().excluded_by_settings, 2u);
  EXPECT_EQ(agent->attribution_counters().attributed, 1u);
  EXPECT_FALSE(Get(kWorkloadProfiles, "shop", "deployment-web-node-a").has_value());
  EXPECT_FALSE(Get(kWorkloadProfiles, "quiet", "pod-q-1-node-a").has_value());

  // Learning turned off for the api Deployment too: no more writes for it.
  json spec = {{"workloads", json::array({{{"kind", "Deployment"},
                                           {"name", "web"},
                                           {"learning", {{"enabled", false}}}},
                                          {{"kind", "Deployment"},
                                           {"name", "api"},
                                           {"learning", {{"enabled", false}}}}})}};
  json updated = *shop;
  updated["spec"] = spec;
  ASSERT_TRUE(client_->Update(kMinprivSettingsResource, "shop", updated).ok());
  ASSERT_TRUE(TickUntil(*agent, [&] { return agent->attribution_counters().excluded_by_settings == 3; }));
  const std::string rv = (*Get(kWorkloadProfiles, "shop", "deployment-api-node-a"))["metadata"]["resourceVersion"];
  api_sink->OnSyscall(now_, {Nr("write"), observer::SyscallAbi::kX86_64});
  for (int i = 0; i < 3; ++i) {
    now_ += absl::Seconds(6);
    Settle(*agent);
  }
  EXPECT_EQ((*Get(kWorkloadProfiles, "shop", "deployment-api-node-a"))["metadata"]["resourceVersion"], rv);
  EXPECT_EQ(agent->table_counters().workloads, 0u);
  EXPECT_THAT(agent->Metrics(), HasSubstr("minpriv_agent_cgroups_excluded_by_settings_total 3\n"));
  // Its cgroups are still the observer's until they go; then they are freed.
  agent->factory()->OnCgroupRemoved(2);
  agent->factory()->OnCgroupRemoved(3);
  agent->Tick({});
  EXPECT_EQ(agent->attribution_counters().pending, 0u);
}

}  // namespace
}  // namespace minpriv::agent::testing
