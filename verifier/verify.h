// `minpriv verify`: replays a workload under a proposal with the real OCI runtime (runc)
// while the observer watches in verification mode, and names every break.
//
//   minpriv verify --proposal DIR [--workload NAME] [--container NAME] [--image REF]
//                  [--image-cache DIR] [--exercise 'SHELL COMMAND'] [--duration DUR]
//                  [--ready-timeout DUR] [--grace DUR] [--expect-exit N] [--profile FILE]
//                  [--report FILE] [--junit FILE] [--host-paths MODE] [--keep-bundle]
//                  [-- CMD [ARG...]]
//
// Two modes: with --image the image's root file system, user, environment and working
// directory (image.h), and without -- CMD its Entrypoint/Cmd as the kubelet combines them
// with the manifest's command/args; without --image the host's root file system serves as
// the image and CMD is required. Either way the replay has a network namespace of its own
// (pod_network.h) where the proposal's NetworkPolicy is enforced (nft_policy.h), and the
// exercise runs there too (unless the pod asks for hostNetwork).
//
// Options → Validate → Run, each testable without the CLI (the flags are cli/verify_cmd.cc's).
// The parts: verify_options.cc (checks before anything runs), replay.cc (the session under
// runc), classify.cc (what the replay did, as breaks), report.cc (the verdict as JSON). Exit codes
// (util/exit_codes.h): kExitOk verified, kExitBroken broken, kExitUsage usage/input error,
// kExitFailure environment (runc missing, not root).
#ifndef MINPRIV_VERIFIER_VERIFY_H_
#define MINPRIV_VERIFIER_VERIFY_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crd/workload_profile.h"
#include "observer/observer.h"
#include "session/session.h"
#include "profiler/profile_builder.h"
#include "remediator/evaluator.h"
#include "verifier/oci_spec.h"

