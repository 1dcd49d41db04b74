// `minpriv learn`'s command line: its flags and usage, defined in one place.
#ifndef MINPRIV_CLI_LEARN_CMD_H_
#define MINPRIV_CLI_LEARN_CMD_H_

#include "absl/status/statusor.h"
#include "session/learn.h"

namespace minpriv::cli {

extern const char kLearnUsage[];

// Parses flags (argv[0] is the subcommand name). InvalidArgument names the bad flag.
absl::StatusOr<session::LearnOptions> ParseLearnFlags(int argc, char** argv);

}  // namespace minpriv::cli

#endif  // MINPRIV_CLI_LEARN_CMD_H_
