// `minpriv learn -- CMD`: the workload started, held until watched, exercised and stopped;
// daemonizing workloads learned until their daemon exits.
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "crd/profile_codec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/learn_e2e_fixture.h"
#include "tests/test_util.h"
#include "util/files.h"

namespace minpriv::learn_e2e {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;

TEST_F(LearnE2eTest, ShellWorkloadFileWritesExecsAndSyscalls) {
  std::string work = dir_ + "/work";
  ASSERT_EQ(mkdir(work.c_str(), 0755), 0);
  std::string script = absl::StrCat(
      "cd ", work, " && echo hi > rel.txt && mkdir sub && mv rel.txt sub/moved.txt && "
      "touch owned && chown 1:1 owned && /bin/true && exit 7");
  RunResult r = RunMinpriv({"learn", "--out", out_, "--name", "shell-e2e", "--", "/bin/sh",
                            "-c", script});
  // The script fails (exit 7) while it is learned: learn says so and exits 1 (ISSUE12 §4).
  crd::ContainerProfile c = Profile(r, 1);
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
  EXPECT_FALSE(last_.status.complete) << crd::EmitWorkloadProfile(last_);
  EXPECT_THAT(last_.status.incomplete_reasons,
              ::testing::ElementsAre("the workload exited with status 7 while it was learned"));
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
}  // namespace minpriv::learn_e2e
