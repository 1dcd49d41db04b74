#include "observer/decoder.h"

#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace minpriv::observer {
namespace {


TEST(NormalizePathTest, CollapsesDotsAndSlashes) {
  EXPECT_EQ(NormalizePath("/a//b/./c/"), "/a/b/c");
  EXPECT_EQ(NormalizePath("/a/b/../c"), "/a/c");
  EXPECT_EQ(NormalizePath("/../../x"), "/x");
  EXPECT_EQ(NormalizePath("/"), "/");
  EXPECT_EQ(NormalizePath("//"), "/");
  EXPECT_EQ(NormalizePath("/a/.."), "/");
  EXPECT_EQ(NormalizePath("/a/..b/.c"), "/a/..b/.c");
}

TEST(JoinDirComponentsTest, LeafFirstToAbsolute) {
  EXPECT_EQ(JoinDirComponents(std::string("c\0b\0a\0", 6)), "/a/b/c");
  EXPECT_EQ(JoinDirComponents(""), "/");
  EXPECT_EQ(JoinDirComponents(std::string("tmp\0/\0", 6)), "/tmp");
}

mp_path MakePath(std::string user, std::string dir_leaf_first, uint16_t flags = 0) {
  mp_path p{};
  memcpy(p.user, user.c_str(), user.size() + 1);
  p.user_len = user.size() + 1;
  memcpy(p.dir, dir_leaf_first.data(), dir_leaf_first.size());
  p.dir_len = dir_leaf_first.size();
  p.flags = flags;
  return p;
}

TEST(ResolvePathTest, AbsoluteRelativeAndFd) {
  EXPECT_EQ(ResolvePath(MakePath("/etc//x/../passwd", "")), "/etc/passwd");
  EXPECT_EQ(ResolvePath(MakePath("out/../f.txt", std::string("work\0tmp\0", 9))),
            "/tmp/work/f.txt");
  EXPECT_EQ(ResolvePath(MakePath("../../../../x", std::string("work\0tmp\0", 9))), "/x");
  EXPECT_EQ(ResolvePath(MakePath("f", "")), "/f");  // cwd is the root
  EXPECT_EQ(ResolvePath(MakePath("f", "", MP_PATH_DIR_FAILED)), std::nullopt);
  mp_path fd = MakePath("", std::string("log\0var\0", 8), MP_PATH_FROM_FD);
  fd.user_len = 0;
  EXPECT_EQ(ResolvePath(fd), "/var/log");
}

TEST(DnsNameTest, DecodesLowerCaseWithoutTrailingDot) {
  const uint8_t q[] = {3, 'W', 'w', 'W', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm',
                       0, 0, 1, 0, 1};
  EXPECT_EQ(DecodeDnsName(q, sizeof(q)), "www.example.com");
}

TEST(DnsNameTest, RejectsMalformed) {
  const uint8_t root[] = {0};
  EXPECT_EQ(DecodeDnsName(root, 1), std::nullopt);
  const uint8_t pointer[] = {0xc0, 0x0c};
  EXPECT_EQ(DecodeDnsName(pointer, 2), std::nullopt);
  const uint8_t overrun[] = {5, 'a', 'b'};
  EXPECT_EQ(DecodeDnsName(overrun, 3), std::nullopt);
  const uint8_t unterminated[] = {1, 'a'};
  EXPECT_EQ(DecodeDnsName(unterminated, 2), std::nullopt);
  const uint8_t dot_inside[] = {3, 'a', '.', 'b', 0};
  EXPECT_EQ(DecodeDnsName(dot_inside, 5), std::nullopt);
}

TEST(FormatAddressTest, V4V6AndMapped) {
  uint8_t a[16] = {127, 0, 0, 1};
  EXPECT_EQ(FormatAddress(MP_AF_INET, a), "127.0.0.1");
  uint8_t any6[16] = {};
  EXPECT_EQ(FormatAddress(MP_AF_INET6, any6), "::");
  uint8_t lo6[16] = {};
  lo6[15] = 1;
  EXPECT_EQ(FormatAddress(MP_AF_INET6, lo6), "::1");
  uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 7};
  EXPECT_EQ(FormatAddress(MP_AF_INET6, mapped), "10.0.0.7");
  uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};
  v6[15] = 9;
  EXPECT_EQ(FormatAddress(MP_AF_INET6, v6), "2001:db8::9");
}

