// `minpriv verify`'s replay: the proposal read, the OCI bundle built, the container run by
// runc as a session (session/session.h) under the observer in verification mode, and what
// it did judged (classify.cc).
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crd/capabilities.h"
#include "crd/profile_codec.h"
#include "remediator/network_policy.h"
#include "remediator/runtime_syscalls.h"
#include "session/session.h"
#include "spdlog/spdlog.h"
#include "util/cgroup.h"
#include "util/files.h"
#include "verifier/bundle.h"
#include "verifier/enforcement.h"
#include "verifier/exercise_command.h"
#include "verifier/image.h"
#include "verifier/nft_policy.h"
#include "verifier/pod_network.h"
#include "verifier/runc.h"
#include "verifier/seed_replay.h"
#include "verifier/verify.h"
#include "verifier/volume_sources.h"
#include "verifier/workload.h"

namespace minpriv::verifier {

namespace {

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


// A path as the host root (the image here) resolves it, symbolic links followed (/bin/sh is
// /usr/bin/dash); the path itself when it does not resolve.
std::string RealPath(const std::string& path) {
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) != nullptr ? std::string(buf) : path;
}

// The command replayed must be one the profile was learned from (among its executables):
// otherwise the proposal says nothing about it, and a clean replay would prove nothing.
// In an image (root other than "/") paths compare as written: the host's links say nothing
// about the image's.
std::optional<Break> CommandNotLearned(const std::string& command,
                                       const crd::ContainerProfile& learned,
                                       const std::string& root) {
  if (learned.execs.empty()) return std::nullopt;  // nothing recorded to compare with
  const std::string real = root == "/" ? RealPath(command) : command;
  std::vector<std::string> learned_paths;
  for (const auto& e : learned.execs) {
    if (e.path == command || (root == "/" && RealPath(e.path) == real)) return std::nullopt;
    learned_paths.push_back(e.path);
  }
  return Break{"exec", command,
               absl::StrCat(command, " was never executed while learning: the proposal was not "
                            "learned from this program"),
               absl::StrCat("the learned profile's executables: ",
                            absl::StrJoin(learned_paths, ", "))};
}

// The container as the session's workload: gone once its process exited; stopped through
// runc (SIGTERM, then SIGKILL to everything in it).
class ContainerWorkload : public session::Workload {
 public:
  explicit ContainerWorkload(RuncContainer& container) : container_(container) {}
  bool Gone() override { return container_.WaitExit(absl::ZeroDuration()).has_value(); }
  void Terminate() override { container_.Terminate(); }
  void Kill() override { container_.KillAll(); }

 private:
  RuncContainer& container_;
};

// The container's init process is the runtime's until it execs the workload's command: its
// task comm is "runc:[2:INIT]" until then. Its capability checks and identities (root, with
// the runtime's privileges, before it switches to the container's user) are the runtime's,
// not the workload's: they are set apart (ignored(), with why) and everything else goes on
// to the builder.
bool IsRuntimeInit(const std::string& comm) { return absl::StartsWith(comm, "runc:["); }

class RuntimeInitFilter : public observer::ObservationSink {
 public:
  explicit RuntimeInitFilter(profiler::ProfileBuilder& builder) : b_(builder) {}
  const std::set<std::string>& ignored() const { return ignored_; }

  void OnSyscall(absl::Time t, const observer::SyscallObservation& o) override {
    b_.OnSyscall(t, o);
  }
  void OnCapability(absl::Time t, const observer::CapabilityObservation& o) override {
    if (IsRuntimeInit(o.comm)) {
      const char* name = crd::CapabilityName(o.cap);
      ignored_.insert(absl::StrCat("capability ", name ? name : absl::StrCat(o.cap),
                                   o.allowed ? " used" : " failed", " at ", o.call_site, " by ",
                                   o.comm, kWhy));
      return;
    }
    b_.OnCapability(t, o);
  }
  void OnFileWrite(absl::Time t, const observer::FileWriteObservation& o) override {
    b_.OnFileWrite(t, o);
  }
  void OnExec(absl::Time t, const observer::ExecObservation& o) override { b_.OnExec(t, o); }
  void OnIdentity(absl::Time t, const observer::IdentityObservation& o) override {
    if (IsRuntimeInit(o.comm)) {
      ignored_.insert(absl::StrCat("identity uid ", o.uid, " gid ", o.gid, " of ", o.comm, kWhy));
      return;
    }
    b_.OnIdentity(t, o);
  }
  void OnListen(absl::Time t, const observer::ListenObservation& o) override {
    b_.OnListen(t, o);
  }
  void OnFlow(absl::Time t, const observer::FlowObservation& o) override { b_.OnFlow(t, o); }
  void OnDns(absl::Time t, const observer::DnsObservation& o) override { b_.OnDns(t, o); }
  void OnDenial(absl::Time t, const observer::DenialObservation& o) override {
    b_.OnDenial(t, o);
  }

