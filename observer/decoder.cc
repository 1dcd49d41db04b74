#include "observer/decoder.h"

#include <arpa/inet.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace minpriv::observer {

// The ABI as user space relies on it (bpf/abi/events.h is the only definition).
static_assert(MINPRIV_ABI_VERSION == 6, "update the decoder for the new ABI");
static_assert(sizeof(mp_seen_key) == 32);
static_assert(offsetof(mp_seen_key, a) == 8);
static_assert(sizeof(mp_seen_value) == 8);
static_assert(sizeof(mp_cgroup_slot) == 16);
static_assert(offsetof(mp_cgroup_slot, slot) == 8);
static_assert(sizeof(mp_event_header) == 40);
static_assert(offsetof(mp_event_header, ts_boot_ns) == 8);
static_assert(offsetof(mp_event_header, workload_id) == 16);
static_assert(offsetof(mp_event_header, comm) == 24);
static_assert(sizeof(mp_syscall_event) == 48);
static_assert(sizeof(mp_identity_event) == 48);
static_assert(offsetof(mp_capability_event, key) == 56);
static_assert(offsetof(mp_capability_event, stack) == 88);
static_assert(sizeof(mp_capability_event) == 88 + 8 * MP_STACK_DEPTH);
static_assert(offsetof(mp_path, user) == 8);
static_assert(offsetof(mp_path, dir) == 8 + MP_USER_PATH_MAX);
static_assert(sizeof(mp_path) == 8 + MP_USER_PATH_MAX + MP_DIR_BUF + MP_NAME_MAX);
static_assert(offsetof(mp_file_event, key) == 64);
static_assert(offsetof(mp_file_event, path) == 96);
static_assert(offsetof(mp_exec_event, key) == 48);
static_assert(offsetof(mp_exec_event, path) == 80);
static_assert(offsetof(mp_denial_event, path) == 56);
static_assert(offsetof(mp_net_event, port) == 44);
static_assert(offsetof(mp_net_event, addr) == 48);
static_assert(offsetof(mp_net_event, key) == 64);
static_assert(sizeof(mp_net_event) == 96);
static_assert(offsetof(mp_dns_event, qname) == 48);
static_assert(sizeof(mp_dns_event) == 48 + MP_DNS_MAX);
static_assert(sizeof(mp_workload) == 8 * (MP_SYSCALL_BITS / 64) + 24);
static_assert(offsetof(mp_syscall_event, abi) == 44);
static_assert(offsetof(mp_cgroup_event, cgroup_id) == 40);
static_assert(offsetof(mp_cgroup_event, slot) == 48);
static_assert(offsetof(mp_cgroup_event, change) == 52);
static_assert(offsetof(mp_cgroup_event, path_len) == 54);
static_assert(sizeof(mp_cgroup_event) == 56);
static_assert(sizeof(udp_conv_key) == 28);
static_assert(offsetof(mp_cgroup_created_event, path) == 56);
static_assert(sizeof(mp_cgroup_created_event) == 56 + MP_CGROUP_PATH_MAX);

std::string JoinDirComponents(std::string_view leaf_first) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos < leaf_first.size()) {
    size_t end = leaf_first.find('\0', pos);
    if (end == std::string_view::npos) end = leaf_first.size();
    if (end > pos) parts.push_back(leaf_first.substr(pos, end - pos));
    pos = end + 1;
  }
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (*it == "/") continue;  // a root dentry's name
    absl::StrAppend(&out, "/", absl::string_view(it->data(), it->size()));
  }
  return out.empty() ? "/" : out;
}

std::string NormalizePath(std::string_view path) {
  std::vector<absl::string_view> stack;
  for (absl::string_view part : absl::StrSplit(absl::string_view(path.data(), path.size()), '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!stack.empty()) stack.pop_back();
      continue;
    }
    stack.push_back(part);
  }
  if (stack.empty()) return "/";
  return absl::StrCat("/", absl::StrJoin(stack, "/"));
}

namespace {

std::string_view Bounded(const char* s, size_t cap) {
  size_t n = strnlen(s, cap);
  return std::string_view(s, n);
}

}  // namespace

