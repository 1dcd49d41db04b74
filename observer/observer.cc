// The BPF observer: skeleton lifecycle (open → rodata → load → attach), per-cgroup
// attachment of the socket hooks, ring-buffer polling and dispatch to sinks.
#include "observer/observer.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "bpf/abi/events.h"
#include "bpf/minpriv.skel.h"
#include "observer/cap_classifier.h"
#include "observer/decoder.h"
#include "spdlog/spdlog.h"
#include "util/cgroup.h"
#include "util/fd.h"

namespace minpriv::observer {

namespace {

// ---- RAII owners ---------------------------------------------------------------------

struct SkelDeleter {
  void operator()(minpriv_bpf* s) const { minpriv_bpf__destroy(s); }
};
using SkelPtr = std::unique_ptr<minpriv_bpf, SkelDeleter>;

struct LinkDeleter {
  void operator()(bpf_link* l) const { bpf_link__destroy(l); }
};
using LinkPtr = std::unique_ptr<bpf_link, LinkDeleter>;

struct RingDeleter {
  void operator()(ring_buffer* r) const { ring_buffer__free(r); }
};
using RingPtr = std::unique_ptr<ring_buffer, RingDeleter>;

using util::UniqueFd;

// ---- libbpf log capture (libbpf's print hook is process-wide) -------------------------

std::mutex g_log_mu;
std::string* g_log_capture = nullptr;  // guarded by g_log_mu; set only during loading

int LibbpfPrint(enum libbpf_print_level level, const char* fmt, va_list args) {
  char buf[1024];
  vsnprintf(buf, sizeof(buf), fmt, args);
  {
    std::lock_guard<std::mutex> lock(g_log_mu);
    if (g_log_capture != nullptr && level != LIBBPF_DEBUG) {
      g_log_capture->append(buf);
      if (g_log_capture->size() > (1u << 20)) g_log_capture->erase(0, 1u << 19);
    }
  }
  if (level == LIBBPF_WARN) {
    std::string line(buf);
    while (!line.empty() && line.back() == '\n') line.pop_back();
    spdlog::debug("libbpf: {}", line);
  }
  return 0;
}

class ScopedLogCapture {
 public:
  explicit ScopedLogCapture(std::string* out) {
    std::lock_guard<std::mutex> lock(g_log_mu);
    g_log_capture = out;
    libbpf_set_print(LibbpfPrint);
  }
  ~ScopedLogCapture() {
    std::lock_guard<std::mutex> lock(g_log_mu);
    g_log_capture = nullptr;
  }
};

// The program libbpf said failed to load, from its log ("prog 'x': failed to load").
std::string FailedProgram(const std::string& log) {
  std::string name;
  size_t pos = 0;
  while ((pos = log.find("prog '", pos)) != std::string::npos) {
    size_t end = log.find('\'', pos + 6);
    if (end == std::string::npos) break;
    std::string rest = log.substr(end, 40);
    if (rest.find("failed to load") != std::string::npos ||
        rest.find("load failed") != std::string::npos) {
      name = log.substr(pos + 6, end - pos - 6);
    }
    pos = end;
  }
  return name;
}

std::string LogTail(const std::string& log, size_t lines) {
  std::vector<absl::string_view> all = absl::StrSplit(log, '\n', absl::SkipEmpty());
  size_t from = all.size() > lines ? all.size() - lines : 0;
  return absl::StrJoin(all.begin() + from, all.end(), "\n");
}

// Programs whose absence degrades observation (with a warning) instead of failing.
struct ProgramInfo {
  const char* name;
  const char* what;
  bool optional;
  bool cgroup;  // attached per watched cgroup
};
constexpr ProgramInfo kPrograms[] = {
    {"on_sys_enter", "syscalls, identity and file writes (tp_btf/sys_enter)", false, false},
    {"on_sys_exit", "mkdir results and verify-mode denials (tp_btf/sys_exit)", false, false},
    {"on_cap_capable", "capabilities (tp_btf/cap_capable)", true, false},
    {"on_exec", "execs (tp_btf/sched_process_exec)", false, false},
    {"on_cgroup_mkdir", "descendant cgroups (tp_btf/cgroup_mkdir)", false, false},
    {"on_cgroup_rmdir", "descendant cgroup removal (tp_btf/cgroup_rmdir)", true, false},
    {"on_connect4", "outbound IPv4 connections (cgroup/connect4)", false, true},
    {"on_connect6", "outbound IPv6 connections (cgroup/connect6)", false, true},
    {"on_sendmsg4", "IPv4 UDP sends (cgroup/sendmsg4)", false, true},
    {"on_sendmsg6", "IPv6 UDP sends (cgroup/sendmsg6)", false, true},
    {"on_recvmsg4", "inbound IPv4 UDP datagrams (cgroup/recvmsg4)", true, true},
    {"on_recvmsg6", "inbound IPv6 UDP datagrams (cgroup/recvmsg6)", true, true},
    {"on_bind4", "IPv4 UDP listeners (cgroup/bind4)", true, true},
    {"on_bind6", "IPv6 UDP listeners (cgroup/bind6)", true, true},
    {"on_sockops", "TCP listeners and accepted connections (sockops)", true, true},
    {"on_egress", "DNS query names (cgroup_skb/egress)", true, true},
};

const ProgramInfo* FindProgram(std::string_view name) {
  for (const ProgramInfo& p : kPrograms) {
    if (name == p.name) return &p;
  }
  return nullptr;
}

bool KernelHasTracepoint(const btf* vmlinux, const char* tp) {
  std::string type = absl::StrCat("btf_trace_", tp);
  return btf__find_by_name_kind(vmlinux, type.c_str(), BTF_KIND_TYPEDEF) >= 0;
}

int64_t BootToUnixNs() {
  timespec real{}, boot{};
  clock_gettime(CLOCK_REALTIME, &real);
  clock_gettime(CLOCK_BOOTTIME, &boot);
  return (static_cast<int64_t>(real.tv_sec) - boot.tv_sec) * 1000000000LL +
         (static_cast<int64_t>(real.tv_nsec) - boot.tv_nsec);
}

// ---- the observer ----------------------------------------------------------------------

class BpfObserver : public Observer {
 public:
  BpfObserver(KallsymsSymbolizer symbolizer)
      : symbolizer_(std::move(symbolizer)), decoder_(&symbolizer_, BootToUnixNs()) {}
  // Unloads without calling the sinks (they may be gone by now); Detach() delivers.
  ~BpfObserver() override { Unload(); }

