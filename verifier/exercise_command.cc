#include "verifier/exercise_command.h"

#include "absl/strings/str_cat.h"

namespace minpriv::verifier {

std::string ExerciseCommand(const std::string& exercise, pid_t init_pid,
                            const PodNetwork* network) {
  return absl::StrCat("MINPRIV_ROOT=/proc/", init_pid, "/root ",
                      "MINPRIV_IN_CONTAINER='nsenter --mount=/proc/", init_pid, "/ns/mnt --' ",
                      network ? network->WrapCommand(exercise)
                              : absl::StrCat("exec /bin/sh -c ", ShellQuote(exercise)));
}

}  // namespace minpriv::verifier
