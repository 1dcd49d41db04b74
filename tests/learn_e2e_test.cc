// End to end: the real `minpriv learn` binary, the real BPF observer on this kernel, small
// shell/python workloads doing known things; the written profile is parsed with the codec.
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "crd/profile_codec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "util/cgroup.h"
#include "util/files.h"

namespace minpriv {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using test::RunResult;

class LearnE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path();
    ASSERT_FALSE(dir_.empty());
    out_ = dir_ + "/profile.yaml";
  }

  // `minpriv ARGS...`, its output captured in the test's directory.
  RunResult RunMinpriv(const std::vector<std::string>& args) {
    return test::RunMinpriv(args, dir_, "minpriv");
  }

  crd::ContainerProfile Profile(const RunResult& r) {
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto p = crd::ReadWorkloadProfileFile(out_);
    EXPECT_TRUE(p.ok()) << p.status();
    if (!p.ok() || p->containers.size() != 1) {
      ADD_FAILURE() << "no single-container profile\n" << r.err;
      return {};
    }
    last_ = *p;
    return p->containers[0];
  }

  // Forks `sh -c LOOP` in cgroup `cg` (moved there before it execs).
  static pid_t StartShellIn(const std::string& cg, const std::string& loop) {
    pid_t pid = fork();
    if (pid == 0) {
      std::string procs = cg + "/cgroup.procs";
      int fd = open(procs.c_str(), O_WRONLY);
      std::string me = std::to_string(getpid());
      if (fd < 0 || write(fd, me.data(), me.size()) < 0) _exit(1);
      close(fd);
      execl("/bin/sh", "sh", "-c", loop.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    return pid;
  }

  const crd::FileWrite* FindWrite(const crd::ContainerProfile& c, const std::string& path) {
    for (const auto& f : c.file_writes) {
      if (f.path == path) return &f;
    }
    return nullptr;
  }

  test::TempDir tmp_{"/tmp/minpriv-learn-e2e-"};
  std::string dir_, out_;
  crd::WorkloadProfile last_;
};

TEST_F(LearnE2eTest, ShellWorkloadFileWritesExecsAndSyscalls) {
  std::string work = dir_ + "/work";
  ASSERT_EQ(mkdir(work.c_str(), 0755), 0);
  std::string script = absl::StrCat(
      "cd ", work, " && echo hi > rel.txt && mkdir sub && mv rel.txt sub/moved.txt && "
      "touch owned && chown 1:1 owned && /bin/true && exit 7");
  RunResult r = RunMinpriv({"learn", "--out", out_, "--name", "shell-e2e", "--", "/bin/sh",
                            "-c", script});
  crd::ContainerProfile c = Profile(r);
  EXPECT_THAT(r.err, HasSubstr("exited with status 7"));
  EXPECT_EQ(last_.name, "shell-e2e");
  EXPECT_EQ(c.name, "shell-e2e");
  // The dynamic loader's and the shell's first syscalls are seen: the workload was held
  // until watched.
  EXPECT_THAT(c.syscalls, Contains("execve"));
  EXPECT_THAT(c.syscalls, Contains("mkdir"));
  EXPECT_THAT(c.syscalls, Contains("renameat2"));  // coreutils mv
  const crd::FileWrite* rel = FindWrite(c, work + "/rel.txt");
  ASSERT_NE(rel, nullptr) << crd::EmitWorkloadProfile(last_);
  EXPECT_THAT(rel->ops, Contains("create"));
  EXPECT_THAT(rel->ops, Contains("rename"));
  const crd::FileWrite* sub = FindWrite(c, work + "/sub");
  ASSERT_NE(sub, nullptr);
  EXPECT_THAT(sub->ops, Contains("mkdir"));
  const crd::FileWrite* moved = FindWrite(c, work + "/sub/moved.txt");
  ASSERT_NE(moved, nullptr);
  EXPECT_THAT(moved->ops, Contains("replace"));  // the target of mv
  EXPECT_THAT(moved->ops, ::testing::Not(Contains("rename")));
  bool true_exec = std::any_of(c.execs.begin(), c.execs.end(), [](const crd::Exec& e) {
    return absl::EndsWith(e.path, "/true");
  });
  EXPECT_TRUE(true_exec) << crd::EmitWorkloadProfile(last_);
  EXPECT_THAT(c.users, Contains(crd::User{0, 0}));
  // chown to another owner needs CHOWN; the CAP_SYS_ADMIN probes of every mmap/fork are not
  // needs.
  EXPECT_THAT(c.capabilities, Contains("CHOWN")) << crd::EmitWorkloadProfile(last_);
  EXPECT_THAT(c.capabilities, ::testing::Not(Contains("SYS_ADMIN")));
  // minpriv's own writes (its stdout/stderr files here, the profile) are not the workload's.
  EXPECT_EQ(FindWrite(c, dir_ + "/stdout"), nullptr);
  for (const auto& f : c.file_writes) EXPECT_FALSE(absl::StrContains(f.path, "profile.yaml"));
  EXPECT_FALSE(last_.status.window.start.empty());
  EXPECT_TRUE(last_.status.complete) << crd::EmitWorkloadProfile(last_);
}

TEST_F(LearnE2eTest, ExerciseDrivesAListeningServer) {
  std::string port_file = dir_ + "/port";
  std::string server = absl::StrCat(
      "import socket\n"
      "s = socket.socket()\n"
      "s.bind(('127.0.0.1', 0))\n"
      "s.listen(4)\n"
      "open('", port_file, ".tmp', 'w').write(str(s.getsockname()[1]))\n"
      "import os; os.rename('", port_file, ".tmp', '", port_file, "')\n"
      "while True:\n"
      "    c, _ = s.accept(); c.sendall(b'ok'); c.close()\n");
  // The exercise also leaves a mark on disk that the workload never makes.
  std::string exercise_mark = dir_ + "/exercised";
  // The server writes its port file just after listen(): wait for it (a loaded machine).
  std::string exercise = absl::StrCat(
      "for i in $(seq 100); do [ -s ", port_file, " ] && break; sleep 0.05; done; "
      "python3 -c \"import socket; c = socket.create_connection(('127.0.0.1', int(open('",
      port_file, "').read()))); assert c.recv(2) == b'ok'\" && touch ", exercise_mark);
  RunResult r = RunMinpriv({"learn", "--out", out_, "--grace", "2s", "--exercise", exercise,
                            "--", "python3", "-c", server});
  crd::ContainerProfile c = Profile(r);
  EXPECT_THAT(r.err, HasSubstr("exercise exited with status 0"));
  auto port_text = util::ReadFile(port_file);
  ASSERT_TRUE(port_text.ok());
  uint32_t port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(*port_text, &port));
  EXPECT_EQ(last_.name, "python3");
  bool listened = std::any_of(c.network.listen.begin(), c.network.listen.end(),
                              [&](const crd::ListenPort& l) {
                                return l.port == port && l.protocol == "TCP";
                              });
  EXPECT_TRUE(listened) << crd::EmitWorkloadProfile(last_);
  bool accepted = std::any_of(c.network.ingress.begin(), c.network.ingress.end(),
                              [&](const crd::Peer& p) {
                                return p.ip == "127.0.0.1" && p.port == port;
                              });
  EXPECT_TRUE(accepted) << crd::EmitWorkloadProfile(last_);
  EXPECT_THAT(c.syscalls, Contains("accept4"));
  // The exercise is not observed: its connection to the server is not the workload's egress,
  // and its file is not the workload's write. (The workload's own syscalls may include
  // connect: without HOME, Python's start-up asks nscd over a unix socket.)
  ASSERT_TRUE(util::ReadFile(exercise_mark).ok());
  for (const crd::Peer& p : c.network.egress) EXPECT_NE(p.port, port) << p.ip;
  EXPECT_EQ(FindWrite(c, exercise_mark), nullptr) << crd::EmitWorkloadProfile(last_);
}

