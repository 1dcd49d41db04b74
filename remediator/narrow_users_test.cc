// The user settings proposed for a container (narrow_users.cc), through Propose.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "remediator/proposer.h"
#include "remediator/workload.h"

namespace minpriv::remediator {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

absl::StatusOr<Proposal> ProposeForUid(const std::string& pod_sc, const std::string& container_sc,
                                       uint32_t uid) {
  crd::WorkloadProfile p;
  p.name = "web";
  crd::ContainerProfile c;
  c.name = "app";
  c.syscalls = {"read", "write"};
  c.users = {{uid, uid}};
  p.containers = {c};
  std::string manifest =
      "apiVersion: v1\n"
      "kind: Pod\n"
      "metadata: {name: web}\n"
      "spec:\n"
      "  securityContext: " + pod_sc + "\n"
      "  containers:\n"
      "    - name: app\n"
      "      image: app:1\n"
      "      securityContext: " + container_sc + "\n";
  return Propose({{"profile.yaml", p}}, {{"manifest.yaml", manifest}}, Inventory{});
}

YAML::Node ContainerSc(const Proposal& p) {
  return Child(Child(Child(p.documents[0], "spec"), "containers")[0], "securityContext");
}

// Issue 12, §4: `runAsNonRoot: true` next to `runAsUser: 0` makes the kubelet refuse the pod.
TEST(NarrowUsersTest, NeverAddsRunAsNonRootWhereTheManifestRunsAsRoot) {
  for (const auto& [pod_sc, container_sc] :
       {std::pair<std::string, std::string>{"{runAsUser: 0}", "{}"}, {"{}", "{runAsUser: 0}"}}) {
    auto p = ProposeForUid(pod_sc, container_sc, 1000);
    ASSERT_TRUE(p.ok()) << p.status();
    YAML::Node sc = ContainerSc(*p);
    EXPECT_FALSE(Child(sc, "runAsNonRoot").IsDefined()) << pod_sc << " " << container_sc;
    EXPECT_FALSE(p->workloads[0].containers[0].policy.run_as_non_root);
    EXPECT_THAT(p->workloads[0].containers[0].risks,
                Contains(HasSubstr("the kubelet refuses to start a container with both")));
  }
}

TEST(NarrowUsersTest, AddsRunAsNonRootForAnObservedNonRootUser) {
  auto p = ProposeForUid("{}", "{}", 1000);
  ASSERT_TRUE(p.ok()) << p.status();
  YAML::Node sc = ContainerSc(*p);
  EXPECT_EQ(ScalarAt(sc, "runAsNonRoot"), "true");
  EXPECT_EQ(ScalarAt(sc, "runAsUser"), "1000");
}

}  // namespace
}  // namespace minpriv::remediator
