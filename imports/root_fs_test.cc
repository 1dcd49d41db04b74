#include "imports/root_fs.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "imports/test_dir.h"

namespace minpriv::imports {
namespace {

namespace fs = std::filesystem;

void Write(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

TEST(RootFsTest, SymlinksResolveInsideTheRoot) {
  TestDir dir;
  const std::string root = dir.path();
  Write(root + "/etc/passwd", "root-of-the-workload\n");
  Write(root + "/etc/hostname", "inside\n");
  fs::create_directories(root + "/app/conf");
  fs::create_symlink("/etc/passwd", root + "/app/conf/users");          // absolute
  fs::create_symlink("../../../../../../etc/hostname", root + "/app/up");  // climbs past the root
  fs::create_symlink("conf", root + "/app/c");                          // relative directory
  fs::create_symlink("/loop-b", root + "/loop-a");
  fs::create_symlink("/loop-a", root + "/loop-b");

  auto rootfs = RootFs::Open(root);
  ASSERT_TRUE(rootfs.ok()) << rootfs.status();
  EXPECT_EQ(*rootfs->Resolve("/app/conf/users"), "/etc/passwd");
  EXPECT_EQ(*rootfs->Resolve("/app/c/users"), "/etc/passwd");
  EXPECT_EQ(*rootfs->Resolve("/app/up"), "/etc/hostname");
  EXPECT_EQ(*rootfs->Resolve("app/./conf/../conf/users"), "/etc/passwd");
  EXPECT_EQ(*rootfs->Resolve("/"), "/");
  EXPECT_EQ(*rootfs->ReadText("/app/conf/users"), "root-of-the-workload\n");
  EXPECT_EQ(*rootfs->ReadText("/app/up"), "inside\n");
  EXPECT_TRUE(absl::IsNotFound(rootfs->Resolve("/nothing/here").status()));
  EXPECT_TRUE(absl::IsNotFound(rootfs->Resolve("/etc/passwd/x").status()));
  EXPECT_FALSE(rootfs->Resolve("/loop-a").ok());
  EXPECT_FALSE(rootfs->OpenFile("/app").ok());  // a directory
  EXPECT_EQ(rootfs->ListDirectory("/app"), (std::vector<std::string>{"c", "conf", "up"}));
  EXPECT_TRUE(rootfs->ListDirectory("/none").empty());
}

TEST(RootFsTest, MissingRootIsAnError) {
  EXPECT_FALSE(RootFs::Open("/no/such/root/dir").ok());
}

}  // namespace
}  // namespace minpriv::imports
