// The observer's lifecycle on the real kernel: Create refuses non-root, Watch rejects
// non-cgroup paths, Detach is idempotent and leaves no cgroup hook attached.
// Loads the real BPF programs; shared fixture: tests/observer_kernel_fixture.h.
#include <bpf/bpf.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "observer/observation.h"
#include "observer/observer.h"
#include "tests/observer_kernel_fixture.h"
#include "util/cgroup.h"

namespace minpriv::kernel_test {
namespace {

TEST(ObserverCreateTest, DetachIsIdempotentAndStopsObservation) {
  auto observer = observer::Observer::Create({});
  ASSERT_TRUE(observer.ok()) << observer.status();
  (*observer)->Detach();
  (*observer)->Detach();
  Recording rec;
  EXPECT_FALSE((*observer)->Watch("/sys/fs/cgroup", &rec).ok());
  EXPECT_FALSE((*observer)->Poll(absl::Milliseconds(1)).ok());
}

// Detach() must leave nothing attached: the cgroup hooks' attach count drops back to zero.
TEST(ObserverCreateTest, DetachRemovesTheCgroupHooks) {
  auto observer = observer::Observer::Create({});
  ASSERT_TRUE(observer.ok()) << observer.status();
  auto cg = util::ScopedCgroup::Create(absl::StrCat("minpriv-obs-detach-", getpid()));
  ASSERT_TRUE(cg.ok()) << cg.status();
  Recording rec;
  ASSERT_TRUE((*observer)->Watch(cg->path(), &rec).ok());
  int fd = open(cg->path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  auto count = [&](bpf_attach_type type) {
    uint32_t n = 0;
    EXPECT_EQ(bpf_prog_query(fd, type, 0, nullptr, nullptr, &n), 0);
    return n;
  };
  EXPECT_EQ(count(BPF_CGROUP_INET4_CONNECT), 1u);
  EXPECT_EQ(count(BPF_CGROUP_UDP4_SENDMSG), 1u);
  EXPECT_EQ(count(BPF_CGROUP_UDP6_RECVMSG), 1u);
  EXPECT_EQ(count(BPF_CGROUP_SOCK_OPS), 1u);
  EXPECT_EQ(count(BPF_CGROUP_INET_EGRESS), 1u);
  (*observer)->Detach();
  EXPECT_EQ(count(BPF_CGROUP_INET4_CONNECT), 0u);
  EXPECT_EQ(count(BPF_CGROUP_UDP4_SENDMSG), 0u);
  EXPECT_EQ(count(BPF_CGROUP_UDP6_RECVMSG), 0u);
  EXPECT_EQ(count(BPF_CGROUP_SOCK_OPS), 0u);
  EXPECT_EQ(count(BPF_CGROUP_INET_EGRESS), 0u);
  close(fd);
}

TEST(ObserverCreateTest, RefusesNonRootWithAClearMessage) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) _exit(3);
    auto observer = observer::Observer::Create({});
    if (observer.ok()) _exit(1);
    bool clear = absl::IsPermissionDenied(observer.status()) &&
                 observer.status().message().find("root") != absl::string_view::npos;
    _exit(clear ? 0 : 2);
  }
  EXPECT_EQ(Wait(pid), 0);
}

TEST(ObserverCreateTest, WatchRejectsNonCgroupPaths) {
  auto observer = observer::Observer::Create({});
  ASSERT_TRUE(observer.ok()) << observer.status();
  Recording rec;
  absl::Status s = (*observer)->Watch("/tmp", &rec);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/tmp"), absl::string_view::npos);
}

}  // namespace
}  // namespace minpriv::kernel_test
