// `minpriv pr` in the binary: the command with the repository's own source finding
// (gitops::PlanChanges, library minpriv_gitops_sources).
#include "cli/commands.h"
#include "cli/pr_cmd.h"
#include "gitops/change_set.h"

namespace minpriv::cli {

int RunPr(int argc, char** argv) {
  return RunPrWith(argc, argv, gitops::PlanChanges, stdout, stderr);
}

}  // namespace minpriv::cli
