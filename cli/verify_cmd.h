// `minpriv verify`'s command line: its flags and usage, defined in one place.
#ifndef MINPRIV_CLI_VERIFY_CMD_H_
#define MINPRIV_CLI_VERIFY_CMD_H_

#include "absl/status/statusor.h"
#include "verifier/verify.h"

namespace minpriv::cli {

extern const char kVerifyUsage[];

// Parses flags (argv[0] is the subcommand name). InvalidArgument names the bad flag.
absl::StatusOr<verifier::VerifyOptions> ParseVerifyFlags(int argc, char** argv);

}  // namespace minpriv::cli

#endif  // MINPRIV_CLI_VERIFY_CMD_H_