TEST(FileOpsFromMaskTest, AllBitsInOrder) {
  EXPECT_EQ(FileOpsFromMask(MP_OP_TRUNCATE | MP_OP_WRITE | MP_OP_CREATE),
            (std::vector<FileOp>{FileOp::kWrite, FileOp::kCreate, FileOp::kTruncate}));
  EXPECT_EQ(FileOpsFromMask(MP_OP_MKNOD), std::vector<FileOp>{FileOp::kMknod});
  EXPECT_EQ(FileOpsFromMask(MP_OP_XATTR | MP_OP_UTIME),
            (std::vector<FileOp>{FileOp::kUtime, FileOp::kXattr}));
  EXPECT_TRUE(FileOpsFromMask(0).empty());
}

TEST(EventDecoderTest, SyscallAbi) {
  struct Abis : ObservationSink {
    std::vector<std::pair<uint32_t, SyscallAbi>> seen;
    void OnSyscall(absl::Time, const SyscallObservation& o) override {
      seen.emplace_back(o.nr, o.abi);
    }
    void OnCapability(absl::Time, const CapabilityObservation&) override {}
    void OnFileWrite(absl::Time, const FileWriteObservation&) override {}
    void OnExec(absl::Time, const ExecObservation&) override {}
    void OnIdentity(absl::Time, const IdentityObservation&) override {}
    void OnListen(absl::Time, const ListenObservation&) override {}
    void OnFlow(absl::Time, const FlowObservation&) override {}
    void OnDns(absl::Time, const DnsObservation&) override {}
  } sink;
  EventDecoder d(nullptr, 0);
  mp_syscall_event ev{};
  ev.hdr.type = MP_EV_SYSCALL;
  ev.nr = 26;
  ev.abi = MP_ABI_I386;
  ASSERT_TRUE(d.Dispatch(&ev, sizeof(ev), &sink).ok());
  ev.abi = MP_ABI_X86_64;
  ASSERT_TRUE(d.Dispatch(&ev, sizeof(ev), &sink).ok());
  EXPECT_EQ(sink.seen, (std::vector<std::pair<uint32_t, SyscallAbi>>{
                           {26, SyscallAbi::kI386}, {26, SyscallAbi::kX86_64}}));
}

// ---- EventDecoder with synthetic records --------------------------------------------

class FakeSymbolizer : public Symbolizer {
 public:
  std::string Resolve(uint64_t addr) const override {
    switch (addr) {
      case 1: return "cap_capable";
      case 2: return "security_capable";
      case 3: return "ns_capable";
      case 4: return "setattr_prepare";
      case 5: return "cap_vm_enough_memory";
      case 6: return "__vm_enough_memory";
      case 7: return "do_brk_flags";
    }
    return "";
  }
};

struct Recorder : ObservationSink {
  std::vector<std::string> log;
  void OnSyscall(absl::Time, const SyscallObservation& o) override {
    log.push_back("syscall " + std::to_string(o.nr));
  }
  void OnCapability(absl::Time, const CapabilityObservation& o) override {
    log.push_back("cap " + std::to_string(o.cap) + " " + (o.allowed ? "allowed" : "denied") +
                  " " + o.call_site + " " + o.comm);
  }
  void OnFileWrite(absl::Time, const FileWriteObservation& o) override {
    log.push_back("file " + std::to_string(static_cast<int>(o.op)) + " " + o.path);
  }
  void OnExec(absl::Time, const ExecObservation& o) override {
    log.push_back("exec " + o.path + (o.privilege_gain ? " gain" : ""));
  }
  void OnIdentity(absl::Time, const IdentityObservation& o) override {
    log.push_back("id " + std::to_string(o.uid) + ":" + std::to_string(o.gid));
  }
  void OnListen(absl::Time, const ListenObservation& o) override {
    log.push_back("listen " + o.address + ":" + std::to_string(o.port) +
                  (o.protocol == Protocol::kUdp ? "/udp" : "/tcp"));
  }
  void OnFlow(absl::Time, const FlowObservation& o) override {
    log.push_back(std::string(o.direction == Direction::kIngress ? "in " : "out ") +
                  o.ip + ":" + std::to_string(o.port));
  }
  void OnDns(absl::Time, const DnsObservation& o) override {
    log.push_back("dns " + o.name);
  }
  void OnDenial(absl::Time, const DenialObservation& o) override {
    log.push_back("denied " + std::to_string(o.nr) + " " + std::to_string(o.error) + " " +
                  o.path);
  }
};