TEST_F(LearnE2eTest, ObservesAnExistingCgroupWithoutKillingIt) {
  // Removed (with whatever the loop left running, e.g. its sleep) when the test ends.
  auto scoped = util::ScopedCgroup::Create(absl::StrCat("minpriv-learn-e2e-", getpid()));
  ASSERT_TRUE(scoped.ok()) << scoped.status();
  const std::string cg = scoped->path();
  std::string marker = dir_ + "/ticks";
  // The loop's `sleep` outlives a killed shell; as a subreaper this test reaps it, so no
  // zombie keeps the cgroup busy.
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  pid_t pid = StartShellIn(cg, absl::StrCat("while :; do echo t >> ", marker, "; sleep 0.1; done"));
  RunResult r = RunMinpriv({"learn", "--cgroup", cg, "--duration", "2s", "--out", out_});
  crd::ContainerProfile c = Profile(r);
  EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), 0) << "the observed workload must survive";
  kill(pid, SIGKILL);
  while (waitpid(-1, nullptr, 0) > 0) {  // the shell, then its orphaned sleep
  }
  prctl(PR_SET_CHILD_SUBREAPER, 0);
  EXPECT_EQ(c.name, absl::StrCat("minpriv-learn-e2e-", getpid()));
  const crd::FileWrite* ticks = FindWrite(c, marker);
  ASSERT_NE(ticks, nullptr) << crd::EmitWorkloadProfile(last_);
  EXPECT_THAT(ticks->ops, Contains("write"));
  bool sleep_exec = std::any_of(c.execs.begin(), c.execs.end(), [](const crd::Exec& e) {
    return absl::EndsWith(e.path, "/sleep");
  });
  EXPECT_TRUE(sleep_exec);
}

