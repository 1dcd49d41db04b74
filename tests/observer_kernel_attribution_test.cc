// Attribution: what a watched workload does is reported to its sink, with its syscalls,
// files, execs, identities, network and capabilities, and nothing of other cgroups; cgroup
// ids that share a hot-path cache entry still reach the right sink.
// Loads the real BPF programs; shared fixture: tests/observer_kernel_fixture.h.
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bpf/abi/events.h"
#include "gtest/gtest.h"
#include "observer/observation.h"
#include "observer/observer.h"
#include "tests/observer_kernel_fixture.h"
#include "util/cgroup.h"
#include "util/process.h"
#include "util/syscalls.h"

namespace minpriv::kernel_test {
namespace {

using observer::FileOp;

TEST_F(ObserverKernelTest, LearnsWhatTheWorkloadDoesAndNothingElse) {
  auto observer = observer::Observer::Create({});
  ASSERT_TRUE(observer.ok()) << observer.status();
  std::string tag = absl::StrCat(getpid());
  auto watched = util::ScopedCgroup::Create("minpriv-obs-test-" + tag);
  ASSERT_TRUE(watched.ok()) << watched.status();
  auto other = util::ScopedCgroup::Create("minpriv-obs-other-" + tag);
  ASSERT_TRUE(other.ok()) << other.status();

  Recording rec;
  ASSERT_TRUE((*observer)->Watch(watched->path(), &rec).ok());
  // A child cgroup created after Watch() is attributed to the watched workload.
  auto child = util::ScopedCgroup::Create("minpriv-obs-test-" + tag + "/child");
  ASSERT_TRUE(child.ok()) << child.status();

  TestSocket dns(SOCK_DGRAM, 53);
  ASSERT_GE(dns.fd, 0) << "cannot bind the test DNS responder on 127.0.0.1:53";
  TestSocket dns_tcp(SOCK_STREAM, 53);
  ASSERT_GE(dns_tcp.fd, 0) << "cannot bind the test DNS responder on 127.0.0.1:53/tcp";
  ASSERT_EQ(listen(dns_tcp.fd, 8), 0);
  TestSocket udp_target(SOCK_DGRAM, 0);
  ASSERT_GE(udp_target.fd, 0);
  int tcp_port = FreePort(SOCK_STREAM);
  int other_port = FreePort(SOCK_STREAM);
  int udp_listen = FreePort(SOCK_DGRAM);
  ASSERT_NE(tcp_port, other_port);

  std::string work = TempDir("work");
  std::string other_work = TempDir("other");
  // A setuid copy of true owned by 4242: executing it changes the euid (privilege gain).
  std::string suid = work + "/suid-true";
  std::filesystem::copy_file("/bin/true", suid);
  ASSERT_EQ(chown(suid.c_str(), 4242, 4242), 0);
  ASSERT_EQ(chmod(suid.c_str(), 04755), 0);
  util::Process w = SpawnInCgroup(watched->path(),
                                  {BEHAVE_BINARY, "learn", work, std::to_string(tcp_port),
                                   std::to_string(udp_target.port), std::to_string(udp_listen)});
  util::Process o = SpawnInCgroup(
      other->path(), {BEHAVE_BINARY, "other", other_work, std::to_string(other_port)});
  ASSERT_GT(w.pid(), 0);
  ASSERT_GT(o.pid(), 0);
  EXPECT_EQ(Wait(w), 0);
  EXPECT_EQ(Wait(o), 0);
  util::Process s = SpawnInCgroup(child->path(), {BEHAVE_BINARY, "sub", work});
  ASSERT_GT(s.pid(), 0);
  EXPECT_EQ(Wait(s), 0);
  ASSERT_TRUE((*observer)->Drain().ok());
  observer::Stats stats = (*observer)->GetStats();
  (*observer)->Detach();

  // Syscalls (names via util::SyscallName), including a rare one; none from `other`.
  for (const char* name : {"getcpu", "mkdir", "rename", "chown", "openat", "bind", "listen",
                           "connect", "sendto", "execve", "clone", "symlink", "unlink"}) {
    EXPECT_TRUE(rec.syscalls.count(name)) << name;
  }
  EXPECT_TRUE(rec.syscalls.count("accept") || rec.syscalls.count("accept4"));
  EXPECT_FALSE(rec.syscalls.count("personality")) << "leaked from the other cgroup";

  // File writes: absolute, resolved against cwd and dirfd, normalised.
  std::set<std::pair<FileOp, std::string>> want_files = {
      {FileOp::kMkdir, work + "/sub"},
      {FileOp::kWrite, work + "/sub/rel.txt"},
      {FileOp::kCreate, work + "/sub/rel.txt"},
      {FileOp::kTruncate, work + "/sub/rel.txt"},
      {FileOp::kRename, work + "/sub/rel.txt"},
      {FileOp::kReplace, work + "/sub/renamed.txt"},  // the rename target
      {FileOp::kChown, work + "/sub/renamed.txt"},
      {FileOp::kChmod, work + "/sub/renamed.txt"},  // fchmod on an fd
      {FileOp::kCreate, work + "/viafd.txt"},
      {FileOp::kSymlink, work + "/sub/link"},
      {FileOp::kUnlink, work + "/sub/link"},
      {FileOp::kCreate, work + "/from-child-cgroup.txt"},
  };
  for (const auto& f : want_files) {
    EXPECT_TRUE(rec.files.count(f)) << observer::FileOpName(f.first) << " " << f.second;
  }
  for (const auto& f : rec.files) {
    EXPECT_EQ(f.second.find(other_work), std::string::npos) << "leaked: " << f.second;
    EXPECT_EQ(f.second.find(".."), std::string::npos) << "not normalised: " << f.second;
  }

  // Execs: the program itself and /bin/true as the workload sees them (symlinks resolved).
  std::string self = std::filesystem::canonical(BEHAVE_BINARY).string();
  std::string truth = std::filesystem::canonical("/bin/true").string();
  EXPECT_TRUE(rec.execs.count({self, false})) << self;
  EXPECT_TRUE(rec.execs.count({truth, false})) << truth;
  EXPECT_TRUE(rec.execs.count({suid, true})) << suid;
  EXPECT_FALSE(rec.execs.count({suid, false}));

  // Identity: root, and the child that switched to 4242:4243.
  EXPECT_TRUE(rec.ids.count({0, 0}));
  EXPECT_TRUE(rec.ids.count({4242, 4243}));

  // Network.
  using observer::Direction;
  using observer::Protocol;
  EXPECT_TRUE(rec.listens.count({tcp_port, Protocol::kTcp, "127.0.0.1"}));
  EXPECT_TRUE(rec.listens.count({udp_listen, Protocol::kUdp, "127.0.0.1"}));
  EXPECT_TRUE(rec.flows.count({Direction::kEgress, "127.0.0.1", tcp_port, Protocol::kTcp}));
  EXPECT_TRUE(rec.flows.count({Direction::kIngress, "127.0.0.1", tcp_port, Protocol::kTcp}));
  EXPECT_TRUE(rec.flows.count(
      {Direction::kEgress, "127.0.0.1", static_cast<uint32_t>(udp_target.port), Protocol::kUdp}));
  EXPECT_TRUE(rec.flows.count({Direction::kEgress, "127.0.0.1", 53, Protocol::kUdp}));
  EXPECT_EQ(rec.dns, (std::set<std::string>{"probe.minpriv.test", "tcp.minpriv.test"}));
  EXPECT_TRUE(rec.flows.count({Direction::kEgress, "127.0.0.1", 53, Protocol::kTcp}));
  // IPv6: listener, loopback connect and accept on ::1; a v4-mapped UDP send as IPv4.
  EXPECT_TRUE(rec.listens.count({tcp_port, Protocol::kTcp, "::1"}));
  EXPECT_TRUE(rec.flows.count({Direction::kEgress, "::1", tcp_port, Protocol::kTcp}));
  EXPECT_TRUE(rec.flows.count({Direction::kIngress, "::1", tcp_port, Protocol::kTcp}));
  EXPECT_TRUE(rec.flows.count({Direction::kEgress, "127.0.0.1", tcp_port, Protocol::kUdp}));
  for (const auto& l : rec.listens) EXPECT_NE(std::get<0>(l), other_port) << "leaked listen";
  for (const auto& f : rec.flows) EXPECT_NE(std::get<2>(f), other_port) << "leaked flow";

  // Capabilities: needs present with their call sites, probes (SYS_ADMIN) counted, not listed.
  constexpr uint32_t kChown = 0, kNetBindService = 10, kSysAdmin = 21;
  EXPECT_TRUE(rec.HasCap(kChown));
  EXPECT_TRUE(rec.HasCap(kNetBindService));
  EXPECT_FALSE(rec.HasCap(kSysAdmin)) << "a probe was reported as a need";
  for (const auto& c : rec.caps) {
    if (c.cap == kChown) {
      EXPECT_EQ(c.call_site, "setattr_prepare");
    }
    if (c.cap == kNetBindService) {
      EXPECT_EQ(c.call_site, "__inet_bind");
    }
    EXPECT_NE(c.call_site, "unknown") << c.cap;
  }
  EXPECT_GT(stats.probe_capability_checks, 0u);
  EXPECT_EQ(stats.dropped, 0u);
  EXPECT_GT(stats.events, 20u);
  EXPECT_TRUE(stats.warnings.empty());
}

// The sys_enter hot path looks cgroups up in a direct-mapped cache before the hash map.
// Two pairs of sibling cgroups whose ids share a cache entry: in the first, A is watched
// first (owns the entry) and B is watched too (only in the hash map); in the second, A2 is
// watched and C is not. B's events must reach B's sink; C's must go nowhere.
TEST_F(ObserverKernelTest, CgroupCacheCollisionsFallBackToTheHashMap) {
  std::string parent_rel = absl::StrCat("minpriv-obs-collide-", getpid());
  auto parent = util::ScopedCgroup::Create(parent_rel);
  ASSERT_TRUE(parent.ok()) << parent.status();
  std::map<uint32_t, std::string> by_index;
  std::vector<std::string> created;
  struct Cleanup {  // removes every child cgroup even when an assertion returns early
    std::vector<std::string>* paths;
    ~Cleanup() {
      for (const auto& p : *paths) util::RemoveCgroup(p).IgnoreError();
    }
  } cleanup{&created};
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int i = 0; i < 12000 && pairs.size() < 2; ++i) {
    auto path = util::CreateCgroup(absl::StrCat(parent_rel, "/c", i));
    ASSERT_TRUE(path.ok()) << path.status();
    created.push_back(*path);
    auto id = util::CgroupId(*path);
    ASSERT_TRUE(id.ok());
    auto [it, inserted] = by_index.emplace(mp_cgroup_cache_index(*id), *path);
    if (!inserted) {
      pairs.emplace_back(it->second, *path);
      by_index.erase(it);
    }
  }
  ASSERT_EQ(pairs.size(), 2u) << "no cgroup ids sharing a cache entry";
  {
    auto observer = observer::Observer::Create({});
    ASSERT_TRUE(observer.ok()) << observer.status();
    Recording a, b, a2;
    ASSERT_TRUE((*observer)->Watch(pairs[0].first, &a).ok());
    ASSERT_TRUE((*observer)->Watch(pairs[0].second, &b).ok());
    ASSERT_TRUE((*observer)->Watch(pairs[1].first, &a2).ok());
    std::string work_b = TempDir("collide-b"), work_c = TempDir("collide-c");
    util::Process pb = SpawnInCgroup(pairs[0].second, {BEHAVE_BINARY, "sub", work_b});
    util::Process pc = SpawnInCgroup(pairs[1].second, {BEHAVE_BINARY, "sub", work_c});
    ASSERT_GT(pb.pid(), 0);
    ASSERT_GT(pc.pid(), 0);
    EXPECT_EQ(Wait(pb), 0);
    EXPECT_EQ(Wait(pc), 0);
    ASSERT_TRUE((*observer)->Drain().ok());
    EXPECT_TRUE(b.files.count({FileOp::kCreate, work_b + "/from-child-cgroup.txt"}));
    EXPECT_TRUE(b.syscalls.count("openat"));
    for (const auto& f : b.files) EXPECT_EQ(f.second.find(work_c), std::string::npos);
    for (const Recording* r : {&a, &a2}) {
      EXPECT_TRUE(r->syscalls.empty());
      EXPECT_TRUE(r->files.empty());
    }
  }
}

}  // namespace
}  // namespace minpriv::kernel_test
