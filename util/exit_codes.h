// The exit codes of the `minpriv` binary and its subcommands, named once, and the one
// mapping from an absl::Status to an exit code. README.md's "Exit codes" paragraph
// describes the same contract.
#ifndef MINPRIV_UTIL_EXIT_CODES_H_
#define MINPRIV_UTIL_EXIT_CODES_H_

#include "absl/status/status.h"

namespace minpriv::util {

inline constexpr int kExitOk = 0;
// Anything else: the environment (not root, no BTF, no runc), an internal error, or
// learn's exercise failed.
inline constexpr int kExitFailure = 1;
// A mistake in the command line or the input (nothing run, nothing written).
inline constexpr int kExitUsage = 2;
// Verification found breaks (verify; the demo when its misbehaving variant is rejected).
inline constexpr int kExitBroken = 3;

// 128 + signal, as a shell reports a process ended by it: 130 for SIGINT, 143 for SIGTERM.
constexpr int ExitCodeForSignal(int signal) { return 128 + signal; }

// Whose a PermissionDenied is. Commands that need root (learn, verify, demo) meet it from
// the environment (not root); propose reads and writes only the user's own paths, where it
// is the user's to fix.
enum class PermissionDenied { kEnvironment, kUserInput };

// The exit code for a command's final status: kExitOk for OK; kExitUsage for the user's
// mistakes (InvalidArgument, NotFound, OutOfRange, and PermissionDenied when `permission`
// says it is the user's input); kExitFailure for everything else.
int ExitCodeFor(const absl::Status& status,
                PermissionDenied permission = PermissionDenied::kEnvironment);

}  // namespace minpriv::util

#endif  // MINPRIV_UTIL_EXIT_CODES_H_
