// The agent against the test API server, with the test playing the NodeObserver: attribution
// (buffered until the pod's status names the container), the runtime's syscalls before the
// workload's exec, batching, no write when nothing changed, restart-resume, short-lived pods,
// exclusions, and a workload leaving the node.
#include "agent/agent.h"

#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/agent_test_env.h"
#include "agent/denial_listener.h"
#include "absl/time/clock.h"
#include "crd/object_meta.h"

namespace minpriv::agent::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

json Syscalls(const json& partial, size_t container = 0) {
  return partial["spec"]["containers"][container]["syscalls"];
}

std::string Rv(const std::optional<json>& o) {
  return o ? (*o)["metadata"]["resourceVersion"].get<std::string>() : "";
}

class AgentTest : public AgentEnv {
 protected:
  void SetUp() override {
    AgentEnv::SetUp();
    if (HasFatalFailure()) return;
    CreateNamespace("shop");
    CreateDeployment("shop", "web");
  }
  void Syscall(observer::ObservationSink* sink, const std::string& name) {
    sink->OnSyscall(now_, {Nr(name), observer::SyscallAbi::kX86_64});
  }
  std::optional<json> WebPartial(const std::string& node = "node-a") {
    return Get(kWorkloadProfiles, "shop", "deployment-web-" + node);
  }
};

TEST_F(AgentTest, BuffersACgroupUntilItsPodStatusNamesItThenPublishesTheDeploymentsPartial) {
  const std::string uid = CreatePod("shop", "web-1", "node-a", "ReplicaSet", "web-rs", "apps/v1");
  auto agent = NewAgent("node-a");
  observer::ObservationSink* sink =
      agent->factory()->OnCgroupCreated(11, CgroupfsPath(uid, ContainerId(1)));
  ASSERT_NE(sink, nullptr);
  // runc's init before the workload's exec, then the workload.
  Syscall(sink, "capset");
  Syscall(sink, "execve");
  agent->factory()->OnWorkloadExec(11, now_);
  Syscall(sink, "read");
  agent->Tick({});
  EXPECT_FALSE(WebPartial().has_value());  // no status names the container yet
  EXPECT_EQ(agent->attribution_counters().pending, 1u);

  SetStatuses("shop", "web-1", {{"app", ContainerId(1)}});
  ASSERT_TRUE(TickUntil(*agent, [&] { return WebPartial().has_value(); }));
  json p = *WebPartial();
  EXPECT_EQ(p["metadata"]["labels"],
            json({{"minpriv.dev/node", "node-a"},
                  {"minpriv.dev/workload-kind", "Deployment"},
                  {"minpriv.dev/workload-name", "web"}}));
  EXPECT_EQ(p["spec"]["target"], json({{"apiVersion", "apps/v1"}, {"kind", "Deployment"},
                                       {"name", "web"}}));
  EXPECT_EQ(p["spec"]["containers"][0]["name"], "app");
  // The runtime's syscalls stay in the profile and are marked as the runtime's.
  EXPECT_EQ(Syscalls(p), json({"capset", "execve", "read"}));
  EXPECT_EQ(p["metadata"]["annotations"][kRuntimeSyscallsAnnotation],
            R"({"app":["capset","execve"]})");
  EXPECT_EQ(p["metadata"]["annotations"][kAgentStateAnnotation], "running");
  EXPECT_EQ(p["status"]["complete"], true);
  EXPECT_EQ(agent->attribution_counters().attributed, 1u);
  EXPECT_THAT(agent->Metrics(), HasSubstr("minpriv_agent_partials_written_total 1\n"));
}

