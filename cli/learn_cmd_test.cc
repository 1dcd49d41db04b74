// `minpriv learn` (flags, options, session) with a fake observer: real fork/exec, real cgroup (root),
// scripted observations instead of BPF. The real-kernel path is tests/learn_e2e_test.cc.
#include "cli/learn_cmd.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crd/profile_codec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "util/files.h"
#include "util/process.h"

namespace minpriv::cli {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class FakeObserver : public observer::Observer {
 public:
  struct Script {
    bool emit_listen = false;
    uint64_t dropped = 0;
    std::vector<std::string> warnings;
    int raise_sigint_at_poll = 0;  // > 0: the user presses Ctrl-C during that poll
  };
  explicit FakeObserver(Script script) : script_(std::move(script)) {}

  absl::Status Watch(const std::string& cgroup_path, observer::ObservationSink* sink) override {
    cgroup_ = cgroup_path;
    sink_ = sink;
    // learn moves the held workload into the cgroup before watching it.
    auto procs = util::ReadFile(cgroup_ + "/cgroup.procs");
    workload_in_cgroup_ = procs.ok() && !procs->empty();
    return absl::OkStatus();
  }
  absl::Status Poll(absl::Duration timeout) override {
    usleep(static_cast<useconds_t>(absl::ToInt64Microseconds(timeout) / 4));
    if (++polls_ == script_.raise_sigint_at_poll) raise(SIGINT);
    Emit();
    return absl::OkStatus();
  }
  void Emit() {
    if (workload_in_cgroup_) {
      sink_->OnIdentity(absl::Now(), {static_cast<uint32_t>(geteuid()), static_cast<uint32_t>(getegid())});
      sink_->OnSyscall(absl::Now(), {59});  // execve
      if (script_.emit_listen) sink_->OnListen(absl::Now(), {8080, observer::Protocol::kTcp, "0.0.0.0"});
    }
  }
  absl::Status Drain() override {
    Emit();
    drained_ = true;
    return absl::OkStatus();
  }
  observer::Stats GetStats() const override {
    observer::Stats s;
    s.dropped = script_.dropped;
    s.warnings = script_.warnings;
    return s;
  }
  void Detach() override {}

 private:
  Script script_;
  std::string cgroup_;
  observer::ObservationSink* sink_ = nullptr;
  bool drained_ = false;
  bool workload_in_cgroup_ = false;
  int polls_ = 0;
};

session::ObserverFactory Fake(FakeObserver::Script script = {}) {
  return [script]() -> absl::StatusOr<std::unique_ptr<observer::Observer>> {
    return std::unique_ptr<observer::Observer>(new FakeObserver(script));
  };
}

absl::StatusOr<session::LearnOptions> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "learn");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  auto o = ParseLearnFlags(static_cast<int>(argv.size()), argv.data());
  if (!o.ok()) return o;
  absl::Status v = session::ValidateLearnOptions(*o);
  if (!v.ok()) return v;
  return o;
}

class LearnTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path();
    ASSERT_FALSE(dir_.empty());
    out_ = dir_ + "/profile.yaml";
  }
  test::TempDir tmp_{"/tmp/minpriv-learn-test-"};
  std::string dir_, out_;
};

