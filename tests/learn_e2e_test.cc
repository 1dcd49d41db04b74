// End to end: the real `minpriv learn` binary, the real BPF observer on this kernel, small
// shell/python workloads doing known things; the written profile is parsed with the codec.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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
#include "util/files.h"

namespace minpriv {
namespace {

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
  EXPECT_THAT(moved->ops, Contains("rename"));
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
  std::string exercise = absl::StrCat(
      "python3 -c \"import socket; c = socket.create_connection(('127.0.0.1', int(open('",
      port_file, "').read()))); assert c.recv(2) == b'ok'\"");
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
  // The exercise is not observed: its connect() is not the workload's.
  EXPECT_THAT(c.syscalls, ::testing::Not(Contains("connect")));
}

TEST_F(LearnE2eTest, ObservesAnExistingCgroupWithoutKillingIt) {
  std::string root = std::filesystem::is_directory("/sys/fs/cgroup/unified")
                         ? "/sys/fs/cgroup/unified"
                         : "/sys/fs/cgroup";
  std::string cg = absl::StrCat(root, "/minpriv-learn-e2e-", getpid());
  ASSERT_EQ(mkdir(cg.c_str(), 0755), 0);
  std::string marker = dir_ + "/ticks";
  pid_t pid = fork();
  if (pid == 0) {
    std::string procs = cg + "/cgroup.procs";
    int fd = open(procs.c_str(), O_WRONLY);
    std::string me = std::to_string(getpid());
    if (fd < 0 || write(fd, me.data(), me.size()) < 0) _exit(1);
    close(fd);
    std::string loop = absl::StrCat("while :; do echo t >> ", marker, "; sleep 0.1; done");
    execl("/bin/sh", "sh", "-c", loop.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  RunResult r = RunMinpriv({"learn", "--cgroup", cg, "--duration", "2s", "--out", out_});
  crd::ContainerProfile c = Profile(r);
  EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), 0) << "the observed workload must survive";
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  rmdir(cg.c_str());
  EXPECT_EQ(c.name, absl::StrCat("minpriv-learn-e2e-", getpid()));
  const crd::FileWrite* ticks = FindWrite(c, marker);
  ASSERT_NE(ticks, nullptr) << crd::EmitWorkloadProfile(last_);
  EXPECT_THAT(ticks->ops, Contains("write"));
  bool sleep_exec = std::any_of(c.execs.begin(), c.execs.end(), [](const crd::Exec& e) {
    return absl::EndsWith(e.path, "/sleep");
  });
  EXPECT_TRUE(sleep_exec);
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

}  // namespace
}  // namespace minpriv
