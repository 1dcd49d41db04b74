#include "observer/cap_classifier.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace minpriv::observer {

namespace {

// The capability-check machinery: frames between the tracepoint and the code that asked.
constexpr std::string_view kMachinery[] = {
    "cap_capable", "security_capable", "ns_capable", "ns_capable_common", "ns_capable_noaudit",
    "ns_capable_setid", "capable", "has_ns_capability", "has_ns_capability_noaudit",
    "has_capability", "has_capability_noaudit", "file_ns_capable", "capable_wrt_inode_uidgid",
    "privileged_wrt_inode_uidgid", "sk_ns_capable", "sk_capable", "sk_net_capable",
    "netlink_ns_capable", "netlink_capable", "netlink_net_capable", "ptrace_has_cap",
    "bpf_trace_run5", "bpf_trace_run6", "__traceiter_cap_capable", "__bpf_trace_cap_capable",
    "trace_cap_capable", "perfmon_capable", "bpf_capable", "checkpoint_restore_ns_capable",
    "sockopt_capable", "cap_ptrace_access_check", "security_ptrace_access_check",
};

// Checks that do not express a need, derived by experiment: a shell running cat, ls, touch,
// chown, chmod, ps, reading /proc/1/{status,stat,environ,fd}, `nice`, `su nobody` and a
// Python bind to port 80, observed with MINPRIV_DUMP_CAP_STACKS=1 under minpriv-observe on
// Linux 6.18, then checked against the callers' source. A rule matches when `function` is
// anywhere in the kept stack (and, if `cap` >= 0, the checked capability is `cap`).
struct ProbeRule {
  std::string_view function;
  int cap;  // -1: any capability
  std::string_view reason;
};
constexpr int kCapSysAdmin = 21;
constexpr ProbeRule kProbeRules[] = {
    // Memory accounting asks CAP_SYS_ADMIN on every mmap, brk, stack growth, fork and execve
    // (security_vm_enough_memory_mm → cap_vm_enough_memory) only to let an admin use the
    // last few percent of the overcommit reserve; the allocation never depends on it in
    // practice. Measured: the bulk of all checks (~1,000 for a shell running cat/ls).
    {"security_vm_enough_memory_mm", -1, "overcommit reserve for admin (memory accounting)"},
    {"cap_vm_enough_memory", -1, "overcommit reserve for admin (memory accounting)"},
    {"__vm_enough_memory", -1, "overcommit reserve for admin (memory accounting)"},
    // Explicit no-audit variants: the kernel itself marks these as asking, not requiring.
    // Measured: ps reading /proc/sys (pid_table_root_permissions → ns_capable_noaudit,
    // CAP_SYS_ADMIN) and /proc/PID/stat (__ptrace_may_access → ns_capable_noaudit, which is
    // ptrace_has_cap inlined in PTRACE_MODE_NOAUDIT mode; in audited mode it calls
    // ns_capable and is a need, e.g. for ptrace attach).
    {"ns_capable_noaudit", -1, "no-audit capability probe"},
    {"has_ns_capability_noaudit", -1, "no-audit capability probe"},
    {"has_capability_noaudit", -1, "no-audit capability probe"},
    // /proc/PID/stat asks ptrace access in PTRACE_MODE_NOAUDIT mode only to decide whether
    // to show wchan/eip/esp; cap_ptrace_access_check then calls plain ns_capable
    // (CAP_SYS_PTRACE), so the no-audit flag is invisible: the reader identifies it.
    {"do_task_stat", -1, "ptrace access probe while reading /proc/PID/stat"},
    // Not a probe: CAP_FSETID asked by chmod/chown (in_group_or_capable, inlined into
    // setattr_prepare and setattr_copy; setattr_should_drop_sgid). The check decides whether
    // the setgid bit survives a chmod by a caller outside the file's group: `chmod 600` does
    // not care, but `chmod 2755` on a file owned by 0:65534 silently loses S_ISGID without
    // it (measured: /tmp/review/sg.py under a proposal that dropped FSETID). The tracepoint
    // cannot see the requested mode, so these checks are needs: never narrower than
    // observed (see the "Not probes" list below).
    // overlayfs looks up its own trusted.overlay.* xattrs (origin, metacopy) with the
    // credentials of whoever mounted it (ovl_lookup runs under ovl_override_creds), asking
    // CAP_SYS_ADMIN in xattr_permission: a check for the mounter, not the workload.
    // Measured: path lookups on an overlay root under runc, by the runtime and the workload.
    {"ovl_lookup", kCapSysAdmin, "overlayfs reads its own xattrs as the mounter"},
    // Not probes, on purpose (measured, kept as needs): generic_permission asking
    // CAP_DAC_READ_SEARCH then CAP_DAC_OVERRIDE (each alone suffices; only the one granted
    // first is seen), sk_setsockopt asking CAP_NET_ADMIN for SO_RCVBUFFORCE (callers may fall
    // back, but the option itself needs it), mm_access (reading another process's memory or
    // environ), can_nice, setuid/setgid/setgroups, __inet_bind (NET_BIND_SERVICE),
    // setattr_prepare/setattr_copy/in_group_or_capable asking CHOWN/FOWNER/FSETID.
};

}  // namespace

