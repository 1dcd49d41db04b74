// `minpriv learn`: the flags (Options), then Validate → Run; the session logic lives in
// session/learn.h.
#include <unistd.h>

#include <cstdio>
#include <memory>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/learn_cmd.h"

#include "absl/strings/str_cat.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "crd/profile_codec.h"
#include "observer/observer.h"
#include "util/exit_codes.h"
#include "util/process.h"

namespace minpriv::cli {

namespace {

CommandText LearnText() {
  CommandText t;
  t.name = "minpriv learn";
  t.synopsis =
      "minpriv learn --out FILE [--name NAME] [--duration DUR] [--exercise 'SHELL COMMAND']\n"
      "                     [--ready-timeout DUR] [--grace DUR] -- CMD [ARG...]\n"
      "       minpriv learn --cgroup PATH --duration DUR --out FILE [--name NAME]\n"
      "       minpriv learn --container NAME=PATH [--container NAME=PATH...] --duration DUR\n"
      "                     --out FILE --name WORKLOAD";
  t.description =
      "Runs CMD as a workload in a fresh cgroup under eBPF observation (or observes an existing\n"
      "cgroup v2 directory) and writes its WorkloadProfile to FILE.";
  t.footer =
      "Exit status: 0 profile written; 1 the exercise failed (profile written with complete:\n"
      "false) or learning could not run; 2 a mistake in the command line (nothing run);\n"
      "130/143 interrupted by SIGINT/SIGTERM (profile written with complete: false).";
  t.flag_column = 24;
  t.rest = CommandText::Rest::kCommand;
  return t;
}

// NAME=PATH of --container.
absl::Status AddContainer(const std::string& value, session::LearnOptions* o) {
  size_t eq = value.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == value.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--container '", value, "': expected NAME=PATH, e.g. web=/sys/fs/cgroup/kubepods/pod1/web"));
  }
  o->containers.emplace_back(value.substr(0, eq), value.substr(eq + 1));
  return absl::OkStatus();
}

}  // namespace

std::unique_ptr<CommandLine> LearnCommandLine(session::LearnOptions* o) {
  auto cl = std::make_unique<CommandLine>(LearnText());
  cl->AddValue("--out", &o->out, "FILE", "profile to write (atomically)");
  cl->AddValue("--name", &o->name, "NAME",
               "profile and container name (default: CMD's or the cgroup's base name)");
  cl->AddDuration("--duration", &o->duration, &o->duration_set,
                  "learning window, e.g. 30s, 2m, 1h (default: until CMD and any\n"
                  "process it left behind, e.g. a daemon, exit; required with --cgroup)");
  cl->AddValue("--exercise", &o->exercise, "CMD",
               "once the workload is up, run this with /bin/sh -c (not observed),\n"
               "then stop the workload and write the profile");
  cl->AddDuration("--ready-timeout", &o->ready_timeout, nullptr,
                  "how long to wait for the workload to come up (default 30s)");
  cl->AddDuration("--grace", &o->grace, nullptr,
                  "SIGTERM to SIGKILL grace period when stopping (default 5s)");
  cl->AddValue("--cgroup", &o->cgroup, "PATH",
               "observe an existing cgroup v2 directory; nothing is killed");
  cl->AddParsed("--container", "NAME=PATH",
                "observe the container NAME of a pod in its own cgroup v2\n"
                "directory (repeatable: one profile with a container each;\n"
                "--name names the workload); nothing is killed",
                [o](const std::string& value) { return AddContainer(value, o); },
                /*repeatable=*/true);
  return cl;
}

absl::StatusOr<session::LearnOptions> ParseLearnFlags(int argc, char** argv) {
  session::LearnOptions o;
  auto cl = LearnCommandLine(&o);
  if (absl::Status s = cl->Parse(argc, argv); !s.ok()) return s;
  o.command = cl->command();
  o.help = cl->help_requested();
  return o;
}

std::string LearnHelp() {
  session::LearnOptions unused;
  return LearnCommandLine(&unused)->Help();
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
    std::fputs(LearnHelp().c_str(), stdout);
    return util::kExitOk;
  }
  absl::Status valid = options.ok() ? session::ValidateLearnOptions(*options) : options.status();
  if (!valid.ok()) {
    std::fprintf(stderr, "minpriv learn: %s\n\n%s", std::string(valid.message()).c_str(),
                 LearnHelp().c_str());
    return util::kExitUsage;
  }
  auto result = session::RunLearnSession(*options, CreateObserver, isatty(STDERR_FILENO) == 1);
  if (!result.ok()) {
    std::fprintf(stderr, "minpriv learn: %s\n", std::string(result.status().message()).c_str());
    return result.status().code() == absl::StatusCode::kInvalidArgument ? util::kExitUsage
                                                                         : util::kExitFailure;
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
