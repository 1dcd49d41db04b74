// The `minpriv` binary: dispatches to a subcommand. Wiring only; each subcommand lives in
// its own file (Options → Validate → Run).
#include "cli/commands.h"
#include "cli/dispatch.h"

int main(int argc, char** argv) {
  namespace cli = minpriv::cli;
  const std::vector<cli::Subcommand> subcommands = {
      {"learn", "observe a workload with eBPF and write its WorkloadProfile", cli::RunLearn},
      {"propose",
       "turn profiles and manifests into narrowed securityContext, seccomp and\n"
       "NetworkPolicy, with evidence",
       cli::RunPropose},
      {"verify", "replay a workload under a proposal with runc and prove it still works",
       cli::RunVerify},
      {"webhook", "admission webhook: keep approved workloads from widening again",
       cli::RunWebhook},
      {"demo", "learn, propose and verify the bundled sample service", cli::RunDemo},
      {"controller",
       "run the cluster controller: merge profiles, propose, apply approved proposals",
       cli::RunController},
      {"agent",
       "run the node agent: observe every pod on this node, publish partial profiles",
       cli::RunAgent},
      {"pr",
       "open or update a pull/merge request per workload with the proposal, in the\n"
       "repository's own layout (plain YAML, kustomize, Helm values)",
       cli::RunPr},
  };
  return cli::Dispatch(subcommands, argc, argv);
}
