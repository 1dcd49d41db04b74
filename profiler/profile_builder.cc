#include "profiler/profile_builder.h"

#include <arpa/inet.h>

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "crd/capabilities.h"
#include "util/syscalls.h"

namespace minpriv::profiler {
namespace {

bool IsAbsolutePath(const std::string& path) { return !path.empty() && path[0] == '/'; }

bool IsIp(const std::string& ip) {
  unsigned char buf[16];
  return inet_pton(AF_INET, ip.c_str(), buf) == 1 || inet_pton(AF_INET6, ip.c_str(), buf) == 1;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Splits "first/rest" of `s` (no leading slash): first component and what follows it
// (with its leading slash, or empty).
std::pair<std::string_view, std::string_view> Head(std::string_view s) {
  size_t slash = s.find('/');
  if (slash == std::string_view::npos) return {s, {}};
  return {s.substr(0, slash), s.substr(slash)};
}

}  // namespace

std::string NormaliseProcPath(const std::string& path) {
  constexpr std::string_view kProc = "/proc/";
  if (path.compare(0, kProc.size(), kProc) != 0) return path;
  auto [who, rest] = Head(std::string_view(path).substr(kProc.size()));
  if (who == "thread-self") return "/proc/self" + std::string(rest);
  if (who != "self" && !AllDigits(who)) return path;
  // /proc/<pid or self>/task/<tid>/X: the thread's view of the process's entry.
  if (rest.substr(0, 6) == "/task/") {
    auto [tid, after] = Head(rest.substr(6));
    if (AllDigits(tid)) rest = after;
  }
  return "/proc/self" + std::string(rest);
}

std::string Rfc3339Millis(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

ProfileBuilder::ProfileBuilder(std::string container_name, ProfileBuilderOptions options)
    : name_(std::move(container_name)), options_(options) {}

bool ProfileBuilder::Note(Seen& seen, absl::Time t, uint64_t count) {
  bool is_new = !seen.known;
  seen.known = true;
  seen.count += count;
  seen.first = std::min(seen.first, t);
  if (is_new) {
    ++behaviours_;
    last_new_fact_ = std::max(last_new_fact_, t);
    new_fact_times_.push_back(t);
  }
  return is_new;
}

size_t ProfileBuilder::NewFactsSince(absl::Time since) const {
  return static_cast<size_t>(std::count_if(new_fact_times_.begin(), new_fact_times_.end(),
                                           [&](absl::Time t) { return t >= since; }));
}

void ProfileBuilder::OnSyscall(absl::Time t, const observer::SyscallObservation& o) {
  if (o.abi == observer::SyscallAbi::kI386) {
    Note(syscalls_i386_[o.nr], t);
    const char* name = util::SyscallNameI386(o.nr);
    if (name == nullptr || !util::SyscallNumber(name).has_value()) unlisted_i386_.insert(o.nr);
    return;
  }
  Note(syscalls_[o.nr], t);
  if (util::SyscallName(o.nr) == nullptr) unnamed_syscalls_.insert(o.nr);
}

void ProfileBuilder::OnCapability(absl::Time t, const observer::CapabilityObservation& o) {
  const char* name = crd::CapabilityName(o.cap);
  if (name == nullptr) {
    if (unknown_caps_.insert(o.cap).second) {
      ++behaviours_;
      last_new_fact_ = std::max(last_new_fact_, t);
      new_fact_times_.push_back(t);
    }
    return;
  }
  Note(capabilities_[{name, o.call_site, o.comm, !o.allowed}], t, o.count);
}

void ProfileBuilder::OnFileWrite(absl::Time t, const observer::FileWriteObservation& o) {
  if (!IsAbsolutePath(o.path)) {
    Reject(absl::StrCat("a ", observer::FileOpName(o.op), " of an unresolved path '", o.path,
                        "' is not listed in fileWrites"));
    return;
  }
  const std::string path = NormaliseProcPath(o.path);
  FileFacts& f = files_[path];
  const char* op = observer::FileOpName(o.op);
  f.ops.insert(op);
  // One fact per (path, op); the file's count is the modifications of the path (the
  // observer sends the extra ops of one syscall with count 0).
  bool is_new = file_ops_seen_.emplace(path, op).second;
  f.seen.known = true;
  f.seen.count += o.count;
  f.seen.first = std::min(f.seen.first, t);
  if (is_new) {
    ++behaviours_;
    last_new_fact_ = std::max(last_new_fact_, t);
    new_fact_times_.push_back(t);
  }
}

void ProfileBuilder::OnExec(absl::Time t, const observer::ExecObservation& o) {
  if (!IsAbsolutePath(o.path)) {
    Reject(absl::StrCat("an exec of an unresolved path '", o.path, "' is not listed in execs"));
    return;
  }
  auto& e = execs_[NormaliseProcPath(o.path)];
  e.first = e.first || o.privilege_gain;
  Note(e.second, t, o.count);
}

void ProfileBuilder::OnIdentity(absl::Time t, const observer::IdentityObservation& o) {
  Note(users_[{o.uid, o.gid}], t);
}

void ProfileBuilder::OnListen(absl::Time t, const observer::ListenObservation& o) {
  if (o.port == 0 || o.port > 65535 || (!o.address.empty() && !IsIp(o.address))) {
    Reject(absl::StrCat("a listening socket on '", o.address, "' port ", o.port,
                        " is not listed in network.listen"));
    return;
  }
  std::string address = o.address;
  if (listen_.emplace(o.port, observer::ProtocolName(o.protocol), address).second) {
    ++behaviours_;
    last_new_fact_ = std::max(last_new_fact_, t);
    new_fact_times_.push_back(t);
  }
}

void ProfileBuilder::OnFlow(absl::Time t, const observer::FlowObservation& o) {
  if (o.port == 0 || o.port > 65535 || !IsIp(o.ip)) {
    Reject(absl::StrCat("a flow with peer '", o.ip, "' port ", o.port,
                        " is not listed in network"));
    return;
  }
  Note(flows_[{o.direction == observer::Direction::kIngress ? 0 : 1, o.ip, o.port,
               observer::ProtocolName(o.protocol)}],
       t, o.count);
}

void ProfileBuilder::OnDns(absl::Time t, const observer::DnsObservation& o) {
  std::string name = absl::AsciiStrToLower(o.name);  // the profile's canonical spelling
  while (!name.empty() && name.back() == '.') name.pop_back();
  if (name.empty()) return;
  if (dns_.insert(name).second) {
    ++behaviours_;
    last_new_fact_ = std::max(last_new_fact_, t);
    new_fact_times_.push_back(t);
  }
}

void ProfileBuilder::OnDenial(absl::Time t, const observer::DenialObservation& o) {
  denials_.push_back({t, o});
}

void ProfileBuilder::Reject(std::string warning) { rejected_.insert(std::move(warning)); }

std::vector<std::string> ProfileBuilder::Warnings() const {
  std::vector<std::string> out(rejected_.begin(), rejected_.end());
  for (uint32_t nr : unnamed_syscalls_) {
    out.push_back(absl::StrCat("syscall number ", nr,
                               " has no x86_64 name and is not listed in syscalls"));
  }
  for (uint32_t nr : unlisted_i386_) {
    const char* name = util::SyscallNameI386(nr);
    out.push_back(name == nullptr
                      ? absl::StrCat("32-bit (i386) syscall number ", nr,
                                     " has no name and is not listed in syscalls")
                      : absl::StrCat("32-bit (i386) syscall '", name, "' (number ", nr,
                                     ") has no x86_64 name and is not listed in syscalls"));
  }
  if (!syscalls_i386_.empty()) {
    out.push_back(
        "the workload made 32-bit (i386) syscalls: their file writes are not observed");
  }
  for (uint32_t cap : unknown_caps_) {
    out.push_back(absl::StrCat("capability number ", cap,
                               " is unknown to minpriv and is not listed in capabilities"));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> ProfileBuilder::IncompleteReasons() const {
  std::vector<std::string> out;
  if (!syscalls_i386_.empty()) {
    out.push_back(absl::StrCat(
        "the workload made 32-bit (i386) syscalls: file writes made by them are not "
        "observed",
        unlisted_i386_.empty() ? ""
                               : ", and some have no x86_64 name and are not listed (see "
                                 "warnings)"));
  }
  return out;
}

namespace {

std::string ParentDir(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

crd::ContainerProfile ProfileBuilder::Build() const {
  crd::ContainerProfile c;
  c.name = name_;
  for (const auto& [nr, seen] : syscalls_) {
    if (const char* name = util::SyscallName(nr)) c.syscalls.push_back(name);
  }
  for (const auto& [nr, seen] : syscalls_i386_) {
    const char* name = util::SyscallNameI386(nr);
    if (name != nullptr && unlisted_i386_.count(nr) == 0) c.syscalls.push_back(name);
  }
  for (const auto& [key, seen] : capabilities_) {
    const auto& [cap, call_site, comm, denied] = key;
    c.capabilities.push_back(cap);  // denied checks count too: never narrower than tried
    c.capability_evidence.push_back(
        {cap, call_site, comm, seen.count, Rfc3339Millis(seen.first), denied});
  }

  // File writes, summarised per directory.
  std::map<std::string, std::vector<const std::string*>> by_dir;
  for (const auto& [path, facts] : files_) by_dir[ParentDir(path)].push_back(&path);
  for (const auto& [dir, paths] : by_dir) {
    if (paths.size() > options_.summarize_threshold) {
      crd::FileWrite w;
      w.path = dir;
      w.summarized = true;
      absl::Time first = absl::InfiniteFuture();
      std::set<std::string> ops;
      for (const std::string* p : paths) {  // already sorted (map order)
        const FileFacts& f = files_.at(*p);
        w.count += f.seen.count;
        first = std::min(first, f.seen.first);
        ops.insert(f.ops.begin(), f.ops.end());
        if (w.examples.size() < options_.max_examples) w.examples.push_back(*p);
      }
      w.ops.assign(ops.begin(), ops.end());
      w.first_seen = Rfc3339Millis(first);
      c.file_writes.push_back(std::move(w));
    } else {
      for (const std::string* p : paths) {
        const FileFacts& f = files_.at(*p);
        crd::FileWrite w;
        w.path = *p;
        w.ops.assign(f.ops.begin(), f.ops.end());
        w.count = f.seen.count;
        w.first_seen = Rfc3339Millis(f.seen.first);
        c.file_writes.push_back(std::move(w));
      }
    }
  }

  for (const auto& [path, e] : execs_) {
    c.execs.push_back({path, e.first, e.second.count, Rfc3339Millis(e.second.first)});
  }
  for (const auto& [ids, seen] : users_) c.users.push_back({ids.first, ids.second});
  for (const auto& [port, protocol, address] : listen_) {
    c.network.listen.push_back({port, protocol, address});
  }
  for (const auto& [key, seen] : flows_) {
    const auto& [dir, ip, port, protocol] = key;
    crd::Peer peer{ip, port, protocol, seen.count, Rfc3339Millis(seen.first)};
    (dir == 0 ? c.network.ingress : c.network.egress).push_back(std::move(peer));
  }
  c.network.dns.assign(dns_.begin(), dns_.end());

  crd::WorkloadProfile wrapper;
  wrapper.containers.push_back(std::move(c));
  crd::Canonicalize(wrapper);
  return std::move(wrapper.containers[0]);
}

}  // namespace minpriv::profiler
