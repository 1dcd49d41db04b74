// File writes: paths across mounts and inside a chroot, timestamp and xattr changes, and
// mkdir of an existing directory (not a write), judged inside the caller's root.
// Loads the real BPF programs; shared fixture: tests/observer_kernel_fixture.h.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "observer/observation.h"
#include "observer/observer.h"
#include "profiler/profile_builder.h"
#include "tests/observer_kernel_fixture.h"
#include "util/cgroup.h"
#include "util/process.h"

namespace minpriv::kernel_test {
namespace {

using observer::FileOp;

TEST_F(ObserverKernelTest, PathsAcrossMountsAndInsideAChroot) {
  auto observer = observer::Observer::Create({});
  ASSERT_TRUE(observer.ok()) << observer.status();
  auto cg = util::ScopedCgroup::Create(absl::StrCat("minpriv-obs-mount-", getpid()));
  ASSERT_TRUE(cg.ok()) << cg.status();
  Recording rec;
  ASSERT_TRUE((*observer)->Watch(cg->path(), &rec).ok());
  std::string work = TempDir("mount");
  util::Process p = SpawnInCgroup(cg->path(), {BEHAVE_BINARY, "mount", work});
  ASSERT_GT(p.pid(), 0);
  EXPECT_EQ(Wait(p), 0);
  ASSERT_TRUE((*observer)->Drain().ok());
  std::set<std::pair<FileOp, std::string>> want = {
      {FileOp::kMkdir, work + "/mnt"},
      {FileOp::kMkdir, work + "/mnt/d"},
      {FileOp::kCreate, work + "/mnt/inmount.txt"},  // relative, across the tmpfs mount
      {FileOp::kCreate, "/d/rel-in-chroot.txt"},     // as the chrooted workload sees it
      {FileOp::kCreate, "/abs-in-chroot.txt"},
  };
  for (const auto& f : want) {
    EXPECT_TRUE(rec.files.count(f)) << observer::FileOpName(f.first) << " " << f.second;
  }
  EXPECT_EQ(rec.files.size(), want.size() + 3);  // the three creates also carry "write"
  // Mounting and chroot are real needs, reported with their call sites.
  constexpr uint32_t kSysChroot = 18, kSysAdmin = 21;
  EXPECT_TRUE(rec.HasCap(kSysChroot));
  EXPECT_TRUE(rec.HasCap(kSysAdmin));
}

// Timestamps and extended attributes are modifications: on a read-only root they fail
// with EROFS, so the profile must list them (ops "utime" and "xattr").
TEST_F(ObserverKernelTest, TimestampAndXattrChangesAreWrites) {
  auto observer = observer::Observer::Create({});
  ASSERT_TRUE(observer.ok()) << observer.status();
  auto cg = util::ScopedCgroup::Create(absl::StrCat("minpriv-obs-attrs-", getpid()));
  ASSERT_TRUE(cg.ok()) << cg.status();
  Recording rec;
  ASSERT_TRUE((*observer)->Watch(cg->path(), &rec).ok());
  std::string work = TempDir("attrs");
  util::Process p = SpawnInCgroup(cg->path(), {BEHAVE_BINARY, "attrs", work});
  ASSERT_GT(p.pid(), 0);
  EXPECT_EQ(Wait(p), 0);
  ASSERT_TRUE((*observer)->Drain().ok());
  for (const char* name : {"utime", "utimes", "futimesat", "utimensat", "futimens",
                           "emptypath"}) {
    EXPECT_TRUE(rec.files.count({FileOp::kUtime, work + "/" + name})) << name;
  }
  for (const char* name : {"setxattr", "lsetxattr", "fsetxattr", "removexattr",
                           "lremovexattr", "fremovexattr"}) {
    EXPECT_TRUE(rec.files.count({FileOp::kXattr, work + "/" + name})) << name;
  }
  EXPECT_STREQ(observer::FileOpName(FileOp::kUtime), "utime");
  EXPECT_STREQ(observer::FileOpName(FileOp::kXattr), "xattr");
}

// `mkdir -p` of directories that exist fails with EEXIST (even on a read-only root): not
// a write. A mkdir that creates the directory still is, also after an EEXIST of the same
// path was forgotten.
TEST_F(ObserverKernelTest, MkdirOfAnExistingDirectoryIsNotAWrite) {
  // Learning tells an existing directory by its birth time, more than a second before the
  // call (any timestamp granularity): these two were there well before.
  std::string work = TempDir("mkdirp");
  ASSERT_EQ(mkdir((work + "/exists").c_str(), 0755), 0);
  ASSERT_EQ(mkdir((work + "/later").c_str(), 0755), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto observer = observer::Observer::Create({});
  ASSERT_TRUE(observer.ok()) << observer.status();
  auto cg = util::ScopedCgroup::Create(absl::StrCat("minpriv-obs-mkdirp-", getpid()));
  ASSERT_TRUE(cg.ok()) << cg.status();
  profiler::ProfileBuilder builder("mkdirp");
  ASSERT_TRUE((*observer)->Watch(cg->path(), &builder).ok());
  util::Process p = SpawnInCgroup(cg->path(), {BEHAVE_BINARY, "mkdirp", work});
  ASSERT_GT(p.pid(), 0);
  EXPECT_EQ(Wait(p), 0);
  ASSERT_TRUE((*observer)->Drain().ok());
  EXPECT_TRUE((*observer)->GetStats().warnings.empty());
  (*observer)->Detach();
  std::map<std::string, std::vector<std::string>> writes;
  for (const auto& f : builder.Build().file_writes) writes[f.path] = f.ops;
  EXPECT_EQ(writes.count(work + "/exists"), 0u) << "EEXIST mkdir recorded as a write";
  EXPECT_GE((*observer)->GetStats().mkdirs_of_existing, 1u);
  EXPECT_EQ(writes[work + "/created"], std::vector<std::string>{"mkdir"});
  EXPECT_EQ(writes[work + "/later"], (std::vector<std::string>{"mkdir", "rmdir"}));
}

// Whether a directory a mkdir names already existed is looked up inside the caller's root:
// in a chroot whose /var/run links to /run, the new /var/run/lock is the chroot's
// ROOT/run/lock, not the host's old /run/lock.
TEST_F(ObserverKernelTest, AMkdirInsideAChrootIsJudgedInsideIt) {
  std::string root = TempDir("chrootmkdir");
  ASSERT_EQ(mkdir((root + "/var").c_str(), 0755), 0);
  ASSERT_EQ(mkdir((root + "/run").c_str(), 0755), 0);
  ASSERT_EQ(symlink("/run", (root + "/var/run").c_str()), 0);
  struct stat host {};
  ASSERT_EQ(stat("/run/lock", &host), 0) << "the host's /run/lock is what must not be judged";
  auto observer = observer::Observer::Create({});
  ASSERT_TRUE(observer.ok()) << observer.status();
  auto cg = util::ScopedCgroup::Create(absl::StrCat("minpriv-obs-chrootmkdir-", getpid()));
  ASSERT_TRUE(cg.ok()) << cg.status();
  Recording rec;
  ASSERT_TRUE((*observer)->Watch(cg->path(), &rec).ok());
  util::Process p = SpawnInCgroup(cg->path(), {BEHAVE_BINARY, "chrootmkdir", root});
  ASSERT_GT(p.pid(), 0);
  // Records are looked at while the workload (and so its root) is still there.
  while (!p.Poll()) ASSERT_TRUE((*observer)->Poll(absl::Milliseconds(50)).ok());
  const int status = p.wait_status();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  ASSERT_TRUE((*observer)->Drain().ok());
  struct stat made {};
  EXPECT_EQ(stat((root + "/run/lock").c_str(), &made), 0);
  EXPECT_TRUE(rec.files.count({FileOp::kMkdir, "/var/run/lock"})) << "a real mkdir was dropped";
  EXPECT_EQ((*observer)->GetStats().mkdirs_of_existing, 0u);
}

}  // namespace
}  // namespace minpriv::kernel_test
