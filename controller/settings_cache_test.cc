#include "controller/settings_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace minpriv::controller {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

Windows Flags() { return {absl::Seconds(1), absl::Seconds(2), absl::Seconds(60)}; }

// As the informers cache them: no apiVersion or kind.
json NamespaceSettings(const std::string& ns, json spec) {
  return {{"metadata", {{"name", "default"}, {"namespace", ns}}}, {"spec", spec}};
}

TEST(SettingsCacheTest, WorkloadOverNamespaceOverClusterOverFlags) {
  SettingsCache cache(DefaultSettings(Flags(), crd::Delivery::kApply));
  const WorkloadKey web{"shop", "Deployment", "web"}, api{"shop", "Deployment", "api"},
      other{"other", "Deployment", "web"};
  EXPECT_EQ(WindowsOf(cache.Resolve(web)).min_window, absl::Seconds(2));
  ASSERT_TRUE(cache.Upsert({{"metadata", {{"name", "default"}}},
                            {"spec", {{"delivery", "PullRequest"},
                                      {"learning", {{"minWindow", "5s"}}}}}})
                  .ok());
  ASSERT_TRUE(cache
                  .Upsert(NamespaceSettings(
                      "shop", {{"learning", {{"quietPeriod", "3s"}}},
                               {"workloads", json::array({{{"kind", "Deployment"},
                                                           {"name", "web"},
                                                           {"learning", {{"enabled", false}}},
                                                           {"delivery", "Apply"}}})}}))
                  .ok());
  crd::EffectiveSettings w = cache.Resolve(web);
  EXPECT_FALSE(w.learning);
  EXPECT_EQ(w.delivery, crd::Delivery::kApply);
  EXPECT_EQ(w.quiet_period, absl::Seconds(3));
  EXPECT_EQ(w.min_window, absl::Seconds(5));
  EXPECT_EQ(w.max_window, absl::Seconds(60));
  crd::EffectiveSettings a = cache.Resolve(api);
  EXPECT_TRUE(a.learning);
  EXPECT_EQ(a.delivery, crd::Delivery::kPullRequest);
  EXPECT_EQ(cache.Resolve(other).quiet_period, absl::Seconds(1));

  // Removed, or unreadable: as if absent (and the error says where).
  cache.Remove(NamespaceSettings("shop", json::object()));
  EXPECT_TRUE(cache.Resolve(web).learning);
  absl::Status bad = cache.Upsert(NamespaceSettings("shop", {{"delivery", "Mail"}}));
  EXPECT_THAT(std::string(bad.message()), HasSubstr("spec.delivery"));
  EXPECT_EQ(cache.Resolve(web).delivery, crd::Delivery::kPullRequest);
  // Only the objects named "default" count.
  EXPECT_TRUE(cache.Upsert({{"metadata", {{"name", "draft"}, {"namespace", "shop"}}},
                            {"spec", {{"learning", {{"enabled", false}}}}}})
                  .ok());
  EXPECT_TRUE(cache.Resolve(web).learning);
}

}  // namespace
}  // namespace minpriv::controller