std::string StripSymbolSuffix(std::string_view name) {
  size_t dot = name.find('.');
  if (dot != std::string_view::npos && dot > 0) name = name.substr(0, dot);
  return std::string(name);
}

bool IsCapabilityMachinery(std::string_view fn) {
  if (fn.empty()) return true;  // unresolved frames cannot be the call site
  if (fn.rfind("bpf_prog_", 0) == 0 || fn.rfind("__bpf_prog", 0) == 0 ||
      fn.rfind("bpf_trampoline", 0) == 0 || fn.rfind("__bpf_trace", 0) == 0 ||
      fn.rfind("bpf_trace_run", 0) == 0) {
    return true;
  }
  for (std::string_view m : kMachinery) {
    if (fn == m) return true;
  }
  return false;
}

CapClassification ClassifyCapabilityStack(uint32_t cap, const std::vector<std::string>& frames) {
  CapClassification c;
  for (const std::string& raw : frames) {
    std::string fn = StripSymbolSuffix(raw);
    for (const ProbeRule& rule : kProbeRules) {
      if (fn == rule.function && !c.probe &&
          (rule.cap < 0 || static_cast<uint32_t>(rule.cap) == cap)) {
        c.probe = true;
        c.probe_reason = absl::StrCat(fn, ": ", std::string(rule.reason));
      }
    }
    if (c.call_site.empty() && !IsCapabilityMachinery(fn)) c.call_site = fn;
  }
  if (c.call_site.empty()) c.call_site = "unknown";
  return c;
}

absl::StatusOr<KallsymsSymbolizer> KallsymsSymbolizer::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path, ": ", strerror(errno)));
  }
  KallsymsSymbolizer s;
  std::string line;
  bool any_nonzero = false;
  while (std::getline(in, line)) {
    // "ffffffff81000000 T _stext [module]"
    size_t sp1 = line.find(' ');
    if (sp1 == std::string::npos || sp1 + 3 >= line.size()) continue;
    char type = line[sp1 + 1];
    if (type != 't' && type != 'T' && type != 'w' && type != 'W') continue;
    size_t name_start = sp1 + 3;
    size_t name_end = line.find_first_of(" \t", name_start);
    uint64_t addr = 0;
    if (!absl::SimpleHexAtoi(absl::string_view(line.data(), sp1), &addr)) continue;
    if (addr != 0) any_nonzero = true;
    s.symbols_.emplace(addr, line.substr(name_start, name_end == std::string::npos
                                                         ? std::string::npos
                                                         : name_end - name_start));
  }
  if (!any_nonzero) {
    return absl::PermissionDeniedError(absl::StrCat(
        path, " shows no addresses (kptr_restrict, or not root): kernel stacks cannot be "
              "resolved, so capability probes cannot be told from needs"));
  }
  return s;
}

std::string KallsymsSymbolizer::Resolve(uint64_t addr) const {
  auto it = symbols_.upper_bound(addr);
  if (it == symbols_.begin()) return "";
  --it;
  // Past the end of a text section (e.g. JIT-ed BPF programs when bpf_jit_kallsyms is off):
  // the nearest symbol below is an end marker, not the function.
  if (it->second == "_etext" || it->second == "_einittext" || it->second == "__init_end") {
    return "";
  }
  return it->second;
}

}  // namespace minpriv::observer
