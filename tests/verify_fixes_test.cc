// `minpriv verify` end to end with the real binaries, runc and the kernel, for what a
// review found: a capability check that failed harmlessly while learning too, the learned
// profile carried in the proposal, init containers, a mistyped CMD, an unwritable --report
// destination, and SIGINT/SIGTERM during the replay.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "util/files.h"
#include "util/process.h"

namespace minpriv {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using test::RunMinpriv;
using test::RunResult;

// setpriv --clear-groups: capset() for the bounding/inheritable sets fails on SETPCAP (a
// check that fails at cap_capset while learning and under any proposal), and the program
// still works.
const std::vector<std::string> kSetpriv = {"setpriv", "--reuid", "65534", "--regid", "65534",
                                           "--clear-groups", "/bin/true"};

TEST(VerifyLearnedDenialTest, TheExactLearnedCommandVerifiesWithTheProposalsOwnProfile) {
  test::TempDir tmp("/tmp/minpriv-verify-setpriv-");
  const std::string dir = tmp.path();
  ASSERT_FALSE(dir.empty());
  std::vector<std::string> learn = {"learn", "--out", dir + "/sp.yaml", "--name", "setpriv", "--"};
  learn.insert(learn.end(), kSetpriv.begin(), kSetpriv.end());
  RunResult l = RunMinpriv(learn, dir, "learn");
  ASSERT_EQ(l.exit_code, 0) << l.out << l.err;
  std::string profile = test::ReadFileOrFail(dir + "/sp.yaml");
  // The situation under test: the learned profile records the failed check.
  ASSERT_THAT(profile, HasSubstr("callSite: cap_capset")) << profile;
  ASSERT_THAT(profile, HasSubstr("denied: true")) << profile;
  ASSERT_TRUE(util::WriteFileAtomic(dir + "/pod.yaml", R"(apiVersion: v1
kind: Pod
metadata:
  name: setpriv
spec:
  containers:
  - name: setpriv
    image: debian:12
)").ok());
  RunResult p = RunMinpriv({"propose", "--profile", dir + "/sp.yaml", "--manifest",
                            dir + "/pod.yaml", "--out-dir", dir + "/out"},
                           dir, "propose");
  ASSERT_EQ(p.exit_code, 0) << p.out << p.err;
  // The proposal carries the profile it applied.
  std::string carried = test::ReadFileOrFail(dir + "/out/profiles/setpriv.yaml");
  EXPECT_THAT(carried, HasSubstr("denied: true"));

  // Without --profile: the proposal's copy is judged against.
  std::vector<std::string> verify = {"verify", "--proposal", dir + "/out", "--report",
                                     dir + "/v.json", "--"};
  verify.insert(verify.end(), kSetpriv.begin(), kSetpriv.end());
  RunResult v = RunMinpriv(verify, dir, "verify");
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_THAT(v.out, HasSubstr("VERIFIED"));
  EXPECT_THAT(v.err, HasSubstr("not a break: capability SETPCAP failed at cap_capset"));
  std::string report = test::ReadFileOrFail(dir + "/v.json");
  EXPECT_THAT(report, HasSubstr("\"profile\": \"" + dir + "/out/profiles/setpriv.yaml\""));
  // The replay did see the failed check: it is judged, not missed.
  EXPECT_THAT(report, HasSubstr("\"callSite\": \"cap_capset\""));

  // With --profile, the same.
  std::vector<std::string> verify2 = {"verify", "--proposal", dir + "/out", "--profile",
                                      dir + "/sp.yaml", "--"};
  verify2.insert(verify2.end(), kSetpriv.begin(), kSetpriv.end());
  RunResult v2 = RunMinpriv(verify2, dir, "verify2");
  EXPECT_EQ(v2.exit_code, 0) << v2.out << v2.err;

  // A profile in which that check succeeded: the failure under the proposal is a break.
  std::string granted = profile;
  for (size_t pos; (pos = granted.find("          denied: true\n")) != std::string::npos;) {
    granted.erase(pos, std::string("          denied: true\n").size());
  }
  ASSERT_NE(granted, profile);
  ASSERT_TRUE(util::WriteFileAtomic(dir + "/granted.yaml", granted).ok());
  std::vector<std::string> verify3 = {"verify", "--proposal", dir + "/out", "--profile",
                                      dir + "/granted.yaml", "--"};
  verify3.insert(verify3.end(), kSetpriv.begin(), kSetpriv.end());
  RunResult v3 = RunMinpriv(verify3, dir, "verify3");
  EXPECT_EQ(v3.exit_code, 3) << v3.out << v3.err;
  EXPECT_THAT(v3.out, HasSubstr("capability missing SETPCAP"));
}

// A hand-written proposal: a pod with an init container and a main container, no seccomp.
class VerifyProposalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path();
    ASSERT_FALSE(dir_.empty());
    ASSERT_EQ(mkdir((dir_ + "/proposal").c_str(), 0755), 0);
    ASSERT_TRUE(util::WriteFileAtomic(dir_ + "/proposal/narrowed.yaml", R"(apiVersion: v1
kind: Pod
metadata: {name: tiny}
spec:
  initContainers:
  - name: init
    securityContext:
      readOnlyRootFilesystem: true
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
  containers:
  - name: tiny
    securityContext:
      readOnlyRootFilesystem: true
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
)").ok());
  }

  RunResult Verify(std::vector<std::string> args, const std::string& tag) {
    std::vector<std::string> all = {"verify", "--proposal", dir_ + "/proposal"};
    all.insert(all.end(), args.begin(), args.end());
    return RunMinpriv(all, dir_, tag);
  }

  test::TempDir tmp_{"/tmp/minpriv-verify-fixes-"};
  std::string dir_;
};

TEST_F(VerifyProposalTest, InitContainersAreVerifiedToRunToCompletion) {
  RunResult ok = Verify({"--container", "init", "--report", dir_ + "/init.json", "--", "/bin/true"},
                        "init-true");
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("VERIFIED: Pod/tiny container init"));
  EXPECT_THAT(test::ReadFileOrFail(dir_ + "/init.json"), HasSubstr("\"initContainer\": true"));
  RunResult fails = Verify({"--container", "init", "--", "/bin/false"}, "init-false");
  EXPECT_EQ(fails.exit_code, 3) << fails.out << fails.err;
  EXPECT_THAT(fails.out, HasSubstr("workload exited with status 1"));
  // An init container that never finishes holds the pod back: a break (a main container
  // staying up for --duration is not).
  RunResult hangs = Verify({"--container", "init", "--duration", "1s", "--grace", "1s", "--", "/bin/sleep", "60"},
                           "init-hangs");
  EXPECT_EQ(hangs.exit_code, 3) << hangs.out << hangs.err;
  EXPECT_THAT(hangs.out, HasSubstr("init container did not run to completion"));
  RunResult main_up = Verify({"--container", "tiny", "--duration", "1s", "--grace", "1s", "--", "/bin/sleep", "60"},
                             "main-up");
  EXPECT_EQ(main_up.exit_code, 0) << main_up.out << main_up.err;
}

