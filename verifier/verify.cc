#include "verifier/verify.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "crd/capabilities.h"
#include "crd/profile_codec.h"
#include "profiler/readiness.h"
#include "remediator/network_policy.h"
#include "remediator/runtime_syscalls.h"
#include "spdlog/spdlog.h"
#include "util/cgroup.h"
#include "util/files.h"
#include "util/flags.h"
#include "util/signals.h"
#include "util/process.h"
#include "util/syscalls.h"
#include "verifier/bundle.h"
#include "verifier/runc.h"
#include "verifier/workload.h"

namespace minpriv::verifier {

const char kVerifyUsage[] =
    "usage: minpriv verify --proposal DIR [--workload NAME] [--container NAME]\n"
    "                      [--exercise 'SHELL COMMAND'] [--duration DUR] [--ready-timeout DUR]\n"
    "                      [--grace DUR] [--expect-exit N] [--profile FILE] [--report FILE]\n"
    "                      [--keep-bundle] -- CMD [ARG...]\n"
    "\n"
    "Replays CMD under the proposal with the real OCI runtime (runc): the narrowed pod and\n"
    "container securityContext, volumes and seccomp profile become an OCI runtime spec the\n"
    "way containerd's CRI plugin builds one; the host's root file system serves as the\n"
    "(read-only) image and the host network namespace is kept, so the exercise reaches the\n"
    "workload on loopback and the NetworkPolicy is checked against the flows observed.\n"
    "The eBPF observer watches the replay and every break is named on its own line:\n"
    "  seccomp denied SYSCALL | capability missing CAP | read-only file system: PATH |\n"
    "  network policy would deny egress to IP:PORT/PROTO (ingress, DNS) | ...\n"
    "\n"
    "  --proposal DIR        proposal directory written by 'minpriv propose' (required)\n"
    "  --workload NAME       workload in DIR/narrowed.yaml (default: the only one)\n"
    "  --container NAME      container of that workload (default: the only one); an init\n"
    "                        container must run to completion with exit status 0\n"
    "  --exercise CMD        once the workload is up, run this with /bin/sh -c on the host\n"
    "                        (not observed); it must exit 0; then the workload is stopped\n"
    "  --duration DUR        bound on the replay, e.g. 30s (default: until CMD exits)\n"
    "  --ready-timeout DUR   how long to wait for the workload to come up (default 30s)\n"
    "  --grace DUR           SIGTERM to SIGKILL grace period when stopping (default 5s)\n"
    "  --expect-exit N       CMD exiting with status N is not a break (0 never is)\n"
    "  --profile FILE        the learned WorkloadProfile (default: the copy in\n"
    "                        DIR/profiles/): loopback peers (which no NetworkPolicy\n"
    "                        judges) must be among the learned ones; a capability check\n"
    "                        that failed at the same call site while learning is no break\n"
    "  --report FILE         also write the verdict as JSON\n"
    "  --keep-bundle         keep the OCI bundle (config.json) and print where it is\n"
    "\n"
    "exit status: 0 verified, 3 broken (each break printed), 2 usage or input error (also\n"
    "CMD not found in the image), 1 environment error (not root, runc missing, eBPF\n"
    "unavailable), 130/143 interrupted by SIGINT/SIGTERM (the container is removed)\n";

namespace {

constexpr absl::Duration kPollInterval = absl::Milliseconds(100);

// A wait status as verify's messages phrase it: "exited with status 3", "was killed by
// SIGKILL".
std::string DescribeStatus(int st) {
  return absl::StrCat(WIFSIGNALED(st) ? "was " : "", util::DescribeWaitStatus(st));
}

std::string ErrnoName(int e) {
  const char* n = strerrorname_np(e);
  return n ? n : absl::StrCat("errno ", e);
}

// The v2 cgroup of a process, from /proc/PID/cgroup's "0::" line.
absl::StatusOr<std::string> CgroupOfPid(pid_t pid) {
  auto root = util::CgroupV2Root();
  if (!root.ok()) return root.status();
  auto text = util::ReadFile(absl::StrCat("/proc/", pid, "/cgroup"));
  if (!text.ok()) return text.status();
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, "0::")) return absl::StrCat(*root, line.substr(3));
  }
  return absl::InternalError(absl::StrCat("process ", pid, " has no cgroup v2 entry"));
}

}  // namespace