  absl::Status Load(const Options& options);
  absl::Status Watch(const std::string& cgroup_path, ObservationSink* sink) override;
  absl::Status Poll(absl::Duration timeout) override;
  absl::Status Drain() override;
  Stats GetStats() const override;
  void Detach() override;

 private:
  static int OnRecord(void* ctx, void* data, size_t size);
  // Whether a learned mkdir record is a `mkdir -p` of a directory that already existed (see
  // the definition); then its dedup key is gone from the kernel and the record is dropped.
  bool MkdirFoundExisting(const void* data, size_t size, uint64_t workload_id);
  bpf_program* Program(std::string_view name) const;
  absl::Status AddCgroupTree(const std::string& path, uint32_t slot);
  // Hands the kernel's hit counts (the `seen` map) to the decoder, which reports the
  // occurrences not reported yet as counts.
  void ReportCounts();
  // Delivers the mkdir records still waiting for their call's result (programs detached
  // meanwhile): kept as writes, never narrower than observed.
  void FlushPendingMkdirs();
  void Unload();

  KallsymsSymbolizer symbolizer_;
  EventDecoder decoder_;
  bool verify_mode_ = false;
  std::map<uint64_t, std::string> cgroup_paths_;  // workload id → watched cgroup
  SkelPtr skel_;
  RingPtr ring_;
  std::vector<LinkPtr> links_;
  std::vector<UniqueFd> cgroup_fds_;
  std::set<std::string> disabled_;  // programs not loaded
  std::vector<std::string> warnings_;
  std::map<uint64_t, ObservationSink*> sinks_;  // workload id → sink
  uint32_t next_slot_ = 0;
  uint64_t unattributed_ = 0;
  uint64_t mkdirs_of_existing_ = 0;  // EEXIST mkdirs told apart (not writes)
  mutable uint64_t dropped_after_detach_ = 0;  // drops survive Detach()
  absl::Status callback_status_;
};

bpf_program* BpfObserver::Program(std::string_view name) const {
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, skel_->obj) {
    if (name == bpf_program__name(prog)) return prog;
  }
  return nullptr;
}

absl::Status BpfObserver::Load(const Options& options) {
  btf* vmlinux = btf__load_vmlinux_btf();
  if (vmlinux == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read the kernel's BTF (/sys/kernel/btf/vmlinux): ", strerror(errno),
        "; minpriv needs a kernel built with CONFIG_DEBUG_INFO_BTF=y"));
  }
  if (!KernelHasTracepoint(vmlinux, "cap_capable")) {
    disabled_.insert("on_cap_capable");
    warnings_.push_back(
        "capabilities not observed: this kernel has no capability:cap_capable tracepoint "
        "(added in Linux 6.14); the profile's capability list will be empty");
  }
  btf__free(vmlinux);
  verify_mode_ = options.verify_mode;
  if (!options.verify_mode) disabled_.insert("on_sys_exit");

  uint32_t ring_bytes = options.ring_buffer_bytes;
  long page = sysconf(_SC_PAGESIZE);
  if (ring_bytes < static_cast<uint32_t>(page) || (ring_bytes & (ring_bytes - 1)) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ring_buffer_bytes=", ring_bytes, " must be a power of two of at least ", page));
  }

  std::string log;
  ScopedLogCapture capture(&log);
  for (int attempt = 0; attempt < 16; ++attempt) {
    log.clear();
    skel_.reset(minpriv_bpf__open());
    if (!skel_) {
      return absl::InternalError(absl::StrCat("opening the BPF object failed: ",
                                              strerror(errno), "\n", LogTail(log, 10)));
    }
    skel_->rodata->verify_mode = options.verify_mode;
    if (int err = bpf_map__set_max_entries(skel_->maps.events, ring_bytes); err != 0) {
      return absl::InternalError(absl::StrCat("sizing the ring buffer: ", strerror(-err)));
    }
    for (const std::string& name : disabled_) {
      if (bpf_program* p = Program(name)) bpf_program__set_autoload(p, false);
    }
    int err = minpriv_bpf__load(skel_.get());
    if (err == 0) break;
    std::string failed = FailedProgram(log);
    const ProgramInfo* info = FindProgram(failed);
    if (err == -EPERM && failed.empty()) {
      return absl::PermissionDeniedError(absl::StrCat(
          "loading BPF programs was refused (", strerror(-err),
          "): minpriv needs root with CAP_BPF/CAP_SYS_ADMIN and BPF enabled\n",
          LogTail(log, 10)));
    }
    if (info == nullptr || disabled_.count(failed) > 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "loading the BPF programs failed (", strerror(-err), ")",
          failed.empty() ? "" : absl::StrCat(" in '", failed, "'"), "\n", LogTail(log, 20)));
    }
    if (!info->optional) {
      return absl::FailedPreconditionError(absl::StrCat(
          "this kernel cannot load the BPF program for ", info->what, ": ", strerror(-err),
          "; minpriv cannot observe without it\n", LogTail(log, 20)));
    }
    warnings_.push_back(absl::StrCat("not observed on this kernel: ", info->what,
                                     " (program failed to load: ", strerror(-err), ")"));
    disabled_.insert(failed);
  }
  if (!skel_ || skel_->obj == nullptr) return absl::InternalError("BPF object not loaded");

  // Global tracing programs.
  for (const ProgramInfo& info : kPrograms) {
    if (info.cgroup || disabled_.count(info.name) > 0) continue;
    bpf_program* prog = Program(info.name);
    if (prog == nullptr) return absl::InternalError(absl::StrCat("no program ", info.name));
    bpf_link* link = bpf_program__attach(prog);
    if (link == nullptr) {
      int e = errno;
      if (info.optional) {
        warnings_.push_back(absl::StrCat("not observed on this kernel: ", info.what,
                                         " (attach failed: ", strerror(e), ")"));
        continue;
      }
      return absl::FailedPreconditionError(
          absl::StrCat("attaching the BPF program for ", info.what, " failed: ", strerror(e)));
    }
    links_.emplace_back(link);
  }

  ring_.reset(ring_buffer__new(bpf_map__fd(skel_->maps.events), &BpfObserver::OnRecord, this,
                               nullptr));
  if (!ring_) {
    return absl::InternalError(absl::StrCat("creating the ring buffer reader failed: ",
                                            strerror(errno)));
  }
  std::sort(warnings_.begin(), warnings_.end());
  for (const std::string& w : warnings_) spdlog::warn("{}", w);
  return absl::OkStatus();
}