TEST_F(LearnE2eTest, APodsContainersAreLearnedEachInItsOwnCgroup) {
  // A pod cgroup with a cgroup per container, as the kubelet makes them.
  auto pod = util::ScopedCgroup::Create(absl::StrCat("minpriv-learn-pod-", getpid()));
  ASSERT_TRUE(pod.ok()) << pod.status();
  auto web = util::ScopedCgroup::Create(absl::StrCat("minpriv-learn-pod-", getpid(), "/web"));
  ASSERT_TRUE(web.ok()) << web.status();
  auto sidecar =
      util::ScopedCgroup::Create(absl::StrCat("minpriv-learn-pod-", getpid(), "/sidecar"));
  ASSERT_TRUE(sidecar.ok()) << sidecar.status();
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  const std::string web_log = dir_ + "/web.log", sidecar_log = dir_ + "/sidecar.log";
  pid_t w = StartShellIn(web->path(), absl::StrCat("while :; do echo w >> ", web_log, "; sleep 0.1; done"));
  pid_t s = StartShellIn(sidecar->path(),
                     absl::StrCat("while :; do touch ", sidecar_log, "; sleep 0.1; done"));
  RunResult r = RunMinpriv({"learn", "--name", "shop", "--container", "web=" + web->path(),
                            "--container", "sidecar=" + sidecar->path(), "--duration", "2s",
                            "--out", out_});
  EXPECT_EQ(waitpid(w, nullptr, WNOHANG), 0) << "the observed containers must survive";
  EXPECT_EQ(waitpid(s, nullptr, WNOHANG), 0);
  kill(w, SIGKILL);
  kill(s, SIGKILL);
  while (waitpid(-1, nullptr, 0) > 0) {  // the shells, then their orphaned sleeps
  }
  prctl(PR_SET_CHILD_SUBREAPER, 0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto p = crd::ReadWorkloadProfileFile(out_);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->name, "shop");
  ASSERT_EQ(p->containers.size(), 2u) << crd::EmitWorkloadProfile(*p);
  // Sorted by name: sidecar, web; each has its own writes and not the other's.
  EXPECT_EQ(p->containers[0].name, "sidecar");
  EXPECT_EQ(p->containers[1].name, "web");
  EXPECT_NE(FindWrite(p->containers[0], sidecar_log), nullptr) << crd::EmitWorkloadProfile(*p);
  EXPECT_EQ(FindWrite(p->containers[0], web_log), nullptr);
  EXPECT_NE(FindWrite(p->containers[1], web_log), nullptr);
  EXPECT_EQ(FindWrite(p->containers[1], sidecar_log), nullptr);
  bool touch = std::any_of(p->containers[0].execs.begin(), p->containers[0].execs.end(),
                           [](const crd::Exec& e) { return absl::EndsWith(e.path, "/touch"); });
  EXPECT_TRUE(touch);
  EXPECT_TRUE(p->status.complete) << crd::EmitWorkloadProfile(*p);
}

