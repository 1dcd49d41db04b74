#include "util/json_format.h"

#include <gtest/gtest.h>

namespace minpriv::util {
namespace {

using nlohmann::ordered_json;

TEST(JsonFormatTest, DumpsSortedKeysAndEscapes) {
  ordered_json j;
  j["zeta"] = 1;
  j["alpha"] = "a\"b\\c\n";
  j["list"] = {"x", "y"};
  j["empty"] = ordered_json::array();
  j["obj"] = ordered_json::object();
  j["flag"] = false;
  j["big"] = uint64_t{18446744073709551615ull};
  const char* expected =
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
      "}\n";
  EXPECT_EQ(DumpPretty(j, /*sort_keys=*/true), expected);
  // nlohmann::json keeps its keys sorted: the same bytes.
  EXPECT_EQ(DumpPretty(nlohmann::json(j)), expected);
}

TEST(JsonFormatTest, SortsKeysOfNestedObjectsInArrays) {
  ordered_json inner;
  inner["b"] = 2;
  inner["a"] = 1;
  ordered_json j;
  j["list"].push_back(inner);
  EXPECT_EQ(DumpCompact(j, /*sort_keys=*/true), R"({"list":[{"a":1,"b":2}]})");
  EXPECT_EQ(DumpCompact(j), R"({"list":[{"b":2,"a":1}]})");
}

TEST(JsonFormatTest, KeepsInsertionOrderAndReplacesExistingKeys) {
  ordered_json j = ordered_json::object();
  j["b"] = -2;
  j["a"] = "x";
  j["b"] = true;
  j["n"] = nullptr;
  j["raw"] = RawNumber("1.5e3");
  EXPECT_EQ(DumpCompact(j), R"({"b":true,"a":"x","n":null,"raw":1.5e3})");
  EXPECT_EQ(DumpPretty(j),
            "{\n"
            "  \"b\": true,\n"
            "  \"a\": \"x\",\n"
            "  \"n\": null,\n"
            "  \"raw\": 1.5e3\n"
            "}\n");
  ASSERT_EQ(j.size(), 4u);
  EXPECT_EQ(j["a"], "x");
  EXPECT_TRUE(j["b"].get<bool>());
  EXPECT_TRUE(IsRawNumber(j["raw"]));
  EXPECT_FALSE(IsRawNumber(j["a"]));
}

TEST(JsonFormatTest, EmptyContainersAndNull) {
  EXPECT_EQ(DumpPretty(ordered_json::array()), "[]\n");
  EXPECT_EQ(DumpCompact(ordered_json::object()), "{}");
  EXPECT_EQ(DumpCompact(ordered_json()), "null");
  ordered_json o;
  o["k"];
  EXPECT_EQ(DumpCompact(o), R"({"k":null})");
  EXPECT_EQ(DumpPretty(ordered_json{{"a", ordered_json::array()}, {"o", ordered_json::object()}}),
            "{\n  \"a\": [],\n  \"o\": {}\n}\n");
}

TEST(JsonFormatTest, NumbersOfEveryWidth) {
  ordered_json a = ordered_json::array();
  a.push_back(int64_t{-9223372036854775807LL - 1});
  a.push_back(uint32_t{4294967295u});
  a.push_back(7);
  a.push_back(uint64_t{18446744073709551615ull});
  a.push_back(0.1);
  a.push_back(1500.0);
  a.push_back(1e300);
  a.push_back(RawNumber("99999999999999999999"));
  a.push_back(RawNumber("1.50"));
  EXPECT_EQ(DumpCompact(a),
            "[-9223372036854775808,4294967295,7,18446744073709551615,0.1,1500.0,1e+300,"
            "99999999999999999999,1.50]");
}

TEST(JsonFormatTest, ControlCharactersAreEscaped) {
  EXPECT_EQ(JsonEscape(std::string("\x01x", 2)), "\\u0001x");
  EXPECT_EQ(JsonEscape("\b\f\r\t\x1f"), "\\b\\f\\r\\t\\u001f");
  EXPECT_EQ(DumpCompact(ordered_json(std::string("\x01x", 2))), "\"\\u0001x\"");
  EXPECT_EQ(DumpCompact(ordered_json{{"k\"", "v"}}), R"({"k\"":"v"})");
  EXPECT_EQ(DumpCompact(ordered_json(std::string("\0", 1))), "\"\\u0000\"");
}

TEST(JsonFormatTest, EveryOtherByteIsWrittenAsIs) {
  // '/', DEL and UTF-8 unescaped, as nlohmann's dump() writes them too.
  ordered_json valid = "/etc/caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92 \x7f";
  EXPECT_EQ(DumpCompact(valid), valid.dump());
  EXPECT_EQ(DumpCompact(valid), "\"/etc/caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92 \x7f\"");
  // Bytes that are not UTF-8 (a path from the kernel may hold any): through, where
  // nlohmann's dump() would throw.
  ordered_json latin1 = std::string("/tmp/caf\xe9");
  EXPECT_EQ(DumpCompact(latin1), "\"/tmp/caf\xe9\"");
  EXPECT_THROW(latin1.dump(), nlohmann::json::type_error);
}

TEST(JsonFormatTest, SameLayoutAsNlohmannDumpForValidText) {
  ordered_json j = ordered_json::parse(R"({"z":[1,{"y":[],"x":{}},"s\u0007"],"a":{"b":null}})");
  EXPECT_EQ(DumpPretty(j), j.dump(2) + "\n");
  EXPECT_EQ(DumpCompact(j), j.dump());
}

}  // namespace
}  // namespace minpriv::util
