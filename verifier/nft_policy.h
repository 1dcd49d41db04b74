// The proposal's NetworkPolicy as an nftables ruleset for the replay's own network
// namespace (pod_network.h loads it there), so that the policy is enforced, not only judged.
//
// One table `inet minpriv` with two chains:
//   egress  (hook output): loopback and established/related traffic pass; then one accept
//           rule per (rule, peer, port) of the policy's egress rules, with a comment naming
//           the policy rule ("shop/web egress[0]"); then the named counter `egress_deny` and
//           a reject (admin-prohibited: connect() fails at once with EHOSTUNREACH/EACCES).
//   ingress (hook input): the same for ingress rules, by source address and local port;
//           then the counter `ingress_deny` and a reject.
// A direction the policy does not restrict (no policy, or policyTypes without it) is not
// filtered. Selector peers match exactly the endpoints minpriv resolved them to
// (IP:PORT/PROTO, the evaluator's semantics); ipBlock peers by CIDR minus their except
// list; named ports only through resolved peers. The text is deterministic.
#ifndef MINPRIV_VERIFIER_NFT_POLICY_H_
#define MINPRIV_VERIFIER_NFT_POLICY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "remediator/evaluator.h"

namespace minpriv::verifier {

inline constexpr char kNftTable[] = "minpriv";
inline constexpr char kEgressDenyCounter[] = "egress_deny";
inline constexpr char kIngressDenyCounter[] = "ingress_deny";

struct NftRuleset {
  std::string script;  // for `nft -f -` inside the pod's network namespace
  bool egress_enforced = false;
  bool ingress_enforced = false;
  // The deny rule of each direction, named for a break: "shop/web's default deny (nft table
  // inet minpriv, chain egress, counter egress_deny)".
  std::string egress_deny_rule;
  std::string ingress_deny_rule;
};

NftRuleset BuildNftRuleset(const remediator::NetworkRules& rules);

// Packets counted by a named counter, from `nft list counter inet minpriv NAME` output.
std::optional<uint64_t> ParseNftCounterPackets(const std::string& nft_output);

}  // namespace minpriv::verifier

#endif  // MINPRIV_VERIFIER_NFT_POLICY_H_
