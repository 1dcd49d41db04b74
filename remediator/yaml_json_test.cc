// YamlToJson: Kubernetes' scalar typing, and numbers written back with the text they had.
#include "gtest/gtest.h"
#include "remediator/yaml_io.h"
#include "util/json_format.h"

namespace minpriv::remediator {
namespace {

std::string Compact(const std::string& yaml) {
  auto docs = ParseYamlDocuments(yaml, "t.yaml");
  EXPECT_TRUE(docs.ok()) << docs.status();
  if (!docs.ok() || docs->empty()) return "";
  return util::DumpCompact(YamlToJson((*docs)[0].node));
}

TEST(YamlToJsonTest, ScalarsAreTypedLikeKubernetes) {
  EXPECT_EQ(Compact("a: yes\nb: \"yes\"\nc: ~\nd: 0x1F\ne: 017\nf: text\ng: '42'\n"),
            R"({"a":true,"b":"yes","c":null,"d":31,"e":15,"f":"text","g":"42"})");
}

TEST(YamlToJsonTest, NumbersKeepTheirText) {
  EXPECT_EQ(Compact("n: [0, 42, -9223372036854775808, 18446744073709551615, "
                    "99999999999999999999, -0, 0.5, 1.0, 1.50, 1e3, 2.5E-3, 1e400]\n"),
            R"({"n":[0,42,-9223372036854775808,18446744073709551615,)"
            R"(99999999999999999999,-0,0.5,1.0,1.50,1e3,2.5E-3,1e400]})");
  auto docs = ParseYamlDocuments("[42, 0.5, 1.50]\n", "t.yaml");
  ASSERT_TRUE(docs.ok());
  nlohmann::ordered_json j = YamlToJson((*docs)[0].node);
  EXPECT_TRUE(j[0].is_number_integer());
  EXPECT_TRUE(j[1].is_number_float());
  EXPECT_TRUE(util::IsRawNumber(j[2]));
}

TEST(YamlToJsonTest, NodesEqualIgnoresKeyOrderOnly) {
  auto docs = ParseYamlDocuments("{a: 1, b: [x]}\n---\n{b: [x], a: 1}\n---\n{a: 1.0, b: [x]}\n", "t.yaml");
  ASSERT_TRUE(docs.ok());
  ASSERT_EQ(docs->size(), 3u);
  EXPECT_TRUE(NodesEqual((*docs)[0].node, (*docs)[1].node));
  EXPECT_FALSE(NodesEqual((*docs)[0].node, (*docs)[2].node));
}

}  // namespace
}  // namespace minpriv::remediator
