// `minpriv learn`'s session: the workload (or the given cgroups) under observation, turned
// into a WorkloadProfile by the profiler's builders and written atomically.
#include "session/learn.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <utility>

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "crd/profile_codec.h"
#include "profiler/profile_builder.h"
#include "session/file_system_use.h"
#include "session/progress.h"
#include "session/reachability.h"
#include "util/cgroup.h"
#include "util/files.h"
#include "util/process.h"

namespace minpriv::session {

namespace {

const char* SignalName(int sig) {
  switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGKILL: return "SIGKILL";
    default: return nullptr;
  }
}

// Run mode's workload: CMD in its cgroup. It is over once its main process has exited and
// nothing of it is left in the cgroup; a main process that exits early and leaves processes
// behind has daemonized, which is noticed once (a log line and a profile warning).
class LearnedWorkload : public Workload {
 public:
  LearnedWorkload(util::Process process, const LearnOptions& o, Progress& progress,
                  std::vector<std::string>& warnings)
      : process_(std::move(process)), o_(o), progress_(progress), warnings_(warnings) {}

  util::Process& process() { return process_; }

  void Update() override {
    process_.Poll();
    NoticeDaemon();
  }
  bool Gone() override {
    return process_.exited() && util::CgroupProcs(process_.cgroup()).empty();
  }
  // SIGTERM to the main process only (so its own graceful shutdown, e.g. a master telling
  // its workers to stop, is learned too); when it is already gone (it daemonized), to
  // every process left.
  void Terminate() override {
    if (!process_.exited()) {
      process_.Signal(SIGTERM);
      return;
    }
    size_t left = util::CgroupProcs(process_.cgroup()).size();
    progress_.BreakLine();
    spdlog::info("stopping the {} process{} left in the workload's cgroup (SIGTERM, then "
                 "SIGKILL after {})",
                 left, left == 1 ? "" : "es", absl::FormatDuration(o_.grace));
    process_.SignalAll(SIGTERM);
  }
  void Kill() override { process_.SignalAll(SIGKILL); }

 private:
  void NoticeDaemon() {
    if (daemonized_ || !process_.exited()) return;
    size_t left = util::CgroupProcs(process_.cgroup()).size();
    if (left == 0) return;
    daemonized_ = true;
    progress_.BreakLine();
    std::string until =
        !o_.exercise.empty()
            ? "the exercise runs once the workload is up"
            : absl::StrCat("learning goes on until they exit",
                           o_.duration_set
                               ? absl::StrCat(", --duration ", absl::FormatDuration(o_.duration),
                                              " elapses")
                               : std::string(),
                           " or SIGINT (Ctrl-C)");
    const std::string how = util::DescribeWaitStatus(process_.wait_status());
    spdlog::warn("the main process (pid {}) {} and {} {} in the workload's cgroup "
                 "(daemonized?); {}",
                 process_.pid(), how, left, left == 1 ? "process remains" : "processes remain",
                 until);
    warnings_.push_back(absl::StrCat(
        "daemonized: the main process ", how, " while ", left, " other process",
        left == 1 ? "" : "es",
        " of the workload kept running; Kubernetes runs the container's main process in the "
        "foreground; run it with its foreground option (e.g. nginx -g 'daemon off;')"));
  }

  util::Process process_;
  const LearnOptions& o_;
  Progress& progress_;
  std::vector<std::string>& warnings_;
  bool daemonized_ = false;
};

}  // namespace

