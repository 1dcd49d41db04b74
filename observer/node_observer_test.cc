// The node observer on this kernel: real BPF programs, real cgroups below a root in the
// cgroup v2 hierarchy laid out as the kubelet's two drivers do, real processes started
// straight into a new container cgroup (clone3 CLONE_INTO_CGROUP) and a real runc
// container. Needs root.
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "observer/node_observer.h"
#include "observer/node_observer_impl.h"
#include "observer/node_observer_test_util.h"
#include "util/cgroup.h"
#include "util/process.h"
#include "util/syscalls.h"

namespace minpriv::observer {
namespace {

using node_test::ContainerLog;
using node_test::NodeTest;
using node_test::RecordingFactory;

// A child born in `cgroup` (clone3 CLONE_INTO_CGROUP) makes two syscalls /bin/true never
// makes (sched_yield, getppid), then execs /bin/true. Returns its exit code.
int RunInNewCgroup(const std::string& cgroup) {
  int dir = open(cgroup.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return -1;
  struct clone_args args {};
  args.flags = CLONE_INTO_CGROUP;
  args.exit_signal = SIGCHLD;
  args.cgroup = static_cast<uint64_t>(dir);
  long pid = syscall(SYS_clone3, &args, sizeof(args));
  if (pid == 0) {
    syscall(SYS_sched_yield);
    syscall(SYS_getppid);
    char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
    char* const envp[] = {nullptr};
    syscall(SYS_execve, "/bin/true", argv, envp);
    _exit(127);
  }
  close(dir);
  if (pid < 0) return -1;
  int st = 0;
  if (waitpid(static_cast<pid_t>(pid), &st, 0) != pid) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

// Position of `entry` in the log, or -1.
int IndexOf(const std::vector<std::string>& log, const std::string& entry) {
  auto it = std::find(log.begin(), log.end(), entry);
  return it == log.end() ? -1 : static_cast<int>(it - log.begin());
}

// The container's first syscalls, its exec and the boundary, in order; its removal.
void ExpectObservedFromTheStart(NodeTest& t, const std::string& container) {
  std::string path = t.Mkdirs(container);
  auto* log = t.factory.WaitForCreated(t, t.rel(container));
  ASSERT_NE(log, nullptr) << "no OnCgroupCreated for " << container;
  ASSERT_EQ(RunInNewCgroup(path), 0);
  ASSERT_TRUE(t.PollUntil([&] { return IndexOf(log->entries, "syscall:exit_group") >= 0; }))
      << log->Dump();
  int yield = IndexOf(log->entries, "syscall:sched_yield");
  int getppid = IndexOf(log->entries, "syscall:getppid");
  int execve = IndexOf(log->entries, "syscall:execve");
  int boundary = IndexOf(log->entries, "workload-exec");
  int exec = IndexOf(log->entries, "exec:/usr/bin/true");
  if (exec < 0) exec = IndexOf(log->entries, "exec:/bin/true");
  int exit_group = IndexOf(log->entries, "syscall:exit_group");
  EXPECT_GE(yield, 0) << log->Dump();
  EXPECT_GE(getppid, 0) << log->Dump();
  EXPECT_GE(execve, 0) << log->Dump();
  // Born in the cgroup: its very first syscalls are the runtime's (before the boundary).
  EXPECT_LT(yield, boundary) << log->Dump();
  EXPECT_LT(getppid, boundary) << log->Dump();
  EXPECT_LT(execve, boundary) << log->Dump();
  EXPECT_LT(boundary, exec) << log->Dump();
  EXPECT_LT(boundary, exit_group) << log->Dump();
  EXPECT_EQ(std::count(log->entries.begin(), log->entries.end(), "workload-exec"), 1);
  // What the runtime did is reported again when the workload does it: its identity (a
  // deduplicated fact) on both sides of the boundary.
  int identity = IndexOf(log->entries, "identity:0:0");
  EXPECT_LT(identity, boundary) << log->Dump();
  EXPECT_NE(std::find(log->entries.begin() + boundary, log->entries.end(), "identity:0:0"),
            log->entries.end())
      << log->Dump();

  uint64_t id = log->id;
  ASSERT_EQ(rmdir(path.c_str()), 0) << strerror(errno);
  ASSERT_TRUE(t.PollUntil([&] { return t.factory.removed.count(id) > 0; }));
  EXPECT_EQ(t.observer->GetStats().tracked, 0u);
}

TEST_F(NodeTest, CgroupfsLayoutObservedFromTheFirstSyscall) {
  ASSERT_TRUE(Start({}));
  factory.accept = [](const std::string& rel) {
    return absl::StrContains(rel, "/pod1234/") ;
  };
  ExpectObservedFromTheStart(*this, "kubepods/besteffort/pod1234/0123abcd");
  // The QoS and pod levels were offered too, and declined.
  EXPECT_EQ(factory.declined.count(rel("kubepods")), 1u);
  EXPECT_EQ(factory.declined.count(rel("kubepods/besteffort/pod1234")), 1u);
}

TEST_F(NodeTest, SystemdLayoutObservedFromTheFirstSyscall) {
  ASSERT_TRUE(Start({}));
  factory.accept = [](const std::string& rel) {
    return absl::EndsWith(rel, ".scope");
  };
  const std::string pod =
      "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12_34.slice";
  ExpectObservedFromTheStart(*this, pod + "/cri-containerd-0123abcd.scope");
  ExpectObservedFromTheStart(*this, pod + "/crio-4567ef.scope");
  EXPECT_EQ(factory.created_count, 2);   // the scopes
  EXPECT_EQ(factory.declined.size(), 3u);  // the slices
}

TEST_F(NodeTest, RemovedSlotIsReused) {
  NodeOptions o;
  o.max_containers = 1;
  ASSERT_TRUE(Start(o));
  factory.accept = [](const std::string&) { return true; };
  ExpectObservedFromTheStart(*this, "c1");
  ExpectObservedFromTheStart(*this, "c2");  // the one slot, freed by c1's removal
  NodeStats s = observer->GetStats();
  EXPECT_EQ(s.untracked_full, 0u);
  EXPECT_EQ(s.created, 2u);
  EXPECT_EQ(s.removed, 2u);
}

TEST_F(NodeTest, FullCapacityIsCountedAndTheFirstAreObserved) {
  NodeOptions o;
  o.max_containers = 8;
  ASSERT_TRUE(Start(o));
  factory.accept = [](const std::string&) { return true; };
  std::vector<std::string> paths;
  for (int i = 0; i < 10; ++i) paths.push_back(Mkdirs(absl::StrCat("c", i)));
  ASSERT_TRUE(PollUntil([&] { return factory.created_count == 8; }));
  observer->Poll(absl::Milliseconds(100)).IgnoreError();
  EXPECT_EQ(factory.created_count, 8);
  NodeStats s = observer->GetStats();
  EXPECT_EQ(s.untracked_full, 2u);
  EXPECT_EQ(s.created, 10u);
  EXPECT_EQ(s.tracked, 8u);
  EXPECT_EQ(s.capacity, 8u);
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(RunInNewCgroup(paths[i]), 0);
  }
  ASSERT_TRUE(PollUntil([&] {
    for (int i = 0; i < 8; ++i) {
      ContainerLog* log = factory.Find(rel(absl::StrCat("c", i)));
      if (log == nullptr || IndexOf(log->entries, "syscall:exit_group") < 0) return false;
    }
    return true;
  }));
  EXPECT_EQ(factory.Find(rel("c8")), nullptr);
  EXPECT_EQ(factory.Find(rel("c9")), nullptr);
}

TEST_F(NodeTest, ChurnLeavesNothingBehind) {
  NodeOptions o;
  o.max_containers = 16;
  ASSERT_TRUE(Start(o));
  factory.accept = [](const std::string&) { return true; };
  for (int i = 0; i < 100; ++i) {
    std::string path = Mkdirs(absl::StrCat("churn", i));
    ASSERT_EQ(RunInNewCgroup(path), 0);
    ASSERT_EQ(rmdir(path.c_str()), 0) << strerror(errno);
    if (i % 10 == 9) {
      ASSERT_TRUE(observer->Poll(absl::Milliseconds(1)).ok());  // frees what was removed
    }
  }
  ASSERT_TRUE(PollUntil([&] { return factory.removed.size() == 100; }))
      << factory.removed.size();
  for (const auto& [rel, log] : factory.logs) {
    EXPECT_GE(IndexOf(log->entries, "syscall:exit_group"), 0) << rel << log->Dump();
  }
  NodeStats s = observer->GetStats();
  EXPECT_EQ(s.tracked, 0u);
  EXPECT_EQ(s.created, 100u);
  EXPECT_EQ(s.removed, 100u);
  EXPECT_EQ(s.untracked_full, 0u);
  auto usage = impl()->KernelUsageForTest();
  ASSERT_TRUE(usage.ok()) << usage.status();
  EXPECT_EQ(usage->free_slots, 16u);
  EXPECT_EQ(usage->distinct_free, 16u);
  EXPECT_EQ(usage->cgroups, 0u);
  EXPECT_EQ(usage->seen, 0u);
  EXPECT_EQ(usage->udp_convs, 0u);
  EXPECT_EQ(usage->workloads_in_use, 0u);
}

TEST_F(NodeTest, ExistingDescendantsAreTrackedAtWatchRoot) {
  std::string before = Mkdirs("kubepods/burstable/pod9/running");
  std::string go = absl::StrCat("/tmp/minpriv-node-test-go-", getpid());
  unlink(go.c_str());
  util::SpawnOptions so;
  so.cgroup = before;
  so.search_path = false;
  // Runs before the observer starts, and goes on exec'ing sleep until `go` exists.
  auto waiter = util::Process::Spawn(
      {"/bin/sh", "-c", absl::StrCat("while [ ! -e ", go, " ]; do sleep 0.05; done")}, so);
  ASSERT_TRUE(waiter.ok()) << waiter.status();
  factory.accept = [](const std::string& rel) { return absl::EndsWith(rel, "/running"); };
  ASSERT_TRUE(Start({}));
  ContainerLog* log = factory.Find(rel("kubepods/burstable/pod9/running"));
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(factory.declined.count(rel("kubepods/burstable")), 1u);
  ASSERT_TRUE(PollUntil([&] { return IndexOf(log->entries, "syscall:nanosleep") >= 0 ||
                                     IndexOf(log->entries, "syscall:clock_nanosleep") >= 0; }))
      << log->Dump();
  int fd = open(go.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  close(fd);
  ASSERT_EQ(waiter->WaitFor(absl::Seconds(10)).value_or(-1), 0);
  unlink(go.c_str());
  ASSERT_TRUE(PollUntil([&] { return IndexOf(log->entries, "syscall:exit_group") >= 0; }))
      << log->Dump();
  // It was running before: its later execs (sleep) are no runtime/workload boundary.
  EXPECT_EQ(IndexOf(log->entries, "workload-exec"), -1) << log->Dump();
}

}  // namespace
}  // namespace minpriv::observer
