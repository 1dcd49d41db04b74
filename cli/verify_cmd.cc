// `minpriv verify`: the flags (Options), then Validate → Run (verifier/verify.h), then the
// verdict.
#include "cli/verify_cmd.h"

#include <cstdio>
#include <cstring>

#include "cli/command_line.h"
#include "cli/commands.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "util/files.h"
#include "util/exit_codes.h"
#include "verifier/junit.h"
#include "verifier/verify.h"

namespace minpriv::cli {

namespace {

CommandText VerifyText() {
  CommandText t;
  t.name = "minpriv verify";
  t.synopsis =
      "minpriv verify --proposal DIR [--workload NAME] [--container NAME]\n"
      "                      [--image REF] [--image-cache DIR]\n"
      "                      [--exercise 'SHELL COMMAND'] [--duration DUR] [--ready-timeout DUR]\n"
      "                      [--grace DUR] [--expect-exit N] [--profile FILE] [--report FILE]\n"
      "                      [--junit FILE] [--host-paths scratch|readonly|bind] [--keep-bundle]\n"
      "                      [-- CMD [ARG...]]";
  t.description =
      "Replays the workload under the proposal with the real OCI runtime (runc): the narrowed\n"
      "pod and container securityContext, volumes and seccomp profile become an OCI runtime\n"
      "spec the way containerd's CRI plugin builds one. With --image the image's root file\n"
      "system (read-only, cached by digest), user, environment and working directory apply,\n"
      "and without -- CMD its entrypoint runs (the manifest's command/args override it);\n"
      "without --image the host's root file system serves as the (read-only) image. The\n"
      "replay has its own network namespace with a pod address where the NetworkPolicy is\n"
      "enforced with nftables; the exercise runs there too (127.0.0.1:PORT reaches it).\n"
      "The eBPF observer watches the replay and every break is named on its own line:\n"
      "  seccomp denied SYSCALL | capability missing CAP | read-only file system: PATH |\n"
      "  network policy would deny egress to IP:PORT/PROTO (ingress, DNS) | ...";
  t.footer =
      "exit status: 0 verified, 3 broken (each break printed), 2 usage or input error (also\n"
      "CMD not found in the image), 1 environment error (not root, runc missing, eBPF\n"
      "unavailable), 130/143 interrupted by SIGINT/SIGTERM (the container is removed)";
  t.flag_column = 24;
  t.rest = CommandText::Rest::kCommand;
  t.error_hint = "; see 'minpriv verify --help'";
  return t;
}

absl::Status ParseExpectExit(const std::string& value, int* out) {
  int n = 0;
  if (!absl::SimpleAtoi(value, &n) || n < 0 || n > 255) {
    return absl::InvalidArgumentError(
        absl::StrCat("--expect-exit: '", value, "' is not an exit status; give a number 0..255"));
  }
  *out = n;
  return absl::OkStatus();
}

}  // namespace

std::unique_ptr<CommandLine> VerifyCommandLine(verifier::VerifyOptions* o) {
  auto cl = std::make_unique<CommandLine>(VerifyText());
  cl->AddValue("--proposal", &o->proposal, "DIR",
               "proposal directory written by 'minpriv propose' (required)");
  cl->AddValue("--workload", &o->workload, "NAME",
               "workload in DIR/narrowed.yaml (default: the only one)");
  cl->AddValue("--container", &o->container, "NAME",
               "container of that workload (default: the only one); an init\n"
               "container must run to completion with exit status 0");
  cl->AddValue("--image", &o->image, "REF",
               "run the real image: oci:DIR[:TAG], oci-archive:FILE,\n"
               "docker-archive:FILE or docker://NAME[:TAG]; without -- CMD its\n"
               "Entrypoint and Cmd run as the kubelet would");
  cl->AddValue("--image-cache", &o->image_cache, "DIR",
               "where unpacked images are cached by digest (default\n"
               "$XDG_CACHE_HOME/minpriv/images, else /var/cache/minpriv/images)");
  cl->AddValue("--exercise", &o->exercise, "CMD",
               "once the workload is up, run this with /bin/sh -c in the\n"
               "replay's network namespace (not observed; $MINPRIV_POD_IP is\n"
               "its address, $MINPRIV_ROOT the container's root and\n"
               "$MINPRIV_IN_CONTAINER a prefix that runs a program in its mount\n"
               "namespace, e.g. to reach a unix socket it binds); it must exit 0;\n"
               "then the workload is stopped");
  cl->AddDuration("--duration", &o->duration, &o->duration_set,
                  "bound on the replay, e.g. 30s (default: until CMD exits)");
  cl->AddDuration("--ready-timeout", &o->ready_timeout, nullptr,
                  "how long to wait for the workload to come up (default 30s)");
  cl->AddDuration("--grace", &o->grace, nullptr,
                  "SIGTERM to SIGKILL grace period when stopping (default 5s)");
  cl->AddParsed("--expect-exit", "N", "CMD exiting with status N is not a break (0 never is)",
                [o](const std::string& value) {
                  int n = 0;
                  absl::Status s = ParseExpectExit(value, &n);
                  if (s.ok()) o->expect_exit = n;
                  return s;
                });
  cl->AddValue("--profile", &o->profile, "FILE",
               "the learned WorkloadProfile (default: the copy in\n"
               "DIR/profiles/): loopback peers (which no NetworkPolicy\n"
               "judges) must be among the learned ones; a capability check\n"
               "that failed at the same call site while learning is no break");
  cl->AddValue("--report", &o->report, "FILE", "also write the verdict as JSON");
  cl->AddValue("--junit", &o->junit, "FILE",
               "also write the verdict as a JUnit XML report (a failure per\n"
               "break) for CI; see docs/ci.md");
  cl->AddParsed("--host-paths", "MODE",
                "what a hostPath volume becomes: scratch (default: an empty\n"
                "directory of the bundle), readonly (this host's path mounted\n"
                "ro,nosuid,nodev) or bind (writes reach this host; warns)",
                [o](const std::string& value) {
                  auto mode = verifier::ParseHostPathMode(value);
                  if (!mode) {
                    return absl::InvalidArgumentError(absl::StrCat(
                        "--host-paths: '", value, "' is not a mode; use scratch, readonly or "
                        "bind"));
                  }
                  o->host_paths = *mode;
                  return absl::OkStatus();
                });
  cl->AddSwitch("--keep-bundle", &o->keep_bundle,
                "keep the OCI bundle (config.json) and print where it is");
  return cl;
}

absl::StatusOr<verifier::VerifyOptions> ParseVerifyFlags(int argc, char** argv) {
  verifier::VerifyOptions o;
  auto cl = VerifyCommandLine(&o);
  if (absl::Status s = cl->Parse(argc, argv); !s.ok()) return s;
  o.command = cl->command();
  o.help = cl->help_requested();
  return o;
}

std::string VerifyHelp() {
  verifier::VerifyOptions unused;
  return VerifyCommandLine(&unused)->Help();
}

int RunVerify(int argc, char** argv) {
  auto options = ParseVerifyFlags(argc, argv);
  if (!options.ok()) {
    std::fprintf(stderr, "minpriv verify: %s\n\n%s", std::string(options.status().message()).c_str(),
                 VerifyHelp().c_str());
    return util::kExitUsage;
  }
  if (options->help) {
    std::fputs(VerifyHelp().c_str(), stdout);
    return util::kExitOk;
  }
  if (auto s = verifier::ValidateVerifyOptions(*options); !s.ok()) {
    std::fprintf(stderr, "minpriv verify: %s\n", std::string(s.message()).c_str());
    return util::kExitUsage;
  }
  if (options->host_paths == verifier::HostPathMode::kBind) {
    std::fprintf(stderr,
                 "minpriv verify: warning: --host-paths=bind mounts the manifest's hostPath "
                 "volumes from this machine as written: the replayed command can write on this "
                 "host\n");
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
      return util::kExitFailure;
    }
  }
  if (!options->junit.empty()) {
    if (auto s = util::WriteFileAtomic(options->junit,
                                       verifier::VerifyJUnitXml(*options, *result));
        !s.ok()) {
      std::fprintf(stderr, "minpriv verify: %s\n", std::string(s.message()).c_str());
      return util::kExitFailure;
    }
  }
  if (result->mode == "image") {
    std::fprintf(stderr, "mode: image %s (%s%s)\n", result->image.c_str(),
                 result->image_digest.c_str(), result->image_cached ? ", cached" : "");
  } else {
    std::fprintf(stderr, "mode: host root (the host's root file system as the image)\n");
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
    return util::ExitCodeForSignal(result->interrupted_by);
  }
  if (result->verified()) {
    const char* how = result->exercise_ran ? "exercise passed"
                      : result->exited     ? "exited as expected"
                                           : "stayed up for --duration";
    std::printf("VERIFIED: %s container %s works under the proposal (%s)\n",
                result->workload.c_str(), result->container.c_str(), how);
    std::fflush(stdout);
    return util::kExitOk;
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
  return util::kExitBroken;
}

}  // namespace minpriv::cli