TEST_F(LearnTest, ParsesFlagsAndDerivesName) {
  std::string exe = dir_ + "/Python3.11";
  ASSERT_EQ(symlink("/bin/true", exe.c_str()), 0);
  auto o = Parse({"--out", out_, "--duration=2m", "--grace", "1s", "--", exe, "-c", "x"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->duration, absl::Minutes(2));
  EXPECT_EQ(o->grace, absl::Seconds(1));
  EXPECT_EQ(o->name, "python3-11");
  EXPECT_THAT(o->command, ElementsAre(exe, "-c", "x"));
}

TEST_F(LearnTest, RejectsUserMistakes) {
  auto code = [](const absl::StatusOr<session::LearnOptions>& o) { return o.status().code(); };
  EXPECT_EQ(code(Parse({"--out", out_})), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Parse({"--", "true"})), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Parse({"--out", out_, "--duration", "soon", "--", "true"}).status().message(),
              HasSubstr("'soon' is not a positive duration"));
  EXPECT_THAT(Parse({"--out", out_, "--bogus", "--", "true"}).status().message(),
              HasSubstr("unknown flag '--bogus'"));
  EXPECT_THAT(Parse({"--out", out_, "--cgroup", "/sys/fs/cgroup"}).status().message(),
              HasSubstr("--cgroup needs --duration"));
  EXPECT_THAT(Parse({"--out", out_, "--cgroup", dir_, "--duration", "1s"}).status().message(),
              HasSubstr("not a cgroup v2 directory"));
  EXPECT_THAT(Parse({"--out", out_, "--name", "Bad_Name", "--", "true"}).status().message(),
              HasSubstr("e.g. bad-name"));
  EXPECT_THAT(Parse({"--out", "/nonexistent/dir/p.yaml", "--", "true"}).status().message(),
              HasSubstr("does not exist"));
  EXPECT_THAT(Parse({"--out", out_, "true"}).status().message(), HasSubstr("after '--'"));
  EXPECT_THAT(Parse({"--out"}).status().message(), HasSubstr("--out needs a value"));
}

TEST_F(LearnTest, RunsCommandUntilItExitsAndWritesProfile) {
  auto o = Parse({"--out", out_, "--", "/bin/sh", "-c", "exit 3"});
  ASSERT_TRUE(o.ok()) << o.status();
  auto r = session::RunLearnSession(*o, Fake(), false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->workload_exited);
  EXPECT_EQ(util::DescribeWaitStatus(r->workload_wait_status), "exited with status 3");
  auto p = crd::ReadWorkloadProfileFile(out_);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->name, "sh");
  ASSERT_EQ(p->containers.size(), 1u);
  EXPECT_EQ(p->containers[0].name, "sh");
  // The fake only reports once the workload is in the watched cgroup.
  EXPECT_THAT(p->containers[0].syscalls, ElementsAre("execve"));
  // It failed while it was learned (ISSUE12 §4): what it would have done next is missing.
  EXPECT_FALSE(p->status.complete);
  EXPECT_THAT(p->status.incomplete_reasons,
              ElementsAre("the workload exited with status 3 while it was learned"));
  EXPECT_EQ(session::LearnExitCode(*r), 1);
  EXPECT_FALSE(p->status.window.start.empty());
  EXPECT_LE(p->status.window.start, p->status.window.end);
}

TEST_F(LearnTest, WorkloadThatFailsOrIsKilledIsReportedAndOneThatSucceedsIsComplete) {
  struct Case {
    std::vector<std::string> command;
    bool complete;
    std::string reason;
  };
  for (const Case& c : std::vector<Case>{
           {{"/bin/false"}, false, "the workload exited with status 1 while it was learned"},
           {{"/bin/sh", "-c", "kill -KILL $$"}, false,
            "the workload was killed by SIGKILL while it was learned"},
           {{"/bin/true"}, true, ""}}) {
    std::vector<std::string> args = {"--out", out_, "--"};
    args.insert(args.end(), c.command.begin(), c.command.end());
    auto o = Parse(args);
    ASSERT_TRUE(o.ok()) << o.status();
    auto r = session::RunLearnSession(*o, Fake(), false);
    ASSERT_TRUE(r.ok()) << r.status();
    auto p = crd::ReadWorkloadProfileFile(out_);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(p->status.complete, c.complete) << c.command[0];
    EXPECT_EQ(session::LearnExitCode(*r), c.complete ? 0 : 1) << c.command[0];
    if (!c.complete) EXPECT_THAT(p->status.incomplete_reasons, ElementsAre(c.reason));
  }
}