absl::StatusOr<VerifyOptions> ParseVerifyFlags(int argc, char** argv) {
  VerifyOptions o;
  const util::FlagSpec spec = {
      {"--proposal", "--workload", "--container", "--exercise", "--duration", "--ready-timeout",
       "--grace", "--expect-exit", "--profile", "--report"},
      {"--keep-bundle"},
      "; see 'minpriv verify --help'"};
  auto on_flag = [&o](const std::string& flag, const std::string& value) -> absl::Status {
    if (flag == "--keep-bundle") {
      o.keep_bundle = true;
    } else if (flag == "--proposal") {
      o.proposal = value;
    } else if (flag == "--workload") {
      o.workload = value;
    } else if (flag == "--container") {
      o.container = value;
    } else if (flag == "--exercise") {
      o.exercise = value;
    } else if (flag == "--duration") {
      if (auto s = util::ParseDurationFlag(flag, value, &o.duration); !s.ok()) return s;
      o.duration_set = true;
    } else if (flag == "--ready-timeout") {
      return util::ParseDurationFlag(flag, value, &o.ready_timeout);
    } else if (flag == "--grace") {
      return util::ParseDurationFlag(flag, value, &o.grace);
    } else if (flag == "--expect-exit") {
      int n = 0;
      if (!absl::SimpleAtoi(value, &n) || n < 0 || n > 255) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--expect-exit: '", value, "' is not an exit status; give a number 0..255"));
      }
      o.expect_exit = n;
    } else if (flag == "--profile") {
      o.profile = value;
    } else if (flag == "--report") {
      o.report = value;
    }
    return absl::OkStatus();
  };
  if (absl::Status s = util::ParseFlags(argc, argv, spec, on_flag, &o.command, &o.help); !s.ok()) {
    return s;
  }
  return o;
}

absl::Status ValidateVerifyOptions(VerifyOptions& o) {
  if (o.proposal.empty()) {
    return absl::InvalidArgumentError(
        "--proposal DIR is required (the directory 'minpriv propose --out-dir' wrote)");
  }
  struct stat st;
  if (stat(o.proposal.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--proposal ", o.proposal, ": not a directory; give the directory 'minpriv propose "
        "--out-dir' wrote"));
  }
  if (o.command.empty()) {
    return absl::InvalidArgumentError(
        "nothing to run: give the workload command after '--' (the same as when learning)");
  }
  // runc looks a bare name up in the container's PATH; a relative path would be resolved
  // against the container's working directory, not the caller's.
  if (o.command[0].empty() ||
      (o.command[0][0] != '/' && o.command[0].find('/') != std::string::npos)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the command '", o.command[0], "' must be an absolute path or a bare name looked up "
        "in PATH inside the container; e.g. /usr/sbin/nginx"));
  }
  if (!o.report.empty()) {
    if (auto s = CheckWritableDestination("--report", o.report); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status CheckWritableDestination(const std::string& flag, const std::string& path) {
  size_t slash = path.find_last_of('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  if (dir.empty()) dir = "/";
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, " ", path, ": is a directory; give a file name, e.g. ", path, "/verify.json"));
  }
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, " ", path, ": directory ", dir, " does not exist; create it or choose another"));
  }
  // Root passes every permission check on paper: try to create a file there.
  std::string probe = absl::StrCat(dir, dir.back() == '/' ? "" : "/", ".minpriv-probe-XXXXXX");
  int fd = mkstemp(probe.data());
  if (fd < 0) {
    return absl::InvalidArgumentError(absl::StrCat(flag, " ", path, ": cannot write in ", dir,
                                                   " (", std::strerror(errno),
                                                   "); choose a writable directory"));
  }
  close(fd);
  unlink(probe.c_str());
  return absl::OkStatus();
}