TEST_F(VerifyProposalTest, MistypedCommandIsAUsageErrorBeforeRunc) {
  for (const std::string& cmd : {std::string("/nonexistent"), std::string("no-such-tool-xyz")}) {
    RunResult r = Verify({"--container", "tiny", "--", cmd}, "typo");
    EXPECT_EQ(r.exit_code, 2) << cmd << "\n" << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr("no such executable")) << cmd;
    EXPECT_THAT(r.out + r.err, Not(HasSubstr("runtime rejected"))) << cmd;
    EXPECT_THAT(r.out, Not(HasSubstr("BROKEN"))) << cmd;
  }
  // A bare name found in the container's PATH runs.
  RunResult bare = Verify({"--container", "tiny", "--", "true"}, "bare");
  EXPECT_EQ(bare.exit_code, 0) << bare.out << bare.err;
}

TEST_F(VerifyProposalTest, UnwritableReportDestinationIsAUsageErrorBeforeTheReplay) {
  for (const std::string& report :
       {dir_ + "/missing/r.json", std::string("/proc/minpriv-r.json"), dir_}) {
    RunResult r = Verify({"--container", "tiny", "--report", report, "--", "/bin/true"}, "report");
    EXPECT_EQ(r.exit_code, 2) << report << "\n" << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr("--report")) << report;
    EXPECT_THAT(r.out, Not(HasSubstr("verifying"))) << report << ": the replay ran";
  }
}