TEST_F(LearnTest, WorkloadThatIgnoresSigtermIsKilledAfterTheGracePeriodAndSaysSo) {
  auto o = Parse({"--out", out_, "--duration", "1s", "--grace", "1s", "--", "/bin/sh", "-c",
                  "trap '' TERM; sleep 30"});
  ASSERT_TRUE(o.ok()) << o.status();
  auto r = session::RunLearnSession(*o, Fake(), false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->stop_note, "killed after the grace period (SIGTERM ignored for 1s)");
  // A workload that stops on SIGTERM gets no such note.
  auto o2 = Parse({"--out", out_, "--duration", "1s", "--grace", "5s", "--", "/bin/sleep", "30"});
  ASSERT_TRUE(o2.ok()) << o2.status();
  auto r2 = session::RunLearnSession(*o2, Fake(), false);
  ASSERT_TRUE(r2.ok()) << r2.status();
  EXPECT_EQ(r2->stop_note, "");
}

TEST_F(LearnTest, DropsAndMissingHooksMakeProfileIncomplete) {
  auto o = Parse({"--out", out_, "--", "/bin/true"});
  ASSERT_TRUE(o.ok()) << o.status();
  auto r = session::RunLearnSession(*o, Fake({.dropped = 7, .warnings = {"no cap_capable tracepoint"}}), false);
  ASSERT_TRUE(r.ok()) << r.status();
  auto p = crd::ReadWorkloadProfileFile(out_);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FALSE(p->status.complete);
  EXPECT_EQ(p->status.dropped_events, 7u);
  EXPECT_THAT(p->status.incomplete_reasons,
              ElementsAre(HasSubstr("7 events were dropped"), HasSubstr("hooks were unavailable")));
  EXPECT_THAT(p->status.warnings, ElementsAre("no cap_capable tracepoint"));
}

TEST_F(LearnTest, MissingCommandIsUserErrorAndWritesNothing) {
  EXPECT_THAT(Parse({"--out", out_, "--", "/nonexistent/cmd"}).status().message(),
              HasSubstr("cannot run '/nonexistent/cmd': no such executable"));
  EXPECT_THAT(Parse({"--out", out_, "--", "no-such-command-xyz"}).status().message(),
              HasSubstr("no such executable in PATH"));
  // Passes validation (a searchable directory) but exec() fails: reported, nothing written.
  auto o = Parse({"--out", out_, "--", dir_});
  ASSERT_TRUE(o.ok()) << o.status();
  auto r = session::RunLearnSession(*o, Fake(), false);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("cannot run '" + dir_ + "'"));
  EXPECT_FALSE(std::filesystem::exists(out_));
}

TEST_F(LearnTest, ExerciseRunsOnceListeningThenWorkloadIsStopped) {
  std::string marker = dir_ + "/exercised";
  auto o = Parse({"--out", out_, "--grace", "2s", "--exercise", "touch " + marker + "; exit 4",
                  "--", "/bin/sleep", "300"});
  ASSERT_TRUE(o.ok()) << o.status();
  auto r = session::RunLearnSession(*o, Fake({.emit_listen = true, .dropped = 0, .warnings = {}}), false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->exercise_ran);
  EXPECT_EQ(util::DescribeWaitStatus(r->exercise_wait_status), "exited with status 4");
  EXPECT_TRUE(std::filesystem::exists(marker));
  EXPECT_FALSE(r->workload_exited);
  EXPECT_EQ(util::DescribeWaitStatus(r->workload_wait_status), "killed by SIGTERM");
  auto p = crd::ReadWorkloadProfileFile(out_);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->containers[0].network.listen.size(), 1u);
  // A failed exercise: the behaviour it should have driven may be missing.
  EXPECT_TRUE(r->exercise_failed);
  EXPECT_EQ(session::LearnExitCode(*r), 1);
  EXPECT_FALSE(p->status.complete);
  EXPECT_THAT(p->status.incomplete_reasons,
              ElementsAre(HasSubstr("the exercise exited with status 4 (it failed)")));
}

