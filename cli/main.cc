// The `minpriv` binary: dispatches to a subcommand. Wiring only; each subcommand lives in
// its own file (Options → Validate → Run).
#include <cstdio>
#include <cstring>
#include <string_view>

#include "cli/commands.h"

namespace {

constexpr char kUsage[] =
    "minpriv: least-privilege remediation for Kubernetes workloads\n"
    "\n"
    "usage: minpriv COMMAND [FLAGS]\n"
    "\n"
    "commands:\n"
    "  learn    observe a workload with eBPF and write its WorkloadProfile\n"
    "  propose  turn profiles and manifests into narrowed securityContext, seccomp and\n"
    "           NetworkPolicy, with evidence\n"
    "  verify   replay a workload under a proposal with runc and prove it still works\n"
    "  demo     learn, propose and verify the bundled sample service\n"
    "\n"
    "Run 'minpriv COMMAND --help' for a command's flags.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string_view cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (cmd == "--version" || cmd == "version") {
    std::puts("minpriv 0.1.0");
    return 0;
  }
  if (cmd == "learn") return minpriv::cli::RunLearn(argc - 1, argv + 1);
  if (cmd == "propose") return minpriv::cli::RunPropose(argc - 1, argv + 1);
  if (cmd == "verify") return minpriv::cli::RunVerify(argc - 1, argv + 1);
  if (cmd == "demo") return minpriv::cli::RunDemo(argc - 1, argv + 1);
  std::fprintf(stderr, "minpriv: unknown command '%s'\n\n%s", argv[1], kUsage);
  return 2;
}
