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

crd::ContainerProfile Container(const std::string& name) {
  crd::ContainerProfile c;
  c.name = name;
  c.syscalls = {"accept4", "read", "write"};
  c.users = {{1000, 1000}};
  return c;
}

crd::WorkloadProfile Profile(const std::string& name, std::vector<crd::ContainerProfile> cs) {
  crd::WorkloadProfile p;
  p.name = name;
  p.containers = std::move(cs);
  return p;
}

absl::StatusOr<Proposal> ProposeOne(const crd::WorkloadProfile& p, const std::string& manifest) {
  return Propose({{"profile.yaml", p}}, {{"manifest.yaml", manifest}}, Inventory{});
}

YAML::Node ContainerNode(const Proposal& p, size_t doc, const std::string& name) {
  YAML::Node spec = Child(PodTemplate(p.documents[doc]), "spec");
  for (const char* list : {"containers", "initContainers"}) {
    YAML::Node seq = Child(spec, list);
    if (!seq.IsDefined()) continue;
    for (const auto& c : seq) {
      if (ScalarAt(c, "name") == name) return c;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

constexpr char kDeployment[] = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      securityContext:
        fsGroup: 2000
        runAsUser: 3000
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: app
          image: app:1
          securityContext:
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
              add: [NET_BIND_SERVICE, NET_ADMIN]
          volumeMounts:
            - name: cache
              mountPath: /var/cache/app
      volumes:
        - name: cache
          emptyDir: {}
)";

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

TEST(ProposerTest, WriteProposalDirIsAllOrNothing) {
  test::TempDir tmp;
  std::string dir = tmp.path() + "/out";
  ASSERT_TRUE(WriteProposalDir({{"a.txt", "1"}, {"sub/b.txt", "2"}}, dir, false).ok());
  auto again = WriteProposalDir({{"a.txt", "3"}}, dir, false);
  EXPECT_EQ(again.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(testing::ReadTree(dir).at("a.txt"), "1");
  ASSERT_TRUE(WriteProposalDir({{"a.txt", "3"}}, dir, true).ok());
  EXPECT_EQ(testing::ReadTree(dir), (std::map<std::string, std::string>{{"a.txt", "3"}}));
  // No temporary directories left behind.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(tmp.path())) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST(ProposerTest, WrongTypesOfPodSpecFieldsAreErrorsWithPositions) {
  auto p = Profile("web", {Container("app")});
  struct Case {
    std::string spec;      // the pod spec, indented by 2
    std::string expected;  // substring of the message
  };
  for (const Case& c : std::vector<Case>{
           {"  containers: foo\n", "manifest.yaml:5:15: spec.containers must be a list of containers (found 'foo')"},
           {"  containers: {name: app}\n", "manifest.yaml:5:15: spec.containers must be a list of containers (found a mapping)"},
           {"  containers: [foo]\n", "manifest.yaml:5:16: each entry of spec.containers must be a mapping"},
           {"  containers: [{name: app}]\n  initContainers: bar\n",
            "manifest.yaml:6:19: spec.initContainers must be a list of containers"},
           {"  containers: [{name: app}]\n  volumes: baz\n", "manifest.yaml:6:12: spec.volumes must be a list of volumes"},
           {"  containers: [{name: app}]\n  securityContext: [1]\n",
            "manifest.yaml:6:20: spec.securityContext must be a mapping (found a list)"},
           {"  containers:\n  - name: app\n    securityContext: nope\n",
            "manifest.yaml:7:22: spec.containers[app].securityContext must be a mapping (found 'nope')"},
           {"  containers:\n  - name: app\n    volumeMounts: {name: x}\n",
            "manifest.yaml:7:19: spec.containers[app].volumeMounts must be a list of mounts"},
           {"  containers:\n  - image: x\n", "manifest.yaml:6:5: a container of spec.containers has no name"},
           {"  hostname: x\n", "pod spec without containers"},
       }) {
    auto r = ProposeOne(p, "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n" + c.spec);
    ASSERT_FALSE(r.ok()) << c.spec;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.expected)) << c.spec;
  }
}

TEST(ProposerTest, EmptyDirOverAWholeScratchRootWarnsThatImageFilesAreHidden) {
  crd::ContainerProfile c = Container("app");
  c.file_writes = {{"/tmp/nginx/client_body/1", {"create", "write"}, 1, "t", false, {}},
                   {"/var/cache/app/x", {"create"}, 1, "t", false, {}}};
  auto r = ProposeOne(Profile("web", {c}), "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n"
                                           "spec:\n  containers: [{name: app, image: x}]\n");
  ASSERT_TRUE(r.ok()) << r.status();
  auto files = RenderProposal(*r);
  const std::string& report = files.at("report.md");
  EXPECT_THAT(report, HasSubstr("the emptyDir on `/tmp` hides any file the image ships under `/tmp`"));
  // Only whole scratch roots: a volume on the written directory itself is not warned about.
  EXPECT_THAT(report, Not(HasSubstr("the emptyDir on `/var/cache/app` hides")));
}

TEST(ProposerTest, ProposalCarriesTheProfilesItApplied) {
  crd::WorkloadProfile p = Profile("web", {Container("app")});
  p.namespace_ = "shop";
  auto r = ProposeOne(p, "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\n"
                         "spec:\n  containers: [{name: app, image: x}]\n");
  ASSERT_TRUE(r.ok()) << r.status();
  auto files = RenderProposal(*r);
  ASSERT_TRUE(files.count("profiles/shop-web.yaml"));
  EXPECT_EQ(files.at("profiles/shop-web.yaml"), crd::EmitWorkloadProfile(p));
  auto back = crd::ParseWorkloadProfile(files.at("profiles/shop-web.yaml"), "profiles/shop-web.yaml");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->containers, p.containers);
}

