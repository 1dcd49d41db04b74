#include "agent/cgroup_path.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace minpriv::agent {
namespace {

const std::string kUid = "0f3a5c1e-7b2d-4e8f-9a10-bc2d3e4f5a6b";
const std::string kUidUnderscored = "0f3a5c1e_7b2d_4e8f_9a10_bc2d3e4f5a6b";
const std::string kId = "4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c";

struct Case {
  std::string path;
  CgroupLevel level;
  CgroupDriver driver;
  QosClass qos;
  std::string uid;
  std::string id;
  std::string runtime;
  bool nested = false;
};

class ParseKubeCgroupTest : public ::testing::TestWithParam<Case> {};

TEST_P(ParseKubeCgroupTest, Parses) {
  const Case& c = GetParam();
  absl::StatusOr<KubeCgroup> got = ParseKubeCgroup(c.path);
  ASSERT_TRUE(got.ok()) << c.path << ": " << got.status();
  EXPECT_EQ(got->level, c.level) << c.path;
  EXPECT_EQ(got->driver, c.driver) << c.path;
  EXPECT_EQ(got->qos, c.qos) << c.path;
  EXPECT_EQ(got->pod_uid, c.uid) << c.path;
  EXPECT_EQ(got->container_id, c.id) << c.path;
  EXPECT_EQ(got->runtime, c.runtime) << c.path;
  EXPECT_EQ(got->nested, c.nested) << c.path;
}

using L = CgroupLevel;
using D = CgroupDriver;
using Q = QosClass;

INSTANTIATE_TEST_SUITE_P(
    Cgroupfs, ParseKubeCgroupTest,
    ::testing::Values(
        Case{"kubepods", L::kRoot, D::kCgroupfs, Q::kGuaranteed, "", "", ""},
        Case{"kubepods/burstable", L::kQos, D::kCgroupfs, Q::kBurstable, "", "", ""},
        Case{"kubepods/besteffort", L::kQos, D::kCgroupfs, Q::kBestEffort, "", "", ""},
        Case{"kubepods/burstable/pod" + kUid, L::kPod, D::kCgroupfs, Q::kBurstable, kUid, "", ""},
        Case{"kubepods/pod" + kUid, L::kPod, D::kCgroupfs, Q::kGuaranteed, kUid, "", ""},
        Case{"kubepods/burstable/pod" + kUid + "/" + kId, L::kContainer, D::kCgroupfs,
             Q::kBurstable, kUid, kId, ""},
        Case{"kubepods/besteffort/pod" + kUid + "/" + kId, L::kContainer, D::kCgroupfs,
             Q::kBestEffort, kUid, kId, ""},
        Case{"/kubepods/pod" + kUid + "/" + kId, L::kContainer, D::kCgroupfs, Q::kGuaranteed,
             kUid, kId, ""},
        Case{"kubepods/pod" + kUid + "/crio-" + kId, L::kContainer, D::kCgroupfs,
             Q::kGuaranteed, kUid, kId, "cri-o"},
        // Below a prefix (kubelet --cgroup-root, a test's root), and a cgroup the container
        // made itself.
        Case{"minpriv-test-1/kubepods/burstable/pod" + kUid + "/" + kId + "/child",
             L::kContainer, D::kCgroupfs, Q::kBurstable, kUid, kId, "", true}));

INSTANTIATE_TEST_SUITE_P(
    Systemd, ParseKubeCgroupTest,
    ::testing::Values(
        Case{"kubepods.slice", L::kRoot, D::kSystemd, Q::kGuaranteed, "", "", ""},
        Case{"kubepods.slice/kubepods-burstable.slice", L::kQos, D::kSystemd, Q::kBurstable, "",
             "", ""},
        Case{"kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" +
                 kUidUnderscored + ".slice",
             L::kPod, D::kSystemd, Q::kBestEffort, kUid, "", ""},
        Case{"kubepods.slice/kubepods-pod" + kUidUnderscored + ".slice", L::kPod, D::kSystemd,
             Q::kGuaranteed, kUid, "", ""},
        Case{"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" +
                 kUidUnderscored + ".slice/cri-containerd-" + kId + ".scope",
             L::kContainer, D::kSystemd, Q::kBurstable, kUid, kId, "containerd"},
        Case{"kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" +
                 kUidUnderscored + ".slice/crio-" + kId + ".scope",
             L::kContainer, D::kSystemd, Q::kBestEffort, kUid, kId, "cri-o"},
        Case{"kubepods.slice/kubepods-pod" + kUidUnderscored + ".slice/docker-" + kId +
                 ".scope",
             L::kContainer, D::kSystemd, Q::kGuaranteed, kUid, kId, "docker"},
        Case{"kubelet.slice/kubepods.slice/kubepods-pod" + kUidUnderscored +
                 ".slice/cri-containerd-" + kId + ".scope/init.scope",
             L::kContainer, D::kSystemd, Q::kGuaranteed, kUid, kId, "containerd", true}));

TEST(ParseKubeCgroup, NotTheKubeletsIsNotFound) {
  for (const std::string& p :
       {std::string(""), std::string("system.slice/sshd.service"), std::string("user.slice"),
        std::string("kubepods-burstable.slice"), std::string("my-kubepods/pod" + kUid)}) {
    EXPECT_TRUE(absl::IsNotFound(ParseKubeCgroup(p).status())) << p;
  }
}

TEST(ParseKubeCgroup, MalformedBelowKubepodsIsRejected) {
  const std::vector<std::string> bad = {
      "kubepods/guaranteed",                                    // no such QoS level
      "kubepods/burstable/" + kUid,                             // no "pod" prefix
      "kubepods/burstable/pod" + kUid.substr(1),                // short uid
      "kubepods/burstable/pod" + kUidUnderscored,               // systemd uid under cgroupfs
      "kubepods/burstable/pod" + kUid + "/" + kId.substr(2),    // short id
      "kubepods/burstable/pod" + kUid + "/ABCDEF",              // not an id
      "kubepods/pod" + kUid + "/cri-containerd-" + kId + ".scope",  // systemd unit name
      "kubepods.slice/burstable",                               // cgroupfs name under systemd
      "kubepods.slice/kubepods-burstable.slice/kubepods-besteffort-pod" + kUidUnderscored +
          ".slice",                                             // slice of another QoS
      "kubepods.slice/kubepods-pod" + kUid + ".slice",          // dashes in a unit name
      "kubepods.slice/kubepods-pod" + kUidUnderscored,          // no .slice
      "kubepods.slice/kubepods-pod" + kUidUnderscored + ".slice/" + kId,  // bare id
      "kubepods.slice/kubepods-pod" + kUidUnderscored + ".slice/crio-conmon-" + kId +
          ".scope",                                             // CRI-O's monitor, not a container
      "kubepods.slice/kubepods-pod" + kUidUnderscored + ".slice/containerd-" + kId + ".scope",
  };
  for (const std::string& p : bad) {
    absl::StatusOr<KubeCgroup> got = ParseKubeCgroup(p);
    EXPECT_TRUE(absl::IsInvalidArgument(got.status())) << p << " → " << got.status();
  }
}

TEST(ParseKubeCgroup, ErrorNamesTheComponent) {
  absl::StatusOr<KubeCgroup> got = ParseKubeCgroup("kubepods/burstable/podx");
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("'podx'"), std::string::npos) << got.status();
}

TEST(IsPodUid, Shapes) {
  EXPECT_TRUE(IsPodUid(kUid));
  EXPECT_FALSE(IsPodUid(kUidUnderscored));
  EXPECT_FALSE(IsPodUid("0F3A5C1E-7B2D-4E8F-9A10-BC2D3E4F5A6B"));
  EXPECT_FALSE(IsPodUid(""));
}

TEST(QosClassName, Names) {
  EXPECT_STREQ(QosClassName(QosClass::kGuaranteed), "Guaranteed");
  EXPECT_STREQ(QosClassName(QosClass::kBurstable), "Burstable");
  EXPECT_STREQ(QosClassName(QosClass::kBestEffort), "BestEffort");
}

}  // namespace
}  // namespace minpriv::agent