TEST_F(LearnE2eTest, ContainerFlagsAreCheckedBeforeAnythingRuns) {
  auto a = util::ScopedCgroup::Create(absl::StrCat("minpriv-learn-flags-", getpid()));
  ASSERT_TRUE(a.ok()) << a.status();
  auto b = util::ScopedCgroup::Create(absl::StrCat("minpriv-learn-flags-", getpid(), "/b"));
  ASSERT_TRUE(b.ok()) << b.status();
  struct Case {
    std::vector<std::string> args;
    std::string says;
  } cases[] = {
      {{"--container", "web"}, "expected NAME=PATH"},
      {{"--container", "web=" + a->path()}, "--container needs --name WORKLOAD"},
      {{"--container", "Web=" + a->path(), "--name", "p"}, "not a valid container name"},
      {{"--container", "x=" + a->path(), "--container", "x=" + b->path(), "--name", "p"},
       "is given twice"},
      {{"--container", "x=" + a->path(), "--container", "y=" + b->path(), "--name", "p"},
       "cgroups nest"},
      {{"--container", "x=" + a->path(), "--container", "y=" + a->path(), "--name", "p"},
       "is given for two containers"},
      {{"--container", "x=/nonexistent", "--name", "p"}, "--container x=/nonexistent"},
      {{"--container", "x=" + a->path(), "--cgroup", a->path(), "--name", "p"},
       "--container excludes --cgroup"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"learn", "--out", out_, "--duration", "1s"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    RunResult r = RunMinpriv(args);
    EXPECT_EQ(r.exit_code, 2) << c.says << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.says));
    EXPECT_FALSE(std::filesystem::exists(out_)) << c.says;
  }
}

TEST_F(LearnE2eTest, BadFlagsExitTwoWithoutOutput) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"learn", "--out", out_},
           {"learn", "--out", out_, "--duration", "forever", "--", "true"},
           {"learn", "--out", out_, "--frobnicate", "--", "true"},
           {"learn", "--cgroup", "/nonexistent", "--duration", "1s", "--out", out_},
           {"learn", "--out", out_, "--", "/nonexistent/workload"},
       }) {
    RunResult r = RunMinpriv(args);
    EXPECT_EQ(r.exit_code, 2) << args[2] << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr("minpriv learn: "));
    EXPECT_FALSE(std::filesystem::exists(out_)) << args[2];
  }
}

// ---- the command line's contract: checks before the window, exit codes, flags ----

// `minpriv ARGS...` started in the background, its output in DIR/TAG.{stdout,stderr}.
pid_t StartMinpriv(const std::vector<std::string>& args, const std::string& dir,
                   const std::string& tag) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(MINPRIV_BINARY));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::string out = dir + "/" + tag + ".stdout", err = dir + "/" + tag + ".stderr";
  pid_t pid = fork();
  if (pid == 0) {
    int in = open("/dev/null", O_RDONLY);
    int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(in, 0);
    dup2(o, 1);
    dup2(e, 2);
    execv(MINPRIV_BINARY, argv.data());
    _exit(127);
  }
  return pid;
}