absl::StatusOr<LearnResult> RunLearnSession(const LearnOptions& o, ObserverFactory make_observer,
                                            bool terminal) {
  if (!make_observer) return absl::InternalError("RunLearnSession: no observer factory");
  Session session;
  LearnResult result;
  std::vector<std::string> incomplete;
  std::vector<std::string> warnings;

  // One builder per container (a pod's, with --container; else one named after the
  // workload). They outlive the observer, which holds them as its sinks.
  std::vector<std::pair<std::string, std::unique_ptr<profiler::ProfileBuilder>>> builders;
  if (o.containers.empty()) {
    builders.emplace_back(std::string(), std::make_unique<profiler::ProfileBuilder>(o.name));
  } else {
    for (const auto& [name, path] : o.containers) {
      builders.emplace_back(path, std::make_unique<profiler::ProfileBuilder>(name));
    }
  }
  profiler::ProfileBuilder& builder = *builders.front().second;  // the workload's, in run mode
  // The observer first: it reports a missing environment (root, BTF, BPF) most clearly.
  if (absl::Status s = session.OpenObserver(make_observer); !s.ok()) return s;

  // The cgroup: fresh for a command, or the one given.
  util::ScopedCgroup scoped;
  std::string cgroup = o.cgroup;
  if (cgroup.empty() && o.containers.empty()) {
    auto cg = util::ScopedCgroup::Create(absl::StrCat("minpriv/learn-", getpid()));
    if (!cg.ok()) return cg.status();
    scoped = std::move(*cg);
    cgroup = scoped.path();
  }

  // Run mode: the workload starts in the cgroup, held until the cgroup is watched.
  util::Process held;
  if (!o.command.empty()) {
    util::SpawnOptions spawn;
    spawn.cgroup = cgroup;
    spawn.hold = true;
    auto started = util::Process::Spawn(o.command, spawn);
    if (!started.ok()) return started.status();
    held = std::move(*started);
  }

  if (o.containers.empty()) builders.front().first = cgroup;
  std::vector<const profiler::ProfileBuilder*> sinks;
  for (auto& [path, b] : builders) {
    if (absl::Status s = session.observer().Watch(path, b.get()); !s.ok()) return s;
    sinks.push_back(b.get());
  }
  // The window's start as new files' birth times count it (file_system_use.h).
  const absl::Time listing_start = CoarseNow();
  session.Begin(o.duration);
  Progress progress(sinks, terminal, session.start());
  // What each container uses from its file system, sampled from /proc after every poll
  // round (session/file_system_use.h).
  std::vector<FileSystemUseSampler> samplers;
  for (auto& [path, b] : builders) samplers.emplace_back(path);
  auto sample = [&](bool all) {
    for (FileSystemUseSampler& s : samplers) s.Sample(all);
  };
  session.SetOnPoll([&] {
    progress.Report(false);
    sample(false);
  });

  std::unique_ptr<LearnedWorkload> workload;
  if (held.pid() > 0) {
    if (absl::Status released = held.Release(); !released.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          released.message(), "; check the command after '--' exists and is executable"));
    }
    spdlog::info("learning '{}' (pid {}) in cgroup {}", o.name, held.pid(), cgroup);
    workload = std::make_unique<LearnedWorkload>(std::move(held), o, progress, warnings);
    session.SetWorkload(workload.get());
  } else if (!o.containers.empty()) {
    for (const auto& [name, path] : o.containers) {
      spdlog::info("observing container '{}' of '{}' in cgroup {} for {}", name, o.name, path,
                   absl::FormatDuration(o.duration));
    }
  } else {
    spdlog::info("observing cgroup {} for {} as '{}'", cgroup, absl::FormatDuration(o.duration),
                 o.name);
  }
  auto workload_status = [&] {
    return util::DescribeWaitStatus(workload->process().wait_status());
  };

  bool exercise_failed = false;  // it failed, could not run or did not finish
  if (!o.exercise.empty()) {
    // Wait until the workload is up: listening (its main process or a daemonized child),
    // or (if it does not listen) quiet for a bit.
    auto ready = session.AwaitReady(builder, o.ready_timeout);
    if (!ready.ok()) return ready.status();
    if (!*ready && !builder.listening() && !session.workload_gone() &&
        !session.stop_requested()) {
      warnings.push_back(absl::StrCat("the workload was not up within --ready-timeout ",
                                      absl::FormatDuration(o.ready_timeout),
                                      "; the exercise ran anyway"));
    }
    if (session.workload_gone()) {
      progress.BreakLine();
      spdlog::warn("the workload {} before the exercise ran", workload_status());
      exercise_failed = true;
      incomplete.push_back(absl::StrCat(
          "the workload ", workload_status(),
          " before the exercise could run; behaviour the exercise should have triggered is "
          "missing"));
    } else if (!session.stop_requested()) {
      progress.BreakLine();
      spdlog::info("workload is up; running exercise: {}", o.exercise);
      auto exercise = session.RunExercise(o.exercise);
      if (!exercise.ok()) return exercise.status();
      if (!exercise->finished) {
        if (session.stop_requested()) {
          incomplete.push_back("the exercise was interrupted");
        } else {
          exercise_failed = true;
          incomplete.push_back(absl::StrCat("the exercise did not finish within --duration ",
                                            absl::FormatDuration(o.duration),
                                            "; behaviour it should have triggered may be "
                                            "missing"));
        }
      } else {
        const int st = exercise->wait_status;
        result.exercise_ran = true;
        result.exercise_wait_status = st;
        progress.BreakLine();
        spdlog::info("exercise {}", util::DescribeWaitStatus(st));
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
          exercise_failed = true;
          incomplete.push_back(absl::StrCat(
              "the exercise ", util::DescribeWaitStatus(st),
              " (it failed); behaviour it should have triggered may be missing"));
        }
      }
    }
  } else if (workload) {
    if (absl::Status s = session.PollUntilGone(); !s.ok()) return s;
  } else {
    if (absl::Status s = session.PollUntil(session.deadline(), [] { return false; }); !s.ok()) {
      return s;
    }
  }

  if (session.stop_requested()) {
    result.stop_signal = session.stop_signal();
    incomplete.push_back(absl::StrCat("learning was interrupted by ",
                                      SignalName(session.stop_signal()), " after ",
                                      FormatElapsed(absl::Now() - session.start())));
  }
  result.exercise_failed = exercise_failed;

  sample(true);  // the end of the window: what the processes use now
  // Stop what is left of the workload (run mode only) the way the kubelet and runc do.
  if (workload) {
    workload->Update();
    result.workload_exited = workload->process().exited();
    session.Stop(o.grace);
    if (session.killed_after_grace()) {
      result.stop_note = session.StopNote(o.grace);
      progress.BreakLine();
      spdlog::warn("the workload was {}", result.stop_note);
    }
  }

  auto stats = session.Finish();
  if (!stats.ok()) return stats.status();
  const absl::Time end = absl::Now();
  progress.Report(true);
  progress.BreakLine();
  if (workload) result.workload_wait_status = workload->process().wait_status();
  // A main process that failed by itself (before the exercise or the window's end asked it
  // to stop) failed while it was learned: what it would have done next is missing.
  if (workload && result.workload_exited && !session.stop_requested() && !exercise_failed) {
    const int st = result.workload_wait_status;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      result.workload_failed = true;
      incomplete.push_back(absl::StrCat("the workload ", WIFSIGNALED(st) ? "was " : "",
                                        util::DescribeWaitStatus(st), " while it was learned"));
    }
  }
  // Attached to processes already running: their start-up (the dynamic loader, libc's
  // initialisation) happened before the window.
  if (!workload) incomplete.push_back(crd::kReasonStartupNotObserved);

  // The profile.
  crd::WorkloadProfile& p = result.profile;
  p.name = o.name;
  for (auto& [path, b] : builders) p.containers.push_back(b->Build());
  p.status.window = {profiler::Rfc3339Millis(session.start()), profiler::Rfc3339Millis(end)};
  p.status.dropped_events = stats->dropped;
  if (stats->dropped > 0) {
    incomplete.push_back(absl::StrCat(stats->dropped,
                                      " events were dropped (ring buffer full); facts may be "
                                      "missing, learn again"));
  }
  if (!stats->warnings.empty()) {
    incomplete.push_back("some kernel hooks were unavailable (see warnings)");
  }
  warnings.insert(warnings.end(), stats->warnings.begin(), stats->warnings.end());
  for (auto& [path, b] : builders) {
    // With several containers, each container's own notes say whose they are.
    std::string whose = builders.size() > 1 ? absl::StrCat("container ", b->name(), ": ") : "";
    for (const std::string& w : b->Warnings()) warnings.push_back(whose + w);
    for (const std::string& r : b->IncompleteReasons()) incomplete.push_back(whose + r);
  }
  // What the executed binaries can reach beyond what they did (read from their ELF files).
  for (size_t i = 0; i < builders.size(); ++i) {
    std::string whose = builders.size() > 1 ? absl::StrCat("container ", p.containers[i].name, ": ") : "";
    AddReachability(p.containers[i], workload == nullptr, builders[i].first, whose, warnings);
    AddFileSystemUse(p.containers[i], samplers[i], workload == nullptr, builders[i].first,
                     listing_start, whose, warnings);
  }
  p.status.complete = incomplete.empty();
  p.status.incomplete_reasons = incomplete;
  p.status.warnings = warnings;
  crd::Canonicalize(p);

  absl::Status written = util::WriteFileAtomic(o.out, crd::EmitWorkloadProfile(p));
  if (!written.ok()) return written;
  return result;
}

}  // namespace minpriv::session
