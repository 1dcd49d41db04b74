// `minpriv propose`'s command line: its flags and usage, defined in one place.
#ifndef MINPRIV_CLI_PROPOSE_CMD_H_
#define MINPRIV_CLI_PROPOSE_CMD_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/command_line.h"

namespace minpriv::cli {

struct ProposeOptions {
  std::vector<std::string> profiles;
  std::vector<std::string> manifests;
  std::string inventory;
  std::string out_dir;
  bool force = false;
  std::string seccomp = "reachable";  // observed | reachable
  bool help = false;
};

// The flags of `minpriv propose`, each defined once with its help text, bound to *options
// (which must outlive the result).
std::unique_ptr<CommandLine> ProposeCommandLine(ProposeOptions* options);

// Parses flags (argv[0] is the subcommand name). InvalidArgument names the bad flag.
absl::StatusOr<ProposeOptions> ParseProposeFlags(int argc, char** argv);

// `minpriv propose --help`, generated from ProposeCommandLine's definitions.
std::string ProposeHelp();

}  // namespace minpriv::cli

#endif  // MINPRIV_CLI_PROPOSE_CMD_H_
