// The YAML adapter's bounds on what one manifest may cost.
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "remediator/yaml_io.h"

namespace minpriv::remediator {
namespace {

using ::testing::HasSubstr;

// A ConfigMap of ~600 bytes whose annotation, its aliases expanded, has 9^9 nodes.
std::string AliasBomb() {
  std::string text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n  annotations:\n";
  absl::StrAppend(&text, "    a: &a [x, x, x, x, x, x, x, x, x]\n");
  for (char level = 'b'; level <= 'i'; ++level) {
    std::string prev(1, static_cast<char>(level - 1));
    absl::StrAppend(&text, "    ", std::string(1, level), ": &", std::string(1, level), " [");
    for (int i = 0; i < 9; ++i) absl::StrAppend(&text, i ? ", " : "", "*", prev);
    absl::StrAppend(&text, "]\n");
  }
  return text;
}

// Issue 12, §4: the bomb ran past 120 s and 15 GB in propose.
TEST(YamlIoTest, AnAliasBombIsRefusedWithItsPosition) {
  std::string bomb = AliasBomb();
  ASSERT_LT(bomb.size(), 800u);
  auto docs = ParseYamlDocuments(bomb, "bomb.yaml");
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(docs.status().message(), HasSubstr("bomb.yaml:1:1: YAML aliases"));
}

TEST(YamlIoTest, OrdinaryAliasesAndLargeFilesWithoutThemAreAccepted) {
  std::string shared =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
      "    - {name: a, image: i, securityContext: &sc {runAsUser: 1000, capabilities: {drop: [ALL]}}}\n"
      "    - {name: b, image: i, securityContext: *sc}\n";
  auto docs = ParseYamlDocuments(shared, "shared.yaml");
  ASSERT_TRUE(docs.ok()) << docs.status();
  EXPECT_EQ(docs->size(), 1u);
  std::string many;
  for (int i = 0; i < 2000; ++i) absl::StrAppend(&many, "---\n", shared);
  docs = ParseYamlDocuments(many, "many.yaml");
  ASSERT_TRUE(docs.ok()) << docs.status();
  EXPECT_EQ(docs->size(), 2000u);
}

TEST(YamlIoTest, ATextOverTheSizeLimitIsRefusedBeforeParsing) {
  std::string huge(size_t{64} << 20, ' ');
  huge += "x: 1\n";
  auto docs = ParseYamlDocuments(huge, "huge.yaml");
  ASSERT_FALSE(docs.ok());
  EXPECT_THAT(docs.status().message(), HasSubstr("huge.yaml: 67108869 bytes, more than the 64 MiB"));
}

// Found by the manifest fuzzer: yaml-cpp's LoadAll yielded empty documents forever on a
// stray ',' where a document starts, so propose hung.
TEST(YamlIoTest, AStrayCommaIsAnErrorWithItsPositionNotAHang) {
  auto docs = ParseYamlDocuments("apiVersion: v1\nkind: Pod\n---\n,a-\n", "comma.yaml");
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(docs.status().message(), HasSubstr("comma.yaml:4:1: invalid YAML: unexpected ','"));
}

}  // namespace
}  // namespace minpriv::remediator
