// The proposal as changes to the input objects: patch.yaml (strategic-merge patches),
// jsonpatch.json (RFC 6902) and kustomization.yaml (see proposer.h for the formats).
#ifndef MINPRIV_REMEDIATOR_RENDER_PATCHES_H_
#define MINPRIV_REMEDIATOR_RENDER_PATCHES_H_

#include <map>
#include <string>

#include "remediator/proposer.h"

namespace minpriv::remediator {

// Adds patch.yaml, jsonpatch.json and kustomization.yaml to `files`: one patch per workload
// whose narrowed object differs from its original, in the order of Proposal::workloads.
void AddPatchFiles(const Proposal& p, std::map<std::string, std::string>& files);

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_RENDER_PATCHES_H_