 private:
  static constexpr char kWhy[] =
      ": the runtime's own, before it switched to the container's user and exec'd the "
      "workload";
  profiler::ProfileBuilder& b_;
  std::set<std::string> ignored_;
};

}  // namespace

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

  // The image (--image): fetched and unpacked once, cached by digest.
  std::optional<Image> image;
  if (!o.image.empty()) {
    auto im = PrepareImage(o.image, o.image_cache.empty() ? DefaultImageCacheDir()
                                                          : o.image_cache);
    if (!im.ok()) return im.status();
    image = *std::move(im);
    result.mode = "image";
    result.image = image->ref;
    result.image_digest = image->digest;
    result.image_cached = image->cache_hit;
    spdlog::info("image {} ({}{})", image->ref, image->digest,
                 image->cache_hit ? ", cached" : ", unpacked");
  }
  const std::string root = image ? image->rootfs : "/";
  // The process: -- CMD, else the image's Entrypoint/Cmd as the kubelet combines them with
  // the manifest's command/args.
  std::vector<std::string> command = o.command;
  if (command.empty() && image) {
    command = KubeletCommand(*image, sel->container.command, sel->container.args);
    if (command.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--image ", image->ref, " has no Entrypoint or Cmd and the manifest no command; give "
          "the command after '--'"));
    }
  }
  result.command = command;

  // CMD must exist in the image (the host root without --image), or runc's failure would
  // read as the proposal's fault.
  std::string path_env = kDefaultContainerPath;
  if (image && !PathOf(image->env).empty()) path_env = PathOf(image->env);
  for (const auto& e : sel->container.env) {
    if (e.name == "PATH" && !e.from_source) path_env = e.value;
  }
  auto resolved = ResolveCommand(command[0], path_env, root);
  if (!resolved.ok()) return resolved.status();
  std::optional<Break> not_learned;
  if (learned) not_learned = CommandNotLearned(*resolved, *learned, root);

  // The bundle and the runtime spec.
  auto bundle = Bundle::Create("/tmp", root);
  if (!bundle.ok()) return bundle.status();
  if (o.keep_bundle) bundle->Keep();
  SpecInputs in;
  in.pod = sel->pod;
  in.container = sel->container;
  in.args = command;
  in.seccomp_dir = o.proposal + "/seccomp";
  const std::string id = absl::StrCat("minpriv-verify-", getpid());
  in.cgroups_path = absl::StrCat("/minpriv/verify-", getpid());
  in.host_paths = o.host_paths;
  // Seeding init containers copy from the image; without --image the host's root serves as it.
  std::vector<std::string> seed_notes;
  if (auto s = PrepareVolumeSources(*bundle, in, image ? image->rootfs : "/", seed_notes);
      !s.ok()) {
    return s;
  }
  if (image) {
    in.image = &*image;
    auto user = ResolveImageUser(image->user, image->rootfs);
    if (!user.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--image ", image->ref, ": ",
                                                     user.status().message()));
    }
    in.image_user = *user;
  }
  // Its own network, the NetworkPolicy enforced there (a hostNetwork pod keeps the host's).
  std::optional<PodNetwork> network;
  NftRuleset rules = BuildNftRuleset(policy->network);
  if (!sel->pod.host_network) {
    auto net = PodNetwork::Create(rules);
    if (!net.ok()) return net.status();
    network = *std::move(net);
    in.netns_path = network->path();
    result.network = "own";
    result.pod_ip = network->pod_ip();
    result.egress_enforced = rules.egress_enforced;
    result.ingress_enforced = rules.ingress_enforced;
  }
  auto spec = BuildOciSpec(in);
  if (!spec.ok()) return spec.status();
  result.notes = spec->notes;
  if (network) result.notes.push_back(NetworkNote(*network, rules));
  result.notes.insert(result.notes.end(), seed_notes.begin(), seed_notes.end());
  if (auto s = bundle->WriteConfig(spec->config); !s.ok()) return s;
  if (o.keep_bundle) result.bundle_dir = bundle->dir();
  for (const auto& b : spec->start_blockers) {
    result.breaks.push_back({"start", "kubelet", absl::StrCat("would not start: ", b), ""});
  }
  for (const auto& b : spec->user_blockers) {
    result.breaks.push_back({"user", "runAsUser", absl::StrCat("not started: ", b), ""});
  }
  if (!result.breaks.empty()) return result;

  session::Session session;
  if (auto s = session.OpenObserver(make_observer); !s.ok()) return s;
  profiler::ProfileBuilder builder(sel->container.name);
  RuntimeInitFilter runtime_init(builder);

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
  if (auto s = session.observer().Watch(*cgroup, &runtime_init); !s.ok()) return s;
  session.Begin(o.duration);
  if (auto s = container->Start(); !s.ok()) {
    result.breaks.push_back({"start", "runc start",
                             absl::StrCat("container did not start: ", s.message()), ""});
  } else {
    result.started = true;
  }
  ContainerWorkload workload(*container);
  session.SetWorkload(&workload);

  bool exercise_failed = false;
  if (result.started && !o.exercise.empty()) {
    auto ready = session.AwaitReady(builder, o.ready_timeout);
    if (!ready.ok()) return ready.status();
    result.ready = *ready;
    if (!session.workload_gone() && !session.stop_requested()) {
      if (!result.ready) {
        spdlog::warn("the workload was not up within --ready-timeout {}; running the exercise "
                     "anyway", absl::FormatDuration(o.ready_timeout));
      }
      spdlog::info("workload is up; running exercise: {}", o.exercise);
      auto ex = session.RunExercise(ExerciseCommand(o.exercise, container->init_pid(),
                                                    network ? &*network : nullptr));
      if (!ex.ok()) return ex.status();
      if (ex->finished) {
        result.exercise_ran = true;
        result.exercise_status = ex->wait_status;
        spdlog::info("exercise {}", DescribeExit(ex->wait_status));
        if (!WIFEXITED(ex->wait_status) || WEXITSTATUS(ex->wait_status) != 0) {
          exercise_failed = true;
        }
      } else {
        exercise_failed = true;
        if (!session.stop_requested()) {
          result.breaks.push_back({"exercise", "exercise",
                                   absl::StrCat("exercise did not finish within --duration ",
                                                absl::FormatDuration(o.duration)),
                                   o.exercise});
        }
      }
    }
  } else if (result.started) {
    if (auto s = session.PollUntilGone(); !s.ok()) return s;
  }
  // Interrupted (SIGINT/SIGTERM): clean up as usual, but there is no verdict.
  if (session.stop_requested()) result.interrupted_by = session.stop_signal();

  // Stop the container (it may have exited already) and collect what is left.
  result.exited = session.workload_gone();
  absl::Time stopping_since = absl::InfiniteFuture();
  if (!result.exited) {
    stopping_since = absl::Now();
    session.Stop(o.grace);
    if (session.killed_after_grace()) {
      result.notes.push_back(absl::StrCat("the workload was ", session::Session::StopNote(o.grace),
                                          ", as the kubelet would do"));
    }
  }
  result.wait_status = container->wait_status();
  auto stats = session.Finish();
  if (!stats.ok()) return stats.status();
  result.stats = *stats;
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
           absl::StrCat("workload ", DescribeExit(st),
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
                                          DescribeExit(result.exercise_status)),
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
  if (network) ReadDenyCounters(*network, rules, result);
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
  if (not_learned) result.breaks.push_back(*not_learned);
  if (network) AddEnforcement(rules, result);
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
  result.ignored.insert(result.ignored.end(), runtime_init.ignored().begin(),
                        runtime_init.ignored().end());
  std::sort(result.notes.begin(), result.notes.end());
  std::sort(result.ignored.begin(), result.ignored.end());
  result.ignored.erase(std::unique(result.ignored.begin(), result.ignored.end()),
                       result.ignored.end());
  return result;
}

}  // namespace minpriv::verifier