absl::Status BpfObserver::AddCgroupTree(const std::string& path, uint32_t slot) {
  auto id = util::CgroupId(path);
  if (!id.ok()) return id.status();
  uint64_t key = *id;
  if (bpf_map__update_elem(skel_->maps.cgroups, &key, sizeof(key), &slot, sizeof(slot),
                           BPF_ANY) != 0) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "cannot add cgroup ", path, " to the watch list: ", strerror(errno),
        " (at most ", MP_MAX_CGROUPS, " cgroups)"));
  }
  // Fill the hot-path cache entry if free, or refresh it if it is this cgroup's (a nested
  // Watch() moves a subtree to the new slot). Never evict another id: see events.h.
  uint32_t idx = mp_cgroup_cache_index(key);
  mp_cgroup_slot entry{};
  if (bpf_map__lookup_elem(skel_->maps.cgroup_cache, &idx, sizeof(idx), &entry, sizeof(entry),
                           0) == 0 &&
      (entry.cgroup_id == 0 || entry.cgroup_id == key)) {
    entry.cgroup_id = key;
    entry.slot = slot;
    if (bpf_map__update_elem(skel_->maps.cgroup_cache, &idx, sizeof(idx), &entry,
                             sizeof(entry), BPF_ANY) != 0) {
      return absl::InternalError(absl::StrCat("cgroup cache update: ", strerror(errno)));
    }
  }
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
    if (entry.is_directory(ec)) {
      // Cgroups that vanish meanwhile are fine to miss.
      absl::Status s = AddCgroupTree(entry.path().string(), slot);
      if (!s.ok() && !absl::IsNotFound(s)) return s;
    }
  }
  return absl::OkStatus();
}