TEST(ProposerTest, NarrowedYamlEditsTheManifestsOwnTextAndSaysWhenItCannot) {
  // Two files: one edited in place (its comments stay), one with CRLF line ends that is
  // written afresh, which the report names.
  std::string kept = "# team: payments\n" + std::string(kDeployment);
  std::string crlf = "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: p\r\nspec:\r\n"
                     "  containers:\r\n  - name: app\r\n    image: x\r\n";
  auto p = Propose({{"web.yaml", Profile("web", {Container("app")})},
                    {"p.yaml", Profile("p", {Container("app")})}},
                   {{"web-manifest.yaml", kept}, {"pod-manifest.yaml", crlf}}, Inventory{});
  ASSERT_TRUE(p.ok()) << p.status();
  auto files = RenderProposal(*p);
  const std::string& narrowed = files["narrowed.yaml"];
  EXPECT_TRUE(absl::StartsWith(narrowed, "# team: payments\napiVersion: apps/v1\n")) << narrowed;
  EXPECT_THAT(narrowed, HasSubstr("\n---\napiVersion: v1\nkind: Pod\n"));
  EXPECT_THAT(narrowed, Not(HasSubstr("\r")));
  // Both objects read back as the narrowed documents.
  auto back = ParseYamlDocuments(narrowed, "narrowed.yaml");
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), p->documents.size());
  for (size_t i = 0; i < back->size(); ++i) {
    EXPECT_EQ(util::DumpCompact(YamlToJson((*back)[i].node)), util::DumpCompact(YamlToJson(p->documents[i])));
  }
  EXPECT_THAT(files["report.md"], HasSubstr("written afresh (same objects, comments lost): "
                                            "`pod-manifest.yaml` (the file has CRLF line ends)"));
  EXPECT_THAT(files["report.md"], Not(HasSubstr("`web-manifest.yaml`")));

  // A file with a directive cannot follow another file's text: written afresh, still correct.
  auto d = Propose({{"web.yaml", Profile("web", {Container("app")})}},
                   {{"cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"},
                    {"web-manifest.yaml", "%YAML 1.2\n---\n" + std::string(kDeployment)}},
                   Inventory{});
  ASSERT_TRUE(d.ok()) << d.status();
  auto dfiles = RenderProposal(*d);
  auto dback = ParseYamlDocuments(dfiles["narrowed.yaml"], "narrowed.yaml");
  ASSERT_TRUE(dback.ok()) << dback.status() << dfiles["narrowed.yaml"];
  ASSERT_EQ(dback->size(), 2u);
  EXPECT_EQ(util::DumpCompact(YamlToJson((*dback)[1].node)), util::DumpCompact(YamlToJson(d->documents[1])));
  EXPECT_THAT(dfiles["report.md"], HasSubstr("`web-manifest.yaml` (the file has a YAML directive)"));
}

