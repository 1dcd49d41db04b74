// Every node of a fully-populated object replaced by every JSON type: the decoders return a
// status (ok or InvalidArgument), never throw or crash.
#include <functional>
#include <string>
#include <vector>

#include "crd/profile_codec.h"
#include "crd/profile_json.h"
#include "crd/remediation_proposal_json.h"
#include "crd/settings.h"
#include "crd/test_objects.h"
#include "gtest/gtest.h"

namespace minpriv::crd {
namespace {

using nlohmann::json;

void Pointers(const json& j, const json::json_pointer& at, std::vector<json::json_pointer>& out) {
  out.push_back(at);
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) Pointers(v, at / k, out);
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) Pointers(j[i], at / i, out);
  }
}

// Returns how many mutations were rejected.
size_t MutateEverywhere(const json& good, const std::function<absl::Status(const json&)>& decode) {
  const std::vector<json> values = {nullptr, 0, -1, 1.5, 18446744073709551615ULL, "", "x",
                                    true, json::array(), json::array({1}), json::object(),
                                    json::object({{"unknown", 1}})};
  std::vector<json::json_pointer> pointers;
  Pointers(good, json::json_pointer(), pointers);
  size_t rejected = 0;
  for (const auto& p : pointers) {
    for (const json& v : values) {
      json j = good;
      j[p] = v;
      absl::Status s = decode(j);
      if (!s.ok()) {
        EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << p.to_string() << " " << v;
        EXPECT_FALSE(s.message().empty());
        ++rejected;
      }
    }
  }
  EXPECT_GT(pointers.size(), 10u);
  return rejected;
}

TEST(CodecRobustnessTest, ProposalDecoderNeverThrows) {
  size_t rejected = MutateEverywhere(RemediationProposalToJson(testing::FullProposal()),
                                     [](const json& j) { return RemediationProposalFromJson(j).status(); });
  EXPECT_GT(rejected, 500u);
}

TEST(CodecRobustnessTest, SettingsDecoderNeverThrows) {
  for (bool cluster : {false, true}) {
    size_t rejected = MutateEverywhere(MinprivSettingsToJson(testing::FullSettings(cluster)),
                                       [](const json& j) { return MinprivSettingsFromJson(j).status(); });
    EXPECT_GT(rejected, 50u);
  }
}

TEST(CodecRobustnessTest, ProfileDecoderNeverThrows) {
  auto p = ReadWorkloadProfileFile(std::string(MINPRIV_CRD_TESTDATA) + "/full_profile.yaml");
  ASSERT_TRUE(p.ok());
  p->labels = {{kNodeLabel, "n"}};
  p->target = {"apps/v1", "Deployment", "d"};
  size_t rejected = MutateEverywhere(WorkloadProfileToJson(*p),
                                     [](const json& j) { return WorkloadProfileFromJson(j).status(); });
  EXPECT_GT(rejected, 500u);
}

}  // namespace
}  // namespace minpriv::crd
