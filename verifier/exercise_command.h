// The command line verify runs its exercise with.
#ifndef MINPRIV_VERIFIER_EXERCISE_COMMAND_H_
#define MINPRIV_VERIFIER_EXERCISE_COMMAND_H_

#include <sys/types.h>

#include <string>

#include "verifier/pod_network.h"

namespace minpriv::verifier {

// The exercise as the session runs it, in the replay's network namespace when it has one,
// with two ways to reach what the workload made inside the container (a unix socket in an
// emptyDir, a file in its writable root), which the exercise's own paths do not see:
//  - MINPRIV_ROOT: the container's root as /proc/<its init pid>/root, for the host's tools
//    (`psql -h "$MINPRIV_ROOT/run/postgresql"`); an absolute symbolic link met on the way
//    (/var/run -> /run) resolves against the exercise's root, not the container's;
//  - MINPRIV_IN_CONTAINER: a command prefix that runs a program in the container's mount
//    namespace, where every path resolves as the workload's do (`$MINPRIV_IN_CONTAINER psql
//    -h /var/run/postgresql`); the program must exist in the container's file system (the
//    host's root without --image), as with `kubectl exec`.
// Both are unset while learning (the workload then runs on the host's root), so one exercise
// serves learn and verify.
// `network`: the replay's own network namespace, or null (hostNetwork).
std::string ExerciseCommand(const std::string& exercise, pid_t init_pid,
                            const PodNetwork* network);

}  // namespace minpriv::verifier

#endif  // MINPRIV_VERIFIER_EXERCISE_COMMAND_H_
