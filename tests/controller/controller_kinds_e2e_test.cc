// `minpriv controller` end to end for every workload kind it proposes for (CronJob, Job,
// StatefulSet, DaemonSet, ReplicaSet, bare Pod, besides the Deployment of
// controller_e2e_test.cc), pods found through their ownerReferences, and the live inventory
// naming a peer behind a Service's EndpointSlice.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "controller/resources.h"
#include "tests/controller/controller_e2e_fixture.h"

namespace minpriv::controller::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

const kube::ResourceRef kCronJobs{"batch", "v1", "cronjobs", true};
const kube::ResourceRef kJobs{"batch", "v1", "jobs", true};
const kube::ResourceRef kStatefulSets{"apps", "v1", "statefulsets", true};

constexpr char kPodTemplate[] = R"(
    metadata:
      labels: {app: APP}
    spec:
      restartPolicy: Never
      containers:
      - name: app
        image: shop:1
)";

std::string Template(const std::string& app, int indent) {
  std::string t = kPodTemplate;
  t.replace(t.find("APP"), 3, app);
  std::string out;
  for (size_t start = 1; start < t.size();) {
    size_t end = t.find('\n', start);
    out += std::string(indent, ' ') + t.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

constexpr char kApproved[] = R"({"spec":{"decision":"Approved"}})";

TEST_F(ControllerE2eTest, ACronJobWaitsForItsJobsPodsIsPatchedInItsJobTemplateAndReverted) {
  CreateNamespace("shop");
  Apply(absl::StrCat(R"(apiVersion: batch/v1
kind: CronJob
metadata: {name: backup, namespace: shop}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
)", Template("backup", 6)));
  // One run of it, whose pod runs on node-b: found through Pod → Job → CronJob.
  json job = {{"apiVersion", "batch/v1"}, {"kind", "Job"},
              {"metadata", {{"name", "backup-29"}, {"namespace", "shop"},
                            {"ownerReferences", json::array({{{"apiVersion", "batch/v1"},
                                {"kind", "CronJob"}, {"name", "backup"}, {"uid", "u-cj"},
                                {"controller", true}}})}}},
              {"spec", {{"template", {{"spec", {{"containers", json::array()}}}}}}}};
  ASSERT_TRUE(client_->Create(kJobs, "shop", job).ok());
  CreateOwnedRunningPod("shop", "backup-29-x7", "Job", "backup-29", "node-b");
  PartialSpec spec;
  spec.kind = "CronJob";
  spec.api_version = "batch/v1";
  spec.workload = "backup";
  CreatePartial("shop", spec);
  StartController("c1");
  ASSERT_TRUE(WaitFor([&] {
    auto wp = Get(kProfiles, "shop", "cronjob-backup");
    return wp && wp->dump().find("PodsNotObserved: backup-29-x7 on node node-b") != std::string::npos;
  }));
  EXPECT_EQ(Phase("shop", "cronjob-backup"), "Learning");
  spec.node = "node-b";
  CreatePartial("shop", spec);
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "cronjob-backup") == "Proposed"; }));
  auto rp = Get(kProposals, "shop", "cronjob-backup");
  EXPECT_THAT((*rp)["status"]["patch"].dump(), HasSubstr("/spec/jobTemplate/spec/template/spec"));

  MergePatch("rp", "shop", "cronjob-backup", kApproved);
  ReportSeccompInstalled("shop", "cronjob-backup");
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "cronjob-backup") == "Applied"; }));
  json c = (*Get(kCronJobs, "shop", "backup"))["spec"]["jobTemplate"]["spec"]["template"]["spec"]
                                                   ["containers"][0];
  EXPECT_EQ(c["securityContext"]["capabilities"]["drop"], json({"ALL"}));
  MergePatch("rp", "shop", "cronjob-backup", R"({"spec":{"decision":"Rejected"}})");
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "cronjob-backup") == "Rejected"; }));
  c = (*Get(kCronJobs, "shop", "backup"))["spec"]["jobTemplate"]["spec"]["template"]["spec"]
                                           ["containers"][0];
  EXPECT_FALSE(c.contains("securityContext"));
}

