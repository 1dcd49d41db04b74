// The CRDs cannot drift from the C++ types: the committed deploy/crds/ files are exactly
// minpriv-crdgen's output, every field the codecs write for fully-populated objects is
// declared in the schema with a matching type (and enum value), and the schemas are
// structural as apiextensions.k8s.io/v1 requires.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "crd/crd_manifests.h"
#include "crd/profile_codec.h"
#include "crd/profile_json.h"
#include "crd/remediation_proposal_json.h"
#include "crd/settings.h"
#include "crd/test_objects.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/files.h"

namespace minpriv::crd {
namespace {

using nlohmann::json;

// "" when equal, else "line N: expected '...', found '...'".
std::string FirstDifference(const std::string& expected, const std::string& actual) {
  std::istringstream a(expected), b(actual);
  std::string la, lb;
  for (int line = 1;; ++line) {
    bool ha = static_cast<bool>(std::getline(a, la));
    bool hb = static_cast<bool>(std::getline(b, lb));
    if (!ha && !hb) return "";
    if (!ha || !hb || la != lb) {
      return absl::StrCat("line ", line, ": generated '", ha ? la : "<end of file>",
                          "', committed '", hb ? lb : "<end of file>", "'");
    }
  }
}

TEST(CrdFilesTest, CommittedFilesAreTheGeneratorsOutput) {
  std::string out = ::testing::TempDir() + "/crdgen-out";
  std::filesystem::remove_all(out);
  std::filesystem::create_directories(out);
  std::string cmd = absl::StrCat(MINPRIV_CRDGEN, " --out-dir ", out);
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  size_t files = 0;
  for (const CrdManifest& crd : CustomResourceDefinitions()) {
    ++files;
    auto generated = util::ReadFile(out + "/" + crd.file_name);
    ASSERT_TRUE(generated.ok()) << generated.status();
    EXPECT_EQ(*generated, RenderCrdFile(crd));
    auto committed = util::ReadFile(std::string(MINPRIV_CRD_DIR) + "/" + crd.file_name);
    ASSERT_TRUE(committed.ok()) << crd.file_name << " is not committed under deploy/crds; run "
                                << "build/crd/minpriv-crdgen --out-dir deploy/crds";
    EXPECT_EQ(FirstDifference(*generated, *committed), "")
        << "deploy/crds/" << crd.file_name << " differs from crd/crd_schemas.cc; regenerate with "
        << "build/crd/minpriv-crdgen --out-dir deploy/crds";
  }
  size_t committed_files = 0;
  for (const auto& e : std::filesystem::directory_iterator(MINPRIV_CRD_DIR)) {
    committed_files += e.path().filename().string().rfind("minpriv.dev_", 0) == 0;
  }
  EXPECT_EQ(committed_files, files) << "deploy/crds holds a CRD the generator does not make";
  EXPECT_EQ(files, 4u);
}

// Checks `value` against `schema`; appends a message per problem.
void Walk(const json& value, const json& schema, const std::string& path,
          std::vector<std::string>& problems) {
  if (schema.value("x-kubernetes-preserve-unknown-fields", false) && !schema.contains("properties")) {
    if (schema.contains("type") && schema["type"] == "object" && !value.is_object()) {
      problems.push_back(path + ": not an object");
    }
    return;
  }
  std::string type = schema.value("type", "");
  if (type == "object") {
    if (!value.is_object()) {
      problems.push_back(path + ": expected object");
      return;
    }
    for (const auto& [key, v] : value.items()) {
      std::string p = path.empty() ? key : path + "." + key;
      if (schema.contains("properties") && schema["properties"].contains(key)) {
        Walk(v, schema["properties"][key], p, problems);
      } else if (schema.contains("additionalProperties")) {
        Walk(v, schema["additionalProperties"], p, problems);
      } else if (!schema.contains("properties") && path == "metadata") {
        // ObjectMeta: the API server's own schema.
      } else {
        problems.push_back(p + ": written by the codec but not declared in the schema");
      }
    }
    for (const auto& r : schema.value("required", json::array())) {
      if (!value.contains(r.get<std::string>())) {
        problems.push_back(path + "." + r.get<std::string>() + ": required but not written");
      }
    }
  } else if (type == "array") {
    if (!value.is_array()) {
      problems.push_back(path + ": expected array");
      return;
    }
    for (size_t i = 0; i < value.size(); ++i) {
      Walk(value[i], schema["items"], absl::StrCat(path, "[", i, "]"), problems);
    }
  } else if (type == "string") {
    if (!value.is_string()) problems.push_back(path + ": expected string");
    if (schema.contains("enum") && value.is_string()) {
      bool found = false;
      for (const auto& e : schema["enum"]) found = found || e == value;
      if (!found) problems.push_back(path + ": '" + value.get<std::string>() + "' not in enum");
    }
  } else if (type == "integer") {
    if (!value.is_number_integer()) problems.push_back(path + ": expected integer");
  } else if (type == "boolean") {
    if (!value.is_boolean()) problems.push_back(path + ": expected boolean");
  } else {
    problems.push_back(path + ": schema without type");
  }
}

std::vector<std::string> Check(const json& value, const json& schema) {
  std::vector<std::string> problems;
  Walk(value, schema, "", problems);
  return problems;
}

WorkloadProfile FullProfile() {
  auto p = ReadWorkloadProfileFile(std::string(MINPRIV_CRD_TESTDATA) + "/full_profile.yaml");
  EXPECT_TRUE(p.ok()) << p.status();
  WorkloadProfile profile = *p;
  profile.labels = {{kNodeLabel, "n1"}};
  profile.target = {"apps/v1", "Deployment", "shop-api"};
  return profile;
}

TEST(CrdSchemaTest, EveryFieldTheCodecsWriteIsDeclared) {
  EXPECT_THAT(Check(WorkloadProfileToJson(FullProfile()), WorkloadProfileSchema()),
              ::testing::IsEmpty());
  EXPECT_THAT(Check(RemediationProposalToJson(testing::FullProposal()),
                    RemediationProposalSchema()),
              ::testing::IsEmpty());
  EXPECT_THAT(Check(MinprivSettingsToJson(testing::FullSettings(false)), SettingsSchema(false)),
              ::testing::IsEmpty());
  EXPECT_THAT(Check(MinprivSettingsToJson(testing::FullSettings(true)), SettingsSchema(true)),
              ::testing::IsEmpty());
}

TEST(CrdSchemaTest, TheWalkFindsUndeclaredFieldsAndWrongTypes) {
  json p = RemediationProposalToJson(testing::FullProposal());
  p["status"]["numbers"]["newCounter"] = 1;
  p["status"]["phase"] = "Unheard";
  p["spec"]["target"]["name"] = 3;
  EXPECT_THAT(Check(p, RemediationProposalSchema()),
              ::testing::UnorderedElementsAre(
                  "status.numbers.newCounter: written by the codec but not declared in the schema",
                  "status.phase: 'Unheard' not in enum", "spec.target.name: expected string"));
}

// Structural: every node typed (or preserve-unknown-fields / int-or-string), objects with
// properties or additionalProperties or preserve-unknown-fields, arrays with items.
void Structural(const json& s, const std::string& path, std::vector<std::string>& problems) {
  bool preserve = s.value("x-kubernetes-preserve-unknown-fields", false);
  if (!s.contains("type") && !preserve && !s.value("x-kubernetes-int-or-string", false)) {
    problems.push_back(path + ": no type");
  }
  std::string type = s.value("type", "");
  if (type == "object") {
    if (!s.contains("properties") && !s.contains("additionalProperties") && !preserve &&
        path != ".metadata") {
      problems.push_back(path + ": object without properties");
    }
    const json properties = s.value("properties", json::object());
    for (const auto& [k, v] : properties.items()) {
      Structural(v, path + "." + k, problems);
    }
    for (const auto& r : s.value("required", json::array())) {
      if (!s["properties"].contains(r.get<std::string>())) {
        problems.push_back(path + ": required " + r.get<std::string>() + " is not a property");
      }
    }
  }
  if (type == "array") {
    if (!s.contains("items")) problems.push_back(path + ": array without items");
    else Structural(s["items"], path + "[]", problems);
  }
}

TEST(CrdSchemaTest, SchemasAreStructuralAndCrdsComplete) {
  for (const CrdManifest& crd : CustomResourceDefinitions()) {
    const json& version = crd.object["spec"]["versions"][0];
    std::vector<std::string> problems;
    Structural(version["schema"]["openAPIV3Schema"], "", problems);
    EXPECT_THAT(problems, ::testing::IsEmpty()) << crd.file_name;
    EXPECT_EQ(crd.object["spec"]["group"], "minpriv.dev");
    EXPECT_EQ(version["name"], "v1alpha1");
    EXPECT_FALSE(crd.object["spec"]["names"]["shortNames"].empty());
  }
  std::vector<CrdManifest> crds = CustomResourceDefinitions();
  const json& rp = crds[2].object;
  ASSERT_EQ(rp["spec"]["names"]["kind"], "RemediationProposal");
  EXPECT_EQ(rp["spec"]["names"]["shortNames"], json::array({"rp"}));
  EXPECT_TRUE(rp["spec"]["versions"][0]["subresources"].contains("status"));
  std::vector<std::string> columns;
  for (const json& c : rp["spec"]["versions"][0]["additionalPrinterColumns"]) {
    if (c.value("priority", 0) == 0) columns.push_back(c["name"]);
  }
  EXPECT_THAT(columns, ::testing::ElementsAre("Target", "Phase", "Syscalls", "Caps-Added", "Age"));
  const json& wp = crds[3].object;
  ASSERT_EQ(wp["spec"]["names"]["kind"], "WorkloadProfile");
  EXPECT_EQ(wp["spec"]["names"]["shortNames"], json::array({"wp"}));
  EXPECT_EQ(rp["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
              ["properties"]["decision"]["default"],
            "Pending");
}

}  // namespace
}  // namespace minpriv::crd
