// WorkloadProfile's cluster fields (labels, spec.target) in YAML and the JSON form.
#include <functional>
#include <string>
#include <vector>

#include "crd/object_meta.h"
#include "crd/profile_codec.h"
#include "crd/profile_json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/files.h"

namespace minpriv::crd {
namespace {

using ::testing::HasSubstr;

WorkloadProfile ClusterProfile() {
  auto golden = ReadWorkloadProfileFile(std::string(MINPRIV_CRD_TESTDATA) + "/full_profile.yaml");
  EXPECT_TRUE(golden.ok()) << golden.status();
  WorkloadProfile p = *golden;
  p.labels = {{kNodeLabel, "node-1"},
              {kWorkloadKindLabel, "Deployment"},
              {kWorkloadNameLabel, "shop-api"}};
  p.target = {"apps/v1", "Deployment", "shop-api"};
  return p;
}

TEST(ProfileClusterFieldsTest, FileWithoutClusterFieldsIsByteIdentical) {
  std::string path = std::string(MINPRIV_CRD_TESTDATA) + "/full_profile.yaml";
  auto text = util::ReadFile(path);
  ASSERT_TRUE(text.ok());
  auto p = ParseWorkloadProfile(*text, path);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->labels.empty());
  EXPECT_TRUE(p->target.empty());
  EXPECT_EQ(EmitWorkloadProfile(*p), *text);
  EXPECT_THAT(*text, ::testing::Not(HasSubstr("target")));
}

TEST(ProfileClusterFieldsTest, YamlWritesAndReadsLabelsAndTarget) {
  WorkloadProfile p = ClusterProfile();
  std::string yaml = EmitWorkloadProfile(p);
  EXPECT_THAT(yaml, HasSubstr("  namespace: shop\n  labels:\n    minpriv.dev/node: node-1\n"
                              "    minpriv.dev/workload-kind: Deployment\n"
                              "    minpriv.dev/workload-name: shop-api\nspec:\n  target:\n"
                              "    apiVersion: apps/v1\n    kind: Deployment\n"
                              "    name: shop-api\n  containers:\n"));
  auto back = ParseWorkloadProfile(yaml, "mem");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, p);
}

TEST(ProfileClusterFieldsTest, YamlTargetNeedsAllFields) {
  std::string yaml =
      "apiVersion: minpriv.dev/v1alpha1\nkind: WorkloadProfile\nmetadata: {name: m}\n"
      "spec:\n  target: {kind: Deployment, name: x}\n  containers: []\n";
  auto p = ParseWorkloadProfile(yaml, "in.yaml");
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(), HasSubstr("in.yaml:5:11: spec.target needs apiVersion"));
  auto bad = ParseWorkloadProfile(
      "apiVersion: minpriv.dev/v1alpha1\nkind: WorkloadProfile\nmetadata: {name: m, labels: [a]}\n"
      "spec: {}\n", "in.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("metadata.labels must be a mapping"));
}

TEST(ProfileJsonTest, SameResourceAsYaml) {
  WorkloadProfile p = ClusterProfile();
  nlohmann::json j = WorkloadProfileToJson(p);
  EXPECT_EQ(j["apiVersion"], "minpriv.dev/v1alpha1");
  EXPECT_EQ(j["kind"], "WorkloadProfile");
  EXPECT_EQ(j["metadata"]["labels"]["minpriv.dev/node"], "node-1");
  EXPECT_EQ(j["spec"]["target"]["kind"], "Deployment");
  EXPECT_EQ(j["spec"]["containers"][0]["name"], "api");
  EXPECT_EQ(j["spec"]["containers"][0]["capabilityEvidence"][0]["denied"], true);
  EXPECT_FALSE(j["spec"]["containers"][0]["capabilityEvidence"][1].contains("denied"));
  EXPECT_EQ(j["status"]["droppedEvents"], 3);
  auto back = WorkloadProfileFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, p);
  // Text round trip too.
  auto parsed = ParseWorkloadProfileJson(j.dump());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, p);
  EXPECT_EQ(WorkloadProfileToJson(*parsed), j);
}

