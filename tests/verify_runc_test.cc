// End to end with the real binaries: `minpriv learn` a test service, `minpriv propose`,
// then `minpriv verify` under runc with the eBPF observer in verification mode. The
// well-behaved service verifies (exit 0); a variant that steps outside its profile fails
// (exit 3) naming each break, and what it tried to write outside its writable directories
// does not exist afterwards.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "remediator/runtime_syscalls.h"
#include "tests/test_util.h"
#include "util/files.h"

namespace minpriv {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using test::RunMinpriv;
using test::RunResult;

// A loopback listener that accepts and drops connections (the service's backend, and the
// "new peer" the misbehaving variant reaches).
class Sink {
 public:
  Sink() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    listen(fd_, 64);
    socklen_t len = sizeof(a);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      while (!stop_) {
        int c = accept(fd_, nullptr, nullptr);
        if (c < 0) break;
        char buf[64];
        (void)!read(c, buf, sizeof(buf));
        close(c);
      }
    });
  }
  ~Sink() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    thread_.join();
    close(fd_);
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class VerifyRuncTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new test::TempDir("/tmp/minpriv-verify-e2e-");
    ASSERT_FALSE(tmp_->path().empty());
    dir_ = new std::string(tmp_->path());
    ASSERT_EQ(mkdir((*dir_ + "/sidecar").c_str(), 0755), 0);
    // The service's cache directory: under /var/lib, so that the proposal mounts an emptyDir
    // exactly there (a directory under /tmp would be collapsed into a /tmp volume).
    cache_tmp_ = new test::TempDir("/var/lib/minpriv-verify-e2e-");
    ASSERT_FALSE(cache_tmp_->path().empty());
    cache_ = new std::string(cache_tmp_->path());
    backend_ = new Sink();
    port_ = test::FreeLoopbackPort();
    // Learn the well-behaved service while exercising it, then propose.
    RunResult learn = RunMinpriv(
        {"learn", "--out", *dir_ + "/profile.yaml", "--name", "vprog", "--exercise", Exercise(),
         "--ready-timeout", "20s", "--", VPROG_BINARY, "--port", std::to_string(port_), "--dir",
         *cache_, "--backend", std::to_string(backend_->port())},
        *dir_, "learn");
    ASSERT_EQ(learn.exit_code, 0) << learn.err;
    RunResult propose = RunMinpriv({"propose", "--profile", *dir_ + "/profile.yaml", "--manifest",
                                    VPROG_MANIFEST, "--out-dir", *dir_ + "/proposal"},
                                   *dir_, "propose");
    ASSERT_EQ(propose.exit_code, 0) << propose.err << propose.out;
  }
  static void TearDownTestSuite() {
    delete backend_;
    delete tmp_;
    delete cache_tmp_;
    delete dir_;
    delete cache_;
  }
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(*dir_ + "/proposal/narrowed.yaml"))
        << "learn/propose failed in SetUpTestSuite";
  }

  static std::string Exercise() {
    return absl::StrCat("for i in 1 2 3 4 5 6; do curl -sf -o /dev/null http://127.0.0.1:", port_,
                        "/ || exit 1; done");
  }
  // While verifying, the replay has its own network namespace: the backend on the host's
  // loopback is out of its reach, so the exercise brings one up in the pod's namespace first,
  // as a sidecar container sharing it would be (another vprog: it accepts and answers).
  static std::string ExerciseWithSidecar() {
    return absl::StrCat(VPROG_BINARY, " --port ", backend_->port(), " --dir ", *dir_,
                        "/sidecar & s=$!; trap 'kill $s' EXIT; sleep 0.3; ", Exercise());
  }

  RunResult Verify(const std::vector<std::string>& extra_args, const std::string& tag) {
    std::vector<std::string> args = {"verify",      "--proposal", *dir_ + "/proposal",
                                     "--profile",   *dir_ + "/profile.yaml",
                                     "--exercise",  ExerciseWithSidecar(),
                                     "--report",    absl::StrCat(*dir_, "/", tag, ".json"),
                                     "--ready-timeout", "20s",
                                     "--",          VPROG_BINARY,
                                     "--port",      std::to_string(port_),
                                     "--dir",       *cache_,
                                     "--backend",   std::to_string(backend_->port())};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    return RunMinpriv(args, *dir_, tag);
  }

  static test::TempDir* tmp_;
  static test::TempDir* cache_tmp_;
  static std::string* dir_;
  static std::string* cache_;
  static Sink* backend_;
  static int port_;
};

