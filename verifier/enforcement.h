// What the replay's own network enforced (pod_network.h, nft_policy.h), as notes and
// breaks of the verdict: each egress/ingress/DNS break the policy explains says which
// enforced rule rejected it, and packets the default deny rejected that no observed flow
// explains are a break of their own.
#ifndef MINPRIV_VERIFIER_ENFORCEMENT_H_
#define MINPRIV_VERIFIER_ENFORCEMENT_H_

#include <string>

#include "verifier/nft_policy.h"
#include "verifier/pod_network.h"
#include "verifier/verify.h"

namespace minpriv::verifier {

// "the replay ran in its own network namespace minpriv-v3 (pod address 198.19.0.14,
// gateway 198.19.0.13); NetworkPolicy shop/web enforced with nftables (egress, ingress)".
std::string NetworkNote(const PodNetwork& network, const NftRuleset& rules);

// Reads the deny counters into result.egress_denied / ingress_denied (a note when they
// cannot be read).
void ReadDenyCounters(const PodNetwork& network, const NftRuleset& rules, VerifyResult& result);

// Names the enforced rule in the network breaks; adds a break for denied packets that no
// network break explains.
void AddEnforcement(const NftRuleset& rules, VerifyResult& result);

}  // namespace minpriv::verifier

#endif  // MINPRIV_VERIFIER_ENFORCEMENT_H_
