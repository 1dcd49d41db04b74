// securityContext → OCI runtime spec mapping: golden files for whole specs, focused tests
// for the rules (defaults, never-loosen cases).
#include "verifier/oci_spec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "util/files.h"
#include "util/json_format.h"

namespace minpriv::verifier {
namespace {

const std::string kTestdata = MINPRIV_VERIFIER_TESTDATA;

std::string Testdata(const std::string& name) {
  auto text = util::ReadFile(kTestdata + "/" + name);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

// Compares with testdata/NAME; MINPRIV_UPDATE_GOLDEN=1 rewrites it.
void ExpectGolden(const std::string& name, const std::string& actual) {
  if (getenv("MINPRIV_UPDATE_GOLDEN")) {
    ASSERT_TRUE(util::WriteFileAtomic(kTestdata + "/" + name, actual).ok());
  }
  EXPECT_EQ(actual, Testdata(name)) << "golden " << name
                                    << " differs; rerun with MINPRIV_UPDATE_GOLDEN=1 and review";
}

SpecInputs FromManifest(const std::string& yaml, const std::string& container) {
  auto w = ParseWorkloads(yaml, "test.yaml");
  EXPECT_TRUE(w.ok()) << w.status();
  SpecInputs in;
  if (!w.ok() || w->empty()) return in;
  auto sel = SelectContainer(*w, "", container, "test.yaml");
  EXPECT_TRUE(sel.ok()) << sel.status();
  in.pod = sel->pod;
  in.container = sel->container;
  in.args = {"/usr/sbin/nginx", "-g", "daemon off;"};
  in.seccomp_dir = kTestdata + "/seccomp";
  in.cgroups_path = "/minpriv/verify-test";
  for (const auto& v : in.pod.volumes) {
    if (v.type == Volume::Type::kEmptyDir && !v.memory_medium) {
      in.empty_dir_sources[v.name] = "/BUNDLE/volumes/" + v.name;
    }
  }
  return in;
}

OciSpec MustBuild(const SpecInputs& in) {
  auto spec = BuildOciSpec(in);
  EXPECT_TRUE(spec.ok()) << spec.status();
  return spec.ok() ? *spec : OciSpec{};
}

std::string PodWithContainerSc(const std::string& container_sc,
                               const std::string& pod_sc = "{}") {
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: " + pod_sc +
         "\n  containers:\n  - name: c\n    securityContext: " + container_sc + "\n";
}

TEST(OciSpecTest, GoldenNarrowedDeployment) {
  OciSpec spec = MustBuild(FromManifest(Testdata("deploy.yaml"), "nginx"));
  ExpectGolden("deploy_nginx.oci.json", util::DumpPretty(spec.config));
  EXPECT_EQ(spec.capabilities, std::vector<std::string>{"NET_BIND_SERVICE"});
  EXPECT_TRUE(spec.no_new_privileges);
  EXPECT_TRUE(spec.read_only_root);
  EXPECT_EQ(spec.uid, 101u);
  EXPECT_EQ(spec.gid, 101u);
  ASSERT_TRUE(spec.seccomp.has_value());
  EXPECT_EQ(spec.seccomp_source, kTestdata + "/seccomp/shop-web-nginx.json");
  // Writable: the runtime's /dev mounts and the two emptyDirs, never the configMap.
  EXPECT_EQ(spec.writable_paths,
            (std::vector<std::string>{"/dev", "/dev/mqueue", "/dev/pts", "/dev/shm",
                                      "/var/cache/nginx", "/var/run/nginx"}));
  EXPECT_TRUE(std::any_of(spec.notes.begin(), spec.notes.end(), [](const std::string& n) {
    return n.find("volume config (configMap) is not reproduced") != std::string::npos;
  }));
}

TEST(OciSpecTest, GoldenDefaults) {
  SpecInputs in = FromManifest(Testdata("pod_defaults.yaml"), "");
  in.args = {"/bin/true"};
  OciSpec spec = MustBuild(in);
  ExpectGolden("pod_defaults.oci.json", util::DumpPretty(spec.config));
  EXPECT_EQ(spec.capabilities, RuntimeDefaultCapabilities());
  EXPECT_EQ(spec.capabilities.size(), 14u);
  EXPECT_FALSE(spec.no_new_privileges);  // allowPrivilegeEscalation unset
  EXPECT_FALSE(spec.read_only_root);
  EXPECT_FALSE(spec.seccomp.has_value());
  EXPECT_EQ(spec.uid, 0u);
}

TEST(OciSpecTest, DropAllKeepsOnlyAdded) {
  OciSpec s = MustBuild(
      FromManifest(PodWithContainerSc("{capabilities: {drop: [ALL], add: [CHOWN, KILL]}}"), ""));
  EXPECT_EQ(s.capabilities, (std::vector<std::string>{"CHOWN", "KILL"}));
  std::string dumped = util::DumpPretty(s.config);
  EXPECT_NE(dumped.find("\"ambient\": []"), std::string::npos);
  EXPECT_NE(dumped.find("\"inheritable\": []"), std::string::npos);
}

TEST(OciSpecTest, DropOneFromDefaults) {
  OciSpec s = MustBuild(FromManifest(PodWithContainerSc("{capabilities: {drop: [NET_RAW]}}"), ""));
  EXPECT_EQ(s.capabilities.size(), 13u);
  EXPECT_EQ(std::count(s.capabilities.begin(), s.capabilities.end(), "NET_RAW"), 0);
}

TEST(OciSpecTest, AddAllThenDropOne) {
  OciSpec s =
      MustBuild(FromManifest(PodWithContainerSc("{capabilities: {add: [ALL], drop: [CHOWN]}}"), ""));
  EXPECT_GT(s.capabilities.size(), 30u);
  EXPECT_EQ(std::count(s.capabilities.begin(), s.capabilities.end(), "CHOWN"), 0);
  EXPECT_EQ(std::count(s.capabilities.begin(), s.capabilities.end(), "SYS_ADMIN"), 1);
}

TEST(OciSpecTest, DropAllWinsOverAddAll) {
  OciSpec s = MustBuild(
      FromManifest(PodWithContainerSc("{capabilities: {add: [ALL, KILL], drop: [ALL]}}"), ""));
  EXPECT_EQ(s.capabilities, std::vector<std::string>{"KILL"});
}

TEST(OciSpecTest, NoNewPrivilegesFollowsAllowPrivilegeEscalation) {
  EXPECT_TRUE(MustBuild(FromManifest(PodWithContainerSc("{allowPrivilegeEscalation: false}"), ""))
                  .no_new_privileges);
  EXPECT_FALSE(MustBuild(FromManifest(PodWithContainerSc("{allowPrivilegeEscalation: true}"), ""))
                   .no_new_privileges);
  EXPECT_FALSE(MustBuild(FromManifest(PodWithContainerSc("{}"), "")).no_new_privileges);
}

TEST(OciSpecTest, PrivilegedGetsEverythingAndNoSeccomp) {
  OciSpec s = MustBuild(FromManifest(
      PodWithContainerSc("{privileged: true}",
                         "{seccompProfile: {type: Localhost, localhostProfile: "
                         "minpriv/shop-web-nginx.json}}"),
      ""));
  EXPECT_TRUE(s.privileged);
  EXPECT_FALSE(s.seccomp.has_value());
  EXPECT_FALSE(s.no_new_privileges);
  EXPECT_GT(s.capabilities.size(), 30u);
  EXPECT_EQ(util::DumpPretty(s.config).find("maskedPaths"), std::string::npos);
}

TEST(OciSpecTest, ContainerOverridesPod) {
  OciSpec s = MustBuild(FromManifest(
      PodWithContainerSc("{runAsUser: 7, seccompProfile: {type: Unconfined}}",
                         "{runAsUser: 5, runAsGroup: 6, seccompProfile: {type: Localhost, "
                         "localhostProfile: minpriv/shop-web-nginx.json}}"),
      ""));
  EXPECT_EQ(s.uid, 7u);
  EXPECT_EQ(s.gid, 6u);
  EXPECT_FALSE(s.seccomp.has_value());

  OciSpec inherited = MustBuild(FromManifest(
      PodWithContainerSc("{}", "{seccompProfile: {type: Localhost, localhostProfile: "
                               "minpriv/shop-web-nginx.json}}"),
      ""));
  EXPECT_TRUE(inherited.seccomp.has_value());
}

TEST(OciSpecTest, RuntimeDefaultIsNotedNotFaked) {
  OciSpec s = MustBuild(
      FromManifest(PodWithContainerSc("{seccompProfile: {type: RuntimeDefault}}"), ""));
  EXPECT_FALSE(s.seccomp.has_value());
  EXPECT_TRUE(std::any_of(s.notes.begin(), s.notes.end(), [](const std::string& n) {
    return n.find("RuntimeDefault") != std::string::npos &&
           n.find("not verified exactly") != std::string::npos;
  }));
}

TEST(OciSpecTest, RunAsNonRootAsRootBlocksStart) {
  OciSpec s = MustBuild(FromManifest(PodWithContainerSc("{runAsNonRoot: true}"), ""));
  ASSERT_EQ(s.start_blockers.size(), 1u);
  EXPECT_NE(s.start_blockers[0].find("runAsNonRoot"), std::string::npos);
  EXPECT_TRUE(MustBuild(FromManifest(PodWithContainerSc("{runAsNonRoot: true, runAsUser: 1000}"), ""))
                  .start_blockers.empty());
}

TEST(OciSpecTest, MissingLocalhostProfileIsAnInputError) {
  auto spec = BuildOciSpec(FromManifest(
      PodWithContainerSc("{seccompProfile: {type: Localhost, localhostProfile: minpriv/nope.json}}"),
      ""));
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(spec.status().message().find("seccomp/nope.json"), std::string::npos);
}

TEST(OciSpecTest, UnknownCapabilityIsAnInputError) {
  auto spec = BuildOciSpec(FromManifest(PodWithContainerSc("{capabilities: {add: [FLY]}}"), ""));
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("unknown capability FLY"), std::string::npos);
}

TEST(OciSpecTest, Quantities) {
  EXPECT_EQ(ParseQuantity("16Mi"), 16u << 20);
  EXPECT_EQ(ParseQuantity("1G"), 1000000000u);
  EXPECT_EQ(ParseQuantity("512"), 512u);
  EXPECT_FALSE(ParseQuantity("lots").has_value());
}

}  // namespace
}  // namespace minpriv::verifier
