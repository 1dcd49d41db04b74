#include "cli/dispatch.h"

#include <cstdio>

#include "util/exit_codes.h"

namespace minpriv::cli {

std::unique_ptr<CommandLine> MainCommandLine(const std::vector<Subcommand>& subcommands,
                                             bool* version) {
  CommandText t;
  t.name = "minpriv";
  t.synopsis = "minpriv COMMAND [FLAGS]";
  t.description = "minpriv: least-privilege remediation for Kubernetes workloads";
  t.footer = "Run 'minpriv COMMAND --help' for a command's flags.";
  t.flag_column = 14;
  t.rest = CommandText::Rest::kCommandName;
  auto cl = std::make_unique<CommandLine>(std::move(t));
  for (const Subcommand& sub : subcommands) cl->AddCommand(sub.name, sub.summary);
  cl->AddCommand("help", "", /*listed=*/false);
  cl->AddCommand("version", "", /*listed=*/false);
  cl->AddSwitch("--version", version, "print the version and exit");
  return cl;
}

int Dispatch(const std::vector<Subcommand>& subcommands, int argc, char** argv) {
  bool version = false;
  auto cl = MainCommandLine(subcommands, &version);
  if (argc < 2) {
    std::fputs(cl->Help().c_str(), stderr);
    return util::kExitUsage;
  }
  // Only the first argument is the binary's; the rest belongs to the subcommand.
  absl::Status parsed = cl->Parse(2, argv);
  const std::string name = parsed.ok() ? cl->command_name() : "";
  if (parsed.ok() && (cl->help_requested() || name == "help")) {
    std::fputs(cl->Help().c_str(), stdout);
    return util::kExitOk;
  }
  if (parsed.ok() && (version || name == "version")) {
    std::puts(kVersion);
    return util::kExitOk;
  }
  for (const Subcommand& sub : subcommands) {
    if (parsed.ok() && sub.name == name) return sub.run(argc - 1, argv + 1);
  }
  std::fprintf(stderr, "minpriv: unknown command '%s'\n\n%s", argv[1], cl->Help().c_str());
  return util::kExitUsage;
}

}  // namespace minpriv::cli