template <typename T>
T Record(uint32_t type, uint64_t workload = 42) {
  T ev{};
  ev.hdr.type = type;
  ev.hdr.workload_id = workload;
  ev.hdr.ts_boot_ns = 1'000'000'000;
  strcpy(ev.hdr.comm, "prog");
  return ev;
}

TEST(EventDecoderTest, DecodesEachKind) {
  FakeSymbolizer sym;
  EventDecoder d(&sym, 1'700'000'000'000'000'000LL);
  Recorder r;

  auto sc = Record<mp_syscall_event>(MP_EV_SYSCALL);
  sc.nr = 309;
  ASSERT_TRUE(d.Dispatch(&sc, sizeof(sc), &r).ok());
  EXPECT_EQ(*EventDecoder::WorkloadId(&sc, sizeof(sc)), 42u);

  auto id = Record<mp_identity_event>(MP_EV_IDENTITY);
  id.uid = 1000;
  id.gid = 100;
  ASSERT_TRUE(d.Dispatch(&id, sizeof(id), &r).ok());

  auto need = Record<mp_capability_event>(MP_EV_CAPABILITY);
  need.cap = 0;  // CHOWN
  need.nframes = 4;
  uint64_t need_stack[] = {1, 2, 3, 4};
  memcpy(need.stack, need_stack, sizeof(need_stack));
  ASSERT_TRUE(d.Dispatch(&need, sizeof(need), &r).ok());

  auto probe = Record<mp_capability_event>(MP_EV_CAPABILITY);
  probe.cap = 21;  // SYS_ADMIN
  probe.nframes = 5;
  uint64_t probe_stack[] = {1, 2, 5, 6, 7};
  memcpy(probe.stack, probe_stack, sizeof(probe_stack));
  ASSERT_TRUE(d.Dispatch(&probe, sizeof(probe), &r).ok());

  auto denied = need;
  denied.ret = -1;
  ASSERT_TRUE(d.Dispatch(&denied, sizeof(denied), &r).ok());

  auto* file = new mp_file_event(Record<mp_file_event>(MP_EV_FILE));
  file->ops = MP_OP_CREATE | MP_OP_WRITE;
  file->path = MakePath("sub/../out.txt", std::string("work\0tmp\0", 9));
  ASSERT_TRUE(d.Dispatch(file, sizeof(*file), &r).ok());
  delete file;

  auto* exec = new mp_exec_event(Record<mp_exec_event>(MP_EV_EXEC));
  exec->path = MakePath("./true", std::string("true\0bin\0usr\0", 13));
  exec->privilege_gain = 1;
  ASSERT_TRUE(d.Dispatch(exec, sizeof(*exec), &r).ok());
  delete exec;

  auto listen = Record<mp_net_event>(MP_EV_NET);
  listen.kind = MP_NET_LISTEN;
  listen.protocol = MP_PROTO_UDP;
  listen.family = MP_AF_INET6;
  listen.port = 5353;
  ASSERT_TRUE(d.Dispatch(&listen, sizeof(listen), &r).ok());

  auto in = Record<mp_net_event>(MP_EV_NET);
  in.kind = MP_NET_INGRESS;
  in.protocol = MP_PROTO_TCP;
  in.family = MP_AF_INET;
  in.port = 8080;
  in.addr[0] = 10; in.addr[3] = 7;
  ASSERT_TRUE(d.Dispatch(&in, sizeof(in), &r).ok());

  auto dns = Record<mp_dns_event>(MP_EV_DNS);
  const uint8_t q[] = {5, 'C', 'a', 'c', 'h', 'e', 4, 's', 'h', 'o', 'p', 0, 0, 1};
  memcpy(dns.qname, q, sizeof(q));
  dns.len = sizeof(q);
  ASSERT_TRUE(d.Dispatch(&dns, sizeof(dns), &r).ok());

  auto* den = new mp_denial_event(Record<mp_denial_event>(MP_EV_DENIAL));
  den->nr = 257;
  den->error = 30;
  den->ops = MP_OP_WRITE;
  den->has_path = 1;
  den->path = MakePath("/ro/./f", "");
  ASSERT_TRUE(d.Dispatch(den, sizeof(*den), &r).ok());
  delete den;

  EXPECT_EQ(r.log, (std::vector<std::string>{
                       "syscall 309",
                       "id 1000:100",
                       "cap 0 allowed setattr_prepare prog",
                       "cap 0 denied setattr_prepare prog",
                       "file 0 /tmp/work/out.txt",
                       "file 1 /tmp/work/out.txt",
                       "exec /usr/bin/true gain",
                       "listen :::5353/udp",
                       "in 10.0.0.7:8080",
                       "dns cache.shop",
                       "denied 257 30 /ro/f",
                   }));
  EXPECT_EQ(d.counters().probe_capability_checks, 1u);
  EXPECT_EQ(d.counters().events, 11u);
}