std::optional<std::string> ResolvePath(const mp_path& p) {
  size_t dir_len = std::min<size_t>(p.dir_len, sizeof(p.dir));
  std::string_view dir(p.dir, dir_len);
  if (p.flags & MP_PATH_FROM_FD) {
    if (p.flags & MP_PATH_DIR_FAILED) return std::nullopt;
    return NormalizePath(JoinDirComponents(dir));
  }
  if (p.user_len == 0) return std::nullopt;
  std::string_view user = Bounded(p.user, std::min<size_t>(p.user_len, sizeof(p.user)));
  if (!user.empty() && user[0] == '/') return NormalizePath(user);
  if (p.flags & MP_PATH_DIR_FAILED) return std::nullopt;
  return NormalizePath(absl::StrCat(JoinDirComponents(dir), "/", std::string(user)));
}

std::optional<std::string> DecodeDnsName(const uint8_t* data, size_t len) {
  std::string out;
  size_t i = 0;
  while (i < len) {
    uint8_t l = data[i];
    if (l == 0) {
      if (out.empty()) return std::nullopt;  // the root itself
      return out;
    }
    if (l > 63) return std::nullopt;  // compression pointer or bad label
    if (i + 1 + l > len) return std::nullopt;
    if (!out.empty()) out.push_back('.');
    for (size_t j = 0; j < l; ++j) {
      unsigned char c = data[i + 1 + j];
      if (c < 0x21 || c > 0x7e || c == '.') return std::nullopt;
      out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
    }
    i += 1 + l;
  }
  return std::nullopt;  // no terminating root label
}

std::string FormatAddress(uint16_t family, const uint8_t addr[16]) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == MP_AF_INET) {
    inet_ntop(AF_INET, addr, buf, sizeof(buf));
    return buf;
  }
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (memcmp(addr, kMapped, sizeof(kMapped)) == 0) {
    inet_ntop(AF_INET, addr + 12, buf, sizeof(buf));
    return buf;
  }
  inet_ntop(AF_INET6, addr, buf, sizeof(buf));
  return buf;
}

std::vector<FileOp> FileOpsFromMask(uint32_t mask) {
  static constexpr std::pair<uint32_t, FileOp> kOps[] = {
      {MP_OP_WRITE, FileOp::kWrite},     {MP_OP_CREATE, FileOp::kCreate},
      {MP_OP_TRUNCATE, FileOp::kTruncate}, {MP_OP_MKDIR, FileOp::kMkdir},
      {MP_OP_UNLINK, FileOp::kUnlink},   {MP_OP_RMDIR, FileOp::kRmdir},
      {MP_OP_RENAME, FileOp::kRename},   {MP_OP_LINK, FileOp::kLink},
      {MP_OP_SYMLINK, FileOp::kSymlink}, {MP_OP_CHMOD, FileOp::kChmod},
      {MP_OP_CHOWN, FileOp::kChown},     {MP_OP_MKNOD, FileOp::kMknod},
      {MP_OP_UTIME, FileOp::kUtime},     {MP_OP_XATTR, FileOp::kXattr},
      {MP_OP_REPLACE, FileOp::kReplace},
  };
  std::vector<FileOp> ops;
  for (const auto& [bit, op] : kOps) {
    if (mask & bit) ops.push_back(op);
  }
  return ops;
}

absl::StatusOr<uint64_t> EventDecoder::WorkloadId(const void* data, size_t size) {
  if (size < sizeof(mp_event_header)) {
    return absl::InvalidArgumentError(absl::StrCat("short event record: ", size, " bytes"));
  }
  mp_event_header h;
  memcpy(&h, data, sizeof(h));
  return h.workload_id;
}

absl::Time EventDecoder::ToTime(uint64_t boot_ns) const {
  return absl::FromUnixNanos(static_cast<int64_t>(boot_ns) + boot_to_unix_ns_);
}

EventDecoder::KeyTuple EventDecoder::Key(const mp_seen_key& k) {
  return {(static_cast<uint64_t>(k.slot) << 32) | k.kind, k.a, k.b, k.c};
}

EventDecoder::CountedFact* EventDecoder::StartFact(const mp_seen_key& k,
                                                   ObservationSink* sink,
                                                   absl::Time t) {
  if (k.kind == 0) return nullptr;
  CountedFact& f = facts_[Key(k)];
  f = CountedFact{};
  f.sink = sink;
  f.time = t;
  return &f;
}

void EventDecoder::ForgetSlot(uint32_t slot) {
  KeyTuple from{static_cast<uint64_t>(slot) << 32, 0, 0, 0};
  KeyTuple to{(static_cast<uint64_t>(slot) + 1) << 32, 0, 0, 0};
  facts_.erase(facts_.lower_bound(from), facts_.lower_bound(to));
}

