#include "crd/names.h"

#include <string>

#include "gtest/gtest.h"

namespace minpriv::crd {
namespace {

TEST(NamesTest, MergedAndPartial) {
  EXPECT_EQ(MergedProfileName("Deployment", "shopfront"), "deployment-shopfront");
  EXPECT_EQ(PartialProfileName("StatefulSet", "db", "node-1"), "statefulset-db-node-1");
  EXPECT_EQ(PartialProfileName("Deployment", "web", "ip-10-0-0-1.ec2.internal"),
            "deployment-web-ip-10-0-0-1.ec2.internal");
}

TEST(NamesTest, InvalidCharactersBecomeDashes) {
  EXPECT_EQ(MergedProfileName("Deployment", "My_App"), "deployment-my-app");
  EXPECT_EQ(MergedProfileName("Pod", "a.-b"), "pod-a--b");
  EXPECT_TRUE(IsDns1123Subdomain(MergedProfileName("Pod", "a.-b")));
  EXPECT_TRUE(IsDns1123Subdomain(MergedProfileName("", "")));
}

TEST(NamesTest, LongNamesAreTruncatedWithAStableHash) {
  std::string name(250, 'a');
  std::string merged = MergedProfileName("Deployment", name);
  EXPECT_EQ(merged.size(), 253u);
  EXPECT_TRUE(IsDns1123Subdomain(merged));
  EXPECT_EQ(merged, MergedProfileName("Deployment", name));  // deterministic
  EXPECT_EQ(merged.substr(0, 11), "deployment-");
  std::string other = MergedProfileName("Deployment", name + "b");
  EXPECT_NE(merged, other);  // same prefix, different hash
  EXPECT_EQ(merged.substr(0, 236), other.substr(0, 236));
  std::string partial = PartialProfileName("Deployment", std::string(240, 'x'), "node-1");
  EXPECT_LE(partial.size(), 253u);
  EXPECT_TRUE(IsDns1123Subdomain(partial));
  // Exactly 253 is kept as is.
  std::string exact = MergedProfileName("Pod", std::string(249, 'c'));
  EXPECT_EQ(exact, "pod-" + std::string(249, 'c'));
}

TEST(NamesTest, Dns1123Subdomain) {
  EXPECT_TRUE(IsDns1123Subdomain("a"));
  EXPECT_TRUE(IsDns1123Subdomain("deployment-shopfront"));
  EXPECT_TRUE(IsDns1123Subdomain("a.b-c.d"));
  EXPECT_FALSE(IsDns1123Subdomain(""));
  EXPECT_FALSE(IsDns1123Subdomain("-a"));
  EXPECT_FALSE(IsDns1123Subdomain("a-"));
  EXPECT_FALSE(IsDns1123Subdomain("A"));
  EXPECT_FALSE(IsDns1123Subdomain("a..b"));
  EXPECT_FALSE(IsDns1123Subdomain("a.-b"));
  EXPECT_FALSE(IsDns1123Subdomain("a_b"));
  EXPECT_FALSE(IsDns1123Subdomain(std::string(254, 'a')));
}

}  // namespace
}  // namespace minpriv::crd