// Counted records remember their observations under their dedup key; the kernel's hit
// counts come back as the same observations with count = the further occurrences.
TEST(EventDecoderTest, ReportHitsSendsFurtherOccurrencesOnce) {
  FakeSymbolizer sym;
  EventDecoder d(&sym, 0);
  struct CountSink : Recorder {
    std::vector<std::string> counts;
    std::vector<absl::Time> times;
    void OnFileWrite(absl::Time t, const FileWriteObservation& o) override {
      counts.push_back("file " + std::to_string(static_cast<int>(o.op)) + " " + o.path +
                       " x" + std::to_string(o.count));
      times.push_back(t);
    }
    void OnFlow(absl::Time t, const FlowObservation& o) override {
      counts.push_back("flow " + o.ip + ":" + std::to_string(o.port) + " x" +
                       std::to_string(o.count));
      times.push_back(t);
    }
    void OnExec(absl::Time t, const ExecObservation& o) override {
      counts.push_back("exec " + o.path + " x" + std::to_string(o.count));
      times.push_back(t);
    }
    void OnCapability(absl::Time t, const CapabilityObservation& o) override {
      counts.push_back("cap " + std::to_string(o.cap) + " " + o.call_site + " x" +
                       std::to_string(o.count));
      times.push_back(t);
    }
  } r;
  auto key = [](uint32_t kind, uint64_t a) {
    mp_seen_key k{};
    k.slot = 3;
    k.kind = kind;
    k.a = a;
    return k;
  };

  auto* file = new mp_file_event(Record<mp_file_event>(MP_EV_FILE));
  file->ops = MP_OP_CREATE | MP_OP_WRITE;
  file->path = MakePath("/tmp/out.txt", "");
  file->key = key(MP_SEEN_FILE, 1);
  ASSERT_TRUE(d.Dispatch(file, sizeof(*file), &r).ok());
  auto out = Record<mp_net_event>(MP_EV_NET);
  out.kind = MP_NET_EGRESS;
  out.protocol = MP_PROTO_TCP;
  out.family = MP_AF_INET;
  out.port = 443;
  out.addr[0] = 10; out.addr[3] = 1;
  out.key = key(MP_SEEN_NET, 2);
  ASSERT_TRUE(d.Dispatch(&out, sizeof(out), &r).ok());
  auto probe = Record<mp_capability_event>(MP_EV_CAPABILITY);
  probe.cap = 21;  // SYS_ADMIN from __vm_enough_memory: a probe
  probe.nframes = 5;
  uint64_t probe_stack[] = {1, 2, 5, 6, 7};
  memcpy(probe.stack, probe_stack, sizeof(probe_stack));
  probe.key = key(MP_SEEN_CAP, 3);
  ASSERT_TRUE(d.Dispatch(&probe, sizeof(probe), &r).ok());
  auto need = Record<mp_capability_event>(MP_EV_CAPABILITY);
  need.cap = 0;
  need.nframes = 4;
  uint64_t need_stack[] = {1, 2, 3, 4};
  memcpy(need.stack, need_stack, sizeof(need_stack));
  need.key = key(MP_SEEN_CAP, 4);
  ASSERT_TRUE(d.Dispatch(&need, sizeof(need), &r).ok());
  // The records themselves: one occurrence each; extra ops of one syscall count 0.
  EXPECT_EQ(r.counts, (std::vector<std::string>{"file 0 /tmp/out.txt x1",
                                                "file 1 /tmp/out.txt x0",
                                                "flow 10.0.0.1:443 x1",
                                                "cap 0 setattr_prepare x1"}));
  r.counts.clear();
  r.times.clear();

  d.ReportHits(key(MP_SEEN_FILE, 1), 5);
  d.ReportHits(key(MP_SEEN_NET, 2), 1);    // seen once: nothing further
  d.ReportHits(key(MP_SEEN_CAP, 3), 100);  // a probe: counted, not sent
  d.ReportHits(key(MP_SEEN_CAP, 4), 2);
  d.ReportHits(key(MP_SEEN_EXEC, 9), 7);   // no record decoded for it: ignored
  EXPECT_EQ(r.counts, (std::vector<std::string>{"file 0 /tmp/out.txt x4",
                                                "file 1 /tmp/out.txt x0",
                                                "cap 0 setattr_prepare x1"}));
  for (absl::Time t : r.times) EXPECT_EQ(t, absl::FromUnixSeconds(1)) << "first-seen time";
  EXPECT_EQ(d.counters().probe_capability_checks, 100u);
  r.counts.clear();

  // Idempotent: the same tally again (Drain, then Detach) sends nothing; more sends more.
  d.ReportHits(key(MP_SEEN_FILE, 1), 5);
  d.ReportHits(key(MP_SEEN_CAP, 4), 2);
  EXPECT_TRUE(r.counts.empty());
  d.ReportHits(key(MP_SEEN_NET, 2), 13);
  EXPECT_EQ(r.counts, (std::vector<std::string>{"flow 10.0.0.1:443 x12"}));
  r.counts.clear();

  // The kernel forgot the key (LRU) and emitted a new record: a new tally from 1.
  ASSERT_TRUE(d.Dispatch(&out, sizeof(out), &r).ok());
  d.ReportHits(key(MP_SEEN_NET, 2), 3);
  EXPECT_EQ(r.counts, (std::vector<std::string>{"flow 10.0.0.1:443 x1",
                                                "flow 10.0.0.1:443 x2"}));
  delete file;
}

