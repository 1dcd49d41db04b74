// `minpriv verify`'s command line: its flags and usage, defined in one place.
#ifndef MINPRIV_CLI_VERIFY_CMD_H_
#define MINPRIV_CLI_VERIFY_CMD_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cli/command_line.h"
#include "verifier/verify.h"

namespace minpriv::cli {

// The flags of `minpriv verify`, each defined once with its help text, bound to *options
// (which must outlive the result).
std::unique_ptr<CommandLine> VerifyCommandLine(verifier::VerifyOptions* options);

// Parses flags (argv[0] is the subcommand name). InvalidArgument names the bad flag.
absl::StatusOr<verifier::VerifyOptions> ParseVerifyFlags(int argc, char** argv);

// `minpriv verify --help`, generated from VerifyCommandLine's definitions.
std::string VerifyHelp();

}  // namespace minpriv::cli

#endif  // MINPRIV_CLI_VERIFY_CMD_H_