TEST(ProfileJsonTest, AcceptsServerMetadataAndReturnsIt) {
  nlohmann::json j = WorkloadProfileToJson(ClusterProfile());
  j["metadata"]["uid"] = "0b6e";
  j["metadata"]["resourceVersion"] = "42";
  j["metadata"]["generation"] = 3;
  j["metadata"]["creationTimestamp"] = "2026-01-31T12:00:00Z";
  j["metadata"]["managedFields"] = nlohmann::json::array({{{"manager", "kubectl"}}});
  ObjectMeta meta;
  auto p = WorkloadProfileFromJson(j, &meta);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(meta.resource_version, "42");
  EXPECT_EQ(meta.generation, 3);
  EXPECT_EQ(meta.labels.at(kWorkloadNameLabel), "shop-api");
  EXPECT_EQ(*p, ClusterProfile());
}

TEST(ProfileJsonTest, MalformedInputsAreErrorsNamingTheField) {
  nlohmann::json good = WorkloadProfileToJson(ClusterProfile());
  struct Case {
    std::function<void(nlohmann::json&)> mutate;
    std::string expect;
  };
  std::vector<Case> cases = {
      {[](nlohmann::json& j) { j["spec"]["containers"][0]["syscalls"][0] = "nosuchcall"; },
       "unknown syscall 'nosuchcall'"},
      {[](nlohmann::json& j) { j["spec"]["containers"][0]["syscalls"] = "read"; },
       "syscalls must be a list"},
      {[](nlohmann::json& j) { j["spec"]["containers"][0]["execs"][0]["count"] = "3"; },
       "count must be a whole number"},
      {[](nlohmann::json& j) { j["spec"]["containers"][0]["execs"][0]["count"] = -1; },
       "count must be a whole number"},
      {[](nlohmann::json& j) { j["spec"]["bogus"] = 1; }, "unknown field 'bogus' in spec"},
      {[](nlohmann::json& j) { j["spec"]["target"] = 7; }, "spec.target must be a mapping"},
      {[](nlohmann::json& j) { j["metadata"]["labels"] = {{"a", 1}}; },
       "metadata.labels.a: must be a string"},
      {[](nlohmann::json& j) { j["metadata"] = "x"; }, "metadata: must be an object"},
      {[](nlohmann::json& j) { j["status"]["complete"] = "yes"; }, "complete must be true or false"},
      {[](nlohmann::json& j) { j["kind"] = "Pod"; }, "unsupported kind 'Pod'"},
  };
  for (const Case& c : cases) {
    nlohmann::json j = good;
    c.mutate(j);
    auto p = WorkloadProfileFromJson(j);
    ASSERT_FALSE(p.ok()) << c.expect;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(p.status().message(), HasSubstr(c.expect));
  }
  EXPECT_FALSE(WorkloadProfileFromJson(nlohmann::json::array()).ok());
  EXPECT_FALSE(WorkloadProfileFromJson(nullptr).ok());
  EXPECT_FALSE(ParseWorkloadProfileJson("{\"apiVersion\": ").ok());
  EXPECT_FALSE(ParseWorkloadProfileJson("").ok());
}

TEST(ProfileJsonTest, MergeKeepsTargetAndCommonLabels) {
  WorkloadProfile a = ClusterProfile();
  WorkloadProfile b = ClusterProfile();
  b.labels[kNodeLabel] = "node-2";
  WorkloadProfile merged = MergeProfiles({a, b});
  EXPECT_EQ(merged.target, a.target);
  EXPECT_EQ(merged.labels.count(kNodeLabel), 0u);
  EXPECT_EQ(merged.labels.at(kWorkloadKindLabel), "Deployment");
}

}  // namespace
}  // namespace minpriv::crd