TEST(EventDecoderTest, RejectsShortAndUnknownRecords) {
  EventDecoder d(nullptr, 0);
  Recorder r;
  char tiny[8] = {};
  EXPECT_FALSE(d.Dispatch(tiny, sizeof(tiny), &r).ok());
  auto sc = Record<mp_syscall_event>(99);
  EXPECT_FALSE(d.Dispatch(&sc, sizeof(sc), &r).ok());
  auto trunc = Record<mp_syscall_event>(MP_EV_CAPABILITY);
  EXPECT_FALSE(d.Dispatch(&trunc, sizeof(trunc), &r).ok());
  EXPECT_TRUE(r.log.empty());
  EXPECT_EQ(d.counters().malformed, 3u);
}

TEST(EventDecoderTest, TimestampIsBootTimePlusOffset) {
  EventDecoder d(nullptr, 5'000'000'000LL);
  struct TimeSink : Recorder {
    absl::Time t;
    void OnSyscall(absl::Time at, const SyscallObservation&) override { t = at; }
  } r;
  auto sc = Record<mp_syscall_event>(MP_EV_SYSCALL);
  ASSERT_TRUE(d.Dispatch(&sc, sizeof(sc), &r).ok());
  EXPECT_EQ(r.t, absl::FromUnixSeconds(6));
}

}  // namespace
}  // namespace minpriv::observer
