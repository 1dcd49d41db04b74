#include "util/json_parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace minpriv::util {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Pointer = nlohmann::json::json_pointer;

TEST(ParseJsonTest, ParsesAValue) {
  auto j = ParseJson(R"({"a": [1, "two", null], "b": 18446744073709551615})", "x.json");
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ((*j)["a"][1], "two");
  EXPECT_EQ((*j)["b"].get<uint64_t>(), 18446744073709551615ull);
}

TEST(ParseJsonTest, SyntaxErrorsSayLineAndColumn) {
  // The position is the last character read: nlohmann gives up on "no" of a literal.
  auto bad = ParseJson("{not json", "x.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("x.json:1:3: invalid JSON: syntax error"));

  auto second_line = ParseJson("{\n  \"a\": tru\n}", "y.json");
  ASSERT_FALSE(second_line.ok());
  EXPECT_THAT(std::string(second_line.status().message()), HasSubstr("y.json:2:"));
  EXPECT_THAT(std::string(second_line.status().message()), Not(HasSubstr("json.exception")));

  auto trailing = ParseJson("{}\n{}", "z.json");
  ASSERT_FALSE(trailing.ok());
  EXPECT_THAT(std::string(trailing.status().message()), HasSubstr("z.json:2:1: invalid JSON"));

  auto empty = ParseJson("", "e.json");
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(std::string(empty.status().message()), HasSubstr("e.json:1:1: invalid JSON"));
}

TEST(JsonWhereTest, FindsTheValueAPointerNames) {
  const std::string text =
      "{\n"
      "  \"defaultAction\": \"SCMP_ACT_MAYBE\",\n"
      "  \"a/b\": {\"x~y\": 1},\n"
      "  \"syscalls\": [\n"
      "    {\"names\": [\"read\", \"wr\\\"ite\"], \"s\": \"]}\"},\n"
      "    {\"action\": 7}\n"
      "  ],\n"
      "  \"dup\": 1, \"dup\": 2\n"
      "}\n";
  ASSERT_TRUE(ParseJson(text, "t").ok());
  EXPECT_EQ(JsonWhere(text, "x.json", Pointer("")), "x.json:1:1");
  EXPECT_EQ(JsonWhere(text, "x.json", Pointer("/defaultAction")), "x.json:2:20");
  EXPECT_EQ(JsonWhere(text, "x.json", Pointer("/a~1b/x~0y")), "x.json:3:18");
  EXPECT_EQ(JsonWhere(text, "x.json", Pointer("/syscalls/0/names/1")), "x.json:5:24");
  EXPECT_EQ(JsonWhere(text, "x.json", Pointer("/syscalls/1/action")), "x.json:6:16");
  EXPECT_EQ(JsonWhere(text, "x.json", Pointer("/dup")), "x.json:8:20");
  EXPECT_EQ(JsonWhere(text, "x.json", Pointer("/syscalls/2")), "x.json");
  EXPECT_EQ(JsonWhere(text, "x.json", Pointer("/missing")), "x.json");
  EXPECT_EQ(JsonWhere(text, "x.json", Pointer("/defaultAction/deeper")), "x.json");
}

TEST(LineColumnTest, CountsFromOne) {
  EXPECT_EQ(LineColumn("ab\ncd", 0), "1:1");
  EXPECT_EQ(LineColumn("ab\ncd", 2), "1:3");
  EXPECT_EQ(LineColumn("ab\ncd", 3), "2:1");
  EXPECT_EQ(LineColumn("ab\ncd", 99), "2:3");
}

}  // namespace
}  // namespace minpriv::util
