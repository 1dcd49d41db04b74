#include "profiler/profile_builder.h"

#include <algorithm>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crd/profile_codec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace minpriv::profiler {
namespace {

using ::testing::ElementsAre;

absl::Time T(int ms) { return absl::FromUnixMillis(1780000000000 + ms); }

TEST(Rfc3339MillisTest, Rfc3339UtcMillis) {
  EXPECT_EQ(Rfc3339Millis(absl::FromUnixMillis(1769860800250)), "2026-01-31T12:00:00.250Z");
  EXPECT_EQ(Rfc3339Millis(absl::FromUnixMillis(0)), "1970-01-01T00:00:00.000Z");
}

TEST(ObservationNamesTest, FileOpsAndProtocols) {
  EXPECT_STREQ(observer::FileOpName(observer::FileOp::kWrite), "write");
  EXPECT_STREQ(observer::FileOpName(observer::FileOp::kSymlink), "symlink");
  EXPECT_STREQ(observer::FileOpName(observer::FileOp::kMknod), "mknod");
  EXPECT_STREQ(observer::ProtocolName(observer::Protocol::kTcp), "TCP");
  EXPECT_STREQ(observer::ProtocolName(observer::Protocol::kUdp), "UDP");
}

TEST(ProfileBuilderTest, DeduplicatesAndCountsWithEarliestFirstSeen) {
  ProfileBuilder b("app");
  b.OnSyscall(T(5), {1});    // write
  b.OnSyscall(T(1), {0});    // read
  b.OnSyscall(T(9), {1});    // repeat
  b.OnFileWrite(T(30), {observer::FileOp::kWrite, "/tmp/x", "sh"});
  b.OnFileWrite(T(20), {observer::FileOp::kCreate, "/tmp/x", "sh"});
  b.OnFileWrite(T(40), {observer::FileOp::kWrite, "/tmp/x", "sh"});
  b.OnExec(T(3), {"/bin/true", false});
  b.OnExec(T(2), {"/bin/true", false});
  b.OnIdentity(T(1), {0, 0});
  b.OnIdentity(T(1), {0, 0});
  b.OnIdentity(T(2), {33, 33});
  b.OnFlow(T(50), {observer::Direction::kEgress, "127.0.0.1", 5300, observer::Protocol::kUdp});
  b.OnFlow(T(45), {observer::Direction::kEgress, "127.0.0.1", 5300, observer::Protocol::kUdp});
  b.OnFlow(T(60), {observer::Direction::kIngress, "127.0.0.1", 8080, observer::Protocol::kTcp});
  b.OnListen(T(10), {8080, observer::Protocol::kTcp, "0.0.0.0"});
  b.OnListen(T(11), {8080, observer::Protocol::kTcp, "0.0.0.0"});
  b.OnDns(T(70), {"example.test"});
  b.OnDns(T(71), {"Example.TEST."});  // same name, canonicalised

  crd::ContainerProfile c = b.Build();
  EXPECT_EQ(c.name, "app");
  EXPECT_THAT(c.syscalls, ElementsAre("read", "write"));
  ASSERT_EQ(c.file_writes.size(), 1u);
  EXPECT_EQ(c.file_writes[0].path, "/tmp/x");
  EXPECT_THAT(c.file_writes[0].ops, ElementsAre("create", "write"));
  EXPECT_EQ(c.file_writes[0].count, 3u);
  EXPECT_EQ(c.file_writes[0].first_seen, Rfc3339Millis(T(20)));
  ASSERT_EQ(c.execs.size(), 1u);
  EXPECT_EQ(c.execs[0].count, 2u);
  EXPECT_EQ(c.execs[0].first_seen, Rfc3339Millis(T(2)));
  EXPECT_EQ(c.users, (std::vector<crd::User>{{0, 0}, {33, 33}}));
  ASSERT_EQ(c.network.egress.size(), 1u);
  EXPECT_EQ(c.network.egress[0].count, 2u);
  EXPECT_EQ(c.network.egress[0].first_seen, Rfc3339Millis(T(45)));
  EXPECT_EQ(c.network.egress[0].protocol, "UDP");
  ASSERT_EQ(c.network.ingress.size(), 1u);
  EXPECT_EQ(c.network.ingress[0].port, 8080u);
  ASSERT_EQ(c.network.listen.size(), 1u);
  EXPECT_EQ(c.network.listen[0].address, "0.0.0.0");
  EXPECT_THAT(c.network.dns, ElementsAre("example.test"));
  // read, write, /tmp/x write, /tmp/x create, exec, 2 users, 2 flows, listen, dns.
  EXPECT_EQ(b.behaviours(), 11u);
  EXPECT_EQ(b.LastNewFact(), T(70));
  EXPECT_EQ(b.NewFactsSince(T(45)), 3u);  // egress (new at 50), ingress at 60, dns at 70
  EXPECT_TRUE(b.listening());
}

// The observer reports the kernel's hit counts as repeats with count = further
// occurrences (at the time of the first): counts add up, first-seen and facts do not move.
TEST(ProfileBuilderTest, RepeatsAddTheirCount) {
  ProfileBuilder b("app", {.summarize_threshold = 2, .max_examples = 5});
  // One open(O_WRONLY|O_CREAT|O_TRUNC): one modification, three ops.
  b.OnFileWrite(T(10), {observer::FileOp::kWrite, "/data/x", "app", 1});
  b.OnFileWrite(T(10), {observer::FileOp::kCreate, "/data/x", "app", 0});
  b.OnFileWrite(T(10), {observer::FileOp::kTruncate, "/data/x", "app", 0});
  // Another dedup key for the same path (a plain O_WRONLY open), seen 2 times.
  b.OnFileWrite(T(30), {observer::FileOp::kWrite, "/data/x", "app", 1});
  b.OnExec(T(5), {"/bin/true", false, 1});
  b.OnFlow(T(7), {observer::Direction::kIngress, "198.18.0.4", 18080, observer::Protocol::kTcp, 1});
  b.OnCapability(T(8), {0, true, "setattr_prepare", "chown", 1});
  // Three files in one directory (summarised above 2), seen 1, 4 and 2 times.
  b.OnFileWrite(T(40), {observer::FileOp::kCreate, "/var/c/a", "app", 1});
  b.OnFileWrite(T(41), {observer::FileOp::kCreate, "/var/c/b", "app", 1});
  b.OnFileWrite(T(42), {observer::FileOp::kCreate, "/var/c/c", "app", 1});
  const size_t facts = b.behaviours();
  const absl::Time last = b.LastNewFact();

  // Drain: the further occurrences, with the first observations' times.
  b.OnFileWrite(T(10), {observer::FileOp::kWrite, "/data/x", "app", 4});  // 5 opens in all
  b.OnFileWrite(T(10), {observer::FileOp::kCreate, "/data/x", "app", 0});
  b.OnFileWrite(T(10), {observer::FileOp::kTruncate, "/data/x", "app", 0});
  b.OnFileWrite(T(30), {observer::FileOp::kWrite, "/data/x", "app", 1});
  b.OnExec(T(5), {"/bin/true", false, 1});
  b.OnFlow(T(7), {observer::Direction::kIngress, "198.18.0.4", 18080, observer::Protocol::kTcp, 12});
  b.OnCapability(T(8), {0, true, "setattr_prepare", "chown", 2});
  b.OnFileWrite(T(41), {observer::FileOp::kCreate, "/var/c/b", "app", 3});
  b.OnFileWrite(T(42), {observer::FileOp::kCreate, "/var/c/c", "app", 1});
  // Detach: a later tally for the ingress peer (a repeat never moves first-seen back).
  b.OnFlow(T(7), {observer::Direction::kIngress, "198.18.0.4", 18080, observer::Protocol::kTcp, 0});
  b.OnFlow(T(900), {observer::Direction::kIngress, "198.18.0.4", 18080, observer::Protocol::kTcp, 3});

  EXPECT_EQ(b.behaviours(), facts) << "repeats are not new facts";
  EXPECT_EQ(b.LastNewFact(), last);
  crd::ContainerProfile c = b.Build();
  ASSERT_EQ(c.file_writes.size(), 2u);
  EXPECT_EQ(c.file_writes[0].path, "/data/x");
  EXPECT_THAT(c.file_writes[0].ops, ElementsAre("create", "truncate", "write"));
  EXPECT_EQ(c.file_writes[0].count, 7u);  // 5 + 2 opens, not 3 ops × 5 + 2
  EXPECT_EQ(c.file_writes[0].first_seen, Rfc3339Millis(T(10)));
  EXPECT_EQ(c.file_writes[1].path, "/var/c");
  EXPECT_TRUE(c.file_writes[1].summarized);
  EXPECT_EQ(c.file_writes[1].count, 7u);  // 1 + 4 + 2
  EXPECT_EQ(c.file_writes[1].first_seen, Rfc3339Millis(T(40)));
  ASSERT_EQ(c.execs.size(), 1u);
  EXPECT_EQ(c.execs[0].count, 2u);
  EXPECT_EQ(c.execs[0].first_seen, Rfc3339Millis(T(5)));
  ASSERT_EQ(c.network.ingress.size(), 1u);
  EXPECT_EQ(c.network.ingress[0].count, 16u);
  EXPECT_EQ(c.network.ingress[0].first_seen, Rfc3339Millis(T(7)));
  ASSERT_EQ(c.capability_evidence.size(), 1u);
  EXPECT_EQ(c.capability_evidence[0].count, 3u);
}

// A fact first known from a repeat (its record arrived later) is still one new fact, with
// the earliest time of both.
TEST(ProfileBuilderTest, CountBeforeRecordStillGivesOneFact) {
  ProfileBuilder b("app");
  b.OnFlow(T(50), {observer::Direction::kEgress, "10.0.0.1", 443, observer::Protocol::kTcp, 4});
  b.OnFlow(T(20), {observer::Direction::kEgress, "10.0.0.1", 443, observer::Protocol::kTcp, 1});
  EXPECT_EQ(b.behaviours(), 1u);
  crd::ContainerProfile c = b.Build();
  ASSERT_EQ(c.network.egress.size(), 1u);
  EXPECT_EQ(c.network.egress[0].count, 5u);
  EXPECT_EQ(c.network.egress[0].first_seen, Rfc3339Millis(T(20)));
}

TEST(ProfileBuilderTest, DeniedCapabilityIsStillNeeded) {
  ProfileBuilder b("app");
  b.OnCapability(T(1), {0, true, "setattr_prepare", "chown"});         // CHOWN allowed
  b.OnCapability(T(2), {10, false, "__inet_bind", "python3"});         // denied bind <1024
  b.OnCapability(T(3), {10, false, "__inet_bind", "python3"});
  b.OnCapability(T(4), {99, true, "x", "y"});                          // unknown number
  crd::ContainerProfile c = b.Build();
  EXPECT_THAT(c.capabilities, ElementsAre("CHOWN", "NET_BIND_SERVICE"));
  ASSERT_EQ(c.capability_evidence.size(), 2u);
  EXPECT_FALSE(c.capability_evidence[0].denied);
  EXPECT_EQ(c.capability_evidence[1].capability, "NET_BIND_SERVICE");
  EXPECT_TRUE(c.capability_evidence[1].denied);
  EXPECT_EQ(c.capability_evidence[1].count, 2u);
  EXPECT_EQ(c.capability_evidence[1].call_site, "__inet_bind");
  EXPECT_EQ(c.capability_evidence[1].binary, "python3");
  EXPECT_THAT(b.Warnings(), ElementsAre(::testing::HasSubstr("capability number 99")));
}

TEST(ProfileBuilderTest, UnnamedSyscallNumbersBecomeWarnings) {
  ProfileBuilder b("app");
  b.OnSyscall(T(1), {0});
  b.OnSyscall(T(1), {400});  // gap in the x86_64 table
  crd::ContainerProfile c = b.Build();
  EXPECT_THAT(c.syscalls, ElementsAre("read"));
  EXPECT_THAT(b.Warnings(), ElementsAre("syscall number 400 has no x86_64 name and is not "
                                        "listed in syscalls"));
}

TEST(ProfileBuilderTest, SummarisesManyFilesInOneDirectoryKeepingEvidence) {
  ProfileBuilder b("app", {.summarize_threshold = 8, .max_examples = 3});
  for (int i = 0; i < 20; ++i) {
    b.OnFileWrite(T(100 - i), {observer::FileOp::kCreate, absl::StrCat("/var/cache/app/f", 10 + i), "w"});
    b.OnFileWrite(T(200 + i), {observer::FileOp::kWrite, absl::StrCat("/var/cache/app/f", 10 + i), "w"});
  }
  b.OnFileWrite(T(5), {observer::FileOp::kUnlink, "/var/cache/app/f10", "w"});
  b.OnFileWrite(T(6), {observer::FileOp::kWrite, "/var/cache/other", "w"});
  // Exactly the threshold: not summarised.
  for (int i = 0; i < 8; ++i) b.OnFileWrite(T(7), {observer::FileOp::kWrite, absl::StrCat("/srv/", i), "w"});
  crd::ContainerProfile c = b.Build();
  ASSERT_EQ(c.file_writes.size(), 10u);
  EXPECT_EQ(c.file_writes[0].path, "/srv/0");
  EXPECT_FALSE(c.file_writes[0].summarized);
  const crd::FileWrite& s = c.file_writes[8];
  EXPECT_EQ(s.path, "/var/cache/app");
  EXPECT_TRUE(s.summarized);
  EXPECT_EQ(s.count, 41u);
  EXPECT_THAT(s.ops, ElementsAre("create", "unlink", "write"));
  EXPECT_EQ(s.first_seen, Rfc3339Millis(T(5)));
  EXPECT_THAT(s.examples, ElementsAre("/var/cache/app/f10", "/var/cache/app/f11",
                                      "/var/cache/app/f12"));
  EXPECT_EQ(c.file_writes[9].path, "/var/cache/other");
  EXPECT_FALSE(c.file_writes[9].summarized);
}

TEST(ProfileBuilderTest, SameObservationsInAnyOrderGiveIdenticalYaml) {
  std::vector<std::function<void(ProfileBuilder&)>> events;
  for (int i = 0; i < 30; ++i) {
    events.push_back([i](ProfileBuilder& b) { b.OnSyscall(T(i), {static_cast<uint32_t>(i % 12)}); });
    events.push_back([i](ProfileBuilder& b) {
      b.OnFileWrite(T(i), {i % 2 ? observer::FileOp::kWrite : observer::FileOp::kRename,
                           absl::StrCat("/data/d", i % 3, "/file", i), "app"});
    });
    events.push_back([i](ProfileBuilder& b) {
      b.OnFlow(T(i), {observer::Direction::kEgress, absl::StrCat("10.0.0.", i % 5), 80, observer::Protocol::kTcp});
    });
    events.push_back([i](ProfileBuilder& b) {
      b.OnCapability(T(i), {static_cast<uint32_t>(i % 4), i % 7 != 0, "f", "app"});
    });
    events.push_back([i](ProfileBuilder& b) { b.OnDns(T(i), {absl::StrCat("h", i % 4, ".test")}); });
  }
  auto emit = [&](const std::vector<std::function<void(ProfileBuilder&)>>& evs) {
    ProfileBuilder b("c");
    for (const auto& e : evs) e(b);
    crd::WorkloadProfile p;
    p.name = "p";
    p.containers.push_back(b.Build());
    return crd::EmitWorkloadProfile(p);
  };
  std::string reference = emit(events);
  EXPECT_NE(reference.find("summarized: true"), std::string::npos);
  std::mt19937 rng(42);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(events.begin(), events.end(), rng);
    EXPECT_EQ(emit(events), reference) << "round " << round;
  }
  // The result parses back (valid syscall and capability names, absolute paths).
  auto parsed = crd::ParseWorkloadProfile(reference, "built");
  EXPECT_TRUE(parsed.ok()) << parsed.status();
}