int ExitCodeOf(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A read-only file system mounted on DIR for the scope (root only, as the tests run).
class ReadOnlyMount {
 public:
  explicit ReadOnlyMount(const std::string& dir) : dir_(dir) {
    mkdir(dir.c_str(), 0755);
    ok_ = mount("tmpfs", dir.c_str(), "tmpfs", MS_RDONLY, "size=1m") == 0;
  }
  ~ReadOnlyMount() {
    if (ok_) umount2(dir_.c_str(), MNT_DETACH);
  }
  bool ok() const { return ok_; }

 private:
  std::string dir_;
  bool ok_ = false;
};

TEST_F(LearnE2eTest, UnwritableOutDirectoryExitsTwoBeforeTheWorkloadRuns) {
  std::string ro = dir_ + "/ro";
  ReadOnlyMount mounted(ro);
  ASSERT_TRUE(mounted.ok()) << strerror(errno);
  std::string ran = dir_ + "/ran";
  for (const std::string& out : {ro + "/profile.yaml", dir_ + "/missing/profile.yaml"}) {
    RunResult r = RunMinpriv({"learn", "--out", out, "--duration", "1h", "--", "/bin/sh", "-c",
                              "touch " + ran + "; sleep 3600"});
    EXPECT_EQ(r.exit_code, 2) << out << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr("minpriv learn: --out " + out));
    EXPECT_FALSE(std::filesystem::exists(ran)) << "the workload ran for " << out;
  }
  RunResult r = RunMinpriv({"learn", "--out", ro + "/profile.yaml", "--", "true"});
  EXPECT_THAT(r.err, HasSubstr("cannot create files in directory " + ro +
                               " (Read-only file system); choose a writable directory"));
}

