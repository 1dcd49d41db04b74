// Unit tests of the proposer: never loosen, keep unrelated fields, idempotence,
// determinism, errors with positions, YAML round trips.
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crd/profile_codec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "remediator/evaluator.h"
#include "remediator/proposer.h"
#include "remediator/proposer_test_fixtures.h"
#include "remediator/test_util.h"
#include "tests/test_util.h"
#include "remediator/workload.h"
#include "remediator/yaml_io.h"
#include "util/json_format.h"

namespace minpriv::remediator {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using namespace fixtures;  // NOLINT(build/namespaces)


TEST(ProposerTest, NeverLoosensWhatTheManifestRestricts) {
  crd::ContainerProfile c = Container("app");
  c.capabilities = {"NET_BIND_SERVICE", "SYS_TIME"};  // SYS_TIME is not granted by the manifest
  c.file_writes = {{"/etc/app/state", {"write"}, 1, "", false, {}},  // image content: no emptyDir
                   {"/var/cache/app/x", {"create"}, 1, "", false, {}}};
  auto p = ProposeOne(Profile("web", {c}), kDeployment);
  ASSERT_TRUE(p.ok()) << p.status();
  YAML::Node sc = Child(ContainerNode(*p, 0, "app"), "securityContext");
  EXPECT_EQ(EmitYaml(Child(sc, "capabilities")), "add:\n  - NET_BIND_SERVICE\ndrop:\n  - ALL\n");
  EXPECT_EQ(ScalarAt(sc, "readOnlyRootFilesystem"), "true");  // kept though /etc/app was written
  // Pod-level runAsUser 3000 (stricter than what was seen) is kept; nothing overrides it.
  EXPECT_EQ(ScalarAt(sc, "runAsUser"), "");
  YAML::Node pod_sc = Child(Child(PodTemplate(p->documents[0]), "spec"), "securityContext");
  EXPECT_EQ(ScalarAt(pod_sc, "runAsUser"), "3000");
  EXPECT_EQ(ScalarAt(pod_sc, "fsGroup"), "2000");
  // The generated allow list is a subset of RuntimeDefault: Localhost is stricter.
  EXPECT_EQ(ScalarAt(Child(sc, "seccompProfile"), "type"), "Localhost");
  const auto& risks = p->workloads[0].containers[0].risks;
  std::string all;
  for (const auto& r : risks) absl::StrAppend(&all, r, "\n");
  EXPECT_THAT(all, HasSubstr("SYS_TIME"));
  EXPECT_THAT(all, HasSubstr("observed uid 1000 but the manifest sets runAsUser 3000"));
  EXPECT_THAT(all, HasSubstr("/etc/app"));
  // Existing volume reused, no new volume.
  YAML::Node vols = Child(Child(PodTemplate(p->documents[0]), "spec"), "volumes");
  EXPECT_EQ(vols.size(), 1u);
}

TEST(ProposerTest, KeepsRuntimeDefaultWhenTheAllowListWouldExceedIt) {
  crd::ContainerProfile c = Container("app");
  c.syscalls = {"clone3", "read", "unshare"};
  auto p = ProposeOne(Profile("web", {c}), kDeployment);
  ASSERT_TRUE(p.ok()) << p.status();
  YAML::Node sc = Child(ContainerNode(*p, 0, "app"), "securityContext");
  EXPECT_FALSE(Child(sc, "seccompProfile").IsDefined());  // pod-level RuntimeDefault applies
  EXPECT_EQ(p->workloads[0].containers[0].policy.seccomp_type, "RuntimeDefault");
  EXPECT_FALSE(p->workloads[0].containers[0].seccomp_referenced);
}

TEST(ProposerTest, KeepsForeignLocalhostProfileAndReplacesUnconfined) {
  std::string manifest = R"(apiVersion: v1
kind: Pod
metadata: {name: p, labels: {a: b}}
spec:
  containers:
    - name: own
      image: x
      securityContext:
        seccompProfile: {type: Localhost, localhostProfile: team/own.json}
    - name: open
      image: x
      securityContext:
        seccompProfile: {type: Unconfined}
        privileged: true
)";
  auto p = ProposeOne(Profile("p", {Container("own"), Container("open")}), manifest);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(ScalarAt(Child(Child(ContainerNode(*p, 0, "own"), "securityContext"), "seccompProfile"),
                     "localhostProfile"),
            "team/own.json");
  YAML::Node open = Child(ContainerNode(*p, 0, "open"), "securityContext");
  EXPECT_EQ(ScalarAt(Child(open, "seccompProfile"), "localhostProfile"), "minpriv/p-open.json");
  EXPECT_EQ(ScalarAt(open, "privileged"), "false");
}

