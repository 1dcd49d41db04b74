#include "profiler/learn.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>

#include <spdlog/spdlog.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "crd/profile_codec.h"
#include "profiler/profile_builder.h"
#include "profiler/readiness.h"
#include "util/cgroup.h"
#include "util/fd.h"
#include "util/files.h"
#include "util/flags.h"
#include "util/signals.h"
#include "util/process.h"

namespace minpriv::profiler {

const char kLearnUsage[] =
    "usage: minpriv learn --out FILE [--name NAME] [--duration DUR] [--exercise 'SHELL COMMAND']\n"
    "                     [--ready-timeout DUR] [--grace DUR] -- CMD [ARG...]\n"
    "       minpriv learn --cgroup PATH --duration DUR --out FILE [--name NAME]\n"
    "       minpriv learn --container NAME=PATH [--container NAME=PATH...] --duration DUR\n"
    "                     --out FILE --name WORKLOAD\n"
    "\n"
    "Runs CMD as a workload in a fresh cgroup under eBPF observation (or observes an existing\n"
    "cgroup v2 directory) and writes its WorkloadProfile to FILE.\n"
    "\n"
    "  --out FILE            profile to write (atomically)\n"
    "  --name NAME           profile and container name (default: CMD's or the cgroup's base name)\n"
    "  --duration DUR        learning window, e.g. 30s, 2m, 1h (default: until CMD and any\n"
    "                        process it left behind, e.g. a daemon, exit; required with --cgroup)\n"
    "  --exercise CMD        once the workload is up, run this with /bin/sh -c (not observed),\n"
    "                        then stop the workload and write the profile\n"
    "  --ready-timeout DUR   how long to wait for the workload to come up (default 30s)\n"
    "  --grace DUR           SIGTERM to SIGKILL grace period when stopping (default 5s)\n"
    "  --cgroup PATH         observe an existing cgroup v2 directory; nothing is killed\n"
    "  --container NAME=PATH observe the container NAME of a pod in its own cgroup v2\n"
    "                        directory (repeatable: one profile with a container each;\n"
    "                        --name names the workload); nothing is killed\n"
    "\n"
    "Exit status: 0 profile written; 1 the exercise failed (profile written with complete:\n"
    "false) or learning could not run; 2 a mistake in the command line (nothing run);\n"
    "130/143 interrupted by SIGINT/SIGTERM (profile written with complete: false).\n";

namespace {

constexpr absl::Duration kPollInterval = absl::Milliseconds(100);
constexpr absl::Duration kRecentWindow = absl::Seconds(10);

// A Kubernetes object name (RFC 1123 label) derived from `s`.
std::string KubernetesName(std::string_view s) {
  std::string out;
  for (char c : s) {
    char l = absl::ascii_tolower(static_cast<unsigned char>(c));
    if (absl::ascii_isalnum(static_cast<unsigned char>(l))) {
      out += l;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.size() > 63) out.resize(63);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "workload" : out;
}

bool IsKubernetesName(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s) {
    if (!(absl::ascii_islower(static_cast<unsigned char>(c)) ||
          absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      return false;
    }
  }
  return s.front() != '-' && s.back() != '-';
}

// True when execvp() would find `cmd` (a path, or a name searched in PATH).
bool FindExecutable(const std::string& cmd) {
  if (cmd.empty()) return false;
  if (cmd.find('/') != std::string::npos) return access(cmd.c_str(), X_OK) == 0;
  const char* path = getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t pos = 0;
  while (pos <= dirs.size()) {
    size_t next = dirs.find(':', pos);
    if (next == std::string::npos) next = dirs.size();
    std::string dir = dirs.substr(pos, next - pos);
    if (dir.empty()) dir = ".";
    std::string full = dir + "/" + cmd;
    struct stat st;
    if (stat(full.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(full.c_str(), X_OK) == 0) {
      return true;
    }
    pos = next + 1;
  }
  return false;
}

std::string BaseName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.find_last_of('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string FormatElapsed(absl::Duration d) {
  int64_t s = absl::ToInt64Seconds(d);
  if (s >= 3600) return absl::StrFormat("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  return absl::StrFormat("%02d:%02d", s / 60, s % 60);
}

// The observation loop shared by every phase.
class Session {
 public:
  Session(observer::Observer* obs, std::vector<ProfileBuilder*> builders, bool terminal,
          absl::Time start)
      : obs_(obs), builders_(std::move(builders)), terminal_(terminal), start_(start) {}

  // One poll round plus progress output.
  absl::Status Step() {
    absl::Status s = obs_->Poll(kPollInterval);
    if (!s.ok()) return s;
    Progress(false);
    return absl::OkStatus();
  }

  void Progress(bool final_line) {
    absl::Time now = absl::Now();
    absl::Duration every = terminal_ ? absl::Seconds(1) : absl::Seconds(10);
    if (!final_line && now - last_progress_ < every) return;
    last_progress_ = now;
    size_t behaviours = 0, recent = 0;
    for (const ProfileBuilder* b : builders_) {
      behaviours += b->behaviours();
      recent += b->NewFactsSince(now - kRecentWindow);
    }
    std::string line = absl::StrCat(FormatElapsed(now - start_), " elapsed, ", behaviours,
                                     " behaviours, ", recent, " new in the last 10s");
    if (terminal_) {
      std::fprintf(stderr, "\r\033[Kminpriv learn: %s%s", line.c_str(), final_line ? "\n" : "");
      std::fflush(stderr);
      line_open_ = !final_line;
    } else {
      spdlog::info("{}: {}", final_line ? "learned" : "learning", line);
    }
  }

  // Ends an open progress line before other output.
  void BreakLine() {
    if (terminal_ && line_open_) {
      std::fputs("\n", stderr);
      line_open_ = false;
    }
  }

 private:
  observer::Observer* obs_;
  std::vector<ProfileBuilder*> builders_;
  bool terminal_;
  absl::Time start_;
  absl::Time last_progress_ = absl::InfinitePast();
  bool line_open_ = false;
};

const char* SignalName(int sig) {
  switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGKILL: return "SIGKILL";
    default: return nullptr;
  }
}

}  // namespace

int LearnExitCode(const LearnResult& result) {
  if (result.stop_signal > 0) return 128 + result.stop_signal;
  if (result.exercise_failed) return 1;
  return 0;
}

absl::StatusOr<LearnOptions> ParseLearnFlags(int argc, char** argv) {
  LearnOptions o;
  const util::FlagSpec spec = {
      {"--out", "--name", "--duration", "--exercise", "--ready-timeout", "--grace", "--cgroup",
       "--container"},
      {},
      "",
      /*repeatable=*/{"--container"}};
  auto on_flag = [&o](const std::string& flag, const std::string& value) -> absl::Status {
    if (flag == "--out") {
      o.out = value;
    } else if (flag == "--name") {
      o.name = value;
    } else if (flag == "--duration") {
      absl::Status s = util::ParseDurationFlag(flag, value, &o.duration);
      if (!s.ok()) return s;
      o.duration_set = true;
    } else if (flag == "--exercise") {
      o.exercise = value;
    } else if (flag == "--ready-timeout") {
      return util::ParseDurationFlag(flag, value, &o.ready_timeout);
    } else if (flag == "--grace") {
      return util::ParseDurationFlag(flag, value, &o.grace);
    } else if (flag == "--cgroup") {
      o.cgroup = value;
    } else if (flag == "--container") {
      size_t eq = value.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == value.size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--container '", value, "': expected NAME=PATH, e.g. web=/sys/fs/cgroup/kubepods/pod1/web"));
      }
      o.containers.emplace_back(value.substr(0, eq), value.substr(eq + 1));
    }
    return absl::OkStatus();
  };
  if (absl::Status s = util::ParseFlags(argc, argv, spec, on_flag, &o.command, &o.help); !s.ok()) {
    return s;
  }
  return o;
}

absl::Status ValidateLearnOptions(LearnOptions& o) {
  if (o.out.empty()) return absl::InvalidArgumentError("--out FILE is required");
  if (o.cgroup.empty() && o.command.empty() && o.containers.empty()) {
    return absl::InvalidArgumentError(
        "nothing to learn: give the workload command after '--', --cgroup PATH or "
        "--container NAME=PATH");
  }
  if (!o.containers.empty()) {
    if (!o.cgroup.empty() || !o.command.empty()) {
      return absl::InvalidArgumentError(
          "--container excludes --cgroup and a workload command: it observes a pod's "
          "containers in their cgroups");
    }
    if (!o.duration_set) {
      return absl::InvalidArgumentError("--container needs --duration (how long to observe)");
    }
    if (!o.exercise.empty()) {
      return absl::InvalidArgumentError(
          "--exercise needs a workload command; with --container minpriv only observes");
    }
    if (o.name.empty()) {
      return absl::InvalidArgumentError(
          "--container needs --name WORKLOAD: the profile names the workload, each --container "
          "its container");
    }
    std::set<std::string> names;
    std::vector<std::string> paths;
    for (auto& [name, path] : o.containers) {
      if (!IsKubernetesName(name)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--container ", name, "=", path, ": '", name,
            "' is not a valid container name; use lower-case letters, digits and '-'"));
      }
      if (!names.insert(name).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("--container ", name, " is given twice; name each container once"));
      }
      while (path.size() > 1 && path.back() == '/') path.pop_back();
      auto id = util::CgroupId(path);
      if (!id.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--container ", name, "=", path, ": ", id.status().message(),
            "; give a directory of the cgroup v2 hierarchy (e.g. under /sys/fs/cgroup)"));
      }
      paths.push_back(path);
    }
    // A cgroup given twice, or inside another, would be watched twice.
    std::sort(paths.begin(), paths.end());
    for (size_t i = 1; i < paths.size(); ++i) {
      if (paths[i] == paths[i - 1]) {
        return absl::InvalidArgumentError(
            absl::StrCat("--container cgroup ", paths[i], " is given for two containers"));
      }
    }
    for (const std::string& a : paths) {
      auto inside = std::find_if(paths.begin(), paths.end(), [&](const std::string& b) {
        return absl::StartsWith(b, a + "/");
      });
      if (inside != paths.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--container cgroups nest: ", *inside, " is inside ", a,
            "; give each container's own cgroup (the pod's holds them all)"));
      }
    }
  }
  if (!o.cgroup.empty() && !o.command.empty()) {
    return absl::InvalidArgumentError("--cgroup and a workload command exclude each other");
  }
  if (!o.cgroup.empty()) {
    if (!o.duration_set) {
      return absl::InvalidArgumentError("--cgroup needs --duration (how long to observe)");
    }
    if (!o.exercise.empty()) {
      return absl::InvalidArgumentError(
          "--exercise needs a workload command; with --cgroup minpriv only observes");
    }
    auto id = util::CgroupId(o.cgroup);
    if (!id.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--cgroup ", o.cgroup, ": ", id.status().message(),
          "; give a directory of the cgroup v2 hierarchy (e.g. under /sys/fs/cgroup)"));
    }
  }
  if (!o.command.empty() && !FindExecutable(o.command[0])) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot run '", o.command[0], "': no such executable",
        o.command[0].find('/') == std::string::npos ? " in PATH" : "",
        "; check the command after '--'"));
  }
  if (o.name.empty()) {
    o.name = KubernetesName(BaseName(o.cgroup.empty() ? o.command[0] : o.cgroup));
  } else if (!IsKubernetesName(o.name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--name '", o.name, "' is not a valid Kubernetes name; use lower-case letters, digits "
        "and '-', at most 63 characters, e.g. ", KubernetesName(o.name)));
  }
  std::string dir = o.out.find('/') == std::string::npos ? "." : o.out.substr(0, o.out.find_last_of('/'));
  if (dir.empty()) dir = "/";
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--out ", o.out, ": directory ", dir, " does not exist; create it or choose another path"));
  }
  if (stat(o.out.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--out ", o.out, " is a directory; give a file path"));
  }
  // The profile is written at the end, next to FILE then renamed: find out now, before the
  // learning window, that the directory takes new files (read-only mounts, permissions).
  std::string probe = absl::StrCat(o.out, ".probe.XXXXXX");
  int fd = mkstemp(probe.data());
  if (fd < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--out ", o.out, ": cannot create files in directory ", dir, " (", strerror(errno),
        "); choose a writable directory"));
  }
  close(fd);
  unlink(probe.c_str());
  return absl::OkStatus();
}