TEST_F(ControllerE2eTest, EveryKindGetsAProposalImmutableOnesSayTheyCannotBeAppliedInPlace) {
  CreateNamespace("shop");
  for (const char* kind : {"StatefulSet", "DaemonSet", "ReplicaSet"}) {
    Apply(absl::StrCat("apiVersion: apps/v1\nkind: ", kind, "\nmetadata: {name: w, namespace: shop}\n",
                       "spec:\n  selector:\n    matchLabels: {app: w}\n  template:\n",
                       Template("w", 2)));
  }
  Apply(absl::StrCat("apiVersion: batch/v1\nkind: Job\nmetadata: {name: once, namespace: shop}\n",
                     "spec:\n  template:\n", Template("once", 2)));
  Apply(R"(apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: shop}
spec:
  containers:
  - name: app
    image: shop:1
)");
  // The StatefulSet's pod, by its owner only (no labels): observed on node-a.
  CreateOwnedRunningPod("shop", "w-0", "StatefulSet", "w", "node-a");
  const std::vector<std::pair<std::string, std::string>> kinds = {
      {"StatefulSet", "w"}, {"DaemonSet", "w"}, {"ReplicaSet", "w"}, {"Job", "once"},
      {"Pod", "debug"}};
  for (const auto& [kind, name] : kinds) {
    PartialSpec spec;
    spec.kind = kind;
    spec.api_version = FindWorkloadKind(kind)->api_version;
    spec.workload = name;
    CreatePartial("shop", spec);
  }
  StartController("c1");
  for (const auto& [kind, name] : kinds) {
    const std::string rp = absl::AsciiStrToLower(kind) + "-" + name;
    ASSERT_TRUE(WaitFor([&] { return Phase("shop", rp) == "Proposed"; })) << rp;
    EXPECT_EQ(StringAt(*Get(kProposals, "shop", rp), "/status/patch/0/op"), "test") << rp;
  }
  std::string reason;
  EXPECT_EQ(Condition("shop", "job-once", "Delivered", &reason), "False");
  EXPECT_EQ(reason, "NotAppliableInPlace");
  EXPECT_EQ(Condition("shop", "pod-debug", "Delivered", &reason), "False");
  EXPECT_EQ(reason, "NotAppliableInPlace");
  EXPECT_EQ(Condition("shop", "statefulset-w", "Delivered"), "");

  for (const char* rp : {"statefulset-w", "job-once"}) {
    MergePatch("rp", "shop", rp, kApproved);
    ReportSeccompInstalled("shop", rp);
  }
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "statefulset-w") == "Applied"; }));
  json c = (*Get(kStatefulSets, "shop", "w"))["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(c["securityContext"]["capabilities"]["drop"], json({"ALL"}));
  // The Job stays approved, unpatched, and says why.
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "job-once") == "Approved"; }));
  EXPECT_THAT(Get(kProposals, "shop", "job-once")->dump(), HasSubstr("immutable"));
  EXPECT_FALSE((*Get(kJobs, "shop", "once"))["spec"]["template"]["spec"]["containers"][0]
                   .contains("securityContext"));
}

TEST_F(ControllerE2eTest, APeerBehindAServicesEndpointSliceBecomesAPodAndNamespaceSelector) {
  CreateNamespace("shop");
  CreateNamespace("data");
  Apply(R"(apiVersion: v1
kind: Service
metadata: {name: db, namespace: data}
spec:
  selector: {app: db}
  clusterIP: None
  ports:
  - {name: pg, port: 5432, targetPort: 5432}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: db-x1y2z
  namespace: data
  labels: {kubernetes.io/service-name: db}
addressType: IPv4
endpoints:
- addresses: [10.2.0.5]
  targetRef: {kind: Pod, name: db-0, namespace: data}
ports:
- {name: pg, port: 5432, protocol: TCP}
)");
  CreateDeployment("shop", "web");
  PartialSpec spec;
  spec.workload = "web";
  spec.egress = {{"10.2.0.5", 5432, "TCP", 3, "2026-01-01T00:10:00Z"},
                 {"192.0.2.9", 443, "TCP", 1, "2026-01-01T00:10:00Z"}};
  CreatePartial("shop", spec);
  StartController("c1");
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "deployment-web") == "Proposed"; }));
  const json policy = (*Get(kProposals, "shop", "deployment-web"))["status"]["networkPolicy"];
  bool selector_rule = false, ip_rule = false;
  for (const json& rule : policy["spec"].value("egress", json::array())) {
    for (const json& peer : rule.value("to", json::array())) {
      if (peer.contains("podSelector") &&
          peer["podSelector"]["matchLabels"] == json({{"app", "db"}}) &&
          peer["namespaceSelector"]["matchLabels"] ==
              json({{"kubernetes.io/metadata.name", "data"}})) {
        selector_rule = rule["ports"] == json::array({{{"port", 5432}, {"protocol", "TCP"}}});
      }
      if (peer.contains("ipBlock")) ip_rule = peer["ipBlock"]["cidr"] == "192.0.2.9/32";
    }
  }
  EXPECT_TRUE(selector_rule) << policy.dump(2);
  EXPECT_TRUE(ip_rule) << policy.dump(2);  // not in the inventory: stays an ipBlock
}

}  // namespace
}  // namespace minpriv::controller::testing
