// util's process, cgroup, signal, flag and path helpers.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "util/cgroup.h"
#include "util/files.h"
#include "util/signals.h"
#include "util/process.h"

namespace minpriv::util {
namespace {

// Reads one pid, written by a shell to `fd` as a readiness signal.
pid_t ReadPid(int fd) {
  char buf[32] = {};
  if (read(fd, buf, sizeof(buf) - 1) <= 0) return -1;
  return std::stoi(buf);
}

// True once `pid` is gone: no such process, or a zombie that its new parent reaps.
bool Gone(pid_t pid) {
  for (int i = 0; i < 1000 && kill(pid, 0) == 0; ++i) {
    std::string stat = ReadFile(absl::StrCat("/proc/", pid, "/stat")).value_or("");
    if (stat.find(") Z") != std::string::npos) return true;
    usleep(1000);
  }
  std::string stat = ReadFile(absl::StrCat("/proc/", pid, "/stat")).value_or("");
  return stat.empty() || stat.find(") Z") != std::string::npos;
}

TEST(ProcessTest, ReportsTheRawWaitStatus) {
  auto child = Process::Shell("exit 3");
  ASSERT_TRUE(child.ok()) << child.status();
  while (!child->Poll()) usleep(1000);
  ASSERT_TRUE(WIFEXITED(child->wait_status()));
  EXPECT_EQ(WEXITSTATUS(child->wait_status()), 3);
  EXPECT_EQ(DescribeWaitStatus(child->wait_status()), "exited with status 3");
  EXPECT_EQ(ExitCodeOf(child->wait_status()), 3);
}

TEST(ProcessTest, KillingTheHandleTakesItsBackgroundJobs) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t background = 0;
  {
    auto child = Process::Shell(absl::StrCat("sleep 600 & echo $! >&", fds[1], "; wait"));
    ASSERT_TRUE(child.ok()) << child.status();
    background = ReadPid(fds[0]);
    ASSERT_GT(background, 0);
    EXPECT_EQ(getpgid(background), child->pid());
    EXPECT_FALSE(child->Poll());
  }  // the handle goes: SIGKILL to the group
  close(fds[0]);
  close(fds[1]);
  // The background sleep is not our child: it is gone (or a zombie being reaped by init).
  EXPECT_TRUE(Gone(background));
}

TEST(ProcessTest, DestructionKillsAndMoveTransfersOwnership) {
  // The shell forks its command (as Debian's dash does) and says which pid it got: killing
  // the handle must take that grandchild too, not only the shell.
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  auto started = Process::Shell(absl::StrCat("sleep 600 & echo $! >&", fds[1], "; wait $!"));
  ASSERT_TRUE(started.ok());
  Process a = std::move(*started);
  pid_t pid = a.pid();
  Process b = std::move(a);
  EXPECT_EQ(a.pid(), -1);
  EXPECT_FALSE(a.Poll());  // an empty handle
  EXPECT_EQ(b.pid(), pid);
  pid_t grandchild = ReadPid(fds[0]);
  close(fds[0]);
  close(fds[1]);
  ASSERT_GT(grandchild, 0);
  b.Kill();
  EXPECT_TRUE(b.exited());
  ASSERT_TRUE(WIFSIGNALED(b.wait_status()));
  EXPECT_EQ(WTERMSIG(b.wait_status()), SIGKILL);
  EXPECT_EQ(DescribeWaitStatus(b.wait_status()), "killed by SIGKILL");
  EXPECT_NE(kill(pid, 0), 0);
  EXPECT_TRUE(Gone(grandchild));
}

TEST(ProcessTest, CgroupHandleKillsEverythingInTheCgroup) {
  auto cg = ScopedCgroup::Create(absl::StrCat("minpriv/process-test-", getpid()));
  ASSERT_TRUE(cg.ok()) << cg.status();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t grandchild = 0;
  {
    SpawnOptions options;
    options.cgroup = cg->path();
    // The grandchild leaves the shell's process group: only the cgroup still holds it.
    auto child = Process::Shell(
        absl::StrCat("setsid sleep 600 & echo $! >&", fds[1], "; wait"), options);
    ASSERT_TRUE(child.ok()) << child.status();
    grandchild = ReadPid(fds[0]);
    ASSERT_GT(grandchild, 0);
    auto procs = CgroupProcs(cg->path());
    EXPECT_NE(std::find(procs.begin(), procs.end(), child->pid()), procs.end());
  }
  close(fds[0]);
  close(fds[1]);
  EXPECT_TRUE(Gone(grandchild));
}

TEST(ProcessTest, HeldChildExecsOnReleaseAndReportsExecFailure) {
  SpawnOptions options;
  options.hold = true;
  auto missing = Process::Spawn({"/nonexistent/cmd"}, options);
  ASSERT_TRUE(missing.ok()) << missing.status();
  absl::Status s = missing->Release();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "cannot run '/nonexistent/cmd': No such file or directory");
  EXPECT_EQ(Process::Spawn({"/nonexistent/cmd"}).status().code(), absl::StatusCode::kNotFound);
  auto held = Process::Spawn({"true"}, options);
  ASSERT_TRUE(held.ok());
  EXPECT_FALSE(held->Poll());  // waits for Release()
  ASSERT_TRUE(held->Release().ok());
  EXPECT_EQ(DescribeWaitStatus(held->Wait()), "exited with status 0");
}