absl::StatusOr<std::string> ResolveCommand(const std::string& command,
                                           const std::string& path_env,
                                           const std::string& root) {
  auto executable = [&root](const std::string& p) {
    std::string host = root == "/" ? p : absl::StrCat(absl::StripSuffix(root, "/"), p);
    struct stat st;
    return stat(host.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0;
  };
  if (!command.empty() && command[0] == '/') {
    if (executable(command)) return command;
    return absl::InvalidArgumentError(absl::StrCat(
        "no such executable: ", command, " (the host root serves as the container's image and "
        "has no executable file there); check the command after '--'"));
  }
  if (!command.empty() && command.find('/') == std::string::npos) {
    for (absl::string_view dir : absl::StrSplit(path_env, ':')) {
      if (dir.empty() || dir[0] != '/') continue;
      std::string candidate = absl::StrCat(absl::StripSuffix(dir, "/"), "/", command);
      if (executable(candidate)) return candidate;
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "no such executable: '", command, "' is not in the container's PATH (", path_env,
      ") in the host root that serves as its image; check the command after '--' or give "
      "its absolute path"));
}

std::string ProposalProfilePath(const std::string& proposal_dir, const std::string& namespace_,
                                const std::string& name) {
  return absl::StrCat(proposal_dir, "/profiles/", namespace_.empty() ? "" : namespace_ + "-",
                      name, ".yaml");
}

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

absl::StatusOr<VerifyResult> RunVerifySession(const VerifyOptions& o,
                                              ObserverFactory make_observer) {
  if (geteuid() != 0) {
    return absl::FailedPreconditionError(
        "minpriv verify must run as root (it runs runc and loads eBPF programs)");
  }
  auto runc = FindRunc();
  if (!runc.ok()) return absl::FailedPreconditionError(runc.status().message());

  // The proposal: the narrowed workload and the evaluator's policy.
  const std::string manifest_path = o.proposal + "/narrowed.yaml";
  auto manifest = util::ReadFile(manifest_path);
  if (!manifest.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        manifest.status().message(), "; --proposal must be a directory 'minpriv propose' wrote"));
  }
  auto workloads = ParseWorkloads(*manifest, manifest_path);
  if (!workloads.ok()) return workloads.status();
  auto sel = SelectContainer(*workloads, o.workload, o.container, manifest_path);
  if (!sel.ok()) return sel.status();
  auto policy = remediator::LoadContainerPolicy(o.proposal, sel->pod.name, sel->container.name);
  if (!policy.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(o.proposal, ": ", policy.status().message()));
  }
  // The learned profile: --profile, else the copy the proposal carries.
  std::string profile_path = o.profile;
  if (profile_path.empty()) {
    std::string stored = ProposalProfilePath(o.proposal, sel->pod.namespace_, sel->pod.name);
    struct stat st;
    if (stat(stored.c_str(), &st) == 0) profile_path = stored;
  }
  std::optional<crd::ContainerProfile> learned;
  if (!profile_path.empty()) {
    auto wp = crd::ReadWorkloadProfileFile(profile_path);
    if (!wp.ok()) return absl::InvalidArgumentError(wp.status().message());
    for (const auto& c : wp->containers) {
      if (c.name == sel->container.name || wp->containers.size() == 1) learned = c;
    }
    if (!learned) {
      return absl::InvalidArgumentError(absl::StrCat(profile_path, ": no container named ",
                                                     sel->container.name));
    }
  }

  VerifyResult result;
  result.workload = absl::StrCat(sel->pod.kind, "/", sel->pod.name);
  result.container = sel->container.name;
  result.init_container = sel->init;
  if (learned) result.profile_used = profile_path;

  // CMD must exist in the image (here: the host root), or runc's failure would read as the
  // proposal's fault.
  std::string path_env = kDefaultContainerPath;
  for (const auto& e : sel->container.env) {
    if (e.name == "PATH" && !e.from_source) path_env = e.value;
  }
  if (auto resolved = ResolveCommand(o.command[0], path_env); !resolved.ok()) {
    return resolved.status();
  }

  // The bundle and the runtime spec.
  auto bundle = Bundle::Create();
  if (!bundle.ok()) return bundle.status();
  if (o.keep_bundle) bundle->Keep();
  SpecInputs in;
  in.pod = sel->pod;
  in.container = sel->container;
  in.args = o.command;
  in.seccomp_dir = o.proposal + "/seccomp";
  const std::string id = absl::StrCat("minpriv-verify-", getpid());
  in.cgroups_path = absl::StrCat("/minpriv/verify-", getpid());
  int64_t fs_group = sel->pod.security_context.fs_group.value_or(-1);
  for (const auto& vm : sel->container.volume_mounts) {
    for (const auto& v : sel->pod.volumes) {
      if (v.name != vm.name || v.type != Volume::Type::kEmptyDir || v.memory_medium) continue;
      if (in.empty_dir_sources.count(v.name)) continue;
      auto dir = bundle->AddEmptyDir(v.name, fs_group);
      if (!dir.ok()) return dir.status();
      in.empty_dir_sources[v.name] = *dir;
      if (!vm.sub_path.empty()) {
        std::string sub = absl::StrCat(*dir, "/", vm.sub_path);
        mkdir(sub.c_str(), 0777);
        chmod(sub.c_str(), 0777);
      }
    }
  }
  auto spec = BuildOciSpec(in);
  if (!spec.ok()) return spec.status();
  result.notes = spec->notes;
  if (auto s = bundle->WriteConfig(spec->config); !s.ok()) return s;
  if (o.keep_bundle) result.bundle_dir = bundle->dir();
  for (const auto& b : spec->start_blockers) {
    result.breaks.push_back({"start", "kubelet", absl::StrCat("would not start: ", b), ""});
  }
  if (!result.breaks.empty()) return result;

  util::ScopedStopSignals signals;
  auto obs_or = make_observer();
  if (!obs_or.ok()) return obs_or.status();
  std::unique_ptr<observer::Observer> obs = std::move(*obs_or);
  profiler::ProfileBuilder builder(sel->container.name);

  // runc create: the container's init waits for `runc start`; watch its cgroup first so
  // that the runtime's own work after installing the filter is observed too.
  spdlog::info("verifying {} container {} under {} with runc", result.workload,
               result.container, o.proposal);
  std::fflush(stdout);
  auto container = RuncContainer::Create(*runc, bundle->dir(), id);
  if (!container.ok()) {
    if (container.status().code() == absl::StatusCode::kFailedPrecondition) {
      result.breaks.push_back({"start", "runc create",
                               absl::StrCat("container did not start: ",
                                            container.status().message()),
                               "the runtime rejected the spec built from the proposal"});
      return result;
    }
    return container.status();
  }
  auto cgroup = CgroupOfPid(container->init_pid());
  if (!cgroup.ok()) return cgroup.status();
  if (auto s = obs->Watch(*cgroup, &builder); !s.ok()) return s;
  const absl::Time start = absl::Now();
  const absl::Time deadline =
      o.duration == absl::InfiniteDuration() ? absl::InfiniteFuture() : start + o.duration;
  if (auto s = container->Start(); !s.ok()) {
    result.breaks.push_back({"start", "runc start",
                             absl::StrCat("container did not start: ", s.message()), ""});
  } else {
    result.started = true;
  }

  auto stop_requested = [&] { return signals.stop_requested(); };
  auto exited = [&] { return container->WaitExit(absl::ZeroDuration()).has_value(); };
  auto pump = [&](absl::Time until, const std::function<bool()>& done) -> absl::Status {
    return signals.PollUntil(until, done, [&] { return obs->Poll(kPollInterval); });
  };

  bool exercise_failed = false;
  if (result.started && !o.exercise.empty()) {
    absl::Time ready_by = std::min(deadline, start + o.ready_timeout);
    auto ready = [&] { return profiler::WorkloadLooksReady(builder, start, absl::Now()); };
    if (auto s = pump(ready_by, [&] { return ready() || exited(); }); !s.ok()) return s;
    result.ready = ready();
    if (builder.listening()) {
      auto after_listen = absl::Now() + profiler::kAfterListen;
      if (auto s = pump(after_listen, [] { return false; }); !s.ok()) return s;
    }
    if (!exited() && !stop_requested()) {
      if (!result.ready) {
        spdlog::warn("the workload was not up within --ready-timeout {}; running the exercise "
                     "anyway", absl::FormatDuration(o.ready_timeout));
      }
      spdlog::info("workload is up; running exercise: {}", o.exercise);
      std::fflush(stdout);
      // In its own process group: a kill takes its background jobs along.
      auto ex = util::Process::Shell(o.exercise);
      if (!ex.ok()) return ex.status();
      if (auto s = pump(deadline, [&] { return ex->Poll(); }); !s.ok()) return s;
      if (ex->Poll()) {
        result.exercise_ran = true;
        result.exercise_status = ex->wait_status();
        spdlog::info("exercise {}", DescribeStatus(ex->wait_status()));
        if (!WIFEXITED(ex->wait_status()) || WEXITSTATUS(ex->wait_status()) != 0) {
          exercise_failed = true;
        }
      } else {
        exercise_failed = true;
        if (!stop_requested()) {
          result.breaks.push_back({"exercise", "exercise",
                                   absl::StrCat("exercise did not finish within --duration ",
                                                absl::FormatDuration(o.duration)),
                                   o.exercise});
        }
      }
    }
  } else if (result.started) {
    if (auto s = pump(deadline, [&] { return exited(); }); !s.ok()) return s;
  }
  // Interrupted (SIGINT/SIGTERM): clean up as usual, but there is no verdict.
  if (stop_requested()) result.interrupted_by = signals.signal_number();

  // Stop the container (it may have exited already) and collect what is left.
  result.exited = exited();
  absl::Time stopping_since = absl::InfiniteFuture();
  if (!result.exited) {
    stopping_since = absl::Now();
    container->Stop(o.grace);
  }
  result.wait_status = container->wait_status();
  if (auto s = obs->Drain(); !s.ok()) return s;
  result.stats = obs->GetStats();
  obs->Detach();
  *container = RuncContainer();  // runc delete
  result.observed = builder.Build();

  if (result.exited) {
    int st = result.wait_status;
    bool fine = (WIFEXITED(st) && WEXITSTATUS(st) == 0) ||
                (WIFEXITED(st) && o.expect_exit && WEXITSTATUS(st) == *o.expect_exit);
    bool early = !o.exercise.empty() && !result.exercise_ran;
    if (!fine || early) {
      result.breaks.push_back(
          {"exit", "workload",
           absl::StrCat("workload ", DescribeStatus(st),
                        early ? " before the exercise could run" : ""),
           o.expect_exit ? absl::StrCat("expected exit status ", *o.expect_exit) : ""});
    }
  }
  if (sel->init && result.started && !result.exited && !result.interrupted_by) {
    result.breaks.push_back(
        {"exit", "workload", "init container did not run to completion",
         o.duration_set ? absl::StrCat("still running after --duration ",
                                       absl::FormatDuration(o.duration),
                                       "; the pod's other containers would never start")
                        : "it was still running when the exercise ended; the pod's other "
                          "containers would never start"});
  }
  if (exercise_failed && result.exercise_ran) {
    result.breaks.push_back({"exercise", "exercise",
                             absl::StrCat("exercise failed: it ",
                                          DescribeStatus(result.exercise_status)),
                             o.exercise});
  }

  // The evaluator judges the workload: capability checks the runtime made for itself while
  // it still held its privileges (runc:[2:INIT] before dropping them) are not the
  // workload's needs.
  crd::ContainerProfile judged = result.observed;
  std::set<std::string> workload_caps;
  std::erase_if(judged.capability_evidence, [](const crd::CapabilityUse& ev) {
    return absl::StartsWith(ev.binary, "runc");
  });
  // A check that failed while learning too (same capability, same call site) is a failure
  // the workload already lives with: not a need the proposal must grant.
  const crd::ContainerProfile* learned_ptr = learned ? &*learned : nullptr;
  for (const auto& ev : judged.capability_evidence) {
    if (LearnedDenial(learned_ptr, ev)) {
      result.ignored.push_back(absl::StrCat(
          "capability ", ev.capability, " failed at ", ev.call_site, " for ", ev.binary,
          ": it failed there while learning too (", profile_path, ")"));
    }
  }
  std::erase_if(judged.capability_evidence, [learned_ptr](const crd::CapabilityUse& ev) {
    return LearnedDenial(learned_ptr, ev);
  });
  for (const auto& ev : judged.capability_evidence) workload_caps.insert(ev.capability);
  judged.capabilities.assign(workload_caps.begin(), workload_caps.end());
  std::vector<remediator::Violation> violations = remediator::Evaluate(*policy, judged);
  std::vector<Break> found = ClassifyBreaks(*spec, builder.denials(), result.observed,
                                            violations, learned ? &*learned : nullptr,
                                            stopping_since);
  result.breaks.insert(result.breaks.end(), found.begin(), found.end());
  // The runtime's init can die of its filter before anything is watched (a Go signal
  // handler's rt_sigreturn denied while it waits for `runc start`): then name what the
  // profile lacks of what runc does after installing the filter, measured here.
  bool denial_seen = std::any_of(found.begin(), found.end(),
                                 [](const Break& b) { return b.kind == "seccomp"; });
  if (!result.started && spec->seccomp && !denial_seen) {
    for (const std::string& s : remediator::RuncMeasuredSyscalls()) {
      if (spec->seccomp->Allows(s)) continue;
      result.breaks.push_back(
          {"seccomp", s, absl::StrCat("seccomp denies ", s),
           absl::StrCat("runc makes this call after installing the filter and ", s, " is not in ",
                        spec->seccomp_source, ": the profile must allow it for the container to "
                        "start (the runtime died before its calls could be observed)")});
    }
  }
  std::sort(result.breaks.begin(), result.breaks.end());
  result.breaks.erase(std::unique(result.breaks.begin(), result.breaks.end()),
                      result.breaks.end());
  if (!learned) {
    size_t loopback = 0;
    for (const auto& p : result.observed.network.egress) loopback += remediator::IsLoopback(p.ip);
    if (loopback > 0) {
      result.notes.push_back(absl::StrCat(
          loopback, " loopback peer(s) were reached and not judged (no NetworkPolicy applies "
          "to loopback); pass --profile with the learned profile to compare them"));
    }
  }
  if (result.stats.dropped > 0) {
    result.notes.push_back(absl::StrCat(result.stats.dropped, " events were dropped; a break "
                                        "may be missing"));
  }
  for (const auto& w : result.stats.warnings) result.notes.push_back(w);
  std::sort(result.notes.begin(), result.notes.end());
  std::sort(result.ignored.begin(), result.ignored.end());
  result.ignored.erase(std::unique(result.ignored.begin(), result.ignored.end()),
                       result.ignored.end());
  return result;
}

