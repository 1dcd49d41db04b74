// `minpriv learn`'s command line: its flags and usage, defined in one place.
#ifndef MINPRIV_CLI_LEARN_CMD_H_
#define MINPRIV_CLI_LEARN_CMD_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cli/command_line.h"
#include "session/learn.h"

namespace minpriv::cli {

// The flags of `minpriv learn`, each defined once with its help text, bound to *options
// (which must outlive the result).
std::unique_ptr<CommandLine> LearnCommandLine(session::LearnOptions* options);

// Parses flags (argv[0] is the subcommand name). InvalidArgument names the bad flag.
absl::StatusOr<session::LearnOptions> ParseLearnFlags(int argc, char** argv);

// `minpriv learn --help`, generated from LearnCommandLine's definitions.
std::string LearnHelp();

}  // namespace minpriv::cli

#endif  // MINPRIV_CLI_LEARN_CMD_H_
