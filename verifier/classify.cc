// Classification of what a replay did into breaks of the proposal.
#include <cerrno>
#include <cstring>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crd/capabilities.h"
#include "remediator/network_policy.h"
#include "util/files.h"
#include "util/syscalls.h"
#include "verifier/verify.h"

namespace minpriv::verifier {

namespace {

std::string ErrnoName(int e) {
  const char* n = strerrorname_np(e);
  return n ? n : absl::StrCat("errno ", e);
}

// The v2 cgroup of a process, from /proc/PID/cgroup's "0::" line.

}  // namespace

bool LearnedDenial(const crd::ContainerProfile* learned, const crd::CapabilityUse& ev) {
  if (!learned || !ev.denied) return false;
  for (const auto& l : learned->capability_evidence) {
    if (l.denied && l.capability == ev.capability && l.call_site == ev.call_site) return true;
  }
  return false;
}

std::vector<Break> ClassifyBreaks(const OciSpec& spec,
                                  const std::vector<profiler::TimedDenial>& denials,
                                  const crd::ContainerProfile& observed,
                                  const std::vector<remediator::Violation>& violations,
                                  const crd::ContainerProfile* learned,
                                  absl::Time stopping_since) {
  std::set<Break> out;
  std::set<std::string> judged_paths;
  for (const auto& td : denials) {
    const observer::DenialObservation& d = td.denial;
    const char* name = d.abi == observer::SyscallAbi::kI386 ? util::SyscallNameI386(d.nr)
                                                             : util::SyscallName(d.nr);
    std::string syscall = name ? name : absl::StrCat("syscall_", d.nr);
    std::string who = absl::StrCat("process ", d.comm.empty() ? "?" : d.comm, ", ",
                                   ErrnoName(d.error),
                                   td.time >= stopping_since
                                       ? ", while shutting down after SIGTERM"
                                       : "");
    if (d.kind == observer::DenialObservation::Kind::kSyscall) {
      if (!spec.seccomp || spec.seccomp->Allows(syscall)) continue;  // not the filter's doing
      bool runtime = absl::StartsWith(d.comm, "runc");
      out.insert({"seccomp", syscall, absl::StrCat("seccomp denied ", syscall),
                  absl::StrCat(who, " (", syscall, " is not in ", spec.seccomp_source,
                               runtime ? "; the runtime itself makes this call after installing "
                                         "the filter: the profile must allow it for the "
                                         "container to start"
                                       : "",
                               ")")});
      continue;
    }
    // A write the kernel refused.
    const std::string& path = d.path;
    // Runtime mounts, not judged.
    if (util::PathUnder(path, "/proc") || util::PathUnder(path, "/sys")) continue;
    bool writable = false;
    for (const auto& w : spec.writable_paths) writable = writable || util::PathUnder(path, w);
    if (!writable && (d.error == EROFS || spec.read_only_root)) {
      judged_paths.insert(path);
      out.insert({"readOnlyFileSystem", path, absl::StrCat("read-only file system: ", path),
                  absl::StrCat(who, ", ", observer::FileOpName(d.op),
                               "; no writable volume covers it")});
    } else if (d.error == EACCES || d.error == EPERM) {
      judged_paths.insert(path);
      out.insert({"permission", path, absl::StrCat("permission denied: ", path),
                  absl::StrCat(who, ", ", observer::FileOpName(d.op), " as uid ", spec.uid,
                               " gid ", spec.gid)});
    }
  }
  // Failed capability checks (the observer has already set probes apart).
  for (const auto& ev : observed.capability_evidence) {
    if (!ev.denied || LearnedDenial(learned, ev)) continue;
    bool in_set = std::find(spec.capabilities.begin(), spec.capabilities.end(),
                            ev.capability) != spec.capabilities.end();
    out.insert({"capability", ev.capability, absl::StrCat("capability missing ", ev.capability),
                absl::StrCat("checked by ", ev.call_site, " for ", ev.binary,
                             in_set ? " (in the bounding set, but not effective for this "
                                      "process: a non-root user loses capabilities at exec)"
                                    : " (not in the container's capability set)")});
  }
  for (const auto& v : violations) {
    if (v.kind == "syscall") {
      continue;  // judged by the filter's denials above (runc's own pre-filter calls
                 // are in the observed profile too)
    } else if (v.kind == "capability") {
      out.insert({"capability", v.subject, absl::StrCat("capability missing ", v.subject),
                  v.reason});
    } else if (v.kind == "fileWrite") {
      if (judged_paths.count(v.subject)) continue;
      if (util::IsKernelFsPath(v.subject)) {
        continue;
      }
      out.insert({"readOnlyFileSystem", v.subject,
                  absl::StrCat("read-only file system: ", v.subject), v.reason});
    } else if (v.kind == "egress") {
      out.insert({"egress", v.subject,
                  absl::StrCat("network policy would deny egress to ", v.subject), v.reason});
    } else if (v.kind == "ingress") {
      out.insert({"ingress", v.subject,
                  absl::StrCat("network policy would deny ingress to ", v.subject), v.reason});
    } else if (v.kind == "dns") {
      out.insert({"dns", v.subject,
                  absl::StrCat("network policy would deny DNS lookup of ", v.subject), v.reason});
    } else if (v.kind == "exec") {
      out.insert({"exec", v.subject,
                  absl::StrCat("privilege escalation blocked: ", v.subject), v.reason});
    } else if (v.kind == "user") {
      out.insert({"user", v.subject, absl::StrCat("identity not allowed: ", v.subject),
                  v.reason});
    } else {
      out.insert({v.kind, v.subject, absl::StrCat(v.kind, " ", v.subject), v.reason});
    }
  }
  // Loopback peers: inside a pod they stay inside the pod and no NetworkPolicy applies; in
  // this replay the container shares the host's network namespace, so a loopback peer is
  // another service, judged against the learned profile when one is given.
  if (learned) {
    auto known = [](const std::vector<crd::Peer>& peers, const crd::Peer& p) {
      for (const auto& q : peers) {
        if (q.ip == p.ip && q.port == p.port && q.protocol == p.protocol) return true;
      }
      return false;
    };
    for (const auto& p : observed.network.egress) {
      if (!remediator::IsLoopback(p.ip) || known(learned->network.egress, p)) continue;
      std::string peer = remediator::EndpointText(p.ip, p.port, p.protocol);
      out.insert({"peer", peer, absl::StrCat("new network peer: egress to ", peer),
                  "loopback peer not seen while learning (no NetworkPolicy judges loopback; "
                  "here it stands for another service)"});
    }
    std::set<std::pair<uint32_t, std::string>> learned_listen;
    for (const auto& l : learned->network.listen) learned_listen.insert({l.port, l.protocol});
    for (const auto& l : observed.network.listen) {
      if (learned_listen.count({l.port, l.protocol})) continue;
      std::string port = absl::StrCat(l.port, "/", l.protocol);
      out.insert({"peer", port, absl::StrCat("new listening port: ", port),
                  "the workload did not listen on it while learning"});
    }
  }
  return {out.begin(), out.end()};
}

}  // namespace minpriv::verifier
