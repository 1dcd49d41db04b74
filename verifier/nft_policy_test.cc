// The NetworkPolicy → nftables translation: what each kind of rule becomes, and nothing
// filtered where the policy restricts nothing.
#include "verifier/nft_policy.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace minpriv::verifier {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

remediator::NetworkRules ShopPolicy() {
  remediator::NetworkRules r;
  r.policy = "shop/shopfront-minpriv";
  r.egress_restricted = true;
  r.ingress_restricted = true;
  remediator::NetworkRule to_inventory;
  remediator::NetworkPeerRule selector;
  selector.has_selector = true;
  selector.resolved = {"198.18.0.2:18081/TCP"};
  to_inventory.peers.push_back(selector);
  r.egress.push_back(to_inventory);
  remediator::NetworkRule to_block;
  remediator::NetworkPeerRule block;
  block.ip_block = remediator::IpBlock{"10.0.0.0/8", {"10.1.0.0/16"}};
  to_block.peers.push_back(block);
  remediator::NetworkPortRule dns;
  dns.protocol = "UDP";
  dns.port = 53;
  to_block.ports.push_back(dns);
  r.egress.push_back(to_block);
  remediator::NetworkRule from_gateway;
  remediator::NetworkPeerRule gw;
  gw.has_selector = true;
  gw.resolved = {"198.18.0.4:18080/TCP"};
  from_gateway.peers.push_back(gw);
  r.ingress.push_back(from_gateway);
  return r;
}

TEST(NftPolicy, EachRuleIsAnAcceptNamingThePolicyRuleThenTheDefaultDeny) {
  NftRuleset rs = BuildNftRuleset(ShopPolicy());
  EXPECT_TRUE(rs.egress_enforced);
  EXPECT_TRUE(rs.ingress_enforced);
  EXPECT_THAT(rs.script, HasSubstr("ip daddr 198.18.0.2 tcp dport 18081 counter accept comment "
                                   "\"shop/shopfront-minpriv egress[0]\""));
  EXPECT_THAT(rs.script, HasSubstr("ip daddr 10.0.0.0/8 ip daddr != { 10.1.0.0/16 } udp dport 53 "
                                   "counter accept comment \"shop/shopfront-minpriv egress[1]\""));
  EXPECT_THAT(rs.script, HasSubstr("ip saddr 198.18.0.4 tcp dport 18080 counter accept comment "
                                   "\"shop/shopfront-minpriv ingress[0]\""));
  EXPECT_THAT(rs.script, HasSubstr("counter name egress_deny reject"));
  EXPECT_THAT(rs.script, HasSubstr("counter name ingress_deny reject"));
  EXPECT_THAT(rs.egress_deny_rule, HasSubstr("shop/shopfront-minpriv's default deny"));
  // The accept rules come before the deny rule of their chain.
  EXPECT_LT(rs.script.find("egress[1]"), rs.script.find("counter name egress_deny reject"));
  EXPECT_EQ(BuildNftRuleset(ShopPolicy()).script, rs.script);  // deterministic
}

TEST(NftPolicy, NothingFilteredWithoutAPolicyOrForAnUnrestrictedDirection) {
  NftRuleset none = BuildNftRuleset(remediator::NetworkRules{});
  EXPECT_FALSE(none.egress_enforced);
  EXPECT_FALSE(none.ingress_enforced);
  EXPECT_THAT(none.script, Not(HasSubstr("chain")));
  remediator::NetworkRules egress_only = ShopPolicy();
  egress_only.ingress_restricted = false;
  NftRuleset rs = BuildNftRuleset(egress_only);
  EXPECT_THAT(rs.script, HasSubstr("chain egress"));
  EXPECT_THAT(rs.script, Not(HasSubstr("chain ingress")));
}

TEST(NftPolicy, RuleWithoutPeersOrPortsAdmitsEverything) {
  remediator::NetworkRules r;
  r.policy = "ns/open";
  r.egress_restricted = true;
  r.egress.push_back(remediator::NetworkRule{});
  NftRuleset rs = BuildNftRuleset(r);
  EXPECT_THAT(rs.script, HasSubstr("\n    counter accept comment \"ns/open egress[0]\"\n"));
}

TEST(NftPolicy, CounterPacketsParsed) {
  EXPECT_EQ(ParseNftCounterPackets("table inet minpriv {\n\tcounter egress_deny {\n\t\tpackets 3 "
                                   "bytes 180\n\t}\n}\n"),
            std::optional<uint64_t>(3));
  EXPECT_EQ(ParseNftCounterPackets("Error: No such file or directory"), std::nullopt);
}

}  // namespace
}  // namespace minpriv::verifier
