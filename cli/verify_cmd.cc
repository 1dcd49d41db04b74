// `minpriv verify`: Options → Validate → Run (verifier/verify.h), then the verdict.
#include <cstdio>
#include <cstring>

#include "cli/commands.h"
#include "util/files.h"
#include "verifier/verify.h"

namespace minpriv::cli {

int RunVerify(int argc, char** argv) {
  auto options = verifier::ParseVerifyFlags(argc, argv);
  if (!options.ok()) {
    std::fprintf(stderr, "minpriv verify: %s\n\n%s", std::string(options.status().message()).c_str(),
                 verifier::kVerifyUsage);
    return 2;
  }
  if (options->help) {
    std::fputs(verifier::kVerifyUsage, stdout);
    return 0;
  }
  if (auto s = verifier::ValidateVerifyOptions(*options); !s.ok()) {
    std::fprintf(stderr, "minpriv verify: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  auto factory = [] {
    observer::Options opts;
    opts.verify_mode = true;
    return observer::Observer::Create(opts);
  };
  auto result = verifier::RunVerifySession(*options, factory);
  if (!result.ok()) {
    std::fprintf(stderr, "minpriv verify: %s\n", std::string(result.status().message()).c_str());
    // InvalidArgument/NotFound: the user's input; everything else: the environment.
    return util::ExitCodeFor(result.status());
  }
  if (!options->report.empty()) {
    if (auto s = util::WriteFileAtomic(options->report, verifier::VerifyReportJson(*result));
        !s.ok()) {
      std::fprintf(stderr, "minpriv verify: %s\n", std::string(s.message()).c_str());
      return 1;
    }
  }
  for (const auto& note : result->notes) std::fprintf(stderr, "note: %s\n", note.c_str());
  for (const auto& why : result->ignored) std::fprintf(stderr, "not a break: %s\n", why.c_str());
  if (!result->bundle_dir.empty()) {
    std::fprintf(stderr, "bundle kept at %s\n", result->bundle_dir.c_str());
  }
  if (result->interrupted_by != 0) {
    // The container was stopped and deleted; no verdict. 128+N, as a shell reports it.
    const char* name = sigabbrev_np(result->interrupted_by);
    std::fprintf(stderr,
                 "minpriv verify: interrupted by SIG%s before a verdict; the container was "
                 "stopped and removed\n",
                 name ? name : "?");
    return 128 + result->interrupted_by;
  }
  if (result->verified()) {
    const char* how = result->exercise_ran ? "exercise passed"
                      : result->exited     ? "exited as expected"
                                           : "stayed up for --duration";
    std::printf("VERIFIED: %s container %s works under the proposal (%s)\n",
                result->workload.c_str(), result->container.c_str(), how);
    std::fflush(stdout);
    return 0;
  }
  std::printf("BROKEN: %s container %s: %zu break(s) under the proposal\n",
              result->workload.c_str(), result->container.c_str(), result->breaks.size());
  for (const auto& b : result->breaks) {
    if (b.detail.empty()) {
      std::printf("  %s\n", b.message.c_str());
    } else {
      std::printf("  %s  [%s]\n", b.message.c_str(), b.detail.c_str());
    }
  }
  std::fflush(stdout);
  return verifier::kVerifyBroken;
}

}  // namespace minpriv::cli
