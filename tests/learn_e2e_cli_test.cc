// The command line's contract of learn (and propose): checks before the window, exit
// codes, interrupts, flags given twice, warnings on stderr.
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crd/profile_codec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/learn_e2e_fixture.h"
#include "tests/test_util.h"
#include "util/files.h"
#include "util/process.h"

namespace minpriv::learn_e2e {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

// `minpriv ARGS...` started in the background, its output in DIR/TAG.{stdout,stderr}.
util::Process StartMinpriv(const std::vector<std::string>& args, const std::string& dir,
                           const std::string& tag) {
  return test::StartBinary(MINPRIV_BINARY, args, dir, tag);
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
    util::Process learn =
        StartMinpriv({"learn", "--out", out, "--grace", "2s", "--", "/bin/sh", "-c",
                      "touch " + started + "; exec sleep 3600"},
                     dir_, absl::StrCat("sig", sig));
    ASSERT_GT(learn.pid(), 0);
    // Learning is under way once the held workload has run.
    bool exited = false;
    while (!std::filesystem::exists(started)) {
      if (learn.Poll()) {
        exited = true;
        break;
      }
      usleep(10000);
    }
    ASSERT_FALSE(exited) << "learn ended by itself: " << util::ExitCodeOf(learn.wait_status());
    learn.Signal(sig);
    const int status = learn.Wait();
    std::string err = util::ReadFile(absl::StrCat(dir_, "/sig", sig, ".stderr")).value_or("");
    EXPECT_EQ(util::ExitCodeOf(status), 128 + sig) << err;
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

}  // namespace
}  // namespace minpriv::learn_e2e