absl::StatusOr<LearnResult> RunLearnSession(const LearnOptions& o, ObserverFactory make_observer,
                                            bool terminal) {
  if (!make_observer) return absl::InternalError("RunLearnSession: no observer factory");
  util::ScopedStopSignals signals;
  LearnResult result;
  std::vector<std::string> incomplete;
  std::vector<std::string> warnings;

  // One builder per container (a pod's, with --container; else one named after the
  // workload). They outlive the observer, which holds them as its sinks.
  std::vector<std::pair<std::string, std::unique_ptr<ProfileBuilder>>> builders;
  if (o.containers.empty()) {
    builders.emplace_back(std::string(), std::make_unique<ProfileBuilder>(o.name));
  } else {
    for (const auto& [name, path] : o.containers) {
      builders.emplace_back(path, std::make_unique<ProfileBuilder>(name));
    }
  }
  ProfileBuilder& builder = *builders.front().second;  // the workload's, in run mode
  // The observer first: it reports a missing environment (root, BTF, BPF) most clearly.
  auto obs_or = make_observer();
  if (!obs_or.ok()) return obs_or.status();
  std::unique_ptr<observer::Observer> obs = std::move(*obs_or);

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
  util::Process workload;
  if (!o.command.empty()) {
    util::SpawnOptions spawn;
    spawn.cgroup = cgroup;
    spawn.hold = true;
    auto started = util::Process::Spawn(o.command, spawn);
    if (!started.ok()) return started.status();
    workload = std::move(*started);
  }

  if (o.containers.empty()) builders.front().first = cgroup;
  std::vector<ProfileBuilder*> sinks;
  for (auto& [path, b] : builders) {
    absl::Status watched = obs->Watch(path, b.get());
    if (!watched.ok()) return watched;
    sinks.push_back(b.get());
  }
  const absl::Time start = absl::Now();
  Session session(obs.get(), sinks, terminal, start);
  const absl::Time deadline =
      o.duration == absl::InfiniteDuration() ? absl::InfiniteFuture() : start + o.duration;

  if (workload.pid() > 0) {
    if (absl::Status released = workload.Release(); !released.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          released.message(), "; check the command after '--' exists and is executable"));
    }
    spdlog::info("learning '{}' (pid {}) in cgroup {}", o.name, workload.pid(), cgroup);
  } else if (!o.containers.empty()) {
    for (const auto& [name, path] : o.containers) {
      spdlog::info("observing container '{}' of '{}' in cgroup {} for {}", name, o.name, path,
                   absl::FormatDuration(o.duration));
    }
  } else {
    spdlog::info("observing cgroup {} for {} as '{}'", cgroup, absl::FormatDuration(o.duration),
                 o.name);
  }

  auto stopped_by_signal = [&] { return signals.stop_requested(); };
  // A daemonizing workload: its main process exits early and leaves the daemon in the
  // cgroup. Noticed once, from the poll loop.
  bool daemonized = false;
  auto notice_daemon = [&] {
    if (daemonized || !workload.exited()) return;
    size_t left = util::CgroupProcs(cgroup).size();
    if (left == 0) return;
    daemonized = true;
    session.BreakLine();
    std::string until =
        !o.exercise.empty()
            ? "the exercise runs once the workload is up"
            : absl::StrCat("learning goes on until they exit",
                           o.duration_set
                               ? absl::StrCat(", --duration ", absl::FormatDuration(o.duration),
                                              " elapses")
                               : std::string(),
                           " or SIGINT (Ctrl-C)");
    spdlog::warn("the main process (pid {}) {} and {} {} in the workload's cgroup "
                 "(daemonized?); {}",
                 workload.pid(), util::DescribeWaitStatus(workload.wait_status()), left,
                 left == 1 ? "process remains" : "processes remain", until);
    warnings.push_back(absl::StrCat(
        "daemonized: the main process ", util::DescribeWaitStatus(workload.wait_status()), " while ", left,
        " other process", left == 1 ? "" : "es",
        " of the workload kept running; Kubernetes runs the container's main process in the "
        "foreground; run it with its foreground option (e.g. nginx -g 'daemon off;')"));
  };
  // Polls until `done()`, the deadline or a stop signal.
  auto pump = [&](absl::Time until, const std::function<bool()>& done) -> absl::Status {
    return signals.PollUntil(until, done, [&] {
      absl::Status s = session.Step();
      if (s.ok() && workload.pid() > 0) {
        workload.Poll();
        notice_daemon();
      }
      return s;
    });
  };
  // Run mode: the workload is over once its main process has exited and nothing of it is
  // left in its cgroup.
  auto workload_gone = [&] { return workload.exited() && util::CgroupProcs(cgroup).empty(); };
  bool exercise_failed = false;  // it failed, could not run or did not finish

  if (!o.exercise.empty()) {
    // Wait until the workload is up: listening (its main process or a daemonized child),
    // or (if it does not listen) quiet for a bit.
    absl::Time ready_by = std::min(deadline, start + o.ready_timeout);
    auto ready = [&] { return WorkloadLooksReady(builder, start, absl::Now()); };
    absl::Status s = pump(ready_by, [&] { return ready() || workload_gone(); });
    if (!s.ok()) return s;
    if (builder.listening()) {
      s = pump(absl::Now() + kAfterListen, [] { return false; });
      if (!s.ok()) return s;
    } else if (!ready() && !workload_gone() && !stopped_by_signal()) {
      warnings.push_back(absl::StrCat("the workload was not up within --ready-timeout ",
                                      absl::FormatDuration(o.ready_timeout),
                                      "; the exercise ran anyway"));
    }
    if (workload_gone()) {
      session.BreakLine();
      spdlog::warn("the workload {} before the exercise ran", util::DescribeWaitStatus(workload.wait_status()));
      exercise_failed = true;
      incomplete.push_back(absl::StrCat(
          "the workload ", util::DescribeWaitStatus(workload.wait_status()),
          " before the exercise could run; behaviour the exercise should have triggered is "
          "missing"));
    } else if (!stopped_by_signal()) {
      session.BreakLine();
      spdlog::info("workload is up; running exercise: {}", o.exercise);
      std::fflush(stdout);
      auto started = util::Process::Shell(o.exercise);
      if (!started.ok()) return started.status();
      util::Process exercise = std::move(*started);
      s = pump(deadline, [&] { return exercise.Poll(); });
      if (!s.ok()) return s;
      if (!exercise.Poll()) {
        exercise.Kill();
        if (stopped_by_signal()) {
          incomplete.push_back("the exercise was interrupted");
        } else {
          exercise_failed = true;
          incomplete.push_back(absl::StrCat("the exercise did not finish within --duration ",
                                            absl::FormatDuration(o.duration),
                                            "; behaviour it should have triggered may be "
                                            "missing"));
        }
      } else {
        result.exercise_ran = true;
        result.exercise_wait_status = exercise.wait_status();
        session.BreakLine();
        spdlog::info("exercise {}", util::DescribeWaitStatus(exercise.wait_status()));
        if (!WIFEXITED(exercise.wait_status()) || WEXITSTATUS(exercise.wait_status()) != 0) {
          exercise_failed = true;
          incomplete.push_back(absl::StrCat(
              "the exercise ", util::DescribeWaitStatus(exercise.wait_status()),
              " (it failed); behaviour it should have triggered may be missing"));
        }
      }
    }
  } else if (workload.pid() > 0) {
    absl::Status s = pump(deadline, workload_gone);
    if (!s.ok()) return s;
  } else {
    absl::Status s = pump(deadline, [] { return false; });
    if (!s.ok()) return s;
  }

  if (stopped_by_signal()) {
    result.stop_signal = signals.signal_number();
    incomplete.push_back(absl::StrCat("learning was interrupted by ",
                                      SignalName(signals.signal_number()), " after ",
                                      FormatElapsed(absl::Now() - start)));
  }
  result.exercise_failed = exercise_failed;

  // Stop what is left of the workload (run mode only) the way the kubelet and runc do:
  // SIGTERM to the main process only (so its own graceful shutdown — e.g. a master telling
  // its workers to stop — is learned too), the grace period, then SIGKILL to everything
  // left. When the main process is already gone (it daemonized), SIGTERM goes to every
  // process left, with the same grace.
  if (workload.pid() > 0) {
    workload.Poll();
    notice_daemon();
    result.workload_exited = workload.exited();
    std::vector<pid_t> left = util::CgroupProcs(cgroup);
    if (!left.empty()) {
      if (!workload.exited()) {
        kill(workload.pid(), SIGTERM);
      } else {
        session.BreakLine();
        spdlog::info("stopping the {} process{} left in the workload's cgroup (SIGTERM, then "
                     "SIGKILL after {})",
                     left.size(), left.size() == 1 ? "" : "es", absl::FormatDuration(o.grace));
        for (pid_t p : left) kill(p, SIGTERM);
      }
      absl::Time kill_at = absl::Now() + o.grace;
      while (absl::Now() < kill_at && !util::CgroupProcs(cgroup).empty()) {
        absl::Status s = obs->Poll(absl::Milliseconds(20));
        if (!s.ok()) break;
        workload.Poll();
      }
      workload.SignalAll(SIGKILL);
    }
    while (!workload.Poll()) {
      absl::Status s = obs->Poll(absl::Milliseconds(10));
      if (!s.ok()) break;
    }
  }

  absl::Status drained = obs->Drain();
  if (!drained.ok()) return drained;
  const absl::Time end = absl::Now();
  observer::Stats stats = obs->GetStats();
  obs->Detach();
  session.Progress(true);
  session.BreakLine();

  if (workload.pid() > 0) {
    result.workload_wait_status = workload.wait_status();
  }

  // The profile.
  crd::WorkloadProfile& p = result.profile;
  p.name = o.name;
  for (auto& [path, b] : builders) p.containers.push_back(b->Build());
  p.status.window = {Rfc3339Millis(start), Rfc3339Millis(end)};
  p.status.dropped_events = stats.dropped;
  if (stats.dropped > 0) {
    incomplete.push_back(absl::StrCat(stats.dropped,
                                      " events were dropped (ring buffer full); facts may be "
                                      "missing, learn again"));
  }
  if (!stats.warnings.empty()) {
    incomplete.push_back("some kernel hooks were unavailable (see warnings)");
  }
  warnings.insert(warnings.end(), stats.warnings.begin(), stats.warnings.end());
  for (auto& [path, b] : builders) {
    // With several containers, each container's own notes say whose they are.
    std::string whose = builders.size() > 1 ? absl::StrCat("container ", b->name(), ": ") : "";
    for (const std::string& w : b->Warnings()) warnings.push_back(whose + w);
    for (const std::string& r : b->IncompleteReasons()) incomplete.push_back(whose + r);
  }
  p.status.complete = incomplete.empty();
  p.status.incomplete_reasons = incomplete;
  p.status.warnings = warnings;
  crd::Canonicalize(p);

  absl::Status written = util::WriteFileAtomic(o.out, crd::EmitWorkloadProfile(p));
  if (!written.ok()) return written;
  return result;
}

}  // namespace minpriv::profiler
