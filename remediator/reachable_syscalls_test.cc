// --seccomp observed|reachable: the allow list's third source, and what stays unchanged
// for profiles without reachability.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "remediator/proposer.h"

namespace minpriv::remediator {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kManifest[] = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: app
          image: nginx
)";

crd::WorkloadProfile Profile(bool with_reachability) {
  crd::WorkloadProfile p;
  p.name = "web";
  crd::ContainerProfile c;
  c.name = "app";
  c.syscalls = {"accept4", "read", "write"};
  c.execs = {{"/usr/sbin/nginx", false, 1, ""}, {"/bin/busybox", false, 1, ""}};
  if (with_reachability) {
    c.reachable = crd::Reachability{
        {{"read", {"imported by /usr/sbin/nginx as read"}},
         {"sendfile", {"imported by /usr/sbin/nginx as sendfile64"}}},
        {"/bin/busybox"},
        0};
  }
  p.containers = {c};
  return p;
}

std::map<std::string, std::string> Render(bool with_reachability, SeccompMode mode) {
  auto p = Propose({{"web.yaml", Profile(with_reachability)}}, {{"m.yaml", kManifest}},
                   Inventory{}, ProposeOptions{mode});
  EXPECT_TRUE(p.ok()) << p.status();
  if (!p.ok()) return {};
  const ContainerProposal& c = p->workloads[0].containers[0];
  EXPECT_EQ(c.reachability, with_reachability && mode == SeccompMode::kReachable);
  return RenderProposal(*p);
}

TEST(ReachableSyscallsTest, ReachableModeAllowsImportsWithEvidenceAndCountsThemApart) {
  auto p = Propose({{"web.yaml", Profile(true)}}, {{"m.yaml", kManifest}}, Inventory{});
  ASSERT_TRUE(p.ok()) << p.status();
  const ContainerProposal& c = p->workloads[0].containers[0];
  ASSERT_EQ(c.reachable_only.size(), 1u);  // read was observed: not counted as reachable-only
  EXPECT_EQ(c.reachable_only[0].name, "sendfile");
  EXPECT_THAT(c.seccomp_allowed, testing::Contains("sendfile"));
  EXPECT_THAT(c.risks, testing::Contains(HasSubstr(
                           "`/bin/busybox` is statically linked: only observed syscalls are known")));
  auto files = RenderProposal(*p);
  EXPECT_THAT(files["report.md"], HasSubstr("reachable by import only"));
  EXPECT_THAT(files["report.md"],
              HasSubstr("  - `sendfile`: imported by /usr/sbin/nginx as sendfile64\n"));
  EXPECT_THAT(files["report.md"], HasSubstr("`seccomp/web-app-complain.json`"));
  EXPECT_THAT(files["summary.json"], HasSubstr("\"reachableOnly\": 1"));
  ASSERT_TRUE(files.count("seccomp/web-app-complain.json"));
  EXPECT_THAT(files["seccomp/web-app-complain.json"], HasSubstr("\"SCMP_ACT_LOG\""));
  EXPECT_THAT(files["seccomp/web-app-complain.json"], Not(HasSubstr("defaultErrnoRet")));
  EXPECT_THAT(files["seccomp/web-app-complain.json"], HasSubstr("\"sendfile\""));
}

TEST(ReachableSyscallsTest, ObservedModeIgnoresReachability) {
  auto observed = Render(true, SeccompMode::kObserved);
  auto without = Render(false, SeccompMode::kReachable);
  EXPECT_THAT(observed["seccomp/web-app.json"], Not(HasSubstr("sendfile")));
  EXPECT_EQ(observed.count("seccomp/web-app-complain.json"), 0u);
  // Apart from the profile echoed under profiles/, the same proposal as without reachability.
  observed.erase("profiles/web.yaml");
  without.erase("profiles/web.yaml");
  EXPECT_EQ(observed, without);
}

TEST(ReachableSyscallsTest, ProfilesWithoutReachabilityAreUnchangedByTheMode) {
  EXPECT_EQ(Render(false, SeccompMode::kReachable), Render(false, SeccompMode::kObserved));
}

}  // namespace
}  // namespace minpriv::remediator