TEST(ProposerTest, PrivilegeGainAndSysAdminKeepEscalationAllowed) {
  crd::ContainerProfile a = Container("a");
  a.execs = {{"/usr/bin/sudo", true, 1, ""}};
  crd::ContainerProfile b = Container("b");
  b.capabilities = {"SYS_ADMIN"};
  std::string manifest = R"(apiVersion: v1
kind: Pod
metadata: {name: p, labels: {a: b}}
spec:
  containers:
    - {name: a, image: x}
    - {name: b, image: x, securityContext: {capabilities: {add: [SYS_ADMIN]}}}
)";
  auto p = ProposeOne(Profile("p", {a, b}), manifest);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FALSE(Child(Child(ContainerNode(*p, 0, "a"), "securityContext"), "allowPrivilegeEscalation").IsDefined());
  EXPECT_FALSE(Child(Child(ContainerNode(*p, 0, "b"), "securityContext"), "allowPrivilegeEscalation").IsDefined());
  EXPECT_EQ(EmitYaml(Child(Child(Child(ContainerNode(*p, 0, "b"), "securityContext"), "capabilities"), "add")),
            "- SYS_ADMIN\n");
}

TEST(ProposerTest, ProposingTwiceChangesNothingAndNeverDuplicatesVolumes) {
  crd::ContainerProfile c = Container("app");
  c.file_writes = {{"/tmp/a", {"create"}, 1, "", false, {}}, {"/var/cache/app/x", {"create"}, 1, "", false, {}}};
  std::string manifest = R"(apiVersion: v1
kind: Pod
metadata: {name: p, labels: {a: b}}
spec:
  containers:
    - name: app
      image: x
      volumeMounts: [{name: cache, mountPath: /var/cache/app}]
  volumes: [{name: cache, emptyDir: {}}]
)";
  auto first = ProposeOne(Profile("p", {c}), manifest);
  ASSERT_TRUE(first.ok()) << first.status();
  std::string once = EmitYamlDocuments(first->documents);
  auto second = ProposeOne(Profile("p", {c}), once);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(EmitYamlDocuments(second->documents), once);
  EXPECT_EQ(RenderProposal(*second).at("patch.yaml"), "");
  EXPECT_THAT(once, HasSubstr("mountPath: /tmp"));
  EXPECT_EQ(Child(Child(first->documents[0], "spec"), "volumes").size(), 2u);
}

TEST(ProposerTest, AlreadyNarrowSettingsInAnotherKeyOrderAreNotRewritten) {
  std::string manifest = R"(apiVersion: v1
kind: Pod
metadata: {name: p, labels: {a: b}}
spec:
  containers:
    - name: app
      image: x
      securityContext:
        seccompProfile: {localhostProfile: minpriv/p-app.json, type: Localhost}
        capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
        runAsUser: 1000
        runAsGroup: 1000
        runAsNonRoot: true
        readOnlyRootFilesystem: true
        allowPrivilegeEscalation: false
        privileged: false
)";
  crd::ContainerProfile c = Container("app");
  c.capabilities = {"NET_BIND_SERVICE"};
  auto p = ProposeOne(Profile("p", {c}), manifest);
  ASSERT_TRUE(p.ok()) << p.status();
  auto files = RenderProposal(*p);
  EXPECT_EQ(files.at("patch.yaml"), "");
  EXPECT_EQ(files.at("jsonpatch.json"), "[]\n");
}

TEST(ProposerTest, UnrelatedObjectsAndFieldsPassThrough) {
  std::string manifest = R"(# leading comment
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data:
  port: "8080"
  flag: "yes"
  empty: ""
  script: |
    #!/bin/sh
    echo "hi"
  nul: ~
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec: {size: 3, ratio: 0.5, on: true}
---
apiVersion: v1
kind: Pod
metadata: {name: p, labels: {a: b}, annotations: {note: "true"}}
spec:
  containers: [{name: app, image: x, args: ["--port", "8080"]}]
)";
  auto p = ProposeOne(Profile("p", {Container("app")}), manifest);
  ASSERT_TRUE(p.ok()) << p.status();
  std::string narrowed = RenderProposal(*p)["narrowed.yaml"];
  // The untouched objects keep their very text, comments included.
  EXPECT_TRUE(absl::StartsWith(narrowed, manifest.substr(0, manifest.find("apiVersion: v1\nkind: Pod"))))
      << narrowed;
  // Re-parse both and compare the untouched objects as JSON (types preserved).
  auto orig = ParseYamlDocuments(manifest, "m");
  auto out = ParseYamlDocuments(narrowed, "out");
  ASSERT_TRUE(orig.ok() && out.ok());
  ASSERT_EQ(out->size(), 3u);
  EXPECT_EQ(util::DumpCompact(YamlToJson((*orig)[0].node)), util::DumpCompact(YamlToJson((*out)[0].node)));
  EXPECT_EQ(util::DumpCompact(YamlToJson((*orig)[1].node)), util::DumpCompact(YamlToJson((*out)[1].node)));
  EXPECT_THAT(util::DumpCompact(YamlToJson((*out)[2].node)), HasSubstr(R"("args":["--port","8080"])"));
  EXPECT_THAT(util::DumpCompact(YamlToJson((*out)[2].node)), HasSubstr(R"("annotations":{"note":"true"})"));
}