absl::Status BpfObserver::Watch(const std::string& cgroup_path,
                                ObservationSink* sink) {
  if (!skel_) return absl::FailedPreconditionError("observer is detached");
  if (sink == nullptr) return absl::InvalidArgumentError("Watch: null sink");
  auto id = util::CgroupId(cgroup_path);
  if (!id.ok()) return id.status();
  if (sinks_.count(*id) > 0) {
    return absl::AlreadyExistsError(absl::StrCat(cgroup_path, " is already watched"));
  }
  if (next_slot_ >= MP_MAX_WORKLOADS) {
    return absl::ResourceExhaustedError(
        absl::StrCat("at most ", MP_MAX_WORKLOADS, " cgroups can be watched at once"));
  }
  uint32_t slot = next_slot_++;
  mp_workload w{};
  w.workload_id = *id;
  w.last_uid = w.last_gid = 0xffffffffu;
  if (bpf_map__update_elem(skel_->maps.workloads, &slot, sizeof(slot), &w, sizeof(w),
                           BPF_ANY) != 0) {
    return absl::InternalError(absl::StrCat("workloads map update: ", strerror(errno)));
  }
  sinks_[*id] = sink;
  cgroup_paths_[*id] = cgroup_path;
  if (absl::Status s = AddCgroupTree(cgroup_path, slot); !s.ok()) return s;

  UniqueFd fd(open(cgroup_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) {
    return absl::NotFoundError(absl::StrCat("cannot open cgroup ", cgroup_path, ": ",
                                            strerror(errno)));
  }
  for (const ProgramInfo& info : kPrograms) {
    if (!info.cgroup || disabled_.count(info.name) > 0) continue;
    // BPF links on cgroups are multi-attach: other programs on the cgroup keep working.
    bpf_link* link = bpf_program__attach_cgroup(Program(info.name), fd.get());
    if (link == nullptr) {
      int e = errno;
      if (info.optional) {
        warnings_.push_back(absl::StrCat("not observed in ", cgroup_path, ": ", info.what,
                                         " (attach failed: ", strerror(e), ")"));
        std::sort(warnings_.begin(), warnings_.end());
        continue;
      }
      return absl::FailedPreconditionError(absl::StrCat(
          "attaching ", info.what, " to ", cgroup_path, " failed: ", strerror(e)));
    }
    links_.emplace_back(link);
  }
  cgroup_fds_.push_back(std::move(fd));
  return absl::OkStatus();
}

int BpfObserver::OnRecord(void* ctx, void* data, size_t size) {
  auto* self = static_cast<BpfObserver*>(ctx);
  auto id = EventDecoder::WorkloadId(data, size);
  if (!id.ok()) return 0;
  auto it = self->sinks_.find(*id);
  if (it == self->sinks_.end()) {
    ++self->unattributed_;
    return 0;
  }
  if (self->MkdirFoundExisting(data, size, *id)) return 0;
  absl::Status s = self->decoder_.Dispatch(data, size, it->second);
  if (!s.ok() && self->callback_status_.ok()) self->callback_status_ = s;
  return 0;
}

namespace {

// A directory born less than this before a mkdir call may have been born by it: covers
// file systems whose timestamps are coarse (jiffies) or truncated to the second.
constexpr int64_t kBirthSlackNs = 1000000000;

// The root directory (O_PATH) of process `pid` when it is the one a record's path is
// relative to: the same directory (inode, kernel dev_t) in the same mount namespace.
std::optional<UniqueFd> RootOf(pid_t pid, const mp_file_event& ev) {
  std::string proc = absl::StrCat("/proc/", pid);
  struct stat ns {};
  if (stat((proc + "/ns/mnt").c_str(), &ns) != 0 || ns.st_ino != ev.mnt_ns) return std::nullopt;
  UniqueFd root(open((proc + "/root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  struct stat st {};
  if (root.get() < 0 || fstat(root.get(), &st) != 0) return std::nullopt;
  if (st.st_ino != ev.root_ino ||
      st.st_dev != makedev(ev.root_dev >> 20, ev.root_dev & 0xfffff)) {
    return std::nullopt;
  }
  return root;
}

// File systems whose birth times come from this machine's clock at a fine granularity.
bool TrustedBirthTimes(const struct statfs& fs) {
  switch (static_cast<uint64_t>(fs.f_type)) {
    case 0xEF53:      // ext2/3/4
    case 0x58465342:  // xfs
    case 0x9123683E:  // btrfs
    case 0x01021994:  // tmpfs
    case 0xF2F52010:  // f2fs
    case 0x794C7630:  // overlayfs (its layers' times)
      return true;
    default:
      return false;
  }
}

}  // namespace

// Learning records mkdir at its entry: a hook on its exit would slow down every syscall of
// every task on the machine (bpf/minpriv.bpf.c). `mkdir -p` of a directory that already
// exists fails with EEXIST and needs nothing writable, so it is not a write; it is told
// apart here, and only with certainty: the directory is there, resolved inside the caller's
// root (its /proc/PID/root, or once it has exited that of another process of the workload,
// or ours, with the same root directory and mount namespace), on a local file system whose
// birth times this machine wrote, and was born before the call by more than any timestamp
// granularity.
// Then the kernel's dedup key goes, so a later mkdir that does create it is reported.
// Anything uncertain keeps the record: never narrower than observed.
bool BpfObserver::MkdirFoundExisting(const void* data, size_t size, uint64_t workload_id) {
  // Every record passes here: only a learned mkdir record goes past these first checks, read
  // in place in the ring buffer (records are 8-byte aligned, as the decoder reads them).
  if (verify_mode_ || !skel_ || size < sizeof(mp_file_event)) return false;
  const auto& ev = *static_cast<const mp_file_event*>(data);
  if (ev.hdr.type != MP_EV_FILE || ev.ops != MP_OP_MKDIR || ev.key.kind != MP_SEEN_FILE) {
    return false;
  }
  if (ev.path.flags & (MP_PATH_USER_TRUNCATED | MP_PATH_DIR_TRUNCATED | MP_PATH_DIR_FAILED)) {
    return false;
  }
  std::optional<std::string> path = ResolvePath(ev.path);
  if (!path.has_value() || path->empty() || path->front() != '/') return false;
  std::optional<UniqueFd> root = RootOf(ev.hdr.pid, ev);
  if (!root.has_value()) {
    auto cg = cgroup_paths_.find(workload_id);
    if (cg == cgroup_paths_.end()) return false;
    for (pid_t pid : util::CgroupProcs(cg->second)) {
      root = RootOf(pid, ev);
      if (root.has_value()) break;
    }
  }
  // Gone with all its kin (a short-lived `mkdir -p`): fine when its root is ours.
  if (!root.has_value()) root = RootOf(getpid(), ev);
  if (!root.has_value()) return false;
  // Resolved inside that root, as the kernel did for the caller: absolute symlinks and ".."
  // stay in it; the last component itself is not followed.
  struct open_how how {};
  how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  UniqueFd dir(static_cast<int>(
      syscall(SYS_openat2, root->get(), path->c_str() + 1, &how, sizeof(how))));
  if (dir.get() < 0) return false;
  struct statfs fs {};
  if (fstatfs(dir.get(), &fs) != 0 || !TrustedBirthTimes(fs)) return false;
  struct statx stx {};
  if (statx(dir.get(), "", AT_EMPTY_PATH, STATX_TYPE | STATX_BTIME, &stx) != 0) return false;
  if ((stx.stx_mask & STATX_BTIME) == 0 || !S_ISDIR(stx.stx_mode)) return false;
  int64_t born = static_cast<int64_t>(stx.stx_btime.tv_sec) * 1000000000LL + stx.stx_btime.tv_nsec;
  // The clocks' offset now, not when learning began: the wall clock may have been stepped.
  int64_t called = static_cast<int64_t>(ev.hdr.ts_boot_ns) + BootToUnixNs();
  if (born + kBirthSlackNs >= called) return false;
  // The directory there now predates this call: the call failed with EEXIST, and so did
  // every later one that met the same key — unless the directory was removed and replaced
  // meanwhile, which the rmdir / rename onto it record as writes of the path anyway.
  bpf_map_delete_elem(bpf_map__fd(skel_->maps.seen), &ev.key);
  ++mkdirs_of_existing_;
  return true;
}

absl::Status BpfObserver::Poll(absl::Duration timeout) {
  if (!ring_) return absl::FailedPreconditionError("observer is detached");
  int ms = static_cast<int>(std::max<int64_t>(0, absl::ToInt64Milliseconds(timeout)));
  int n = ring_buffer__poll(ring_.get(), ms);
  if (n < 0 && n != -EINTR) {
    return absl::InternalError(absl::StrCat("ring buffer poll: ", strerror(-n)));
  }
  absl::Status s = std::exchange(callback_status_, absl::OkStatus());
  if (!s.ok()) spdlog::debug("malformed event: {}", std::string(s.message()));
  return absl::OkStatus();
}

absl::Status BpfObserver::Drain() {
  if (!ring_) return absl::FailedPreconditionError("observer is detached");
  int n = ring_buffer__consume(ring_.get());
  if (n < 0) return absl::InternalError(absl::StrCat("ring buffer consume: ", strerror(-n)));
  callback_status_ = absl::OkStatus();
  // After the records: a key whose record is still in flight is skipped here, and counted
  // by a later Drain() or by Detach() (which stops the programs first).
  ReportCounts();
  return absl::OkStatus();
}

void BpfObserver::ReportCounts() {
  if (!skel_) return;
  bpf_map* seen = skel_->maps.seen;
  mp_seen_key key{}, next{};
  bool first = true;
  // Entries may vanish meanwhile (LRU), which makes the walk restart from the first key:
  // bounded, and harmless (ReportHits is idempotent).
  size_t limit = 4 * static_cast<size_t>(bpf_map__max_entries(seen));
  for (size_t i = 0; i < limit; ++i) {
    if (bpf_map__get_next_key(seen, first ? nullptr : &key, &next, sizeof(next)) != 0) break;
    first = false;
    key = next;
    mp_seen_value value{};
    if (bpf_map__lookup_elem(seen, &key, sizeof(key), &value, sizeof(value), 0) == 0) {
      decoder_.ReportHits(key, value.hits);
    }
  }
}

void BpfObserver::FlushPendingMkdirs() {
  if (!skel_) return;
  bpf_map* pending = skel_->maps.pending_mkdirs;
  std::vector<uint64_t> keys;
  uint64_t key = 0, next = 0;
  bool first = true;
  while (keys.size() < bpf_map__max_entries(pending) &&
         bpf_map__get_next_key(pending, first ? nullptr : &key, &next, sizeof(next)) == 0) {
    first = false;
    key = next;
    keys.push_back(key);
  }
  auto ev = std::make_unique<mp_file_event>();
  for (uint64_t k : keys) {
    if (bpf_map__lookup_elem(pending, &k, sizeof(k), ev.get(), sizeof(*ev), 0) == 0) {
      OnRecord(this, ev.get(), sizeof(*ev));
      bpf_map__delete_elem(pending, &k, sizeof(k), 0);
    }
  }
}

Stats BpfObserver::GetStats() const {
  Stats s;
  s.events = decoder_.counters().events;
  s.probe_capability_checks = decoder_.counters().probe_capability_checks;
  s.mkdirs_of_existing = mkdirs_of_existing_;
  s.warnings = warnings_;
  if (skel_) {
    int ncpu = libbpf_num_possible_cpus();
    if (ncpu > 0) {
      std::vector<uint64_t> per_cpu(ncpu);
      uint32_t zero = 0;
      if (bpf_map__lookup_elem(skel_->maps.drops, &zero, sizeof(zero), per_cpu.data(),
                               per_cpu.size() * sizeof(uint64_t), 0) == 0) {
        for (uint64_t d : per_cpu) s.dropped += d;
      }
    }
  }
  dropped_after_detach_ = std::max(dropped_after_detach_, s.dropped);
  s.dropped = dropped_after_detach_;
  return s;
}

void BpfObserver::Detach() {
  if (!skel_) return;
  links_.clear();  // no program runs any more: the ring and the counts are final
  if (ring_) ring_buffer__consume(ring_.get());
  FlushPendingMkdirs();
  callback_status_ = absl::OkStatus();
  ReportCounts();
  Unload();
}

void BpfObserver::Unload() {
  if (skel_) GetStats();  // remember the drop count
  links_.clear();
  cgroup_fds_.clear();
  ring_.reset();
  skel_.reset();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Observer>> Observer::Create(const Options& options) {
  if (geteuid() != 0) {
    return absl::PermissionDeniedError(
        "minpriv must run as root to load its BPF programs (try: sudo minpriv ...)");
  }
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
    return absl::FailedPreconditionError(
        "this kernel exposes no BTF (/sys/kernel/btf/vmlinux is missing): minpriv's CO-RE "
        "programs need a kernel built with CONFIG_DEBUG_INFO_BTF=y");
  }
  auto symbolizer = KallsymsSymbolizer::Load();
  if (!symbolizer.ok()) return symbolizer.status();
  auto observer = std::make_unique<BpfObserver>(std::move(*symbolizer));
  if (absl::Status s = observer->Load(options); !s.ok()) return s;
  return std::unique_ptr<Observer>(std::move(observer));
}

}  // namespace minpriv::observer
