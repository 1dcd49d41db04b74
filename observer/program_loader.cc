#include "observer/program_loader.h"

#include <bpf/btf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "bpf/abi/events.h"
#include "spdlog/spdlog.h"

namespace minpriv::observer {

namespace {

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

const ProgramInfo* FindProgramInfo(std::string_view name) {
  for (const ProgramInfo& p : kPrograms) {
    if (name == p.name) return &p;
  }
  return nullptr;
}

bool KernelHasTracepoint(const btf* vmlinux, const char* tp) {
  std::string type = absl::StrCat("btf_trace_", tp);
  return btf__find_by_name_kind(vmlinux, type.c_str(), BTF_KIND_TYPEDEF) >= 0;
}

// Node mode: the rodata switch and the per-slot maps sized for `node.slots`; without verify
// mode, the maps only verify mode uses (preallocated: 28 MB at their learn-mode sizes) hold
// one entry.
absl::Status SizeForNode(const NodeSizing& node, bool verify_mode, minpriv_bpf& skel) {
  skel.rodata->node_mode = true;
  const uint32_t slots = node.slots;
  const struct {
    bpf_map* map;
    uint32_t entries;
  } sizes[] = {
      {skel.maps.workloads, slots},
      {skel.maps.free_slots, slots},
      {skel.maps.orphans, slots},
      {skel.maps.denial_watch, slots},
      {skel.maps.cgroups, std::max<uint32_t>(MP_MAX_CGROUPS, slots)},
      {skel.maps.seen, SeenEntriesFor(slots)},
      {skel.maps.udp_convs, std::max<uint32_t>(16384, 4 * slots)},
      // Its size in the object when verify mode uses it.
      {skel.maps.stashes, verify_mode ? bpf_map__max_entries(skel.maps.stashes) : 1},
      // Node mode never holds a mkdir for its result (maps.bpf.h: pending_mkdirs).
      {skel.maps.pending_mkdirs, 1},
  };
  for (const auto& s : sizes) {
    if (int err = bpf_map__set_max_entries(s.map, s.entries); err != 0) {
      return absl::InternalError(absl::StrCat("sizing map ", bpf_map__name(s.map), " to ",
                                              s.entries, ": ", strerror(-err)));
    }
  }
  return absl::OkStatus();
}

// Opens and loads the skeleton; a program that fails to load is switched off and the load
// retried when the observer can do without it.
absl::Status OpenAndLoad(const Options& options, const NodeSizing& node, uint32_t ring_bytes,
                         LoadedPrograms& out) {
  std::string log;
  ScopedLogCapture capture(&log);
  for (int attempt = 0; attempt < 16; ++attempt) {
    log.clear();
    out.skel.reset(minpriv_bpf__open());
    if (!out.skel) {
      return absl::InternalError(absl::StrCat("opening the BPF object failed: ",
                                              strerror(errno), "\n", LogTail(log, 10)));
    }
    out.skel->rodata->verify_mode = options.verify_mode;
    if (int err = bpf_map__set_max_entries(out.skel->maps.events, ring_bytes); err != 0) {
      return absl::InternalError(absl::StrCat("sizing the ring buffer: ", strerror(-err)));
    }
    if (node.slots > 0) {
      if (absl::Status s = SizeForNode(node, options.verify_mode, *out.skel); !s.ok()) return s;
    }
    for (const std::string& name : out.disabled) {
      if (bpf_program* p = FindProgram(*out.skel, name)) bpf_program__set_autoload(p, false);
    }
    int err = minpriv_bpf__load(out.skel.get());
    if (err == 0) break;
    std::string failed = FailedProgram(log);
    const ProgramInfo* info = FindProgramInfo(failed);
    if (err == -EPERM && failed.empty()) {
      return absl::PermissionDeniedError(absl::StrCat(
          "loading BPF programs was refused (", strerror(-err),
          "): minpriv needs root with CAP_BPF/CAP_SYS_ADMIN and BPF enabled\n",
          LogTail(log, 10)));
    }
    if (info == nullptr || out.disabled.count(failed) > 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "loading the BPF programs failed (", strerror(-err), ")",
          failed.empty() ? "" : absl::StrCat(" in '", failed, "'"), "\n", LogTail(log, 20)));
    }
    if (!info->optional) {
      return absl::FailedPreconditionError(absl::StrCat(
          "this kernel cannot load the BPF program for ", info->what, ": ", strerror(-err),
          "; minpriv cannot observe without it\n", LogTail(log, 20)));
    }
    out.warnings.push_back(absl::StrCat("not observed on this kernel: ", info->what,
                                        " (program failed to load: ", strerror(-err), ")"));
    out.disabled.insert(failed);
  }
  if (!out.skel || out.skel->obj == nullptr) return absl::InternalError("BPF object not loaded");
  return absl::OkStatus();
}