TEST(ProposerTest, ErrorsCarryPositionsAndHints) {
  auto p = Profile("web", {Container("app")});
  auto bad_yaml = ProposeOne(p, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n");
  ASSERT_FALSE(bad_yaml.ok());
  EXPECT_EQ(bad_yaml.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad_yaml.status().message()), MatchesRegex("manifest\\.yaml:[0-9]+:[0-9]+: invalid YAML.*"));

  auto unknown = ProposeOne(p, "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\napiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: web}\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("manifest.yaml:6:7: unknown kind 'Deploymnet'"));

  auto missing = ProposeOne(p, "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: other, image: x}]\n");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("profile container 'app' is not in Pod 'web' (manifest.yaml:1:1)"));

  auto nomatch = ProposeOne(p, "apiVersion: v1\nkind: Pod\nmetadata: {name: other}\nspec:\n  containers: [{name: app, image: x}]\n");
  ASSERT_FALSE(nomatch.ok());
  EXPECT_THAT(std::string(nomatch.status().message()), HasSubstr("matches no workload"));

  auto crd = ProposeOne(p, "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: [{name: app}]\n");
  ASSERT_FALSE(crd.ok());
  EXPECT_THAT(std::string(crd.status().message()), HasSubstr("Rollout, which is not a kind minpriv can narrow"));

  auto nokind = ProposeOne(p, "apiVersion: v1\nmetadata: {name: web}\n");
  ASSERT_FALSE(nokind.ok());
  EXPECT_THAT(std::string(nokind.status().message()), HasSubstr("manifest.yaml:1:1: object without kind"));

  // Lists (`kubectl get -o yaml`): their items are checked like documents.
  auto list_item = ProposeOne(p, "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pood\n  metadata: {name: web}\n");
  ASSERT_FALSE(list_item.ok());
  EXPECT_THAT(std::string(list_item.status().message()), HasSubstr("manifest.yaml:5:9: unknown kind 'Pood'"));
  auto list_items = ProposeOne(p, "apiVersion: v1\nkind: List\nitems: {a: b}\n");
  ASSERT_FALSE(list_items.ok());
  EXPECT_THAT(std::string(list_items.status().message()), HasSubstr("manifest.yaml:3:8: List items must be a sequence"));
  auto nested = ProposeOne(p, "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items: []\n");
  ASSERT_FALSE(nested.ok());
  EXPECT_THAT(std::string(nested.status().message()), HasSubstr("manifest.yaml:4:3: a List inside a List"));
}

TEST(ProposerTest, SameInputsGiveByteIdenticalOutput) {
  crd::ContainerProfile c = Container("app");
  c.network.egress = {{"10.0.0.9", 6379, "TCP", 3, "t"}, {"10.0.0.8", 5432, "TCP", 1, "t"}};
  c.network.dns = {"a.example"};
  auto a = ProposeOne(Profile("web", {c}), kDeployment);
  auto b = ProposeOne(Profile("web", {c}), kDeployment);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(RenderProposal(*a), RenderProposal(*b));
}

TEST(ProposerTest, CollapsesWrittenDirectories) {
  auto w = [](std::string p, bool summarized = false) {
    return crd::FileWrite{std::move(p), {"create"}, 1, "", summarized, {}};
  };
  EXPECT_THAT(CollapseWritableDirs({w("/tmp/a/b/c"), w("/tmp/x"), w("/var/cache/nginx/client_temp/1"),
                                    w("/var/cache/nginx/proxy_temp/2"), w("/srv/data/a/f"),
                                    w("/srv/data/b/f"), w("/srv/data/c/f"), w("/run/app", true)}),
              ElementsAre("/run/app", "/srv/data", "/tmp", "/var/cache/nginx"));
}

}  // namespace
}  // namespace minpriv::remediator