namespace minpriv::verifier {

struct VerifyOptions {
  std::string proposal;   // proposal directory (required)
  std::string workload;   // workload name; empty: the only one
  std::string container;  // container name; empty: the only one
  std::string image;        // --image REF (image.h); empty: the host's root file system
  std::string image_cache;  // --image-cache DIR; empty: DefaultImageCacheDir()
  std::string exercise;   // /bin/sh -c, in the replay's network namespace, once it is up
  absl::Duration duration = absl::InfiniteDuration();  // bound on the whole replay
  bool duration_set = false;
  absl::Duration ready_timeout = absl::Seconds(30);
  absl::Duration grace = absl::Seconds(5);  // SIGTERM → SIGKILL when stopping
  std::optional<int> expect_exit;           // exit status that is not a break
  std::string profile;  // learned WorkloadProfile; default: DIR/profiles/<[ns-]name>.yaml
  std::string report;                       // JSON report to write
  std::string junit;                        // JUnit XML report to write (verifier/junit.h)
  bool keep_bundle = false;
  HostPathMode host_paths = HostPathMode::kScratch;  // --host-paths
  std::vector<std::string> command;  // CMD [ARG...]; with --image may be empty
  bool help = false;
};

// Checks combinations and that the proposal directory exists. InvalidArgument on mistakes.
absl::Status ValidateVerifyOptions(VerifyOptions& options);

// One reason the proposal breaks the workload.
struct Break {
  std::string kind;     // seccomp | capability | readOnlyFileSystem | permission | egress |
                        // ingress | dns | peer | exec | user | start | exit | exercise
  std::string subject;  // syscall, capability, path, ip:port/proto, ...
  std::string message;  // the line printed, e.g. "seccomp denied ptrace"
  std::string detail;   // evidence (process, errno, rule)
  bool operator==(const Break&) const = default;
  auto operator<=>(const Break&) const = default;
};

// True when `learned` records the same failed capability check (same capability, same
// kernel call site): the application met the same failure while it was learned and worked,
// so meeting it again under the proposal is not a break.
bool LearnedDenial(const crd::ContainerProfile* learned, const crd::CapabilityUse& ev);

// The classification, separated from the session for tests. `learned` (optional) is the
// learned profile: loopback peers, which no NetworkPolicy judges, are compared with it, and
// failed capability checks it records too (LearnedDenial) are not breaks.
// Denials at or after `stopping_since` (when verify sent SIGTERM, as the kubelet does on
// pod termination) are breaks of the workload's graceful shutdown and say so.
std::vector<Break> ClassifyBreaks(const OciSpec& spec,
                                  const std::vector<profiler::TimedDenial>& denials,
                                  const crd::ContainerProfile& observed,
                                  const std::vector<remediator::Violation>& violations,
                                  const crd::ContainerProfile* learned,
                                  absl::Time stopping_since = absl::InfiniteFuture());

struct VerifyResult {
  std::string workload;   // Kind/name
  std::string container;
  bool init_container = false;  // verified as an init container (must exit 0)
  std::string profile_used;     // learned profile judged against ("" when none)
  std::string mode = "host-root";  // "image" (--image) | "host-root"
  std::string image;               // --image REF
  std::string image_digest;        // its manifest digest
  bool image_cached = false;       // its root file system came from the cache
  std::vector<std::string> command;  // the process that ran (args)
  std::string network = "host";    // "own" (own namespace) | "host" (hostNetwork)
  std::string pod_ip;              // the replay's address in its own network
  bool egress_enforced = false;    // the NetworkPolicy's egress rules were loaded in nft
  bool ingress_enforced = false;
  uint64_t egress_denied = 0;      // packets the egress default deny rejected
  uint64_t ingress_denied = 0;
  int interrupted_by = 0;       // SIGINT/SIGTERM stopped the replay: no verdict
  bool started = false;      // runc start succeeded
  bool exited = false;       // the workload exited by itself
  int wait_status = 0;       // of the container's process (when exited or stopped)
  bool exercise_ran = false;
  int exercise_status = 0;   // wait status
  bool ready = false;        // a listening socket was seen (or it settled)
  std::vector<Break> breaks;        // sorted, unique
  std::vector<std::string> notes;   // what is not reproduced exactly
  std::vector<std::string> ignored;  // denials not counted as breaks, with why
  std::string bundle_dir;            // kept bundle (--keep-bundle)
  observer::Stats stats;
  crd::ContainerProfile observed;
  bool verified() const { return breaks.empty() && interrupted_by == 0; }
};

// Where runc will find CMD: an absolute path as it is, a bare name searched in `path_env`
// (the container's PATH) under `root` (the host root that serves as the image). The result
// is the container path. InvalidArgument "no such executable" when there is none, so that a
// typo is the user's mistake (exit 2), not a break of the proposal.
absl::StatusOr<std::string> ResolveCommand(const std::string& command,
                                           const std::string& path_env,
                                           const std::string& root = "/");

// The learned profile stored with the proposal for a workload: DIR/profiles/<[ns-]name>.yaml
// (written by 'minpriv propose').
std::string ProposalProfilePath(const std::string& proposal_dir, const std::string& namespace_,
                                const std::string& name);

// Checks up front that a file can be created in the directory of `path` (InvalidArgument
// naming the directory otherwise), so a verdict is never lost after the replay.
absl::Status CheckWritableDestination(const std::string& flag, const std::string& path);

using session::ObserverFactory;

// Runs the replay. Errors: InvalidArgument for the user's mistakes (bad proposal),
// FailedPrecondition/Internal for the environment (not root, runc missing, observer).
// Breaks (including a container that does not start) are results, not errors.
absl::StatusOr<VerifyResult> RunVerifySession(const VerifyOptions& options,
                                              ObserverFactory make_observer);

// A wait status as verify's messages phrase it: "exited with status 3", "was killed by
// SIGKILL".
std::string DescribeExit(int wait_status);

// Machine-readable report (sorted keys, deterministic for the same result).
std::string VerifyReportJson(const VerifyResult& result);

}  // namespace minpriv::verifier

#endif  // MINPRIV_VERIFIER_VERIFY_H_
