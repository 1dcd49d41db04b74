// narrowed.yaml: every input file's own text with its narrowed documents edited in place
// (yaml_text.h), the files joined in input order.
#ifndef MINPRIV_REMEDIATOR_RENDER_NARROWED_H_
#define MINPRIV_REMEDIATOR_RENDER_NARROWED_H_

#include <string>
#include <vector>

#include "remediator/proposer.h"

namespace minpriv::remediator {

// The contents of narrowed.yaml. A file that cannot be edited in place is emitted afresh and
// named, with the reason, in `reemitted`; when the joined text does not read back as exactly
// Proposal::documents, every file is emitted afresh (and `reemitted` says so).
std::string NarrowedManifests(const Proposal& p, std::vector<std::string>* reemitted);

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_RENDER_NARROWED_H_