std::string VerifyReportJson(const VerifyResult& r) {
  Json j;
  j["verified"] = r.verified();
  j["workload"] = r.workload;
  j["container"] = r.container;
  j["started"] = r.started;
  j["exercise"] = Json();
  if (r.exercise_ran) {
    j["exercise"]["ran"] = true;
    j["exercise"]["status"] = DescribeStatus(r.exercise_status);
  } else {
    j["exercise"]["ran"] = false;
  }
  j["workloadExit"] = r.exited ? Json(DescribeStatus(r.wait_status)) : Json("stopped by verify");
  Json breaks = Json::Array();
  for (const auto& b : r.breaks) {
    Json e;
    e["kind"] = b.kind;
    e["subject"] = b.subject;
    e["message"] = b.message;
    if (!b.detail.empty()) e["detail"] = b.detail;
    breaks.Push(std::move(e));
  }
  j["breaks"] = std::move(breaks);
  j["notes"] = Json::StringArray(r.notes);
  j["ignored"] = Json::StringArray(r.ignored);
  if (r.init_container) j["initContainer"] = true;
  if (!r.profile_used.empty()) j["profile"] = r.profile_used;
  if (r.interrupted_by != 0) {
    const char* name = sigabbrev_np(r.interrupted_by);
    j["interrupted"] = name ? absl::StrCat("SIG", name) : absl::StrCat(r.interrupted_by);
  }
  // Evidence of the replay: capability checks (with where and by whom) and syscalls seen.
  Json caps = Json::Array();
  for (const auto& ev : r.observed.capability_evidence) {
    Json e;
    e["capability"] = ev.capability;
    e["callSite"] = ev.call_site;
    e["binary"] = ev.binary;
    e["denied"] = ev.denied;
    caps.Push(std::move(e));
  }
  j["observed"]["capabilityChecks"] = std::move(caps);
  j["observed"]["syscalls"] = Json::StringArray(r.observed.syscalls);
  j["events"] = r.stats.events;
  j["droppedEvents"] = r.stats.dropped;
  if (!r.bundle_dir.empty()) j["bundle"] = r.bundle_dir;
  return j.Dump(Json::KeyOrder::kSorted);
}

}  // namespace minpriv::verifier
