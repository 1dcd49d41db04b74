// The proposal's NetworkPolicy as an nftables ruleset (nft_policy.h).
#include "verifier/nft_policy.h"

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace minpriv::verifier {

namespace {

bool IsV6(const std::string& addr) { return addr.find(':') != std::string::npos; }

// "ip daddr 10.0.0.0/8 ip daddr != { 10.1.0.0/16 }" (saddr for ingress).
std::string AddressMatch(const std::string& cidr, const std::vector<std::string>& except,
                         const char* dir) {
  const char* family = IsV6(cidr) ? "ip6" : "ip";
  std::string m = absl::StrCat(family, " ", dir, " ", cidr);
  if (!except.empty()) {
    absl::StrAppend(&m, " ", family, " ", dir, " != { ", absl::StrJoin(except, ", "), " }");
  }
  return m;
}

std::string ProtoName(const std::string& protocol) {
  std::string p = absl::AsciiStrToLower(protocol);
  return p.empty() ? "tcp" : p;
}

// "tcp dport 80", "tcp dport 8000-8080", "meta l4proto udp"; nullopt for a named port.
std::optional<std::string> PortMatch(const remediator::NetworkPortRule& port) {
  if (!port.named.empty()) return std::nullopt;
  const std::string proto = ProtoName(port.protocol);
  if (port.port == 0) return absl::StrCat("meta l4proto ", proto);
  if (port.end_port > port.port) {
    return absl::StrCat(proto, " dport ", port.port, "-", port.end_port);
  }
  return absl::StrCat(proto, " dport ", port.port);
}

// A resolved endpoint "IP:PORT/PROTO" ("[IPv6]:PORT/PROTO") as an exact match.
std::optional<std::string> EndpointMatch(const std::string& endpoint, const char* dir) {
  size_t slash = endpoint.rfind('/');
  size_t colon = endpoint.rfind(':', slash);
  if (slash == std::string::npos || colon == std::string::npos) return std::nullopt;
  std::string ip = endpoint.substr(0, colon);
  if (absl::StartsWith(ip, "[") && absl::EndsWith(ip, "]")) ip = ip.substr(1, ip.size() - 2);
  uint32_t port = 0;
  if (!absl::SimpleAtoi(endpoint.substr(colon + 1, slash - colon - 1), &port)) {
    return std::nullopt;
  }
  const std::string proto = ProtoName(endpoint.substr(slash + 1));
  return absl::StrCat(IsV6(ip) ? "ip6 " : "ip ", dir, " ", ip, " ", proto, " dport ", port);
}

// The accept rules of one direction.
std::vector<std::string> AcceptRules(const std::vector<remediator::NetworkRule>& rules,
                                     const std::string& policy, const char* direction,
                                     const char* dir) {
  std::vector<std::string> out;
  for (size_t i = 0; i < rules.size(); ++i) {
    const auto& rule = rules[i];
    const std::string comment =
        absl::StrCat(" counter accept comment \"", policy, " ", direction, "[", i, "]\"");
    std::vector<std::string> ports;
    for (const auto& p : rule.ports) {
      if (auto m = PortMatch(p)) ports.push_back(*m);
    }
    if (rule.ports.empty()) ports.push_back("");
    std::vector<std::string> addresses;
    if (rule.peers.empty()) addresses.push_back("");
    for (const auto& peer : rule.peers) {
      if (peer.ip_block) {
        addresses.push_back(AddressMatch(peer.ip_block->cidr, peer.ip_block->except, dir));
      }
      if (peer.has_selector) {
        // A selector peer admits exactly the endpoints it was resolved from.
        for (const auto& endpoint : peer.resolved) {
          if (auto m = EndpointMatch(endpoint, dir)) out.push_back(*m + comment);
        }
      }
    }
    for (const auto& a : addresses) {
      for (const auto& p : ports) {
        std::string match = absl::StrJoin({a, p}, a.empty() || p.empty() ? "" : " ");
        out.push_back(match.empty() ? comment.substr(1) : match + comment);
      }
    }
  }
  return out;
}

void AppendChain(std::string& script, const char* chain, const char* hook, const char* iface,
                 const std::vector<std::string>& accepts, const char* counter) {
  absl::StrAppend(&script, "  chain ", chain, " {\n    type filter hook ", hook,
                  " priority 0; policy accept;\n    ", iface, " \"lo\" accept\n",
                  "    ct state established,related accept\n",
                  "    meta l4proto ipv6-icmp accept\n");
  for (const auto& r : accepts) absl::StrAppend(&script, "    ", r, "\n");
  absl::StrAppend(&script, "    counter name ", counter,
                  " reject with icmpx type admin-prohibited\n  }\n");
}

}  // namespace

NftRuleset BuildNftRuleset(const remediator::NetworkRules& rules) {
  NftRuleset out;
  const std::string policy = rules.policy.empty() ? "NetworkPolicy" : rules.policy;
  out.egress_enforced = !rules.policy.empty() && rules.egress_restricted;
  out.ingress_enforced = !rules.policy.empty() && rules.ingress_restricted;
  std::string& s = out.script;
  absl::StrAppend(&s, "table inet ", kNftTable, " {\n");
  absl::StrAppend(&s, "  counter ", kEgressDenyCounter, " {\n  }\n");
  absl::StrAppend(&s, "  counter ", kIngressDenyCounter, " {\n  }\n");
  if (out.egress_enforced) {
    out.egress_deny_rule = absl::StrCat(policy, "'s default deny (nft table inet ", kNftTable,
                                        ", chain egress, counter ", kEgressDenyCounter, ")");
    AppendChain(s, "egress", "output", "oifname", AcceptRules(rules.egress, policy, "egress",
                                                              "daddr"),
                kEgressDenyCounter);
  }
  if (out.ingress_enforced) {
    out.ingress_deny_rule = absl::StrCat(policy, "'s default deny (nft table inet ", kNftTable,
                                         ", chain ingress, counter ", kIngressDenyCounter, ")");
    AppendChain(s, "ingress", "input", "iifname", AcceptRules(rules.ingress, policy, "ingress",
                                                              "saddr"),
                kIngressDenyCounter);
  }
  absl::StrAppend(&s, "}\n");
  return out;
}

std::optional<uint64_t> ParseNftCounterPackets(const std::string& nft_output) {
  size_t at = nft_output.find("packets ");
  if (at == std::string::npos) return std::nullopt;
  at += 8;
  size_t end = nft_output.find_first_not_of("0123456789", at);
  uint64_t n = 0;
  if (!absl::SimpleAtoi(nft_output.substr(at, end - at), &n)) return std::nullopt;
  return n;
}

}  // namespace minpriv::verifier
