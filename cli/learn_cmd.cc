// `minpriv learn`: the flags (Options), then Validate → Run; the session logic lives in
// session/learn.h.
#include <unistd.h>

#include <cstdio>
#include <memory>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/learn_cmd.h"

#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "crd/profile_codec.h"
#include "observer/observer.h"
#include "util/flags.h"
#include "util/process.h"

namespace minpriv::cli {

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

absl::StatusOr<session::LearnOptions> ParseLearnFlags(int argc, char** argv) {
  session::LearnOptions o;
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

namespace {

// Logs go to stderr: the workload's stdout passes through untouched.
void UseStderrLogger() {
  auto logger = spdlog::get("minpriv-learn");
  if (!logger) logger = spdlog::stderr_color_mt("minpriv-learn");
  logger->set_pattern("minpriv learn: %v");
  spdlog::set_default_logger(logger);
}

absl::StatusOr<std::unique_ptr<observer::Observer>> CreateObserver() {
  return observer::Observer::Create(observer::Options{});
}

}  // namespace

int RunLearn(int argc, char** argv) {
  UseStderrLogger();
  auto options = ParseLearnFlags(argc, argv);
  if (options.ok() && options->help) {
    std::fputs(kLearnUsage, stdout);
    return 0;
  }
  absl::Status valid = options.ok() ? session::ValidateLearnOptions(*options) : options.status();
  if (!valid.ok()) {
    std::fprintf(stderr, "minpriv learn: %s\n\n%s", std::string(valid.message()).c_str(),
                 kLearnUsage);
    return 2;
  }
  auto result = session::RunLearnSession(*options, CreateObserver, isatty(STDERR_FILENO) == 1);
  if (!result.ok()) {
    std::fprintf(stderr, "minpriv learn: %s\n", std::string(result.status().message()).c_str());
    return result.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  const crd::WorkloadProfile& p = result->profile;
  if (!options->command.empty()) {
    spdlog::info("workload {}", util::DescribeWaitStatus(result->workload_wait_status));
  }
  spdlog::info("wrote profile '{}' to {} ({})", p.name, options->out,
               p.status.complete ? "complete" : "INCOMPLETE: see status.incompleteReasons");
  for (const std::string& reason : p.status.incomplete_reasons) spdlog::warn("incomplete: {}", reason);
  for (const std::string& w : p.status.warnings) spdlog::warn("warning: {}", w);
  int code = session::LearnExitCode(*result);
  if (result->stop_signal > 0) {
    spdlog::warn("learning was interrupted; exiting with status {}", code);
  } else if (result->exercise_failed) {
    spdlog::error("the exercise failed; the profile is incomplete (exit status {})", code);
  }
  return code;
}

}  // namespace minpriv::cli
