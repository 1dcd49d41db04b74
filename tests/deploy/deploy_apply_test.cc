// The rendered chart and manifests applied with the real kubectl 1.34 to the project's test
// API server, and objects of minpriv's kinds round-tripping through it (create, get -o json,
// status subresource patch, the approval patch, printer columns).
//
// What this does not check: the test API server stores what it is given without validating
// objects against OpenAPI schemas (neither built-in kinds nor the CRDs' openAPIV3Schema), so
// a misspelt field would be stored here and rejected by a real cluster; the schemas are
// checked by crd_schema_test (structural, every encoded field declared) and by the tests of
// deploy_render_test (shapes of the rendered objects).
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "crd/profile_codec.h"
#include "crd/profile_json.h"
#include "crd/remediation_proposal_json.h"
#include "crd/settings.h"
#include "crd/test_objects.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/apiserver/apiserver_process.h"
#include "tests/deploy/render.h"
#include "util/files.h"

namespace minpriv::deploy_test {
namespace {

using apiserver::testing::Child;
using nlohmann::json;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

const std::string kSource = MINPRIV_SOURCE_DIR;

class ApplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/minpriv-deploy-test.XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    dir_ = templ;
    kubeconfig_ = dir_ + "/kubeconfig";
    server_ = std::make_unique<Child>(
        std::vector<std::string>{APISERVER_BINARY, "--kubeconfig-out", kubeconfig_, "--tls"});
    ASSERT_TRUE(server_->ReadLine(30s).has_value()) << "the test API server printed no URL";
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  Rendered Kubectl(std::vector<std::string> args) {
    std::vector<std::string> argv = {KUBECTL_BINARY, "--kubeconfig", kubeconfig_};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunTool(argv);
  }
  void Ok(std::vector<std::string> args) {
    Rendered r = Kubectl(args);
    ASSERT_EQ(r.exit_code, 0) << ::testing::PrintToString(args) << "\n" << r.text << r.errors;
  }
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    EXPECT_TRUE(util::WriteFileAtomic(path, text).ok());
    return path;
  }
  // Applies a rendering and checks every object is then served back.
  void ApplyAndReadBack(const Rendered& r) {
    ASSERT_EQ(r.exit_code, 0) << r.errors;
    Ok({"apply", "-f", Write("rendered.yaml", r.text)});
    for (const json& o : r.objects) {
      std::string kind = o["kind"];
      std::string name = o["metadata"]["name"];
      std::vector<std::string> get = {"get", kind + "." + Group(o), name, "-o", "json"};
      if (o["metadata"].contains("namespace")) {
        get.push_back("-n");
        get.push_back(o["metadata"]["namespace"]);
      }
      Rendered back = Kubectl(get);
      ASSERT_EQ(back.exit_code, 0) << Key(o) << back.errors;
      ASSERT_EQ(back.objects.size(), 1u);
      EXPECT_EQ(back.objects[0]["metadata"]["uid"].is_string(), true) << Key(o);
      if (o.contains("spec")) {
        EXPECT_EQ(back.objects[0]["spec"], o["spec"]) << Key(o);
      }
    }
  }
  static std::string Group(const json& o) {
    std::string api = o["apiVersion"];
    size_t slash = api.find('/');
    return slash == std::string::npos ? "" : api.substr(0, slash);
  }

  std::string dir_, kubeconfig_;
  std::unique_ptr<Child> server_;
};

TEST_F(ApplyTest, KustomizeManifestsApply) {
  Ok({"apply", "-f", kSource + "/tests/deploy/testdata/thirdparty-crds.yaml"});
  Rendered k = Kustomize();
  Ok({"apply", "-k", kSource + "/deploy/manifests"});
  ApplyAndReadBack(k);  // a second apply of the same objects: unchanged
  Rendered crds = Kubectl({"get", "crd"});
  EXPECT_THAT(crds.text, HasSubstr("remediationproposals.minpriv.dev"));
  EXPECT_THAT(crds.text, HasSubstr("workloadprofiles.minpriv.dev"));
}

TEST_F(ApplyTest, HelmDefaultsApply) {
  Ok({"apply", "-k", kSource + "/deploy/crds"});
  Ok({"create", "namespace", "minpriv-system"});
  ApplyAndReadBack(HelmTemplate());
}

TEST_F(ApplyTest, HelmWithCertManagerServiceMonitorAndAgentRbacApply) {
  Ok({"apply", "-f", kSource + "/tests/deploy/testdata/thirdparty-crds.yaml"});
  Ok({"apply", "-k", kSource + "/deploy/crds"});
  Ok({"create", "namespace", "minpriv-system"});
  ApplyAndReadBack(HelmTemplate({"--api-versions", "cert-manager.io/v1", "--set",
                                 "controller.serviceMonitor.enabled=true", "--set",
                                 "agent.enabled=true"}));
}