void EventDecoder::ReportHits(const mp_seen_key& key, uint64_t hits) {
  auto it = facts_.find(Key(key));
  if (it == facts_.end()) return;
  CountedFact& f = it->second;
  // hits < reported: the kernel forgot the key and counts a new tally whose record is
  // still on its way (it resets `reported`).
  if (hits <= f.reported) return;
  uint64_t more = hits - f.reported;
  f.reported = hits;
  counters_.counted_hits += more;
  if (f.probe) {
    counters_.probe_capability_checks += more;
    return;
  }
  for (const Observation& o : f.observations) {
    std::visit(
        [&](const auto& first) {
          auto again = first;
          again.count = first.count * more;
          using T = std::decay_t<decltype(first)>;
          if constexpr (std::is_same_v<T, CapabilityObservation>) {
            f.sink->OnCapability(f.time, again);
          } else if constexpr (std::is_same_v<T, FileWriteObservation>) {
            f.sink->OnFileWrite(f.time, again);
          } else if constexpr (std::is_same_v<T, ExecObservation>) {
            f.sink->OnExec(f.time, again);
          } else {
            f.sink->OnFlow(f.time, again);
          }
        },
        o);
  }
}

namespace {

template <typename T>
absl::StatusOr<const T*> As(const void* data, size_t size) {
  if (size < sizeof(T)) {
    return absl::InvalidArgumentError(
        absl::StrCat("event record too short: ", size, " < ", sizeof(T)));
  }
  return static_cast<const T*>(data);
}

std::string Comm(const mp_event_header& h) { return std::string(Bounded(h.comm, MP_COMM_LEN)); }

}  // namespace