TEST_F(AgentTest, SystemdLayoutAndOtherOwnersAreAttributed) {
  CreateNamespace("batch");
  const std::string job_uid = CreatePod("batch", "nightly-1", "node-a", "Job", "nightly-1", "batch/v1");
  const std::string bare_uid = CreatePod("batch", "debug", "node-a");
  SetStatuses("batch", "nightly-1", {{"task", ContainerId(2)}});
  SetStatuses("batch", "debug", {{"sh", ContainerId(3)}});
  auto agent = NewAgent("node-a");
  Syscall(agent->factory()->OnCgroupCreated(2, SystemdPath(job_uid, ContainerId(2))), "write");
  Syscall(agent->factory()->OnCgroupCreated(3, CgroupfsPath(bare_uid, ContainerId(3))), "read");
  // The pod and QoS levels are not containers.
  EXPECT_EQ(agent->factory()->OnCgroupCreated(4, "kubepods/burstable/pod" + bare_uid), nullptr);
  EXPECT_EQ(agent->factory()->OnCgroupCreated(5, "kubepods/burstable"), nullptr);
  ASSERT_TRUE(TickUntil(*agent, [&] {
    return Get(kWorkloadProfiles, "batch", "job-nightly-1-node-a") &&
           Get(kWorkloadProfiles, "batch", "pod-debug-node-a");
  }));
  // A Job that no longer exists is its own workload; a bare pod is too.
  auto job = Get(kWorkloadProfiles, "batch", "job-nightly-1-node-a");
  EXPECT_EQ((*job)["spec"]["target"]["apiVersion"], "batch/v1");
  EXPECT_EQ((*job)["spec"]["containers"][0]["name"], "task");
  auto pod = Get(kWorkloadProfiles, "batch", "pod-debug-node-a");
  EXPECT_EQ((*pod)["spec"]["target"], json({{"apiVersion", "v1"}, {"kind", "Pod"}, {"name", "debug"}}));
  EXPECT_EQ(agent->attribution_counters().not_containers, 2u);
}

TEST_F(AgentTest, PublishesAtMostEveryIntervalAndNeverWhenNothingChanged) {
  const std::string uid = CreatePod("shop", "web-1", "node-a", "ReplicaSet", "web-rs", "apps/v1");
  SetStatuses("shop", "web-1", {{"app", ContainerId(1)}});
  auto agent = NewAgent("node-a");
  observer::ObservationSink* sink =
      agent->factory()->OnCgroupCreated(11, CgroupfsPath(uid, ContainerId(1)));
  Syscall(sink, "read");
  ASSERT_TRUE(TickUntil(*agent, [&] { return WebPartial().has_value(); }));
  const std::string rv1 = Rv(WebPartial());
  EXPECT_EQ(agent->table_counters().partials_written, 1u);

  Syscall(sink, "write");  // new, but within the interval: batched
  now_ += absl::Seconds(2);
  Settle(*agent);
  EXPECT_EQ(Rv(WebPartial()), rv1);
  now_ += absl::Seconds(3);
  Settle(*agent);
  EXPECT_EQ(Syscalls(*WebPartial()), json({"read", "write"}));
  const std::string rv2 = Rv(WebPartial());
  EXPECT_NE(rv2, rv1);
  EXPECT_EQ(agent->table_counters().partials_written, 2u);

  for (int i = 0; i < 3; ++i) {  // nothing new: nothing written
    now_ += absl::Seconds(6);
    Settle(*agent);
  }
  EXPECT_EQ(Rv(WebPartial()), rv2);
  EXPECT_EQ(agent->table_counters().partials_written, 2u);
  EXPECT_EQ(agent->table_counters().unchanged_skips, 3u);

  // Node-wide drops while the workload ran: incomplete, with the reason and the count.
  now_ += absl::Seconds(6);
  Settle(*agent, {/*drops=*/7, /*untracked_full=*/1});
  json p = *WebPartial();
  EXPECT_EQ(p["status"]["complete"], false);
  EXPECT_EQ(p["status"]["droppedEvents"], 7);
  EXPECT_THAT(p["status"]["incompleteReasons"].dump(), HasSubstr("dropped events"));
  EXPECT_THAT(p["status"]["incompleteReasons"].dump(), HasSubstr("capacity was full"));
}

