// `minpriv controller`'s command line: its flags and usage, defined in one place.
#ifndef MINPRIV_CLI_CONTROLLER_CMD_H_
#define MINPRIV_CLI_CONTROLLER_CMD_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cli/command_line.h"
#include "controller/controller.h"
#include "controller/delivery.h"
#include "kube/rest_client.h"

namespace minpriv::cli {

// spec.delivery: PullRequest's repository (docs/gitops.md, "From the controller").
struct GitFlags {
  std::string repo;          // --git-repo URL; empty: PullRequest proposals wait
  std::string base = "main"; // --git-base
  std::string forge;         // --git-forge github|gitlab
  std::string api_url;       // --git-api-url
  std::string project;       // --git-project
  std::string token_secret;  // --git-token-secret NS/NAME[/KEY]
  std::string work_dir;      // --git-work-dir (default: a private temporary directory)
  std::string ca_file;       // --git-ca-file: PEM CAs for the forge's HTTPS (default: the system's)
  absl::Duration pr_recheck = absl::Minutes(5);  // --pr-recheck: an open PR's state, again
};

struct ControllerFlags {
  controller::ControllerOptions options;
  std::string delivery;  // Apply | PullRequest
  GitFlags git;
  bool help = false;
};

std::unique_ptr<CommandLine> ControllerCommandLine(ControllerFlags* flags);

// Parses flags (argv[0] is the subcommand name). InvalidArgument names the bad flag.
absl::StatusOr<ControllerFlags> ParseControllerFlags(int argc, char** argv);

// OK without --git-repo and no other --git-* flag, or with a usable set of them.
absl::Status CheckGitFlags(const GitFlags& git);

// The pull request delivery the --git-* flags describe, reading its token with `client`
// at each delivery; nullptr without --git-repo. InvalidArgument naming the flag: --git-*
// without --git-repo, --git-repo without --git-token-secret, a repository that names no
// forge or project.
absl::StatusOr<std::unique_ptr<controller::Delivery>> MakePullRequestDelivery(
    const GitFlags& git, const kube::RestClient& client);

}  // namespace minpriv::cli

#endif  // MINPRIV_CLI_CONTROLLER_CMD_H_