TEST(ProcessTest, InheritsOnlyTheFdsItIsGivenAndLeavesTheCallersCloseOnExec) {
  int kept[2], other[2];
  ASSERT_EQ(pipe2(kept, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(other, O_CLOEXEC), 0);
  ASSERT_EQ(write(kept[1], "kept", 4), 4);
  ASSERT_EQ(write(other[1], "other", 5), 5);
  close(kept[1]);
  close(other[1]);
  const std::string out = absl::StrCat(testing::TempDir(), "/inherit.out");
  SpawnOptions options;
  options.stdout_path = out;
  options.stderr_path = "/dev/null";
  options.inherit_fds = {kept[0]};
  auto p = Process::Shell(absl::StrCat("cat <&", kept[0], "; echo; cat <&", other[0],
                                       " || echo closed"),
                          options);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(ExitCodeOf(p->Wait()), 0);
  EXPECT_EQ(ReadFile(out).value_or(""), "kept\nclosed\n");
  EXPECT_EQ(fcntl(kept[0], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC) << "the caller's copy stays";
  auto later = Process::Shell(absl::StrCat("cat <&", kept[0], " || echo closed"),
                              SpawnOptions{.stdout_path = out, .stderr_path = "/dev/null"});
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(ExitCodeOf(later->Wait()), 0);
  EXPECT_EQ(ReadFile(out).value_or(""), "closed\n") << "not given: not inherited";
  close(kept[0]);
  close(other[0]);
}

TEST(ProcessTest, StopSendsSigtermFirstAndRunReportsExitCodes) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  auto child = Process::Shell(
      absl::StrCat("trap 'exit 7' TERM; echo $$ >&", fds[1], "; while :; do sleep 0.05; done"));
  ASSERT_TRUE(child.ok());
  EXPECT_EQ(ReadPid(fds[0]), child->pid());  // the trap is set
  close(fds[0]);
  close(fds[1]);
  EXPECT_EQ(DescribeWaitStatus(child->Stop(absl::Seconds(30))), "exited with status 7");
  EXPECT_EQ(util::Run({"sh", "-c", "exit 5"}).value_or(-1), 5);
  EXPECT_EQ(RunQuiet({"sh", "-c", "echo hidden; kill -TERM $$"}).value_or(-1), 143);
}

TEST(ScopedStopSignalsTest, RecordsTheSignalStopsPollingAndRestoresHandlers) {
  struct sigaction before {};
  sigaction(SIGTERM, nullptr, &before);
  {
    ScopedStopSignals signals;
    EXPECT_FALSE(signals.stop_requested());
    int steps = 0;
    absl::Status s = signals.PollUntil(
        absl::InfiniteFuture(), [] { return false; },
        [&] {
          if (++steps == 3) raise(SIGTERM);
          return absl::OkStatus();
        });
    EXPECT_TRUE(s.ok());
    EXPECT_EQ(steps, 3);
    EXPECT_TRUE(signals.stop_requested());
    EXPECT_EQ(signals.signal_number(), SIGTERM);
  }
  struct sigaction after {};
  sigaction(SIGTERM, nullptr, &after);
  EXPECT_EQ(after.sa_handler, before.sa_handler);
  ScopedStopSignals again;  // a new scope starts clear
  EXPECT_FALSE(again.stop_requested());
}

TEST(ScopedStopSignalsTest, PollUntilReturnsTheFirstErrorAndHonoursDoneAndDeadline) {
  ScopedStopSignals signals;
  int steps = 0;
  absl::Status s = signals.PollUntil(absl::InfiniteFuture(), [] { return false; }, [&] {
    return ++steps == 2 ? absl::InternalError("boom") : absl::OkStatus();
  });
  EXPECT_EQ(s.message(), "boom");
  EXPECT_EQ(steps, 2);
  steps = 0;
  EXPECT_TRUE(signals.PollUntil(absl::InfiniteFuture(), [&] { return steps == 4; }, [&] {
    ++steps;
    return absl::OkStatus();
  }).ok());
  EXPECT_EQ(steps, 4);
  steps = 0;
  EXPECT_TRUE(signals.PollUntil(absl::InfinitePast(), [] { return false; }, [&] {
    ++steps;
    return absl::OkStatus();
  }).ok());
  EXPECT_EQ(steps, 0);
}

TEST(PathUnderTest, ByComponents) {
  EXPECT_TRUE(PathUnder("/var/lib/x", "/var/lib"));
  EXPECT_TRUE(PathUnder("/var/lib", "/var/lib"));
  EXPECT_FALSE(PathUnder("/var/library", "/var/lib"));
  EXPECT_FALSE(PathUnder("/var", "/var/lib"));
  EXPECT_TRUE(PathUnder("/anything", "/"));
  EXPECT_TRUE(IsKernelFsPath("/proc/self/status"));
  EXPECT_TRUE(IsKernelFsPath("/dev"));
  EXPECT_TRUE(IsKernelFsPath("/sys/fs/cgroup"));
  EXPECT_FALSE(IsKernelFsPath("/devices"));
  EXPECT_FALSE(IsKernelFsPath("/tmp"));
}

}  // namespace
}  // namespace minpriv::util