TEST_F(AgentTest, ARestartedAgentResumesFromItsPublishedPartialAndLosesNothing) {
  const std::string uid = CreatePod("shop", "web-1", "node-a", "ReplicaSet", "web-rs", "apps/v1");
  SetStatuses("shop", "web-1", {{"app", ContainerId(1)}});
  {
    auto agent = NewAgent("node-a");
    observer::ObservationSink* sink =
        agent->factory()->OnCgroupCreated(11, CgroupfsPath(uid, ContainerId(1)));
    Syscall(sink, "read");
    ASSERT_TRUE(TickUntil(*agent, [&] { return WebPartial().has_value(); }));
  }  // a crash: no final publication
  {
    now_ += absl::Seconds(30);
    auto agent = NewAgent("node-a");
    observer::ObservationSink* sink =
        agent->factory()->OnCgroupCreated(12, CgroupfsPath(uid, ContainerId(1)));
    Syscall(sink, "openat");
    ASSERT_TRUE(TickUntil(*agent, [&] { return Syscalls(*WebPartial()).size() == 2; }));
    json p = *WebPartial();
    EXPECT_EQ(Syscalls(p), json({"openat", "read"}));
    EXPECT_THAT(p["status"]["warnings"].dump(), HasSubstr("the agent restarted"));
    EXPECT_EQ(agent->table_counters().resumed, 1u);
    now_ += absl::Seconds(1);
    agent->Tick({}, /*final=*/true);  // a clean stop publishes now, marked stopped
    EXPECT_EQ((*WebPartial())["metadata"]["annotations"][kAgentStateAnnotation], "stopped");
  }
  {
    auto agent = NewAgent("node-a");
    observer::ObservationSink* sink =
        agent->factory()->OnCgroupCreated(13, CgroupfsPath(uid, ContainerId(1)));
    Syscall(sink, "close");
    ASSERT_TRUE(TickUntil(*agent, [&] { return Syscalls(*WebPartial()).size() == 3; }));
    // Everything of both earlier runs is still there.
    EXPECT_EQ(Syscalls(*WebPartial()), json({"close", "openat", "read"}));
  }
}

TEST_F(AgentTest, AShortLivedPodIsAttributedFromItsStatusAfterItsCgroupWentThenFreed) {
  const std::string uid = CreatePod("shop", "web-1", "node-a", "ReplicaSet", "web-rs", "apps/v1");
  AgentOptions o;
  o.linger = absl::Seconds(5);
  auto agent = NewAgent("node-a", o);
  observer::ObservationSink* sink =
      agent->factory()->OnCgroupCreated(11, CgroupfsPath(uid, ContainerId(1)));
  Syscall(sink, "prctl");
  agent->factory()->OnCgroupRemoved(11);  // lived less than a second
  agent->Tick({});
  SetStatuses("shop", "web-1", {{"app", ContainerId(1)}});
  ASSERT_TRUE(TickUntil(*agent, [&] { return WebPartial().has_value(); }));
  EXPECT_EQ(Syscalls(*WebPartial()), json({"prctl"}));
  EXPECT_EQ(agent->table_counters().workloads, 1u);
  now_ += absl::Seconds(6);  // no cgroup of the workload left: published and freed
  agent->Tick({});
  EXPECT_EQ(agent->table_counters().workloads, 0u);
  EXPECT_EQ(agent->table_counters().records, 0u);
  EXPECT_EQ(agent->attribution_counters().pending, 0u);
}

TEST_F(AgentTest, ACgroupNoStatusNamesIsDroppedAfterTheGraceAndCounted) {
  const std::string uid = CreatePod("shop", "web-1", "node-a", "ReplicaSet", "web-rs", "apps/v1");
  SetStatuses("shop", "web-1", {{"app", ContainerId(1)}});
  AgentOptions o;
  o.attribution.unattributed_grace = absl::Seconds(30);
  auto agent = NewAgent("node-a", o);
  // The pod sandbox (pause): no status names it.
  Syscall(agent->factory()->OnCgroupCreated(10, CgroupfsPath(uid, ContainerId(9))), "read");
  agent->Tick({});
  agent->factory()->OnCgroupRemoved(10);
  now_ += absl::Seconds(31);
  agent->Tick({});
  EXPECT_EQ(agent->attribution_counters().unattributed, 1u);
  EXPECT_EQ(agent->attribution_counters().pending, 0u);
  EXPECT_FALSE(WebPartial().has_value());
}