test::TempDir* VerifyRuncTest::tmp_ = nullptr;
test::TempDir* VerifyRuncTest::cache_tmp_ = nullptr;
std::string* VerifyRuncTest::dir_ = nullptr;
std::string* VerifyRuncTest::cache_ = nullptr;
Sink* VerifyRuncTest::backend_ = nullptr;
int VerifyRuncTest::port_ = 0;

TEST_F(VerifyRuncTest, LearnedProgramVerifies) {
  RunResult r = Verify({}, "good");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("VERIFIED"));
  auto report = util::ReadFile(*dir_ + "/good.json");
  ASSERT_TRUE(report.ok());
  EXPECT_THAT(*report, HasSubstr("\"verified\": true"));
  EXPECT_THAT(*report, HasSubstr("\"breaks\": []"));
}

TEST_F(VerifyRuncTest, MisbehavingVariantFailsWithEachReason) {
  Sink new_peer;
  const std::string forbidden = absl::StrCat("/var/lib/minpriv-vprog-forbidden-", getpid());
  unlink(forbidden.c_str());
  RunResult r = Verify({"--misbehave", "all", "--forbidden", forbidden, "--new-peer",
                        std::to_string(new_peer.port())},
                       "bad");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("BROKEN"));
  EXPECT_THAT(r.out, HasSubstr("seccomp denied sysinfo"));
  EXPECT_THAT(r.out, HasSubstr("capability missing NET_BIND_SERVICE"));
  EXPECT_THAT(r.out, HasSubstr("read-only file system: " + forbidden));
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("new network peer: egress to 127.0.0.1:",
                                            new_peer.port(), "/TCP")));
  struct stat st;
  EXPECT_NE(stat(forbidden.c_str(), &st), 0) << forbidden << " was written";
  auto report = util::ReadFile(*dir_ + "/bad.json");
  ASSERT_TRUE(report.ok());
  EXPECT_THAT(*report, HasSubstr("\"verified\": false"));
  EXPECT_THAT(*report, HasSubstr("\"kind\": \"seccomp\""));
  EXPECT_THAT(*report, HasSubstr("\"kind\": \"capability\""));
  EXPECT_THAT(*report, HasSubstr("\"kind\": \"readOnlyFileSystem\""));
  EXPECT_THAT(*report, HasSubstr("\"kind\": \"peer\""));
}

TEST_F(VerifyRuncTest, EachMisbehaviourAloneIsNamed) {
  // One reason at a time: the verdict names exactly that break.
  Sink new_peer;
  const std::string forbidden = absl::StrCat("/var/lib/minpriv-vprog-forbidden1-", getpid());
  struct Case {
    std::string what;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{
           {"syscall", "seccomp denied sysinfo"},
           {"write", "read-only file system: " + forbidden},
           {"cap", "capability missing NET_BIND_SERVICE"},
           {"peer", absl::StrCat("new network peer: egress to 127.0.0.1:", new_peer.port(), "/TCP")},
       }) {
    RunResult r = Verify({"--misbehave", c.what, "--forbidden", forbidden, "--new-peer",
                          std::to_string(new_peer.port())},
                         "one-" + c.what);
    EXPECT_EQ(r.exit_code, 3) << c.what << "\n" << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr(c.expected)) << c.what;
    // Exactly one break: the one this variant commits.
    EXPECT_THAT(r.out, HasSubstr(": 1 break(s)")) << c.what << "\n" << r.out;
  }
}

TEST_F(VerifyRuncTest, UsageErrorsExitTwo) {
  EXPECT_EQ(RunMinpriv({"verify", "--proposal", *dir_ + "/nope", "--", "/bin/true"}, *dir_, "u1")
                .exit_code,
            2);
  EXPECT_EQ(RunMinpriv({"verify", "--proposal", *dir_ + "/proposal"}, *dir_, "u2").exit_code, 2);
  EXPECT_EQ(RunMinpriv({"verify", "--bogus"}, *dir_, "u3").exit_code, 2);
  RunResult help = RunMinpriv({"verify", "--help"}, *dir_, "u4");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("3 broken"));
}

