// `minpriv learn --cgroup` and `--container NAME=PATH`: workloads already running in their
// cgroups are observed, never killed, each container in its own profile.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crd/profile_codec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/learn_e2e_fixture.h"
#include "tests/test_util.h"
#include "util/cgroup.h"
#include "util/process.h"

namespace minpriv::learn_e2e {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

// Starts `sh -c LOOP` in cgroup `cg`; the handle kills the whole cgroup (the loop and the
// commands it forked) when it goes.
util::Process StartShellIn(const std::string& cg, const std::string& loop) {
  util::SpawnOptions options;
  options.cgroup = cg;
  options.search_path = false;
  return test::SpawnOrFail({"/bin/sh", "-c", loop}, options);
}

TEST_F(LearnE2eTest, ObservesAnExistingCgroupWithoutKillingIt) {
  // Removed (with whatever the loop left running, e.g. its sleep) when the test ends.
  auto scoped = util::ScopedCgroup::Create(absl::StrCat("minpriv-learn-e2e-", getpid()));
  ASSERT_TRUE(scoped.ok()) << scoped.status();
  const std::string cg = scoped->path();
  std::string marker = dir_ + "/ticks";
  // The loop's `sleep` would outlive a killed shell: the handle kills the whole cgroup.
  util::Process shell =
      StartShellIn(cg, absl::StrCat("while :; do echo t >> ", marker, "; sleep 0.1; done"));
  RunResult r = RunMinpriv({"learn", "--cgroup", cg, "--duration", "2s", "--out", out_});
  crd::ContainerProfile c = Profile(r);
  EXPECT_FALSE(shell.Poll()) << "the observed workload must survive";
  shell.Kill();  // the shell and its sleep
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
  const std::string web_log = dir_ + "/web.log", sidecar_log = dir_ + "/sidecar.log";
  util::Process w = StartShellIn(
      web->path(), absl::StrCat("while :; do echo w >> ", web_log, "; sleep 0.1; done"));
  util::Process s = StartShellIn(
      sidecar->path(), absl::StrCat("while :; do touch ", sidecar_log, "; sleep 0.1; done"));
  RunResult r = RunMinpriv({"learn", "--name", "shop", "--container", "web=" + web->path(),
                            "--container", "sidecar=" + sidecar->path(), "--duration", "2s",
                            "--out", out_});
  EXPECT_FALSE(w.Poll()) << "the observed containers must survive";
  EXPECT_FALSE(s.Poll());
  w.Kill();  // each handle takes its cgroup: the shell and its sleep
  s.Kill();
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
  // Attached to running processes: their start-up was not seen, and the profile says so in
  // the exact words the proposer keys on (crd::kReasonStartupNotObserved).
  EXPECT_FALSE(p->status.complete) << crd::EmitWorkloadProfile(*p);
  EXPECT_THAT(p->status.incomplete_reasons,
              ::testing::ElementsAre("attached to a running workload: its start-up was not "
                                     "observed"));
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

}  // namespace
}  // namespace minpriv::learn_e2e
