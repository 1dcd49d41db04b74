// `minpriv learn`: run (or attach to) a workload in a cgroup under observation and write
// its WorkloadProfile. Options → Validate → Run, each testable without the CLI (the flags
// are cli/learn_cmd.cc's).
//
//   minpriv learn --out FILE [--name NAME] [--duration DUR] [--exercise 'SHELL COMMAND']
//                 [--ready-timeout DUR] [--grace DUR] -- CMD [ARG...]
//   minpriv learn --cgroup PATH --duration DUR --out FILE [--name NAME]
#ifndef MINPRIV_SESSION_LEARN_H_
#define MINPRIV_SESSION_LEARN_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crd/workload_profile.h"
#include "session/session.h"

namespace minpriv::session {

struct LearnOptions {
  std::string out;                         // profile file to write (required)
  std::string name;                        // profile and container name
  absl::Duration duration = absl::InfiniteDuration();  // learning window bound
  bool duration_set = false;
  std::string exercise;                    // /bin/sh -c command, run unobserved
  absl::Duration ready_timeout = absl::Seconds(30);
  absl::Duration grace = absl::Seconds(5);  // SIGTERM → SIGKILL
  std::string cgroup;                      // attach mode: existing cgroup v2 directory
  // Attach mode for a pod: one (container name, cgroup v2 directory) per container, e.g. the
  // per-container cgroups under a Kubernetes pod's cgroup.
  std::vector<std::pair<std::string, std::string>> containers;
  std::vector<std::string> command;        // run mode: CMD [ARG...]
  bool help = false;
};

// Checks combinations, fills defaults (name from CMD's or the cgroup's base name, as a
// Kubernetes name), checks the output directory exists and takes new files (a probe file
// is created and removed). InvalidArgument on user mistakes.
absl::Status ValidateLearnOptions(LearnOptions& options);

struct LearnResult {
  crd::WorkloadProfile profile;
  bool workload_exited = false;   // run mode: CMD exited by itself
  int workload_wait_status = 0;   // waitpid() status of CMD
  bool exercise_ran = false;
  int exercise_wait_status = 0;
  // The exercise failed (non-zero exit or killed), could not run (the workload was gone)
  // or did not finish within --duration: the profile says complete: false.
  bool exercise_failed = false;
  // Run mode: the main process exited non-zero or was killed by a signal before learning
  // asked it to stop: the profile says complete: false.
  bool workload_failed = false;
  // Stopping needed SIGKILL after --grace: the workload ignored SIGTERM (the note says so).
  std::string stop_note;
  int stop_signal = 0;            // SIGINT or SIGTERM that interrupted learning, else 0
};

// The exit status of `minpriv learn` for a session that wrote its profile (util/exit_codes.h):
// ExitCodeForSignal when interrupted (130 for SIGINT, 143 for SIGTERM), kExitFailure when the
// exercise or the workload failed, else kExitOk.
int LearnExitCode(const LearnResult& result);

// Runs the learning session and writes the profile atomically to options.out, also when
// learning was interrupted or the exercise failed (then with complete: false and the
// reason; see LearnExitCode). Run mode learns until the main process has exited and no
// process is left in the workload's cgroup: a daemonizing main process is noticed
// (stderr notice and a "daemonized: ..." status warning) and its daemon still learned; on
// stopping, SIGTERM goes to the main process or, when it is gone, to every process left,
// then SIGKILL after --grace. Environment
// problems (not root, no BTF, BPF unavailable, cgroup creation) come back as non-
// InvalidArgument errors with the observer's message. `make_observer` creates the
// observer (the CLI passes observer::Observer::Create; tests may pass a fake), called once
// the cgroup exists. `progress_to_terminal`: one updating status line on
// stderr instead of periodic log lines.
absl::StatusOr<LearnResult> RunLearnSession(const LearnOptions& options,
                                            ObserverFactory make_observer,
                                            bool progress_to_terminal);

}  // namespace minpriv::session

#endif  // MINPRIV_SESSION_LEARN_H_