TEST(ProposerTest, ProfilesOfReplicasAreMergedAndTheirDifferencesReported) {
  crd::ContainerProfile a = Container("app"), b = Container("app");
  b.syscalls.push_back("ptrace");
  b.network.egress = {{"10.0.0.9", 6379, "TCP", 2, ""}};
  crd::WorkloadProfile pa = Profile("web", {a}), pb = Profile("web", {b});
  pb.status.complete = false;
  pb.status.incomplete_reasons = {"4 events dropped"};
  auto p = Propose({{"replica-a.yaml", pa}, {"replica-b.yaml", pb}},
                   {{"manifest.yaml", kDeployment}}, Inventory{});
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->workloads.size(), 1u);
  const WorkloadProposal& w = p->workloads[0];
  EXPECT_EQ(w.profile_count, 2u);
  EXPECT_EQ(w.profile_source, "replica-a.yaml, replica-b.yaml");
  EXPECT_THAT(w.profile.containers.at(0).syscalls, ::testing::Contains("ptrace"));
  EXPECT_FALSE(w.status.complete);
  EXPECT_THAT(w.status.incomplete_reasons, ElementsAre("replica-b.yaml: 4 events dropped"));
  auto files = RenderProposal(*p);
  const std::string& report = files["report.md"];
  EXPECT_THAT(report, HasSubstr("- profiles: 2 merged (`replica-a.yaml, replica-b.yaml`)"));
  EXPECT_THAT(report, HasSubstr("container `app`: syscall ptrace, seen in 1 of 2 profiles (replica-b.yaml)"));
  EXPECT_THAT(report, HasSubstr("container `app`: egress to 10.0.0.9:6379/TCP, seen in 1 of 2 profiles"));
  EXPECT_THAT(report, Not(HasSubstr("syscall read, seen in")));
  // The evidence written with the proposal is the merged profile.
  auto merged = crd::ParseWorkloadProfile(files["profiles/web.yaml"], "profiles/web.yaml");
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(*merged, w.profile);
}

TEST(ProposerTest, ServedPortsWhoseClientsAreUnknownStayOpen) {
  crd::ContainerProfile c = Container("app");
  c.network.listen = {{8080, "TCP", ""},          // clients only on loopback (a local exercise)
                      {9090, "TCP", "0.0.0.0"},   // nobody came
                      {7000, "TCP", "127.0.0.1"}, // bound to loopback: unreachable from outside
                      {5353, "UDP", ""},          // a UDP service
                      {51820, "UDP", ""},         // a UDP service on a high port
                      {443, "TCP", ""}};          // real clients seen
  c.network.ingress = {{"127.0.0.1", 8080, "TCP", 3, ""}, {"10.1.0.9", 443, "TCP", 5, ""}};
  auto p = ProposeOne(Profile("web", {c}), kDeployment);
  ASSERT_TRUE(p.ok()) << p.status();
  const WorkloadProposal& w = p->workloads.at(0);
  EXPECT_THAT(w.network.open_ports, ElementsAre("5353/UDP", "8080/TCP", "9090/TCP", "51820/UDP"));
  auto policy = PolicyFor(*p, "web", "app");
  ASSERT_TRUE(policy.ok()) << policy.status();
  auto ingress_from = [&](const std::string& ip, uint32_t port, const std::string& proto) {
    crd::ContainerProfile probe = c;
    probe.network.ingress = {{ip, port, proto, 1, ""}};
    auto v = Evaluate(*policy, probe);
    return std::none_of(v.begin(), v.end(), [](const Violation& x) { return x.kind == "ingress"; });
  };
  EXPECT_TRUE(ingress_from("10.9.9.9", 8080, "TCP"));
  EXPECT_TRUE(ingress_from("10.9.9.9", 9090, "TCP"));
  EXPECT_TRUE(ingress_from("10.9.9.9", 5353, "UDP"));
  EXPECT_FALSE(ingress_from("10.9.9.9", 7000, "TCP"));
  EXPECT_TRUE(ingress_from("10.9.9.9", 51820, "UDP"));
  EXPECT_FALSE(ingress_from("10.9.9.9", 40000, "UDP"));  // never bound
  EXPECT_FALSE(ingress_from("10.9.9.9", 443, "TCP"));  // only from the clients seen
  EXPECT_TRUE(ingress_from("10.1.0.9", 443, "TCP"));
  std::string report = RenderProposal(*p)["report.md"];
  EXPECT_THAT(report, HasSubstr("port 8080/TCP from any source: the workload serves it and only "
                                "loopback clients were seen (3 connections)"));
  EXPECT_THAT(report, HasSubstr("ingress to 5353/UDP, 8080/TCP, 9090/TCP, 51820/UDP stays open to every source"));
}