absl::Status EventDecoder::Dispatch(const void* data, size_t size,
                                    ObservationSink* sink) {
  if (size < sizeof(mp_event_header)) {
    ++counters_.malformed;
    return absl::InvalidArgumentError(absl::StrCat("short event record: ", size, " bytes"));
  }
  mp_event_header h;
  memcpy(&h, data, sizeof(h));
  absl::Time t = ToTime(h.ts_boot_ns);
  ++counters_.events;
  auto bad = [&](absl::Status s) {
    ++counters_.malformed;
    return s;
  };
  switch (h.type) {
    case MP_EV_SYSCALL: {
      auto ev = As<mp_syscall_event>(data, size);
      if (!ev.ok()) return bad(ev.status());
      SyscallObservation o;
      o.nr = (*ev)->nr;
      o.abi = (*ev)->abi == MP_ABI_I386 ? SyscallAbi::kI386
                                        : SyscallAbi::kX86_64;
      sink->OnSyscall(t, o);
      return absl::OkStatus();
    }
    case MP_EV_IDENTITY: {
      auto ev = As<mp_identity_event>(data, size);
      if (!ev.ok()) return bad(ev.status());
      sink->OnIdentity(t, IdentityObservation{(*ev)->uid, (*ev)->gid, Comm(h)});
      return absl::OkStatus();
    }
    case MP_EV_CAPABILITY: {
      auto ev = As<mp_capability_event>(data, size);
      if (!ev.ok()) return bad(ev.status());
      std::vector<std::string> frames;
      uint32_t n = std::min<uint32_t>((*ev)->nframes, MP_STACK_DEPTH);
      for (uint32_t i = 0; i < n; ++i) {
        frames.push_back(symbolizer_ ? symbolizer_->Resolve((*ev)->stack[i]) : "");
      }
      CapClassification c = ClassifyCapabilityStack((*ev)->cap, frames);
      if (((*ev)->flags & MP_CAP_OTHER_CREDS) != 0 && !c.probe) {
        // The kernel checked on someone else's behalf (overlayfs as its mounter, ...).
        c.probe = true;
        c.probe_reason = "checked with overridden credentials";
      }
      CountedFact* fact = StartFact((*ev)->key, sink, t);
      if (getenv("MINPRIV_DUMP_CAP_STACKS") != nullptr) {  // for deriving probe rules
        fprintf(stderr, "cap %u ret %d comm %s probe=%d site=%s:", (*ev)->cap, (*ev)->ret,
                Comm(h).c_str(), c.probe, c.call_site.c_str());
        for (uint32_t i = 0; i < n; ++i) {
          fprintf(stderr, " %s(%llx)", frames[i].c_str(),
                  static_cast<unsigned long long>((*ev)->stack[i]));
        }
        fprintf(stderr, "\n");
      }
      if (c.probe) {
        ++counters_.probe_capability_checks;
        if (fact != nullptr) fact->probe = true;
        return absl::OkStatus();
      }
      CapabilityObservation o;
      o.cap = (*ev)->cap;
      o.allowed = (*ev)->ret == 0;
      o.call_site = c.call_site;
      o.comm = Comm(h);
      sink->OnCapability(t, o);
      if (fact != nullptr) fact->observations.push_back(o);
      return absl::OkStatus();
    }
    case MP_EV_FILE: {
      auto ev = As<mp_file_event>(data, size);
      if (!ev.ok()) return bad(ev.status());
      auto path = ResolvePath((*ev)->path);
      if (!path.has_value()) {
        ++counters_.malformed;
        return absl::OkStatus();
      }
      CountedFact* fact = StartFact((*ev)->key, sink, t);
      bool first = true;
      for (FileOp op : FileOpsFromMask((*ev)->ops)) {
        FileWriteObservation o;
        o.op = op;
        o.path = *path;
        o.comm = Comm(h);
        o.count = first ? 1 : 0;  // one syscall: one modification of the path
        first = false;
        sink->OnFileWrite(t, o);
        if (fact != nullptr) fact->observations.push_back(o);
      }
      return absl::OkStatus();
    }
    case MP_EV_EXEC: {
      auto ev = As<mp_exec_event>(data, size);
      if (!ev.ok()) return bad(ev.status());
      const mp_path& p = (*ev)->path;
      ExecObservation o;
      if (p.dir_len > 0) {
        o.path = NormalizePath(
            JoinDirComponents(std::string_view(p.dir, std::min<size_t>(p.dir_len, sizeof(p.dir)))));
      } else {
        o.path = NormalizePath(Bounded(p.user, sizeof(p.user)));
      }
      o.privilege_gain = (*ev)->privilege_gain != 0;
      sink->OnExec(t, o);
      if (CountedFact* fact = StartFact((*ev)->key, sink, t)) {
        fact->observations.push_back(o);
      }
      return absl::OkStatus();
    }
    case MP_EV_NET: {
      auto ev = As<mp_net_event>(data, size);
      if (!ev.ok()) return bad(ev.status());
      const mp_net_event& e = **ev;
      Protocol proto =
          e.protocol == MP_PROTO_UDP ? Protocol::kUdp : Protocol::kTcp;
      std::string addr = FormatAddress(e.family, e.addr);
      if (e.kind == MP_NET_LISTEN) {
        ListenObservation o;
        o.port = e.port;
        o.protocol = proto;
        o.address = addr;
        sink->OnListen(t, o);
      } else if (e.kind == MP_NET_INGRESS || e.kind == MP_NET_EGRESS) {
        FlowObservation o;
        o.direction = e.kind == MP_NET_INGRESS ? Direction::kIngress
                                               : Direction::kEgress;
        o.ip = addr;
        o.port = e.port;
        o.protocol = proto;
        sink->OnFlow(t, o);
        if (CountedFact* fact = StartFact(e.key, sink, t)) fact->observations.push_back(o);
      } else {
        return bad(absl::InvalidArgumentError(absl::StrCat("bad net event kind ", e.kind)));
      }
      return absl::OkStatus();
    }
    case MP_EV_DNS: {
      auto ev = As<mp_dns_event>(data, size);
      if (!ev.ok()) return bad(ev.status());
      auto name = DecodeDnsName((*ev)->qname, std::min<size_t>((*ev)->len, MP_DNS_MAX));
      if (!name.has_value()) {
        ++counters_.malformed;
        return absl::OkStatus();
      }
      sink->OnDns(t, DnsObservation{*name});
      return absl::OkStatus();
    }
    case MP_EV_DENIAL: {
      auto ev = As<mp_denial_event>(data, size);
      if (!ev.ok()) return bad(ev.status());
      const mp_denial_event& e = **ev;
      DenialObservation o;
      o.nr = e.nr;
      o.abi = e.abi == MP_ABI_I386 ? SyscallAbi::kI386 : SyscallAbi::kX86_64;
      o.error = e.error;
      o.comm = Comm(h);
      if (e.has_path) {
        auto path = ResolvePath(e.path);
        auto ops = FileOpsFromMask(e.ops);
        if (path.has_value()) {
          o.kind = DenialObservation::Kind::kFileWrite;
          o.path = *path;
          if (!ops.empty()) o.op = ops.front();
        }
      }
      sink->OnDenial(t, o);
      return absl::OkStatus();
    }
  }
  return bad(absl::InvalidArgumentError(absl::StrCat("unknown event type ", h.type)));
}

}  // namespace minpriv::observer
