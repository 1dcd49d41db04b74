// `minpriv demo`'s command line: its flags and usage, defined in one place (the demo itself
// is cli/demo_cmd.cc).
#ifndef MINPRIV_CLI_DEMO_FLAGS_H_
#define MINPRIV_CLI_DEMO_FLAGS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cli/command_line.h"

namespace minpriv::cli {

struct DemoOptions {
  std::string work_dir = "minpriv-demo";
  bool help = false;
};

// The flags of `minpriv demo`, each defined once with its help text, bound to *options
// (which must outlive the result).
std::unique_ptr<CommandLine> DemoCommandLine(DemoOptions* options);

// Parses flags (argv[0] is the subcommand name). InvalidArgument names the bad flag.
absl::StatusOr<DemoOptions> ParseDemoFlags(int argc, char** argv);

// `minpriv demo --help`, generated from DemoCommandLine's definitions.
std::string DemoHelp();

}  // namespace minpriv::cli

#endif  // MINPRIV_CLI_DEMO_FLAGS_H_
