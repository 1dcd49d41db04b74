// `minpriv pr`: a proposal directory → the workloads' sources found and edited in the
// team's repository → a branch, a commit and a pull (merge) request per workload, on
// GitHub or GitLab, idempotently (gitops/delivery.h). Its flags and usage, defined once.
#ifndef MINPRIV_CLI_PR_CMD_H_
#define MINPRIV_CLI_PR_CMD_H_

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/command_line.h"
#include "gitops/change_set.h"

namespace minpriv::cli {

struct PrFlags {
  std::string proposal;
  std::string repo;
  std::string base = "main";
  std::vector<std::string> paths;
  std::vector<std::string> values;  // --values: Helm values files (gitops::PlanOptions)
  std::string forge;
  std::string api_url;
  std::string project;
  std::string token_file;
  std::string ca_file;
  bool dry_run = false;
  bool help = false;
};

std::unique_ptr<CommandLine> PrCommandLine(PrFlags* flags);

// Parses flags (argv[0] is the subcommand name). InvalidArgument names the bad flag.
absl::StatusOr<PrFlags> ParsePrFlags(int argc, char** argv);

// `minpriv pr --help`.
std::string PrHelp();

// The source-finding half (gitops::PlanChanges in the binary; a stand-in in tests).
using Planner = std::function<absl::StatusOr<gitops::Plan>(
    const std::string& proposal_dir, const std::string& repo_dir, const gitops::PlanOptions&)>;

// The whole command with `planner`: prints each pull request's URL on `out` (the dry run:
// each diff and pull request text), what happened to each workload on `err`. Exit kExitOk;
// kExitUsage for the user's mistakes (flags, the proposal directory, no or a refused
// token, the base branch missing); kExitFailure when the forge or git failed, or a
// workload was left undelivered (not found, found twice, a conflict with the base).
int RunPrWith(int argc, char** argv, const Planner& planner, std::FILE* out, std::FILE* err);

}  // namespace minpriv::cli

#endif  // MINPRIV_CLI_PR_CMD_H_