TEST_F(AgentTest, KubeSystemAndTheAgentsOwnPodAreNotLearned) {
  CreateNamespace("kube-system");
  CreateNamespace("minpriv-system");
  const std::string dns = CreatePod("kube-system", "coredns", "node-a");
  const std::string self = CreatePod("minpriv-system", "minpriv-agent-x", "node-a");
  SetStatuses("kube-system", "coredns", {{"coredns", ContainerId(5)}});
  SetStatuses("minpriv-system", "minpriv-agent-x", {{"agent", ContainerId(6)}});
  AgentOptions o;
  o.attribution.own_pod = "minpriv-system/minpriv-agent-x";
  auto agent = NewAgent("node-a", o);
  Syscall(agent->factory()->OnCgroupCreated(5, CgroupfsPath(dns, ContainerId(5))), "read");
  Syscall(agent->factory()->OnCgroupCreated(6, CgroupfsPath(self, ContainerId(6))), "read");
  ASSERT_TRUE(TickUntil(*agent, [&] { return agent->attribution_counters().excluded == 2; }));
  agent->factory()->OnCgroupRemoved(5);
  agent->factory()->OnCgroupRemoved(6);
  agent->Tick({});
  EXPECT_EQ(agent->attribution_counters().pending, 0u);
  EXPECT_FALSE(Get(kWorkloadProfiles, "kube-system", "pod-coredns-node-a").has_value());
  EXPECT_FALSE(Get(kWorkloadProfiles, "minpriv-system", "pod-minpriv-agent-x-node-a").has_value());
}

TEST_F(AgentTest, PodsOfOtherNodesAreNotAttributedHere) {
  const std::string uid = CreatePod("shop", "web-2", "node-b", "ReplicaSet", "web-rs", "apps/v1");
  SetStatuses("shop", "web-2", {{"app", ContainerId(2)}});
  auto agent = NewAgent("node-a");
  Syscall(agent->factory()->OnCgroupCreated(2, CgroupfsPath(uid, ContainerId(2))), "read");
  for (int i = 0; i < 10; ++i) agent->Tick({});
  EXPECT_EQ(agent->attribution_counters().attributed, 0u);
  EXPECT_EQ(agent->attribution_counters().pending, 1u);
}

TEST_F(AgentTest, ACrashLoopingContainersRestartsAreOneContainer) {
  const std::string uid = CreatePod("shop", "web-1", "node-a", "ReplicaSet", "web-rs", "apps/v1");
  SetStatuses("shop", "web-1", {{"app", ContainerId(1)}});
  auto agent = NewAgent("node-a");
  observer::ObservationSink* first =
      agent->factory()->OnCgroupCreated(1, CgroupfsPath(uid, ContainerId(1)));
  Syscall(first, "read");
  ASSERT_TRUE(TickUntil(*agent, [&] { return WebPartial().has_value(); }));
  agent->factory()->OnCgroupRemoved(1);
  // The restart: a new container id; the old one moves to lastState.
  observer::ObservationSink* second =
      agent->factory()->OnCgroupCreated(2, CgroupfsPath(uid, ContainerId(2)));
  Syscall(second, "write");
  auto r = client_->PatchStatus(
      kPods, "shop", "web-1", kube::PatchType::kMerge,
      {{"status",
        {{"containerStatuses",
          json::array({{{"name", "app"},
                        {"containerID", "containerd://" + ContainerId(2)},
                        {"restartCount", 1},
                        {"lastState",
                         {{"terminated", {{"containerID", "containerd://" + ContainerId(1)},
                                          {"exitCode", 1}}}}}}})}}}});
  ASSERT_TRUE(r.ok()) << r.status();
  now_ += absl::Seconds(5);
  ASSERT_TRUE(TickUntil(*agent, [&] { return Syscalls(*WebPartial()).size() == 2; }));
  json p = *WebPartial();
  ASSERT_EQ(p["spec"]["containers"].size(), 1u);
  EXPECT_EQ(Syscalls(p), json({"read", "write"}));
}

