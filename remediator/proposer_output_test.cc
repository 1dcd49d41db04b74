// Unit tests of the proposer's outputs: the proposal directory written all or nothing, the
// narrowed text edited in place, merged replicas, served ports, kubectl Lists, YAML aliases,
// and what an emptyDir hides.
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crd/profile_codec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "remediator/evaluator.h"
#include "remediator/inventory.h"
#include "remediator/network_policy.h"
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

// Issue 12 §3: learning with an exercise from the learning host's own network namespace
// saw clients only from an address the cluster never has; the policy allowed ingress from
// that address alone, so the Service's real clients were denied.
TEST(ProposerTest, DeclaredPortsStayOpenWhenTheirClientsAreUnknownToTheInventory) {
  constexpr char kManifest[] = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: app:1
          ports:
            - name: http
              containerPort: 80
)";
  constexpr char kInventory[] = R"(apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata: {name: client, namespace: shop, labels: {app: client}}
    status: {podIP: 10.244.0.7}
  - apiVersion: v1
    kind: Service
    metadata: {name: web, namespace: shop}
    spec:
      clusterIP: 10.96.0.30
      selector: {app: web}
      ports:
        - {port: 8443, targetPort: https}
        - {port: 9100, targetPort: 9100}
)";
  auto inv = ParseInventory(kInventory, "inventory.yaml");
  ASSERT_TRUE(inv.ok()) << inv.status();
  crd::WorkloadProfile prof = Profile("web", {Container("app")});
  prof.namespace_ = "shop";
  crd::ContainerProfile& c = prof.containers[0];
  c.network.listen = {{80, "TCP", ""}, {9100, "TCP", ""}, {7000, "TCP", ""}};
  c.network.ingress = {{"10.200.0.1", 80, "TCP", 4, ""},    // the learning host's exercise
                       {"10.244.0.7", 9100, "TCP", 2, ""},  // a pod the inventory knows
                       {"10.200.0.1", 7000, "TCP", 1, ""}}; // undeclared port
  auto p = Propose({{"profile.yaml", prof}}, {{"manifest.yaml", kManifest}}, *inv);
  ASSERT_TRUE(p.ok()) << p.status();
  const WorkloadProposal& w = p->workloads.at(0);
  EXPECT_THAT(w.network.open_ports, ElementsAre("80/TCP"));
  auto policy = PolicyFor(*p, "shop/web", "app");
  ASSERT_TRUE(policy.ok()) << policy.status();
  auto ingress_from = [&](const std::string& ip, uint32_t port) {
    crd::ContainerProfile probe = c;
    probe.network.ingress = {{ip, port, "TCP", 1, ""}};
    auto v = Evaluate(*policy, probe);
    return std::none_of(v.begin(), v.end(), [](const Violation& x) { return x.kind == "ingress"; });
  };
  EXPECT_TRUE(ingress_from("10.244.3.3", 80));   // declared, clients unknown: open
  EXPECT_TRUE(ingress_from("10.244.0.7", 9100)); // Service target, its known client
  EXPECT_FALSE(ingress_from("10.244.3.3", 9100));  // known clients only
  EXPECT_FALSE(ingress_from("10.244.3.3", 7000));  // not declared: only the clients seen
  EXPECT_TRUE(ingress_from("10.200.0.1", 7000));
  std::string report = RenderProposal(*p)["report.md"];
  EXPECT_THAT(report, HasSubstr("port 80/TCP from any source: the workload serves it and the "
                                "manifest declares it (containerPort of container `app`) while "
                                "the clients seen came from addresses the inventory does not "
                                "know (10.200.0.1)"));
  EXPECT_THAT(report, HasSubstr("ingress to 80/TCP stays open to every source: the manifest "
                                "declares it and the clients seen while learning are not known"));
  EXPECT_THAT(w.network.open_declared_ports, ElementsAre("80/TCP"));
  std::vector<DeclaredPort> declared =
      DeclaredPorts(Child(PodTemplate(p->original_objects[0]), "spec"), "shop",
                    {{"app", "web"}}, *inv);
  ASSERT_EQ(declared.size(), 2u);  // 8443 → "https" names no container port: not declared
  EXPECT_EQ(declared[0].port, 80u);
  EXPECT_EQ(declared[1].port, 9100u);
  EXPECT_EQ(declared[1].why, "targeted by Service `shop/web`");
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
