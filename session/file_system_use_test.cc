// The file-system-use sampler on real processes (this test's own) and the shipped listing
// on a real directory: what existed before the window is the image's, what came after the
// workload's.
#include "session/file_system_use.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace minpriv::session {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(FileSystemUseTest, MapsLinesGiveTheirFilePathsOnly) {
  EXPECT_EQ(MappedPath("7f1c2a000000-7f1c2a022000 r--p 00000000 08:01 1234   "
                       "/usr/lib/x86_64-linux-gnu/libc.so.6"),
            "/usr/lib/x86_64-linux-gnu/libc.so.6");
  EXPECT_EQ(MappedPath("55d0-55d1 r-xp 00000000 08:01 99 /opt/my app/bin"), "/opt/my app/bin");
  EXPECT_EQ(MappedPath("7ffd-7ffe rw-p 00000000 00:00 0                          [stack]"), "");
  EXPECT_EQ(MappedPath("7f00-7f01 rw-p 00000000 00:00 0 "), "");
  EXPECT_EQ(MappedPath("7f00-7f01 rw-s 00000000 00:01 7 /memfd:x (deleted)"), "");
}

TEST(FileSystemUseTest, PathsAreTakenInsideTheWorkloadsRoot) {
  EXPECT_EQ(AsWorkloadPath("/app/bin", "/"), "/app/bin");
  EXPECT_EQ(AsWorkloadPath("/run/c/rootfs/app/bin", "/run/c/rootfs"), "/app/bin");
  EXPECT_EQ(AsWorkloadPath("/run/c/rootfs", "/run/c/rootfs"), "/");
  EXPECT_EQ(AsWorkloadPath("/run/c/rootfsx/a", "/run/c/rootfs"), "");
  EXPECT_EQ(AsWorkloadPath("socket:[1]", "/"), "");
}

TEST(FileSystemUseTest, SamplingAProcessSeesItsWorkingDirectoryLibrariesAndOpenFiles) {
  char tmpl[] = "/tmp/minpriv-fsuse-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string old_cwd = std::filesystem::current_path();
  ASSERT_EQ(chdir(dir.c_str()), 0);
  std::ofstream(dir + "/held").put('x');
  std::ifstream held(dir + "/held");
  FileSystemUseSampler sampler("");
  sampler.SampleProcess(getpid());
  ASSERT_EQ(chdir(old_cwd.c_str()), 0);
  held.close();
  crd::FileSystemUse u = sampler.Used();
  EXPECT_THAT(u.working_dirs, ElementsAre(dir));
  EXPECT_THAT(u.open_files, Contains(dir + "/held"));
  EXPECT_THAT(u.mapped, Contains(HasSubstr("libc.so")));
  EXPECT_THAT(u.mapped, Contains(std::filesystem::read_symlink("/proc/self/exe").string()));
  EXPECT_EQ(sampler.process_samples(), 1u);
  std::filesystem::remove_all(dir);
}

TEST(FileSystemUseTest, TheShippedListingHoldsWhatPredatesTheWindowAndIsCapped) {
  char tmpl[] = "/tmp/minpriv-shipped-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  ASSERT_EQ(mkdir((dir + "/app").c_str(), 0755), 0);
  ASSERT_EQ(mkdir((dir + "/app/w").c_str(), 0755), 0);
  for (int i = 0; i < 40; ++i) std::ofstream(dir + "/app/shipped" + std::to_string(100 + i)).put('x');
  usleep(20000);
  const absl::Time start = absl::Now();
  usleep(20000);
  std::ofstream(dir + "/app/w/made").put('x');
  std::ofstream(dir + "/app/made").put('x');
  crd::ContainerProfile c;
  c.file_writes = {{dir + "/app/w/made", {"create"}, 1, "", false, {}},
                   {"/proc/self/attr/current", {"write"}, 1, "", false, {}}};
  std::vector<crd::ShippedDir> shipped = ListShipped(c, "/", start);
  // DIR/app/w holds only what the workload made: not listed. DIR/app: its 40 shipped files
  // and w (capped), not `made`. /tmp and DIR list what was there.
  std::vector<std::string> paths;
  for (const crd::ShippedDir& d : shipped) paths.push_back(d.path);
  EXPECT_THAT(paths, ElementsAre("/tmp", dir, dir + "/app"));
  const crd::ShippedDir& app = shipped.back();
  EXPECT_EQ(app.total, 41u);
  EXPECT_EQ(app.entries.size(), kMaxShippedEntries);
  EXPECT_EQ(app.entries.front(), "shipped100");
  EXPECT_THAT(app.entries, ::testing::Not(Contains("made")));
  EXPECT_THAT(shipped[1].entries, ElementsAre("app"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace minpriv::session