// Plays the NodeObserver for Agent::Run: one container that existed before the watch.
class FakeNodeObserver : public observer::NodeObserver {
 public:
  FakeNodeObserver(std::string path, std::atomic<bool>* stop) : path_(path), stop_(stop) {}
  absl::Status SetDenialWatch(uint64_t id, bool on) override {
    watch_calls_.push_back({id, on});
    return absl::OkStatus();
  }
  absl::Status WatchRoot(const std::string& root, observer::CgroupSinkFactory* factory) override {
    root_ = root;
    observer::ObservationSink* sink = factory->OnCgroupCreated(21, path_);
    // As the real observer: the factory says whether its denials are watched from the start.
    if (sink != nullptr && factory->WatchDenialsFromStart(21)) watch_calls_.push_back({21, true});
    if (sink != nullptr) sink->OnSyscall(absl::Now(), {Nr("read"), observer::SyscallAbi::kX86_64});
    return absl::OkStatus();
  }
  absl::Status Poll(absl::Duration timeout) override {
    absl::SleepFor(absl::Milliseconds(10));
    if (++polls_ == 20) stop_->store(true);
    return absl::OkStatus();
  }
  absl::Status Drain() override {
    ++drains_;
    return absl::OkStatus();
  }
  observer::NodeStats GetStats() const override {
    observer::NodeStats s;
    s.tracked = 1;
    s.capacity = 4096;
    return s;
  }
  void Detach() override { detached_ = true; }

  std::string path_;
  std::atomic<bool>* stop_;
  std::string root_;
  int polls_ = 0;
  int drains_ = 0;
  bool detached_ = false;
  std::vector<std::pair<uint64_t, bool>> watch_calls_;  // SetDenialWatch, in order
};

// Wants the denials of one workload (BreakWatch's part in the denial switch).
struct WantsOne : DenialListener {
  std::string workload;
  void OnDenial(const ContainerDenial&) override {}
  bool WantsDenialsOf(const std::string& key) const override { return key == workload; }
};

TEST_F(AgentTest, RunWatchesPollsAndPublishesEverythingMarkedStoppedOnStop) {
  const std::string uid = CreatePod("shop", "web-1", "node-a", "ReplicaSet", "web-rs", "apps/v1");
  SetStatuses("shop", "web-1", {{"app", ContainerId(1)}});
  auto agent = NewAgent("node-a");
  std::atomic<bool> stop{false};
  FakeNodeObserver node(CgroupfsPath(uid, ContainerId(1)), &stop);
  ASSERT_TRUE(agent->Run(node, "/sys/fs/cgroup/kubepods", stop).ok());
  EXPECT_EQ(node.root_, "/sys/fs/cgroup/kubepods");
  EXPECT_TRUE(node.detached_);
  EXPECT_GE(node.drains_, 1);  // the final drain at least
  auto p = WebPartial();
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(Syscalls(*p), json({"read"}));
  EXPECT_EQ((*p)["metadata"]["annotations"][kAgentStateAnnotation], "stopped");
  // Running before the agent watched, without an earlier partial: its start-up was missed.
  EXPECT_EQ((*p)["status"]["complete"], false);
  EXPECT_THAT((*p)["status"]["incompleteReasons"].dump(), HasSubstr("start-up was not observed"));
  EXPECT_THAT(agent->Metrics(), HasSubstr("minpriv_agent_tracked_cgroups 1\n"));
  EXPECT_THAT(agent->Metrics(), HasSubstr("minpriv_agent_capacity 4096\n"));
}

// A new container's denials are watched from its start until its workload is known, then
// only while the listener wants that workload's (switched once, not every round).
TEST_F(AgentTest, DenialsAreWatchedUntilTheWorkloadIsKnownThenOnlyIfWanted) {
  const std::string uid = CreatePod("shop", "web-1", "node-a", "ReplicaSet", "web-rs", "apps/v1");
  SetStatuses("shop", "web-1", {{"app", ContainerId(1)}});
  for (const std::string& wanted : {"shop/Deployment/other", "shop/Deployment/web"}) {
    auto agent = NewAgent("node-a");
    WantsOne listener;
    listener.workload = wanted;
    agent->attribution().SetDenialListener(&listener);
    std::atomic<bool> stop{false};
    FakeNodeObserver node(CgroupfsPath(uid, ContainerId(1)), &stop);
    ASSERT_TRUE(agent->Run(node, "/sys/fs/cgroup/kubepods", stop).ok());
    using Calls = std::vector<std::pair<uint64_t, bool>>;
    if (wanted == "shop/Deployment/web") {
      EXPECT_EQ(node.watch_calls_, (Calls{{21, true}}));
    } else {
      EXPECT_EQ(node.watch_calls_, (Calls{{21, true}, {21, false}}));
    }
  }
}

}  // namespace
}  // namespace minpriv::agent::testing
