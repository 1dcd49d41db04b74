// The `minpriv` binary's own command line: which subcommand runs, --help, --version. The
// subcommands are given as a table, so dispatch and the generated help name each once.
#ifndef MINPRIV_CLI_DISPATCH_H_
#define MINPRIV_CLI_DISPATCH_H_

#include <memory>
#include <string>
#include <vector>

#include "cli/command_line.h"

namespace minpriv::cli {

struct Subcommand {
  std::string name;
  std::string summary;  // one line in `minpriv --help`; continuation lines may follow '\n'
  int (*run)(int argc, char** argv);  // argv[0] is the subcommand's name; returns the exit code
};

inline constexpr char kVersion[] = "minpriv 0.1.0";

// The binary's flags (--version bound to *version) and its subcommands, plus the unlisted
// `help` and `version`.
std::unique_ptr<CommandLine> MainCommandLine(const std::vector<Subcommand>& subcommands,
                                             bool* version);

// Runs the subcommand argv[1] names with argv[1..argc); `minpriv`, `minpriv -h|--help|help`
// and `minpriv --version|version` answer themselves. Returns the exit code: kExitUsage for no
// or an unknown command (with the help on stderr).
int Dispatch(const std::vector<Subcommand>& subcommands, int argc, char** argv);

}  // namespace minpriv::cli

#endif  // MINPRIV_CLI_DISPATCH_H_
