// The node observer's denial hooks (NodeOptions::verify_mode) on this kernel: denials are
// reported only for the cgroups switched on at run time (NodeObserver::SetDenialWatch), not
// for the other tracked cgroups. Needs root.
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "observer/node_observer.h"
#include "observer/node_observer_test_util.h"

namespace minpriv::observer {
namespace {

using node_test::ContainerLog;
using node_test::NodeTest;

// A child born in `cgroup` drops root (setuid nobody) and signals init: kill fails with
// EPERM. Returns its exit code (0 when kill failed with EPERM).
int FailKillInCgroup(const std::string& cgroup) {
  int dir = open(cgroup.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return -1;
  struct clone_args args {};
  args.flags = CLONE_INTO_CGROUP;
  args.exit_signal = SIGCHLD;
  args.cgroup = static_cast<uint64_t>(dir);
  long pid = syscall(SYS_clone3, &args, sizeof(args));
  if (pid == 0) {
    if (syscall(SYS_setuid, 65534) != 0) _exit(2);
    long r = syscall(SYS_kill, 1, 0);
    _exit(r == -1 && errno == EPERM ? 0 : 3);
  }
  close(dir);
  if (pid < 0) return -1;
  int st = 0;
  if (waitpid(static_cast<pid_t>(pid), &st, 0) != pid) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

bool Has(const ContainerLog& log, const std::string& entry) {
  return std::find(log.entries.begin(), log.entries.end(), entry) != log.entries.end();
}

size_t Denials(const ContainerLog& log) {
  return std::count_if(log.entries.begin(), log.entries.end(),
                       [](const std::string& e) { return absl::StartsWith(e, "denial:"); });
}

TEST_F(NodeTest, DenialsAreReportedOnlyForCgroupsSwitchedOn) {
  NodeOptions options;
  options.verify_mode = true;
  ASSERT_TRUE(Start(options));
  const std::string on_path = Mkdirs("kubepods/pod1/on");
  const std::string off_path = Mkdirs("kubepods/pod1/off");
  const std::string flipped_path = Mkdirs("kubepods/pod1/flipped");
  ContainerLog* on = factory.WaitForCreated(*this, rel("kubepods/pod1/on"));
  ContainerLog* off = factory.WaitForCreated(*this, rel("kubepods/pod1/off"));
  ContainerLog* flipped = factory.WaitForCreated(*this, rel("kubepods/pod1/flipped"));
  ASSERT_NE(on, nullptr);
  ASSERT_NE(off, nullptr);
  ASSERT_NE(flipped, nullptr);

  ASSERT_TRUE(observer->SetDenialWatch(on->id, true).ok());
  // Switched on and off again before it ran: as never switched on.
  ASSERT_TRUE(observer->SetDenialWatch(flipped->id, true).ok());
  ASSERT_TRUE(observer->SetDenialWatch(flipped->id, false).ok());
  EXPECT_TRUE(absl::IsNotFound(observer->SetDenialWatch(~0ull, true)));

  ASSERT_EQ(FailKillInCgroup(on_path), 0);
  ASSERT_EQ(FailKillInCgroup(off_path), 0);
  ASSERT_EQ(FailKillInCgroup(flipped_path), 0);
  ASSERT_TRUE(PollUntil([&] {
    return Has(*on, "syscall:exit_group") && Has(*off, "syscall:exit_group") &&
           Has(*flipped, "syscall:exit_group") && Has(*on, absl::StrCat("denial:kill:", EPERM));
  })) << "on:" << on->Dump() << "\noff:" << off->Dump() << "\nflipped:" << flipped->Dump();
  ASSERT_TRUE(observer->Drain().ok());
  // All three were observed (they made the failing call); only `on` had it reported.
  EXPECT_TRUE(Has(*off, "syscall:kill")) << off->Dump();
  EXPECT_TRUE(Has(*flipped, "syscall:kill")) << flipped->Dump();
  EXPECT_EQ(Denials(*off), 0u) << off->Dump();
  EXPECT_EQ(Denials(*flipped), 0u) << flipped->Dump();
  EXPECT_EQ(Denials(*on), 1u) << on->Dump();
}

TEST_F(NodeTest, DenialWatchNeedsTheDenialHooks) {
  ASSERT_TRUE(Start({}));
  Mkdirs("kubepods/pod1/c");
  ContainerLog* c = factory.WaitForCreated(*this, rel("kubepods/pod1/c"));
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(absl::IsFailedPrecondition(observer->SetDenialWatch(c->id, true)));
}

}  // namespace
}  // namespace minpriv::observer