TEST_F(LearnE2eTest, FailedExerciseWritesAnIncompleteProfileAndExitsOne) {
  RunResult r = RunMinpriv({"learn", "--out", out_, "--grace", "2s", "--exercise", "exit 7", "--",
                            "/bin/sleep", "3600"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("exercise exited with status 7"));
  auto p = crd::ReadWorkloadProfileFile(out_);
  ASSERT_TRUE(p.ok()) << p.status() << "\n" << r.err;
  EXPECT_FALSE(p->status.complete) << crd::EmitWorkloadProfile(*p);
  EXPECT_THAT(p->status.incomplete_reasons,
              Contains(HasSubstr("the exercise exited with status 7 (it failed); behaviour it "
                                 "should have triggered may be missing")));
  ASSERT_EQ(p->containers.size(), 1u);
  EXPECT_THAT(p->containers[0].syscalls, Contains("execve"));  // what was learned is kept
}

TEST_F(LearnE2eTest, InterruptedLearningExits130ForSigintAnd143ForSigterm) {
  for (int sig : {SIGINT, SIGTERM}) {
    std::string started = absl::StrCat(dir_, "/started-", sig);
    std::string out = absl::StrCat(dir_, "/profile-", sig, ".yaml");
    pid_t pid = StartMinpriv({"learn", "--out", out, "--grace", "2s", "--", "/bin/sh", "-c",
                              "touch " + started + "; exec sleep 3600"},
                             dir_, absl::StrCat("sig", sig));
    ASSERT_GT(pid, 0);
    // Learning is under way once the held workload has run.
    int status = 0;
    bool exited = false;
    while (!std::filesystem::exists(started)) {
      if (waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        break;
      }
      usleep(10000);
    }
    ASSERT_FALSE(exited) << "learn ended by itself: " << ExitCodeOf(status);
    kill(pid, sig);
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    std::string err = util::ReadFile(absl::StrCat(dir_, "/sig", sig, ".stderr")).value_or("");
    EXPECT_EQ(ExitCodeOf(status), 128 + sig) << err;
    auto p = crd::ReadWorkloadProfileFile(out);
    ASSERT_TRUE(p.ok()) << p.status() << "\n" << err;
    EXPECT_FALSE(p->status.complete);
    EXPECT_THAT(p->status.incomplete_reasons,
                Contains(HasSubstr(absl::StrCat("learning was interrupted by ",
                                                sig == SIGINT ? "SIGINT" : "SIGTERM"))));
  }
}

TEST_F(LearnE2eTest, SingleValueFlagsGivenTwiceExitTwo) {
  std::string a = dir_ + "/a.yaml", b = dir_ + "/b.yaml";
  struct Case {
    std::vector<std::string> args;
    std::string flag;
  };
  for (const Case& c : std::vector<Case>{
           {{"learn", "--out", a, "--out", b, "--", "true"}, "--out"},
           {{"learn", "--out", a, "--duration", "1s", "--duration=2s", "--", "true"},
            "--duration"},
           {{"propose", "--profile", a, "--manifest", b, "--out-dir", dir_ + "/o2", "--out-dir",
             dir_ + "/o3"},
            "--out-dir"},
           {{"propose", "--profile", a, "--manifest", b, "--inventory", a, "--inventory", b,
             "--out-dir", dir_ + "/o4"},
            "--inventory"},
           {{"verify", "--proposal", dir_ + "/x", "--proposal", dir_ + "/y", "--workload", "w",
             "--", "true"},
            "--proposal"},
       }) {
    RunResult r = RunMinpriv(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args[0] << " " << c.flag << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr(absl::StrCat("minpriv ", c.args[0], ": flag ", c.flag,
                                              " given twice")));
  }
  for (const std::string& path : {a, b, dir_ + "/o2", dir_ + "/o3", dir_ + "/o4"}) {
    EXPECT_FALSE(std::filesystem::exists(path)) << path;
  }
}

// propose: --profile and --manifest repeat; an incomplete profile is called out on stderr
// (not only in report.md), and the exit status stays 0.
TEST_F(LearnE2eTest, ProposeWarnsOnStderrAboutAnIncompleteProfile) {
  auto write_profile = [&](const std::string& name, bool complete) {
    crd::WorkloadProfile p;
    p.name = name;
    crd::ContainerProfile c;
    c.name = name;
    c.syscalls = {"accept4", "exit_group", "read", "write"};
    p.containers.push_back(c);
    p.status.window = {"2026-11-28T10:00:00.000Z", "2026-11-28T10:01:00.000Z"};
    p.status.complete = complete;
    if (!complete) {
      p.status.incomplete_reasons = {
          "the exercise exited with status 7 (it failed); behaviour it should have triggered "
          "may be missing"};
    }
    std::string path = absl::StrCat(dir_, "/", name, "-profile.yaml");
    EXPECT_TRUE(util::WriteFileAtomic(path, crd::EmitWorkloadProfile(p)).ok());
    return path;
  };
  auto write_manifest = [&](const std::string& name) {
    std::string path = absl::StrCat(dir_, "/", name, "-deploy.yaml");
    EXPECT_TRUE(util::WriteFileAtomic(
                    path, absl::StrCat("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
                                       "  name: ", name, "\nspec:\n  selector:\n"
                                       "    matchLabels: {app: ", name, "}\n  template:\n"
                                       "    metadata:\n      labels: {app: ", name, "}\n"
                                       "    spec:\n      containers:\n        - name: ", name,
                                       "\n          image: registry.example/", name, ":1\n"))
                    .ok());
    return path;
  };
  std::string web = write_profile("web", false), api = write_profile("api", true);
  std::string web_m = write_manifest("web"), api_m = write_manifest("api");
  RunResult r = RunMinpriv({"propose", "--profile", web, "--profile", api, "--manifest", web_m,
                            "--manifest", api_m, "--out-dir", dir_ + "/proposal"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr(absl::StrCat("minpriv propose: warning: ", web,
                                            ": profile 'web' is incomplete (the exercise exited "
                                            "with status 7 (it failed)")));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr(api)));
  EXPECT_THAT(r.out, HasSubstr("2 workload(s)"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/proposal/report.md"));
}

// A workload whose main process forks a daemon and exits: without --exercise/--duration,
// learning goes on while the daemon runs, and the profile says it daemonized.
TEST_F(LearnE2eTest, DaemonizedWorkloadIsLearnedUntilTheDaemonExits) {
  std::string late = dir_ + "/late.txt";
  // The daemon does its work only once the main process is gone (and reaped), a little
  // later: killed when the main process goes, it would never write.
  std::string script = absl::StrCat(
      "p=$$; (while kill -0 $p 2>/dev/null; do sleep 0.05; done; sleep 0.2; echo late > ", late,
      ") >/dev/null 2>&1 & exit 0");
  RunResult r = RunMinpriv({"learn", "--out", out_, "--", "/bin/sh", "-c", script});
  crd::ContainerProfile c = Profile(r);
  // The daemon subshell may have a `sleep` child at that moment: one or two processes.
  EXPECT_THAT(r.err, ::testing::ContainsRegex("and [12] process(es)? remains? in the "
                                              "workload's cgroup \\(daemonized\\?\\)"));
  EXPECT_TRUE(std::filesystem::exists(late)) << "the daemon was killed\n" << r.err;
  const crd::FileWrite* w = FindWrite(c, late);
  ASSERT_NE(w, nullptr) << crd::EmitWorkloadProfile(last_);
  EXPECT_THAT(w->ops, Contains("create"));
  EXPECT_TRUE(last_.status.complete);
  EXPECT_THAT(last_.status.warnings,
              Contains(AllOf(HasSubstr("daemonized: the main process exited with status 0"),
                             HasSubstr("Kubernetes runs the container's main process in the "
                                       "foreground; run it with its foreground option"))));
}

// nginx without `daemon off`: the exercise reaches the daemonized master's listener, and
// stopping sends SIGTERM to what is left (nginx then removes its pid file) instead of
// SIGKILL.
TEST_F(LearnE2eTest, DaemonizingNginxIsExercisedAndStoppedWithSigterm) {
  int port = test::FreeLoopbackPort();
  ASSERT_GT(port, 0);
  std::string pid_file = dir_ + "/nginx.pid";
  std::string conf = dir_ + "/nginx.conf";
  ASSERT_TRUE(util::WriteFileAtomic(
                  conf, absl::StrCat("worker_processes 2;\npid ", pid_file, ";\nerror_log ",
                                     dir_, "/error.log;\nevents {}\nhttp {\n  access_log ", dir_,
                                     "/access.log;\n  client_body_temp_path ", dir_,
                                     "/body;\n  proxy_temp_path ", dir_,
                                     "/proxy;\n  fastcgi_temp_path ", dir_,
                                     "/fastcgi;\n  uwsgi_temp_path ", dir_,
                                     "/uwsgi;\n  scgi_temp_path ", dir_,
                                     "/scgi;\n  server {\n    listen 127.0.0.1:", port,
                                     ";\n    return 200 \"ok\\n\";\n  }\n}\n"))
                  .ok());
  std::string exercise = absl::StrCat(
      "python3 -c \"import socket; c = socket.create_connection(('127.0.0.1', ", port,
      ")); c.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n'); r = c.recv(100); "
      "assert r.startswith(b'HTTP/1.1 200'), r\"");
  RunResult r = RunMinpriv({"learn", "--out", out_, "--grace", "20s", "--exercise", exercise,
                            "--", "/usr/sbin/nginx", "-p", dir_, "-e", dir_ + "/error.log", "-c", conf});
  crd::ContainerProfile c = Profile(r);
  EXPECT_THAT(r.err, HasSubstr("(daemonized?)"));
  EXPECT_THAT(r.err, HasSubstr("exercise exited with status 0"));
  bool listened = std::any_of(c.network.listen.begin(), c.network.listen.end(),
                              [&](const crd::ListenPort& l) { return l.port == uint32_t(port); });
  EXPECT_TRUE(listened) << crd::EmitWorkloadProfile(last_);
  EXPECT_THAT(c.syscalls, Contains("accept4"));
  EXPECT_TRUE(last_.status.complete) << crd::EmitWorkloadProfile(last_);
  EXPECT_THAT(last_.status.warnings, Contains(HasSubstr("daemonized:")));
  // nginx removes its pid file when it exits on SIGTERM; a SIGKILL leaves it behind.
  EXPECT_FALSE(std::filesystem::exists(pid_file))
      << "nginx was killed instead of stopped\n" << r.err;
}

}  // namespace
}  // namespace minpriv
