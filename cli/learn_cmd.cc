// `minpriv learn`: wiring only (Options → Validate → Run); the session logic lives in
// profiler/learn.h.
#include <unistd.h>

#include <cstdio>
#include <memory>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "crd/profile_codec.h"
#include "observer/observer.h"
#include "profiler/learn.h"
#include "util/process.h"

namespace minpriv::cli {
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
  auto options = profiler::ParseLearnFlags(argc, argv);
  if (options.ok() && options->help) {
    std::fputs(profiler::kLearnUsage, stdout);
    return 0;
  }
  absl::Status valid = options.ok() ? profiler::ValidateLearnOptions(*options) : options.status();
  if (!valid.ok()) {
    std::fprintf(stderr, "minpriv learn: %s\n\n%s", std::string(valid.message()).c_str(),
                 profiler::kLearnUsage);
    return 2;
  }
  auto result = profiler::RunLearnSession(*options, CreateObserver, isatty(STDERR_FILENO) == 1);
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
  int code = profiler::LearnExitCode(*result);
  if (result->stop_signal > 0) {
    spdlog::warn("learning was interrupted; exiting with status {}", code);
  } else if (result->exercise_failed) {
    spdlog::error("the exercise failed; the profile is incomplete (exit status {})", code);
  }
  return code;
}

}  // namespace minpriv::cli
