#include "verifier/json.h"

#include <gtest/gtest.h>

namespace minpriv::verifier {
namespace {

TEST(JsonTest, DumpsSortedKeysAndEscapes) {
  Json j;
  j["zeta"] = 1;
  j["alpha"] = "a\"b\\c\n";
  j["list"] = Json::StringArray({"x", "y"});
  j["empty"] = Json::MakeArray();
  j["obj"] = Json::MakeObject();
  j["flag"] = false;
  j["big"] = uint64_t{18446744073709551615ull};
  EXPECT_EQ(j.Dump(),
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

TEST(JsonTest, ControlCharactersAreEscaped) {
  EXPECT_EQ(JsonQuote(std::string("\x01x", 2)), "\"\\u0001x\"");
}

}  // namespace
}  // namespace minpriv::verifier
