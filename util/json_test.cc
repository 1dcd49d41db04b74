#include "util/json.h"

#include <gtest/gtest.h>

namespace minpriv::util {
namespace {

TEST(JsonTest, DumpsSortedKeysAndEscapes) {
  Json j;
  j["zeta"] = 1;
  j["alpha"] = "a\"b\\c\n";
  j["list"] = Json::StringArray({"x", "y"});
  j["empty"] = Json::Array();
  j["obj"] = Json::Object();
  j["flag"] = false;
  j["big"] = uint64_t{18446744073709551615ull};
  EXPECT_EQ(j.Dump(Json::KeyOrder::kSorted),
            "{\n"
            "  \"alpha\": \"a\\\"b\\\\c\\n\",\n"
            "  \"big\": 18446744073709551615,\n"
            "  \"empty\": [],\n"
            "  \"flag\": false,\n"
            "  \"list\": [\n"
            "    \"x\",\n"
            "    \"y\"\n"
            "  ],\n"
            "  \"obj\": {},\n"
            "  \"zeta\": 1\n"
            "}\n");
}

TEST(JsonTest, SortsKeysOfNestedObjectsInArrays) {
  Json inner;
  inner["b"] = 2;
  inner["a"] = 1;
  Json j;
  j["list"].Push(inner);
  EXPECT_EQ(j.DumpCompact(Json::KeyOrder::kSorted), R"({"list":[{"a":1,"b":2}]})");
  EXPECT_EQ(j.DumpCompact(), R"({"list":[{"b":2,"a":1}]})");
}

TEST(JsonTest, KeepsInsertionOrderAndReplacesExistingKeys) {
  Json j = Json::Object();
  j.Set("b", Json::Number(-2)).Set("a", Json::String("x")).Set("b", Json::Bool(true));
  j.Set("n", Json::Null());
  j.Set("raw", Json::RawNumber("1.5e3"));
  EXPECT_EQ(j.DumpCompact(), R"({"b":true,"a":"x","n":null,"raw":1.5e3})");
  EXPECT_EQ(j.Dump(),
            "{\n"
            "  \"b\": true,\n"
            "  \"a\": \"x\",\n"
            "  \"n\": null,\n"
            "  \"raw\": 1.5e3\n"
            "}\n");
  ASSERT_EQ(j.members().size(), 4u);
  EXPECT_EQ(j.members()[1].second.text(), "x");
  EXPECT_TRUE(j.members()[0].second.boolean());
}

TEST(JsonTest, NullBecomesArrayOnPushAndObjectOnIndex) {
  Json a;
  a.Push(1).Push("two");
  EXPECT_EQ(a.type(), Json::Type::kArray);
  EXPECT_EQ(a.DumpCompact(), R"([1,"two"])");
  Json o;
  EXPECT_TRUE(o.is_null());
  o["k"];
  EXPECT_EQ(o.type(), Json::Type::kObject);
  EXPECT_EQ(o.DumpCompact(), R"({"k":null})");
  EXPECT_EQ(Json::Array().Dump(), "[]\n");
  EXPECT_EQ(Json::Object().DumpCompact(), "{}");
}

TEST(JsonTest, NumbersOfEveryWidth) {
  Json a = Json::Array();
  a.Push(int64_t{-9223372036854775807LL - 1}).Push(uint32_t{4294967295u}).Push(7);
  EXPECT_EQ(a.DumpCompact(), "[-9223372036854775808,4294967295,7]");
}

TEST(JsonTest, ControlCharactersAreEscaped) {
  EXPECT_EQ(JsonEscape(std::string("\x01x", 2)), "\\u0001x");
  EXPECT_EQ(JsonEscape("\b\f\r\t\x1f"), "\\b\\f\\r\\t\\u001f");
  EXPECT_EQ(Json(std::string("\x01x", 2)).DumpCompact(), "\"\\u0001x\"");
  EXPECT_EQ(Json::Object().Set("k\"", "v").DumpCompact(), R"({"k\"":"v"})");
}

}  // namespace
}  // namespace minpriv::util
