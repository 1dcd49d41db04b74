// util's process, signal, flag and path helpers.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "util/files.h"
#include "util/flags.h"
#include "util/signals.h"
#include "util/subprocess.h"

namespace minpriv::util {
namespace {

TEST(StartShellTest, ReportsTheRawWaitStatus) {
  auto child = StartShell("exit 3", /*own_process_group=*/false);
  ASSERT_TRUE(child.ok()) << child.status();
  while (!child->Reap()) usleep(1000);
  ASSERT_TRUE(WIFEXITED(child->status()));
  EXPECT_EQ(WEXITSTATUS(child->status()), 3);
}

TEST(StartShellTest, KillingAGroupLeaderTakesItsBackgroundJobs) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t background = 0;
  {
    auto child = StartShell(absl::StrCat("sleep 600 & echo $! >&", fds[1], "; wait"),
                            /*own_process_group=*/true);
    ASSERT_TRUE(child.ok()) << child.status();
    char buf[32] = {};
    ASSERT_GT(read(fds[0], buf, sizeof(buf) - 1), 0);
    background = std::stoi(buf);
    ASSERT_GT(background, 0);
    EXPECT_EQ(getpgid(background), child->pid());
    EXPECT_FALSE(child->Reap());
  }  // the handle goes: SIGKILL to the group
  close(fds[0]);
  close(fds[1]);
  // The background sleep is not our child: it is gone (or a zombie being reaped by init).
  for (int i = 0; i < 1000 && kill(background, 0) == 0; ++i) {
    std::string stat = ReadFile(absl::StrCat("/proc/", background, "/stat")).value_or("");
    if (stat.find(") Z") != std::string::npos) break;
    usleep(1000);
  }
  std::string stat = ReadFile(absl::StrCat("/proc/", background, "/stat")).value_or("");
  EXPECT_TRUE(stat.empty() || stat.find(") Z") != std::string::npos) << stat;
}

TEST(ChildProcessTest, DestructionKillsAndMoveTransfersOwnership) {
  auto started = StartShell("sleep 600", /*own_process_group=*/false);
  ASSERT_TRUE(started.ok());
  ChildProcess a = std::move(*started);
  pid_t pid = a.pid();
  ChildProcess b = std::move(a);
  EXPECT_EQ(a.pid(), -1);
  EXPECT_FALSE(a.Reap());  // an empty handle
  EXPECT_EQ(b.pid(), pid);
  b.KillAndReap();
  EXPECT_TRUE(b.reaped());
  ASSERT_TRUE(WIFSIGNALED(b.status()));
  EXPECT_EQ(WTERMSIG(b.status()), SIGKILL);
  EXPECT_NE(kill(pid, 0), 0);
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

absl::Status Parse(std::vector<std::string> args, std::vector<std::string>* seen,
                   std::vector<std::string>* command, bool* help) {
  args.insert(args.begin(), "sub");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  FlagSpec spec = {{"--out", "--n"}, {"--keep"}, "; see --help"};
  return ParseFlags(
      static_cast<int>(argv.size()), argv.data(), spec,
      [&](const std::string& flag, const std::string& value) {
        if (flag == "--n" && value == "bad") return absl::InvalidArgumentError("--n: bad");
        seen->push_back(flag + "=" + value);
        return absl::OkStatus();
      },
      command, help);
}

TEST(ParseFlagsTest, ValuesSwitchesHelpAndCommand) {
  std::vector<std::string> seen, command;
  bool help = false;
  ASSERT_TRUE(Parse({"--out", "a", "--keep", "--n=2", "-h", "--", "cmd", "--out", "x"}, &seen,
                    &command, &help)
                  .ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"--out=a", "--keep=", "--n=2"}));
  EXPECT_EQ(command, (std::vector<std::string>{"cmd", "--out", "x"}));
  EXPECT_TRUE(help);
}

TEST(ParseFlagsTest, ErrorsInOrder) {
  std::vector<std::string> seen, command;
  bool help = false;
  EXPECT_EQ(Parse({"--bogus"}, &seen, &command, &help).message(),
            "unknown flag '--bogus'; see --help");
  EXPECT_EQ(Parse({"--keep=1"}, &seen, &command, &help).message(),
            "unknown flag '--keep'; see --help");
  EXPECT_EQ(Parse({"stray"}, &seen, &command, &help).message(),
            "unexpected argument 'stray'; put the workload command after '--'");
  EXPECT_EQ(Parse({"--out"}, &seen, &command, &help).message(), "--out needs a value");
  // The first error wins: a bad value before an unknown flag.
  EXPECT_EQ(Parse({"--n", "bad", "--bogus"}, &seen, &command, &help).message(), "--n: bad");
}

// Parses `args` against a spec where --tag is repeatable and --out is not.
absl::Status ParseSpec(const FlagSpec& spec, std::vector<std::string> args,
                       std::vector<std::string>* seen, std::vector<std::string>* command) {
  args.insert(args.begin(), "sub");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  bool help = false;
  return ParseFlags(
      static_cast<int>(argv.size()), argv.data(), spec,
      [&](const std::string& flag, const std::string& value) {
        seen->push_back(flag + "=" + value);
        return absl::OkStatus();
      },
      command, &help);
}

TEST(ParseFlagsTest, SingleValueFlagGivenTwiceIsAnError) {
  FlagSpec spec = {{"--out", "--tag"}, {"--keep"}, "", {"--tag"}};
  std::vector<std::string> seen, command;
  absl::Status s = ParseSpec(spec, {"--out", "a", "--out", "b"}, &seen, &command);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "flag --out given twice; give it once");
  EXPECT_EQ(seen, (std::vector<std::string>{"--out=a"}));  // the second never applies
  seen.clear();
  EXPECT_EQ(ParseSpec(spec, {"--out=a", "--out=a"}, &seen, &command).message(),
            "flag --out given twice; give it once");
  // Repeatable flags and switches may repeat; flags after "--" belong to the command.
  seen.clear();
  ASSERT_TRUE(ParseSpec(spec, {"--tag", "x", "--tag=y", "--keep", "--keep", "--out", "o", "--",
                               "cmd", "--out", "z"},
                        &seen, &command)
                  .ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"--tag=x", "--tag=y", "--keep=", "--keep=",
                                            "--out=o"}));
  EXPECT_EQ(command, (std::vector<std::string>{"cmd", "--out", "z"}));
}

TEST(ParseFlagsTest, WithoutACommandDashDashAndBareArgumentsAreErrors) {
  FlagSpec spec = {{"--out"}, {}, "; see --help", {}, /*takes_command=*/false};
  std::vector<std::string> seen, command;
  EXPECT_EQ(ParseSpec(spec, {"--out", "a", "--", "cmd"}, &seen, &command).message(),
            "unexpected argument '--'; see --help");
  EXPECT_EQ(ParseSpec(spec, {"stray"}, &seen, &command).message(),
            "unexpected argument 'stray'; see --help");
  EXPECT_TRUE(command.empty());
}

TEST(ParseDurationFlagTest, PositiveFiniteOnly) {
  absl::Duration d;
  ASSERT_TRUE(ParseDurationFlag("--grace", "1500ms", &d).ok());
  EXPECT_EQ(d, absl::Milliseconds(1500));
  for (const char* bad : {"0s", "-1s", "inf", "soon"}) {
    absl::Status s = ParseDurationFlag("--grace", bad, &d);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(s.message(), absl::StrCat("--grace: '", bad,
                                        "' is not a positive duration; write it like 30s, 2m or 1h"));
  }
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