TEST(ProfileBuilderTest, UnrepresentableObservationsBecomeWarningsNotBadYaml) {
  ProfileBuilder b("app");
  b.OnFileWrite(T(1), {observer::FileOp::kWrite, "relative/x", "a"});
  b.OnFileWrite(T(1), {observer::FileOp::kWrite, "", "a"});
  b.OnExec(T(1), {"bin/sh", false});
  b.OnListen(T(1), {0, observer::Protocol::kTcp, "0.0.0.0"});
  b.OnFlow(T(1), {observer::Direction::kEgress, "not-an-ip", 80, observer::Protocol::kTcp});
  b.OnFlow(T(1), {observer::Direction::kEgress, "::ffff:127.0.0.1", 80, observer::Protocol::kTcp});  // valid
  crd::WorkloadProfile p;
  p.name = "p";
  p.containers.push_back(b.Build());
  p.status.warnings = b.Warnings();
  EXPECT_EQ(b.Warnings().size(), 5u);
  EXPECT_THAT(b.Warnings(), ::testing::Contains(::testing::HasSubstr("'relative/x'")));
  EXPECT_TRUE(p.containers[0].file_writes.empty());
  EXPECT_EQ(p.containers[0].network.egress.size(), 1u);
  auto parsed = crd::ParseWorkloadProfile(crd::EmitWorkloadProfile(p), "built");
  EXPECT_TRUE(parsed.ok()) << parsed.status();
}