TEST(ProposerTest, WorkloadsInsideAKubectlListAreNarrowedAndVerifiable) {
  std::string list =
      "apiVersion: v1\n"
      "kind: List\n"
      "metadata: {resourceVersion: \"\"}\n"
      "items:\n"
      "- apiVersion: v1\n"
      "  kind: ConfigMap\n"
      "  metadata: {name: web-config}\n"
      "  data: {a: b}\n"
      "- apiVersion: apps/v1\n"
      "  kind: Deployment\n"
      "  metadata: {name: web}\n"
      "  spec:\n"
      "    selector: {matchLabels: {app: web}}\n"
      "    template:\n"
      "      metadata: {labels: {app: web}}\n"
      "      spec:\n"
      "        containers:\n"
      "        - name: app   # the only container\n"
      "          image: app:1\n";
  crd::WorkloadProfile prof = Profile("web", {Container("app")});
  auto p = ProposeOne(prof, list);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->workloads.size(), 1u);
  EXPECT_EQ(p->workloads[0].kind, "Deployment");
  auto files = RenderProposal(*p);
  // Narrowed in place inside the List, comment kept; the ConfigMap item untouched.
  EXPECT_THAT(files["narrowed.yaml"], HasSubstr("        - name: app   # the only container\n"
                                                "          image: app:1\n"
                                                "          securityContext:\n"));
  EXPECT_THAT(files["narrowed.yaml"], HasSubstr("  data: {a: b}\n"));
  EXPECT_THAT(files["patch.yaml"], HasSubstr("kind: Deployment\nmetadata:\n  name: web\n"));
  // The proposal on disk is found by the evaluator (and so by verify) inside the List.
  test::TempDir tmp;
  std::string dir = tmp.path() + "/proposal";
  ASSERT_TRUE(WriteProposalDir(files, dir, false).ok());
  auto loaded = LoadContainerPolicy(dir, "web", "app");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(loaded->read_only_root);
  EXPECT_TRUE(Evaluate(*loaded, prof.containers[0]).empty());
  crd::ContainerProfile stray = prof.containers[0];
  stray.syscalls.push_back("ptrace");
  EXPECT_FALSE(Evaluate(*loaded, stray).empty());
}

TEST(ProposerTest, ContainersSharingASecurityContextByYamlAliasAreNarrowedEachOnItsOwn) {
  std::string manifest =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n"
      "  - name: a\n    image: x\n    securityContext: &sc\n      capabilities: {add: [NET_BIND_SERVICE]}\n"
      "  - name: b\n    image: x\n    securityContext: *sc\n";
  crd::ContainerProfile a = Container("a"), b = Container("b");
  a.capabilities = {"NET_BIND_SERVICE"};
  a.syscalls.push_back("bind");
  auto p = ProposeOne(Profile("web", {a, b}), manifest);
  ASSERT_TRUE(p.ok()) << p.status();
  for (const auto& c : {a, b}) {
    auto policy = PolicyFor(*p, "web", c.name);
    ASSERT_TRUE(policy.ok()) << policy.status();
    auto v = Evaluate(*policy, c);
    EXPECT_TRUE(v.empty()) << c.name << ": " << (v.empty() ? "" : v[0].kind + " " + v[0].subject);
  }
  EXPECT_EQ(ContainerNode(*p, 0, "a")["securityContext"]["seccompProfile"]["localhostProfile"].Scalar(),
            "minpriv/web-a.json");
  EXPECT_EQ(ContainerNode(*p, 0, "b")["securityContext"]["seccompProfile"]["localhostProfile"].Scalar(),
            "minpriv/web-b.json");
  // The file cannot be edited in place (the alias): written afresh, and the report says so.
  auto files = RenderProposal(*p);
  EXPECT_THAT(files["report.md"], HasSubstr("anchors and aliases"));
  auto back = ParseYamlDocuments(files["narrowed.yaml"], "narrowed.yaml");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(util::DumpCompact(YamlToJson((*back)[0].node)), util::DumpCompact(YamlToJson(p->documents[0])));
}

TEST(ProposerTest, AnAtomicSaveMakesItsDirectoryAnEmptyDirAndTheReportSaysWhatItHides) {
  crd::ContainerProfile c = Container("app");
  c.file_writes = {{"/var/lib/app/state.json", {"replace"}, 3, "", false, {}},
                   {"/var/lib/app/.state.json.tmp", {"create", "rename", "write"}, 3, "", false, {}}};
  std::string pod =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n"
      "  - name: app\n    image: x\n";
  auto p = ProposeOne(Profile("web", {c}), pod);
  ASSERT_TRUE(p.ok()) << p.status();
  const ContainerProposal& cp = p->workloads.at(0).containers.at(0);
  EXPECT_THAT(cp.new_mounts, ElementsAre("/var/lib/app"));
  bool warned = std::any_of(cp.risks.begin(), cp.risks.end(), [](const std::string& r) {
    return absl::StrContains(r, "`/var/lib/app/state.json`") &&
           absl::StrContains(r, "the emptyDir hides that copy");
  });
  EXPECT_TRUE(warned) << absl::StrJoin(cp.risks, "\n");
  auto policy = PolicyFor(*p, "web", "app");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_TRUE(policy->read_only_root);
  EXPECT_TRUE(Evaluate(*policy, c).empty());
}

}  // namespace
}  // namespace minpriv::remediator
