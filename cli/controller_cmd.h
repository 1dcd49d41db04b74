// `minpriv controller`'s command line: its flags and usage, defined in one place.
#ifndef MINPRIV_CLI_CONTROLLER_CMD_H_
#define MINPRIV_CLI_CONTROLLER_CMD_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cli/command_line.h"
#include "controller/controller.h"

namespace minpriv::cli {

struct ControllerFlags {
  controller::ControllerOptions options;
  std::string delivery;  // Apply | PullRequest
  bool help = false;
};

std::unique_ptr<CommandLine> ControllerCommandLine(ControllerFlags* flags);

// Parses flags (argv[0] is the subcommand name). InvalidArgument names the bad flag.
absl::StatusOr<ControllerFlags> ParseControllerFlags(int argc, char** argv);

}  // namespace minpriv::cli

#endif  // MINPRIV_CLI_CONTROLLER_CMD_H_