TEST_F(ApplyTest, MinprivKindsRoundTrip) {
  Ok({"apply", "-k", kSource + "/deploy/crds"});
  Ok({"create", "namespace", "shop"});

  // A proposal as the controller creates it (no server fields, no status).
  crd::RemediationProposal p = crd::testing::FullProposal();
  crd::RemediationProposal created = p;
  created.metadata = {};
  created.metadata.name = p.metadata.name;
  created.metadata.namespace_ = p.metadata.namespace_;
  created.metadata.labels = p.metadata.labels;
  created.spec.decision = crd::Decision::kPending;
  created.status = {};
  Ok({"create", "-f", Write("rp.json", crd::RemediationProposalToJson(created).dump())});
  // Its status as the controller writes it, through the status subresource.
  json status = {{"status", crd::ProposalStatusToJson(p.status)}};
  Ok({"patch", "rp", p.metadata.name, "-n", "shop", "--subresource", "status", "--type", "merge",
      "-p", status.dump()});
  // The documented approval.
  Ok({"patch", "rp", p.metadata.name, "-n", "shop", "--type", "merge", "-p",
      R"({"spec":{"decision":"Approved"}})"});
  Rendered got = Kubectl({"get", "rp", p.metadata.name, "-n", "shop", "-o", "json"});
  ASSERT_EQ(got.exit_code, 0) << got.errors;
  auto back = crd::RemediationProposalFromJson(got.objects.at(0));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->spec.decision, crd::Decision::kApproved);
  EXPECT_EQ(back->spec.target, p.spec.target);
  EXPECT_EQ(back->status, p.status);
  EXPECT_EQ(back->metadata.labels, p.metadata.labels);
  EXPECT_GE(back->metadata.generation, 1);
  EXPECT_FALSE(back->metadata.resource_version.empty());

  // `kubectl get rp` at a glance: target, phase, syscalls allowed, capabilities added, age.
  Rendered table = Kubectl({"get", "rp", "-n", "shop"});
  ASSERT_EQ(table.exit_code, 0) << table.errors;
  EXPECT_THAT(table.text, ::testing::ContainsRegex(
                              "NAME +TARGET +PHASE +SYSCALLS +CAPS-ADDED +AGE"));
  EXPECT_THAT(table.text, ::testing::ContainsRegex("deployment-shopfront +shopfront +Applied +61 +1 "));
  Rendered wide = Kubectl({"get", "rp", "-n", "shop", "-o", "wide"});
  EXPECT_THAT(wide.text, ::testing::ContainsRegex("KIND.*DECISION"));
  EXPECT_THAT(wide.text, HasSubstr("Approved"));

  // A partial WorkloadProfile as the agent writes it.
  auto profile = crd::ReadWorkloadProfileFile(kSource + "/crd/testdata/full_profile.yaml");
  ASSERT_TRUE(profile.ok());
  profile->name = "deployment-shop-api-node-1";
  profile->labels = {{crd::kNodeLabel, "node-1"}, {crd::kWorkloadKindLabel, "Deployment"},
                     {crd::kWorkloadNameLabel, "shop-api"}};
  profile->target = {"apps/v1", "Deployment", "shop-api"};
  json wp = crd::WorkloadProfileToJson(*profile);
  json wp_status = {{"status", wp["status"]}};
  Ok({"create", "-f", Write("wp.json", wp.dump())});
  Ok({"patch", "wp", profile->name, "-n", "shop", "--subresource", "status", "--type", "merge",
      "-p", wp_status.dump()});
  Rendered wp_got = Kubectl({"get", "wp", profile->name, "-n", "shop", "-o", "json"});
  ASSERT_EQ(wp_got.exit_code, 0) << wp_got.errors;
  auto wp_back = crd::WorkloadProfileFromJson(wp_got.objects.at(0));
  ASSERT_TRUE(wp_back.ok()) << wp_back.status();
  EXPECT_EQ(*wp_back, *profile);
  Rendered wp_table = Kubectl({"get", "wp", "-n", "shop"});
  EXPECT_THAT(wp_table.text, ::testing::ContainsRegex(
                                 "deployment-shop-api-node-1 +Deployment +shop-api +node-1 +false"));

  // Settings, both scopes.
  for (bool cluster : {true, false}) {
    crd::MinprivSettings s = crd::testing::FullSettings(cluster);
    Ok({"create", "-f", Write("settings.json", crd::MinprivSettingsToJson(s).dump())});
    std::vector<std::string> get = {"get", cluster ? "cmps" : "mps", "default", "-o", "json"};
    if (!cluster) get.insert(get.end(), {"-n", "shop"});
    Rendered sg = Kubectl(get);
    ASSERT_EQ(sg.exit_code, 0) << sg.errors;
    auto s_back = crd::MinprivSettingsFromJson(sg.objects.at(0));
    ASSERT_TRUE(s_back.ok()) << s_back.status();
    EXPECT_EQ(s_back->spec, s.spec);
    EXPECT_EQ(s_back->workloads, s.workloads);
    EXPECT_EQ(s_back->cluster_scoped, cluster);
  }
}

}  // namespace
}  // namespace minpriv::deploy_test
