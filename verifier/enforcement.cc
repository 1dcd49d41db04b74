// The NetworkPolicy enforcement of the replay's own network in the verdict (enforcement.h).
#include "verifier/enforcement.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace minpriv::verifier {

std::string NetworkNote(const PodNetwork& network, const NftRuleset& rules) {
  std::string note = absl::StrCat(
      "the replay ran in its own network namespace ", network.name(), " (pod address ",
      network.pod_ip(), ", gateway ", network.gateway_ip(), " on this host); the exercise ran "
      "there too (127.0.0.1 is the pod's)");
  if (!rules.egress_enforced && !rules.ingress_enforced) {
    absl::StrAppend(&note, "; no NetworkPolicy restricts it, so nothing was filtered");
  } else {
    absl::StrAppend(&note, "; the NetworkPolicy was enforced with nftables (",
                    rules.egress_enforced ? "egress" : "",
                    rules.egress_enforced && rules.ingress_enforced ? " and " : "",
                    rules.ingress_enforced ? "ingress" : "", ")");
  }
  return note;
}

void ReadDenyCounters(const PodNetwork& network, const NftRuleset& rules,
                      VerifyResult& result) {
  if (rules.egress_enforced) {
    auto n = network.CounterPackets(kEgressDenyCounter);
    if (n.ok()) {
      result.egress_denied = *n;
    } else {
      result.notes.push_back(std::string(n.status().message()));
    }
  }
  if (rules.ingress_enforced) {
    auto n = network.CounterPackets(kIngressDenyCounter);
    if (n.ok()) {
      result.ingress_denied = *n;
    } else {
      result.notes.push_back(std::string(n.status().message()));
    }
  }
}

void AddEnforcement(const NftRuleset& rules, VerifyResult& result) {
  auto name = [](Break& b, const std::string& rule, uint64_t denied) {
    b.detail = absl::StrCat(b.detail, b.detail.empty() ? "" : "; ", "enforced: rejected by ",
                            rule, ", ", denied, " packet(s) rejected in all");
  };
  bool egress_named = false, ingress_named = false;
  for (auto& b : result.breaks) {
    if ((b.kind == "egress" || b.kind == "dns") && rules.egress_enforced) {
      name(b, rules.egress_deny_rule, result.egress_denied);
      egress_named = true;
    } else if (b.kind == "ingress" && rules.ingress_enforced) {
      name(b, rules.ingress_deny_rule, result.ingress_denied);
      ingress_named = true;
    }
  }
  if (result.egress_denied > 0 && !egress_named) {
    result.breaks.push_back(
        {"egress", "nft",
         absl::StrCat("network policy denied ", result.egress_denied,
                      " egress packet(s) no observed connection explains"),
         rules.egress_deny_rule});
  }
  if (result.ingress_denied > 0 && !ingress_named) {
    result.breaks.push_back(
        {"ingress", "nft",
         absl::StrCat("network policy denied ", result.ingress_denied,
                      " ingress packet(s) no observed connection explains"),
         rules.ingress_deny_rule});
  }
}

}  // namespace minpriv::verifier