// A hand-written proposal for /bin/true: verify proves whether the container starts.
class VerifyStartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path();
    ASSERT_FALSE(dir_.empty());
    ASSERT_EQ(mkdir((dir_ + "/proposal").c_str(), 0755), 0);
    ASSERT_EQ(mkdir((dir_ + "/proposal/seccomp").c_str(), 0755), 0);
    ASSERT_TRUE(util::WriteFileAtomic(dir_ + "/proposal/narrowed.yaml", R"(apiVersion: v1
kind: Pod
metadata: {name: tiny}
spec:
  containers:
  - name: tiny
    securityContext:
      readOnlyRootFilesystem: true
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
      seccompProfile: {type: Localhost, localhostProfile: minpriv/tiny.json}
)").ok());
  }

  void WriteProfile(std::vector<std::string> allowed) {
    std::string names;
    for (const auto& n : allowed) absl::StrAppend(&names, names.empty() ? "" : ", ", "\"", n, "\"");
    ASSERT_TRUE(util::WriteFileAtomic(
                    dir_ + "/proposal/seccomp/tiny.json",
                    absl::StrCat("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [",
                                 names, "], \"action\": \"SCMP_ACT_ALLOW\"}]}\n"))
                    .ok());
  }

  // What /bin/true itself does once exec'd (glibc start-up), measured here.
  const std::vector<std::string> kTrue = {
      "access", "arch_prctl", "brk", "close", "execve", "exit_group", "getrandom", "mmap",
      "mprotect", "munmap", "newfstatat", "openat", "pread64", "prlimit64", "read", "rseq",
      "set_robust_list", "set_tid_address"};
  test::TempDir tmp_{"/tmp/minpriv-verify-start-"};
  std::string dir_;
};

TEST_F(VerifyStartTest, WithoutTheRuntimeNeedsTheContainerDoesNotStart) {
  WriteProfile(kTrue);
  RunResult r = RunMinpriv({"verify", "--proposal", dir_ + "/proposal", "--", "/bin/true"}, dir_,
                           "nostart");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("container did not start"));
  // runc's own calls after installing the filter are named: as observed, with its process
  // (the exec fifo write comes first) or, when its init died of the filter before it could
  // be watched (a Go signal handler's rt_sigreturn denied while it waits for `runc start`),
  // from what runc is known to call.
  EXPECT_THAT(r.out, HasSubstr("the profile must allow it for the container to start"));
  if (r.out.find("process runc:[2:INIT]") != std::string::npos) {
    EXPECT_THAT(r.out, HasSubstr("seccomp denied write"));
  } else {
    EXPECT_THAT(r.out, HasSubstr("seccomp denies write"));
    EXPECT_THAT(r.out, HasSubstr("seccomp denies rt_sigreturn"));
  }
}

TEST_F(VerifyStartTest, WithTheRuntimeNeedsProposeAddsItStarts) {
  std::vector<std::string> allowed = kTrue;
  const auto& runtime = remediator::RuntimeRequiredSyscalls();
  allowed.insert(allowed.end(), runtime.begin(), runtime.end());
  WriteProfile(allowed);
  RunResult r = RunMinpriv({"verify", "--proposal", dir_ + "/proposal", "--", "/bin/true"}, dir_,
                           "start");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("VERIFIED"));
}

TEST_F(VerifyStartTest, NonZeroExitIsABreakUnlessExpected) {
  std::vector<std::string> allowed = kTrue;
  const auto& runtime = remediator::RuntimeRequiredSyscalls();
  allowed.insert(allowed.end(), runtime.begin(), runtime.end());
  WriteProfile(allowed);
  RunResult r = RunMinpriv({"verify", "--proposal", dir_ + "/proposal", "--", "/bin/false"}, dir_,
                           "false");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("workload exited with status 1"));
  RunResult expected = RunMinpriv(
      {"verify", "--proposal", dir_ + "/proposal", "--expect-exit", "1", "--", "/bin/false"}, dir_,
      "false-expected");
  EXPECT_EQ(expected.exit_code, 0) << expected.out << expected.err;
}

}  // namespace
}  // namespace minpriv
