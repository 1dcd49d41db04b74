#include "agent/cgroup_root.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

namespace minpriv::agent {
namespace {

TEST(Cgroup2MountFromMountinfo, FindsTheFirstCgroup2Mount) {
  const char* hybrid =
      "25 1 0:23 / /sys rw,nosuid shared:7 - sysfs sysfs rw\n"
      "30 25 0:26 / /sys/fs/cgroup ro,nosuid shared:9 - tmpfs tmpfs ro,mode=755\n"
      "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw,nsdelegate\n"
      "32 30 0:28 / /sys/fs/cgroup/cpu rw shared:11 - cgroup cgroup rw,cpu\n";
  EXPECT_EQ(*Cgroup2MountFromMountinfo(hybrid), "/sys/fs/cgroup/unified");
  EXPECT_EQ(*Cgroup2MountFromMountinfo(
                "35 24 0:30 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n"),
            "/sys/fs/cgroup");
  // No optional fields, an escaped space in the mount point.
  EXPECT_EQ(*Cgroup2MountFromMountinfo("1 0 0:1 / /host/my\\040cg rw - cgroup2 none rw\n"),
            "/host/my cg");
  EXPECT_TRUE(absl::IsNotFound(
      Cgroup2MountFromMountinfo("32 30 0:28 / /x rw - cgroup cgroup rw\n").status()));
  EXPECT_TRUE(absl::IsNotFound(Cgroup2MountFromMountinfo("garbage\n\n- cgroup2\n").status()));
}

TEST(Cgroup2Mount, ThisMachineHasOne) {
  absl::StatusOr<std::string> mount = Cgroup2Mount();
  ASSERT_TRUE(mount.ok()) << mount.status();
  EXPECT_EQ(mount->rfind("/sys/fs/cgroup", 0), 0u) << *mount;
}

TEST(FindKubepods, PrefersTheSystemdSliceThenCgroupfs) {
  char tmpl[] = "/tmp/minpriv-kubepods-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string root = tmpl;
  EXPECT_TRUE(absl::IsNotFound(FindKubepods(root).status()));
  ASSERT_EQ(mkdir((root + "/kubepods").c_str(), 0755), 0);
  EXPECT_EQ(*FindKubepods(root), root + "/kubepods");
  ASSERT_EQ(mkdir((root + "/kubepods.slice").c_str(), 0755), 0);
  EXPECT_EQ(*FindKubepods(root), root + "/kubepods.slice");
  EXPECT_EQ(*FindKubepods(root + "/kubepods"), root + "/kubepods");  // given directly
  rmdir((root + "/kubepods.slice").c_str());
  rmdir((root + "/kubepods").c_str());
  rmdir(root.c_str());
}

}  // namespace
}  // namespace minpriv::agent