TEST_F(LearnTest, ExerciseThatSucceedsKeepsTheProfileComplete) {
  auto o = Parse({"--out", out_, "--grace", "2s", "--exercise", "true", "--", "/bin/sleep",
                  "300"});
  ASSERT_TRUE(o.ok()) << o.status();
  auto r = session::RunLearnSession(*o, Fake({.emit_listen = true}), false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->exercise_failed);
  EXPECT_EQ(session::LearnExitCode(*r), 0);
  auto p = crd::ReadWorkloadProfileFile(out_);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->status.complete) << crd::EmitWorkloadProfile(*p);
}

TEST_F(LearnTest, WorkloadGoneBeforeTheExerciseIsAFailure) {
  std::string marker = dir_ + "/exercised";
  auto o = Parse({"--out", out_, "--exercise", "touch " + marker, "--", "/bin/true"});
  ASSERT_TRUE(o.ok()) << o.status();
  auto r = session::RunLearnSession(*o, Fake(), false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->exercise_ran);
  EXPECT_FALSE(std::filesystem::exists(marker));
  EXPECT_EQ(session::LearnExitCode(*r), 1);
  auto p = crd::ReadWorkloadProfileFile(out_);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FALSE(p->status.complete);
  EXPECT_THAT(p->status.incomplete_reasons,
              ElementsAre(HasSubstr("exited with status 0 before the exercise could run")));
}

TEST_F(LearnTest, OutDirectoryMustTakeNewFiles) {
  // /proc exists but no file can be created in it.
  EXPECT_THAT(Parse({"--out", "/proc/profile.yaml", "--", "true"}).status().message(),
              HasSubstr("--out /proc/profile.yaml: cannot create files in directory /proc"));
  // The probe leaves nothing behind.
  ASSERT_TRUE(Parse({"--out", out_, "--", "true"}).ok());
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
}

TEST_F(LearnTest, RepeatedSingleValueFlagIsAnError) {
  EXPECT_THAT(Parse({"--out", out_, "--out", dir_ + "/b.yaml", "--", "true"}).status().message(),
              HasSubstr("flag --out given twice"));
  EXPECT_THAT(Parse({"--out", out_, "--exercise", "a", "--exercise=b", "--", "true"})
                  .status()
                  .message(),
              HasSubstr("flag --exercise given twice"));
}

// A workload whose main process forks a daemon and exits (nginx without `daemon off`): the
// daemon is still learned until it exits, and the profile says the workload daemonized.
TEST_F(LearnTest, DaemonizedWorkloadIsLearnedUntilItsDaemonExits) {
  std::string marker = dir_ + "/daemon-done";
  // The daemon waits until the main process is gone (reaped), then finishes by itself.
  std::string script = absl::StrCat(
      "p=$$; (while kill -0 $p 2>/dev/null; do sleep 0.05; done; sleep 0.2; touch ", marker,
      ") >/dev/null 2>&1 & exit 0");
  auto o = Parse({"--out", out_, "--", "/bin/sh", "-c", script});
  ASSERT_TRUE(o.ok()) << o.status();
  auto r = session::RunLearnSession(*o, Fake(), false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->workload_exited);
  EXPECT_TRUE(std::filesystem::exists(marker)) << "the daemon was killed";
  EXPECT_EQ(session::LearnExitCode(*r), 0);
  auto p = crd::ReadWorkloadProfileFile(out_);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->status.complete);
  EXPECT_THAT(p->status.warnings,
              ElementsAre(AllOf(HasSubstr("daemonized: the main process exited with status 0"),
                                HasSubstr("Kubernetes runs the container's main process in the "
                                          "foreground; run it with its foreground option"))));
}