// Attaches the global tracing programs (the cgroup hooks wait for Watch()).
absl::Status AttachTracing(LoadedPrograms& out, bool defer_sys_exit) {
  for (const ProgramInfo& info : kPrograms) {
    if (info.cgroup || out.disabled.count(info.name) > 0) continue;
    if (defer_sys_exit && std::string_view(info.name) == "on_sys_exit") continue;
    bpf_program* prog = FindProgram(*out.skel, info.name);
    if (prog == nullptr) return absl::InternalError(absl::StrCat("no program ", info.name));
    bpf_link* link = bpf_program__attach(prog);
    if (link == nullptr) {
      int e = errno;
      if (info.optional) {
        out.warnings.push_back(absl::StrCat("not observed on this kernel: ", info.what,
                                            " (attach failed: ", strerror(e), ")"));
        continue;
      }
      return absl::FailedPreconditionError(
          absl::StrCat("attaching the BPF program for ", info.what, " failed: ", strerror(e)));
    }
    out.links.emplace_back(link);
  }
  return absl::OkStatus();
}

}  // namespace

std::span<const ProgramInfo> Programs() { return kPrograms; }

bpf_program* FindProgram(const minpriv_bpf& skel, std::string_view name) {
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, skel.obj) {
    if (name == bpf_program__name(prog)) return prog;
  }
  return nullptr;
}

uint32_t SeenEntriesFor(uint32_t slots) {
  return static_cast<uint32_t>(std::clamp<uint64_t>(64ull * slots, 65536, 1u << 24));
}

absl::StatusOr<LoadedPrograms> LoadPrograms(const Options& options, NodeSizing node) {
  LoadedPrograms out;
  btf* vmlinux = btf__load_vmlinux_btf();
  if (vmlinux == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read the kernel's BTF (/sys/kernel/btf/vmlinux): ", strerror(errno),
        "; minpriv needs a kernel built with CONFIG_DEBUG_INFO_BTF=y"));
  }
  if (!KernelHasTracepoint(vmlinux, "cap_capable")) {
    out.disabled.insert("on_cap_capable");
    out.warnings.push_back(
        "capabilities not observed: this kernel has no capability:cap_capable tracepoint "
        "(added in Linux 6.14); the profile's capability list will be empty");
  }
  btf__free(vmlinux);
  if (!options.verify_mode) out.disabled.insert("on_sys_exit");

  uint32_t ring_bytes = options.ring_buffer_bytes;
  long page = sysconf(_SC_PAGESIZE);
  if (ring_bytes < static_cast<uint32_t>(page) || (ring_bytes & (ring_bytes - 1)) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ring_buffer_bytes=", ring_bytes, " must be a power of two of at least ", page));
  }
  if (absl::Status s = OpenAndLoad(options, node, ring_bytes, out); !s.ok()) return s;
  if (absl::Status s = AttachTracing(out, node.defer_sys_exit); !s.ok()) return s;
  return out;
}

}  // namespace minpriv::observer
