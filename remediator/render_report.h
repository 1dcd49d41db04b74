// report.md: for each workload, its changes with their evidence, what they remove, the
// risks for the reviewer, the replicas that differed and its network rules.
#ifndef MINPRIV_REMEDIATOR_RENDER_REPORT_H_
#define MINPRIV_REMEDIATOR_RENDER_REPORT_H_

#include <string>
#include <vector>

#include "remediator/proposer.h"

namespace minpriv::remediator {

// `reemitted`: the input files narrowed.yaml could not keep the text of (NarrowedManifests).
std::string RenderReport(const Proposal& p, const std::vector<std::string>& reemitted);

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_RENDER_REPORT_H_
