// Counting: occurrences in the profile are real, and events lost to a full ring buffer
// are counted.
// Loads the real BPF programs; shared fixture: tests/observer_kernel_fixture.h.
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <tuple>
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

// Counts in the profile are real occurrences: the kernel sends a fact once and counts its
// repeats; Drain() and Detach() report them. Every action of `behave count` is repeated a
// known number of times (tests/testprogs/behave_scenarios.c, Count()).
TEST_F(ObserverKernelTest, ProfileCountsAreRealOccurrences) {
  auto observer = observer::Observer::Create({});
  ASSERT_TRUE(observer.ok()) << observer.status();
  auto cg = util::ScopedCgroup::Create(absl::StrCat("minpriv-obs-count-", getpid()));
  ASSERT_TRUE(cg.ok()) << cg.status();
  profiler::ProfileBuilder builder("count");
  ASSERT_TRUE((*observer)->Watch(cg->path(), &builder).ok());
  TestSocket udp_target(SOCK_DGRAM, 0);
  ASSERT_GE(udp_target.fd, 0);
  int tcp_port = FreePort(SOCK_STREAM);
  std::string work = TempDir("count");
  util::Process p = SpawnInCgroup(cg->path(), {BEHAVE_BINARY, "count", work,
                                               std::to_string(tcp_port),
                                               std::to_string(udp_target.port)});
  ASSERT_GT(p.pid(), 0);
  ASSERT_EQ(Wait(p), 0);
  ASSERT_TRUE((*observer)->Drain().ok());
  const crd::ContainerProfile drained = builder.Build();
  // Neither a second Drain() nor Detach() reports an occurrence twice.
  ASSERT_TRUE((*observer)->Drain().ok());
  EXPECT_EQ(builder.Build(), drained);
  EXPECT_EQ((*observer)->GetStats().dropped, 0u);
  (*observer)->Detach();
  const crd::ContainerProfile c = builder.Build();
  EXPECT_EQ(c, drained) << "Detach() after Drain() changed the profile";

  auto file = [&](const std::string& path) -> const crd::FileWrite* {
    for (const auto& f : c.file_writes) {
      if (f.path == path) return &f;
    }
    return nullptr;
  };
  // 3 creating opens (relative path) + 2 write opens (absolute: another kernel key).
  const crd::FileWrite* counted = file(work + "/counted.txt");
  ASSERT_NE(counted, nullptr);
  EXPECT_EQ(counted->count, 5u);
  EXPECT_EQ(counted->ops, (std::vector<std::string>{"create", "truncate", "write"}));
  // One creating open + 4 chowns.
  const crd::FileWrite* owned = file(work + "/owned.txt");
  ASSERT_NE(owned, nullptr);
  EXPECT_EQ(owned->count, 5u);
  EXPECT_EQ(owned->ops, (std::vector<std::string>{"chown", "create", "write"}));
  // 10 files opened twice each, summarised, plus the directory's own mkdir (same path).
  const crd::FileWrite* many = file(work + "/many");
  ASSERT_NE(many, nullptr);
  EXPECT_TRUE(many->summarized);
  EXPECT_EQ(many->count, 21u);
  EXPECT_EQ(many->ops, (std::vector<std::string>{"create", "mkdir", "write"}));

  // Execs: the program once, /bin/true twice (as the workload sees it: symlinks resolved).
  std::string self = std::filesystem::canonical(BEHAVE_BINARY).string();
  std::string truth = std::filesystem::canonical("/bin/true").string();
  std::map<std::string, uint64_t> execs;
  for (const auto& e : c.execs) execs[e.path] = e.count;
  EXPECT_EQ(execs, (std::map<std::string, uint64_t>{{self, 1}, {truth, 2}}));

  // Network: 5 connections each way on one peer, 4 datagrams to another.
  auto peers = [](const std::vector<crd::Peer>& list) {
    std::map<std::tuple<std::string, uint32_t, std::string>, uint64_t> m;
    for (const auto& p : list) m[{p.ip, p.port, p.protocol}] = p.count;
    return m;
  };
  using PeerCounts = std::map<std::tuple<std::string, uint32_t, std::string>, uint64_t>;
  EXPECT_EQ(peers(c.network.ingress),
            (PeerCounts{{{"127.0.0.1", static_cast<uint32_t>(tcp_port), "TCP"}, 5}}));
  EXPECT_EQ(peers(c.network.egress),
            (PeerCounts{{{"127.0.0.1", static_cast<uint32_t>(tcp_port), "TCP"}, 5},
                        {{"127.0.0.1", static_cast<uint32_t>(udp_target.port), "UDP"}, 4}}));

  // Capabilities: one CAP_CHOWN need per chown, at its call site, for the binary.
  std::map<std::tuple<std::string, std::string, std::string>, uint64_t> caps;
  for (const auto& u : c.capability_evidence) {
    caps[{u.capability, u.call_site, u.binary}] += u.count;
  }
  EXPECT_EQ(caps[std::make_tuple(std::string("CHOWN"), std::string("setattr_prepare"),
                                 std::string("testprog_behave"))],
            4u);
}

// Events that do not fit the ring buffer are counted, not silently lost: with a one-page
// ring, a file-write record (larger than the ring) can never be reserved.
TEST_F(ObserverKernelTest, CountsDroppedEvents) {
  observer::Options options;
  options.ring_buffer_bytes = static_cast<uint32_t>(sysconf(_SC_PAGESIZE));
  auto observer = observer::Observer::Create(options);
  ASSERT_TRUE(observer.ok()) << observer.status();
  auto cg = util::ScopedCgroup::Create(absl::StrCat("minpriv-obs-drops-", getpid()));
  ASSERT_TRUE(cg.ok()) << cg.status();
  Recording rec;
  ASSERT_TRUE((*observer)->Watch(cg->path(), &rec).ok());
  std::string work = TempDir("drops");
  util::Process p = SpawnInCgroup(cg->path(), {BEHAVE_BINARY, "sub", work});
  ASSERT_GT(p.pid(), 0);
  EXPECT_EQ(Wait(p), 0);
  ASSERT_TRUE((*observer)->Drain().ok());
  EXPECT_TRUE(rec.files.empty());
  EXPECT_GE((*observer)->GetStats().dropped, 1u);
  (*observer)->Detach();
  EXPECT_GE((*observer)->GetStats().dropped, 1u) << "drop count lost by Detach()";
}

}  // namespace
}  // namespace minpriv::kernel_test
