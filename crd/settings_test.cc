#include "crd/settings.h"

#include <functional>
#include <string>

#include "crd/test_objects.h"
#include "crd/yaml_json.h"
#include "util/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace minpriv::crd {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

TEST(SettingsTest, RoundTripBothKinds) {
  for (bool cluster : {false, true}) {
    MinprivSettings s = testing::FullSettings(cluster);
    json j = MinprivSettingsToJson(s);
    EXPECT_EQ(j["kind"], cluster ? "ClusterMinprivSettings" : "MinprivSettings");
    EXPECT_EQ(j["spec"]["learning"]["quietPeriod"], "10m");
    EXPECT_EQ(j["spec"]["enforcement"], "enforce");
    auto back = MinprivSettingsFromJson(j);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, s);
  }
}

TEST(SettingsTest, StrictErrors) {
  json j = MinprivSettingsToJson(testing::FullSettings(false));
  auto error = [&](const std::function<void(json&)>& mutate) {
    json c = j;
    mutate(c);
    auto s = MinprivSettingsFromJson(c);
    EXPECT_FALSE(s.ok());
    return s.ok() ? std::string() : std::string(s.status().message());
  };
  EXPECT_EQ(error([](json& c) { c["spec"]["enforcement"] = "strict"; }),
            "spec.enforcement: 'strict' is not one of off, audit, enforce");
  EXPECT_THAT(error([](json& c) { c["spec"]["learning"]["quietPeriod"] = "ten minutes"; }),
              HasSubstr("spec.learning.quietPeriod: 'ten minutes' is not a positive duration"));
  EXPECT_THAT(error([](json& c) { c["spec"]["learning"]["minWindow"] = "-1h"; }),
              HasSubstr("spec.learning.minWindow"));
  EXPECT_THAT(error([](json& c) { c["spec"]["learning"]["enabled"] = "false"; }),
              HasSubstr("spec.learning.enabled: must be true or false, found a string"));
  EXPECT_THAT(error([](json& c) { c["spec"]["workloads"].push_back(c["spec"]["workloads"][0]); }),
              HasSubstr("spec.workloads[1]: a second entry for Deployment shopfront"));
  EXPECT_THAT(error([](json& c) { c["spec"]["workloads"][0]["delivery"] = "Mail"; }),
              HasSubstr("spec.workloads[0].delivery: 'Mail' is not one of Apply, PullRequest"));
  EXPECT_THAT(error([](json& c) { c["kind"] = "ClusterMinprivSettings"; }),
              HasSubstr("spec.workloads: is only allowed in a namespace's MinprivSettings"));
  EXPECT_THAT(error([](json& c) { c["spec"]["mode"] = "enforce"; }), HasSubstr("spec.mode: unknown field"));
  EXPECT_THAT(error([](json& c) { c["kind"] = "Settings"; }), HasSubstr("kind: 'Settings' is not one of"));
}

TEST(SettingsTest, ResolutionOrder) {
  EffectiveSettings defaults;
  defaults.delivery = Delivery::kApply;
  MinprivSettings cluster;
  cluster.cluster_scoped = true;
  cluster.spec.enforcement = EnforcementMode::kEnforce;
  cluster.spec.quiet_period = "5m";
  MinprivSettings ns;
  ns.spec.delivery = Delivery::kPullRequest;
  ns.workloads = {{"Deployment", "legacy", {}}};
  ns.workloads[0].values.enforcement = EnforcementMode::kOff;
  ns.workloads[0].values.learning = false;

  EffectiveSettings none = ResolveSettings(defaults, nullptr, nullptr, "Deployment", "web");
  EXPECT_EQ(none, defaults);
  EffectiveSettings web = ResolveSettings(defaults, &cluster, &ns, "Deployment", "web");
  EXPECT_EQ(web.enforcement, EnforcementMode::kEnforce);
  EXPECT_EQ(web.quiet_period, absl::Minutes(5));
  EXPECT_EQ(web.delivery, Delivery::kPullRequest);
  EXPECT_TRUE(web.learning);
  EffectiveSettings legacy = ResolveSettings(defaults, &cluster, &ns, "Deployment", "legacy");
  EXPECT_EQ(legacy.enforcement, EnforcementMode::kOff);
  EXPECT_FALSE(legacy.learning);
  EXPECT_EQ(legacy.delivery, Delivery::kPullRequest);
  // Kind matters: a StatefulSet named legacy is not the Deployment.
  EXPECT_EQ(ResolveSettings(defaults, &cluster, &ns, "StatefulSet", "legacy").enforcement,
            EnforcementMode::kEnforce);
}

TEST(SettingsTest, DocumentedExampleDecodes) {
  std::string path = std::string(MINPRIV_CRD_TESTDATA) + "/minprivsettings.yaml";
  auto text = util::ReadFile(path);
  ASSERT_TRUE(text.ok()) << text.status();
  auto docs = ParseYamlDocuments(*text, path);
  ASSERT_TRUE(docs.ok()) << docs.status();
  ASSERT_EQ(docs->size(), 1u);
  auto s = MinprivSettingsFromJson(docs->at(0));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->metadata.namespace_, "shop");
  EXPECT_EQ(s->spec.enforcement, EnforcementMode::kEnforce);
  ASSERT_EQ(s->workloads.size(), 2u);
  EXPECT_EQ(s->workloads[1].values.enforcement, EnforcementMode::kOff);
  EXPECT_EQ(s->workloads[1].values.learning, false);
  EffectiveSettings e = ResolveSettings(EffectiveSettings{}, nullptr, &*s, "CronJob", "nightly-report");
  EXPECT_EQ(e.max_window, absl::Hours(168));
  EXPECT_EQ(e.min_window, absl::Hours(24));
  EXPECT_EQ(e.delivery, Delivery::kPullRequest);
}

}  // namespace
}  // namespace minpriv::crd