// Runs verify, interrupts it with `sig` once the replay is under way; `*verify_pid` gets its
// pid (its runc container is "minpriv-verify-<pid>").
RunResult InterruptVerify(const std::string& dir, int sig, pid_t* verify_pid = nullptr) {
  RunResult result;
  const std::string tag = absl::StrCat("interrupt-", sig);
  util::Process verify = test::StartBinary(
      MINPRIV_BINARY,
      {"verify", "--proposal", dir + "/proposal", "--container", "tiny", "--grace", "1s", "--",
       "/bin/sleep", "600"},
      dir, tag, /*merge_stderr=*/true);
  if (verify.pid() <= 0) return result;
  if (verify_pid != nullptr) *verify_pid = verify.pid();
  const std::string out_path = dir + "/" + tag + ".stdout";
  bool signalled = false;
  while (!verify.Poll()) {
    // The replay has begun (signal handling is in place) once verify says so.
    if (!signalled &&
        util::ReadFile(out_path).value_or("").find("verifying Pod/tiny") != std::string::npos) {
      verify.Signal(sig);
      signalled = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  result.exit_code = util::ExitCodeOf(verify.wait_status());
  result.out = util::ReadFile(out_path).value_or("");
  return result;
}

TEST_F(VerifyProposalTest, InterruptedReplayCleansUpAndExits128PlusSignal) {
  pid_t first = 0, second = 0;
  RunResult i = InterruptVerify(dir_, SIGINT, &first);
  EXPECT_EQ(i.exit_code, 130) << i.out;
  EXPECT_THAT(i.out, HasSubstr("interrupted by SIGINT"));
  EXPECT_THAT(i.out, Not(HasSubstr("BROKEN")));
  RunResult t = InterruptVerify(dir_, SIGTERM, &second);
  EXPECT_EQ(t.exit_code, 143) << t.out;
  EXPECT_THAT(t.out, HasSubstr("interrupted by SIGTERM"));
  // No container is left behind.
  RunResult list = test::RunBinary("/usr/sbin/runc", {"list", "-q"}, dir_, "runc-list");
  EXPECT_EQ(list.exit_code, 0) << list.err;
  ASSERT_GT(first, 0);
  ASSERT_GT(second, 0);
  EXPECT_THAT(list.out, Not(HasSubstr(absl::StrCat("minpriv-verify-", first, "\n"))));
  EXPECT_THAT(list.out, Not(HasSubstr(absl::StrCat("minpriv-verify-", second, "\n"))));
}

// A workload that modifies a file it did not create gets the file's directory as an emptyDir
// seeded from the image (an empty one would hide the file). Under verify its write lands in the replay's overlay layer, whose copy-up
// checks capabilities with the credentials of the overlay's mounter: those are not the
// container's capabilities, and not breaks.
TEST(VerifyWritableRootTest, ModifyingAFileOfTheImageIsNoCapabilityBreak) {
  test::TempDir tmp("/tmp/minpriv-verify-cow-");
  const std::string dir = tmp.path();
  ASSERT_FALSE(dir.empty());
  test::TempDir state_dir("/var/lib/minpriv-verify-cow-");
  const std::string state = state_dir.path();
  ASSERT_FALSE(state.empty());
  chmod(dir.c_str(), 0755);
  chmod(state.c_str(), 0755);
  const std::string data = state + "/data.txt";
  ASSERT_TRUE(util::WriteFileAtomic(data, "seed\n").ok());
  chmod(data.c_str(), 0644);
  const std::string manifest = dir + "/pod.yaml";
  ASSERT_TRUE(util::WriteFileAtomic(manifest,
                                    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: appender\n"
                                    "spec:\n  containers:\n  - name: appender\n    image: debian:12\n")
                  .ok());
  // Appends without O_CREAT: the file was there before the workload.
  const std::vector<std::string> cmd = {
      "/bin/sh", "-c",
      absl::StrCat("printf 'more\\n' | dd of=", data,
                   " oflag=append conv=notrunc,nocreat status=none && exec sleep 60")};
  std::string learned;
  test::LoopResult loop = test::LearnProposeVerify(
      dir, "appender", cmd, "true", manifest, [&] { learned = util::ReadFile(data).value_or(""); });
  ASSERT_EQ(loop.learn.exit_code, 0) << loop.learn.err;
  ASSERT_EQ(learned, "seed\nmore\n");
  ASSERT_EQ(loop.propose.exit_code, 0) << loop.propose.err;
  const std::string report = util::ReadFile(dir + "/proposal/report.md").value_or("");
  // The profile lists what the image ships there (fileSystemUse): the directory gets an
  // emptyDir seeded from the image, which the replay seeds too (verifier/seed_replay.h).
  EXPECT_THAT(report, HasSubstr(absl::StrCat("`", data, "` (in the image, modified: write)")));
  EXPECT_THAT(util::ReadFile(dir + "/proposal/narrowed.yaml").value_or(""),
              HasSubstr(absl::StrCat("command: [cp, -a, ", state, "/., /seed/]")));
  EXPECT_EQ(loop.verify.exit_code, 0) << loop.verify.out << loop.verify.err;
  EXPECT_THAT(loop.verify.out, HasSubstr("VERIFIED"));
  EXPECT_THAT(loop.verify.out, Not(HasSubstr("capability missing")));
  // The replay's append went to its throw-away layer.
  EXPECT_EQ(util::ReadFile(data).value_or(""), "seed\nmore\n");
}

}  // namespace
}  // namespace minpriv