// With an exercise, a daemon is exercised like a foreground server, then stopped politely:
// SIGTERM to what is left once the main process is gone, SIGKILL only after the grace.
TEST_F(LearnTest, DaemonIsExercisedThenStoppedWithSigterm) {
  std::string termed = dir_ + "/termed";
  std::string exercised = dir_ + "/exercised";
  std::string script = absl::StrCat("(trap 'touch ", termed,
                                    "; exit 0' TERM; while :; do sleep 0.05; done) "
                                    ">/dev/null 2>&1 & exit 0");
  auto o = Parse({"--out", out_, "--grace", "30s", "--exercise", "touch " + exercised, "--",
                  "/bin/sh", "-c", script});
  ASSERT_TRUE(o.ok()) << o.status();
  auto r = session::RunLearnSession(*o, Fake({.emit_listen = true}), false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->exercise_ran);
  EXPECT_TRUE(std::filesystem::exists(exercised));
  EXPECT_TRUE(std::filesystem::exists(termed)) << "the daemon did not get SIGTERM";
  EXPECT_EQ(session::LearnExitCode(*r), 0);
  auto p = crd::ReadWorkloadProfileFile(out_);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(p->status.warnings, ElementsAre(HasSubstr("daemonized:")));
}

TEST_F(LearnTest, InterruptStopsWorkloadAndWritesIncompleteProfile) {
  auto o = Parse({"--out", out_, "--grace", "2s", "--", "/bin/sleep", "300"});
  ASSERT_TRUE(o.ok()) << o.status();
  FakeObserver::Script script;
  script.raise_sigint_at_poll = 3;
  struct sigaction before {};
  sigaction(SIGINT, nullptr, &before);
  auto r = session::RunLearnSession(*o, Fake(script), false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->workload_exited);
  EXPECT_EQ(util::DescribeWaitStatus(r->workload_wait_status), "killed by SIGTERM");
  auto p = crd::ReadWorkloadProfileFile(out_);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FALSE(p->status.complete);
  EXPECT_THAT(p->status.incomplete_reasons, ElementsAre(HasSubstr("interrupted by SIGINT")));
  EXPECT_EQ(r->stop_signal, SIGINT);
  EXPECT_EQ(session::LearnExitCode(*r), 130);
  // The handler is gone again: SIGINT has its previous disposition (default, or ignored when
  // the test runs as a background job).
  struct sigaction now {};
  sigaction(SIGINT, nullptr, &now);
  EXPECT_EQ(now.sa_handler, before.sa_handler);
}

// An interrupted learn takes the exercise's whole process tree with it: a background job
// the exercise's shell started does not outlive learn (re-parented to PID 1).
TEST_F(LearnTest, InterruptedExerciseLeavesNothingBehind) {
  std::string pid_file = dir_ + "/background.pid";
  auto o = Parse({"--out", out_, "--grace", "1s", "--exercise",
                  "sleep 600 & echo $! > " + pid_file + "; wait", "--", "/bin/sleep", "300"});
  ASSERT_TRUE(o.ok()) << o.status();
  FakeObserver::Script script;
  script.emit_listen = true;
  script.raise_sigint_at_poll = 40;  // well after the exercise has started its job
  auto r = session::RunLearnSession(*o, Fake(script), false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->stop_signal, SIGINT);
  auto text = util::ReadFile(pid_file);
  ASSERT_TRUE(text.ok()) << text.status();
  pid_t background = std::stoi(*text);
  ASSERT_GT(background, 0);
  // Gone, or a zombie its new parent is about to reap.
  std::string stat;
  for (int i = 0; i < 1000 && kill(background, 0) == 0; ++i) {
    stat = util::ReadFile(absl::StrCat("/proc/", background, "/stat")).value_or("");
    if (stat.find(") Z") != std::string::npos) break;
    usleep(1000);
  }
  stat = util::ReadFile(absl::StrCat("/proc/", background, "/stat")).value_or("");
  EXPECT_TRUE(stat.empty() || stat.find(") Z") != std::string::npos) << stat;
}

TEST_F(LearnTest, ObserverFailureIsReturnedAsIs) {
  auto o = Parse({"--out", out_, "--", "/bin/true"});
  ASSERT_TRUE(o.ok()) << o.status();
  auto r = session::RunLearnSession(
      *o, [] { return absl::StatusOr<std::unique_ptr<observer::Observer>>(
                   absl::FailedPreconditionError("no BTF")); },
      false);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(std::filesystem::exists(out_));
}

}  // namespace
}  // namespace minpriv::cli
