// summary.json: a ProposalSummary, one entry per proposed container (what it may still do
// after the change), for machines.
#ifndef MINPRIV_REMEDIATOR_RENDER_SUMMARY_H_
#define MINPRIV_REMEDIATOR_RENDER_SUMMARY_H_

#include <string>

#include "remediator/proposer.h"

namespace minpriv::remediator {

std::string RenderSummary(const Proposal& p);

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_RENDER_SUMMARY_H_
