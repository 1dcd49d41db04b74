// Helpers shared by the webhook's tests: real proposal directories made from testdata with the
// remediator (as `minpriv propose` writes them), manifests as JSON, AdmissionReview requests
// shaped as the API server sends them.
#ifndef MINPRIV_WEBHOOKS_TEST_SUPPORT_H_
#define MINPRIV_WEBHOOKS_TEST_SUPPORT_H_

#include <cstdlib>
#include <filesystem>
#include <string>

#include "crd/profile_codec.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "remediator/proposer.h"
#include "remediator/workload.h"
#include "remediator/yaml_io.h"
#include "util/json_format.h"
#include "util/files.h"

namespace minpriv::webhooks::testing {

using nlohmann::json;

inline std::string TestData() { return MINPRIV_WEBHOOKS_TESTDATA; }

// A fresh temporary directory (removed by the caller's TearDown if wanted).
inline std::string TempDir(const std::string& name) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (name + "-XXXXXX")).string();
  char* dir = ::mkdtemp(tmpl.data());
  EXPECT_NE(dir, nullptr);
  return tmpl;
}

// Writes the proposal of testdata/CASE (manifest.yaml + profile.yaml) to OUT.
inline void WriteProposal(const std::string& test_case, const std::string& out) {
  std::string dir = TestData() + "/" + test_case;
  auto profile = crd::ReadWorkloadProfileFile(dir + "/profile.yaml");
  ASSERT_TRUE(profile.ok()) << profile.status();
  auto manifest = util::ReadFile(dir + "/manifest.yaml");
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  auto proposal = remediator::Propose({{"profile.yaml", *profile}},
                                      {{"manifest.yaml", *manifest}}, remediator::Inventory());
  ASSERT_TRUE(proposal.ok()) << proposal.status();
  std::filesystem::create_directories(std::filesystem::path(out).parent_path());
  ASSERT_TRUE(remediator::WriteProposalDir(remediator::RenderProposal(*proposal), out, false).ok());
}

// The first workload object of a YAML file as JSON.
inline json ObjectFromYaml(const std::string& path) {
  auto text = util::ReadFile(path);
  EXPECT_TRUE(text.ok());
  auto docs = remediator::ParseYamlDocuments(text.ok() ? *text : "", path);
  EXPECT_TRUE(docs.ok());
  for (const auto& d : *docs) {
    if (remediator::IsWorkloadKind(remediator::ObjectKind(d.node))) {
      return json::parse(minpriv::util::DumpCompact(remediator::YamlToJson(d.node)));
    }
  }
  ADD_FAILURE() << "no workload in " << path;
  return json();
}

inline std::string GroupOf(const std::string& kind) {
  if (kind == "Pod") return "";
  if (kind == "Job" || kind == "CronJob") return "batch";
  return "apps";
}

inline std::string ResourceOf(const std::string& kind) {
  std::string r = kind;
  for (auto& c : r) c = static_cast<char>(std::tolower(c));
  return r + "s";
}

// An AdmissionReview as the API server sends it for OPERATION on OBJECT.
inline json Review(const json& object, const std::string& operation = "CREATE",
                   const std::string& uid = "705ab4f5-6393-11e8-b7cc-42010a800002") {
  std::string kind = object.value("kind", "");
  std::string ns = object["metadata"].value("namespace", "");
  json req = {
      {"uid", uid},
      {"kind", {{"group", GroupOf(kind)}, {"version", "v1"}, {"kind", kind}}},
      {"resource", {{"group", GroupOf(kind)}, {"version", "v1"}, {"resource", ResourceOf(kind)}}},
      {"requestKind", {{"group", GroupOf(kind)}, {"version", "v1"}, {"kind", kind}}},
      {"name", object["metadata"].value("name", "")},
      {"namespace", ns},
      {"operation", operation},
      {"userInfo", {{"username", "admin"}, {"groups", {"system:authenticated"}}}},
      {"object", object},
      {"oldObject", nullptr},
      {"dryRun", false},
      {"options", {{"apiVersion", "meta.k8s.io/v1"}, {"kind", "CreateOptions"}}}};
  return {{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"request", req}};
}

// A Pod of the Deployment's ReplicaSet, as the ReplicaSet controller creates it.
inline json PodOf(const json& deployment, const std::string& rs_name) {
  json pod = deployment["spec"]["template"];
  pod["apiVersion"] = "v1";
  pod["kind"] = "Pod";
  pod["metadata"]["generateName"] = rs_name + "-";
  pod["metadata"]["namespace"] = deployment["metadata"]["namespace"];
  pod["metadata"]["ownerReferences"] = json::array(
      {{{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"name", rs_name},
        {"uid", "0b6e5f4c-1111-4222-8333-944445555666"}, {"controller", true},
        {"blockOwnerDeletion", true}}});
  return pod;
}

}  // namespace minpriv::webhooks::testing

#endif  // MINPRIV_WEBHOOKS_TEST_SUPPORT_H_