TEST(ProfileBuilderTest, PerProcessProcPathsAreNormalisedToProcSelf) {
  EXPECT_EQ(NormaliseProcPath("/proc/1234/comm"), "/proc/self/comm");
  EXPECT_EQ(NormaliseProcPath("/proc/self/task/4321/comm"), "/proc/self/comm");
  EXPECT_EQ(NormaliseProcPath("/proc/77/task/78/attr/current"), "/proc/self/attr/current");
  EXPECT_EQ(NormaliseProcPath("/proc/thread-self/comm"), "/proc/self/comm");
  EXPECT_EQ(NormaliseProcPath("/proc/42"), "/proc/self");
  EXPECT_EQ(NormaliseProcPath("/proc/sys/vm/overcommit_memory"), "/proc/sys/vm/overcommit_memory");
  EXPECT_EQ(NormaliseProcPath("/proc/12ab/x"), "/proc/12ab/x");
  EXPECT_EQ(NormaliseProcPath("/procfs/1/x"), "/procfs/1/x");
  EXPECT_EQ(NormaliseProcPath("/var/lib/1/x"), "/var/lib/1/x");
  // Two runs of one program (other pids and thread ids) give the same profile.
  auto run = [](int pid, int tid) {
    ProfileBuilder b("app");
    b.OnFileWrite(T(1), {observer::FileOp::kWrite, absl::StrCat("/proc/self/task/", tid, "/comm"),
                         "app"});
    b.OnFileWrite(T(2), {observer::FileOp::kWrite, absl::StrCat("/proc/", pid, "/oom_score_adj"),
                         "app"});
    crd::WorkloadProfile p;
    p.name = "app";
    p.containers.push_back(b.Build());
    return crd::EmitWorkloadProfile(p);
  };
  std::string first = run(100, 101);
  EXPECT_EQ(first, run(2000, 2001));
  EXPECT_EQ(first.find("/proc/100"), std::string::npos) << first;
  EXPECT_NE(first.find("/proc/self/comm"), std::string::npos) << first;
}

TEST(ProfileBuilderTest, DenialsAreKeptApartFromTheProfile) {
  ProfileBuilder b("app");
  observer::DenialObservation d;
  d.kind = observer::DenialObservation::Kind::kFileWrite;
  d.error = 30;  // EROFS
  d.path = "/etc/x";
  b.OnDenial(T(1), d);
  EXPECT_EQ(b.denials().size(), 1u);
  EXPECT_EQ(b.denials()[0].denial.path, "/etc/x");
  EXPECT_EQ(b.behaviours(), 0u);
  EXPECT_TRUE(b.Build().file_writes.empty());
  EXPECT_EQ(b.LastNewFact(), absl::InfinitePast());
}

}  // namespace
}  // namespace minpriv::profiler
