// deploy/ checked with the real tools: helm lint and template (defaults and toggles),
// kubectl kustomize, every object of a known kind, minpriv's own pods least-privileged, RBAC
// exactly as documented, the webhook configurations, and no drift between the chart, the
// plain manifests and deploy/crds.
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/deploy/render.h"
#include "util/files.h"

namespace minpriv::deploy_test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const std::string kSource = MINPRIV_SOURCE_DIR;

// Every kind deploy/ may render, with its apiVersion.
const std::map<std::string, std::string>& KnownKinds() {
  static const std::map<std::string, std::string> k = {
      {"Namespace", "v1"},
      {"ServiceAccount", "v1"},
      {"Service", "v1"},
      {"Secret", "v1"},
      {"CustomResourceDefinition", "apiextensions.k8s.io/v1"},
      {"ClusterRole", "rbac.authorization.k8s.io/v1"},
      {"ClusterRoleBinding", "rbac.authorization.k8s.io/v1"},
      {"Role", "rbac.authorization.k8s.io/v1"},
      {"RoleBinding", "rbac.authorization.k8s.io/v1"},
      {"Deployment", "apps/v1"},
      {"DaemonSet", "apps/v1"},
      {"PodDisruptionBudget", "policy/v1"},
      {"ValidatingWebhookConfiguration", "admissionregistration.k8s.io/v1"},
      {"MutatingWebhookConfiguration", "admissionregistration.k8s.io/v1"},
      {"Issuer", "cert-manager.io/v1"},
      {"Certificate", "cert-manager.io/v1"},
      {"ServiceMonitor", "monitoring.coreos.com/v1"},
  };
  return k;
}

void ExpectRendered(const Rendered& r) {
  ASSERT_EQ(r.exit_code, 0) << r.errors;
  ASSERT_EQ(r.parse_error, "");
  ASSERT_FALSE(r.objects.empty());
  for (const json& o : r.objects) {
    ASSERT_TRUE(o.is_object()) << o.dump();
    std::string kind = o.value("kind", "");
    auto it = KnownKinds().find(kind);
    ASSERT_NE(it, KnownKinds().end()) << "unknown kind: " << o.dump().substr(0, 200);
    EXPECT_EQ(o.value("apiVersion", ""), it->second) << Key(o);
    EXPECT_FALSE(o["metadata"].value("name", "").empty()) << Key(o);
  }
}

std::multiset<std::string> Kinds(const Rendered& r) {
  std::multiset<std::string> kinds;
  for (const json& o : r.objects) kinds.insert(o.value("kind", ""));
  return kinds;
}

TEST(HelmChartTest, LintPassesWithDefaultsAndToggles) {
  std::string chart = kSource + "/deploy/helm/minpriv";
  for (std::vector<std::string> extra :
       {std::vector<std::string>{}, {"--set", "controller.serviceMonitor.enabled=true"},
        {"--set", "webhook.certManager.enabled=true"}, {"--set", "webhook.enabled=false"},
        {"--set", "agent.enabled=true"},
        {"--set", "controller.git.repo=https://gitlab.example.com/ops/deploy", "--set",
         "controller.git.forge=gitlab", "--set", "controller.git.project=ops/deploy"}}) {
    std::vector<std::string> argv = {HELM_BINARY, "lint", "--strict", chart};
    argv.insert(argv.end(), extra.begin(), extra.end());
    Rendered r = RunTool(argv);
    EXPECT_EQ(r.exit_code, 0) << r.text << r.errors;
    EXPECT_THAT(r.text, HasSubstr("0 chart(s) failed"));
  }
}

TEST(HelmChartTest, DefaultsRenderTheControllerAndWebhookWithAGeneratedCertificate) {
  Rendered r = HelmTemplate();
  ExpectRendered(r);
  std::multiset<std::string> kinds = Kinds(r);
  EXPECT_EQ(kinds.count("Deployment"), 2u);
  EXPECT_EQ(kinds.count("PodDisruptionBudget"), 2u);
  EXPECT_EQ(kinds.count("ServiceMonitor"), 0u);
  EXPECT_EQ(kinds.count("Certificate"), 0u);
  EXPECT_EQ(kinds.count("Secret"), 1u);
  EXPECT_EQ(kinds.count("DaemonSet"), 1u);  // the node agent
  const json* controller = Find(r.objects, "Deployment", "minpriv-controller");
  ASSERT_NE(controller, nullptr);
  EXPECT_EQ((*controller)["spec"]["replicas"], 2);
  const json& c = (*controller)["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(c["command"], json::array({"minpriv"}));
  EXPECT_EQ(c["args"][0], "controller");
  std::vector<std::string> args = c["args"];
  EXPECT_THAT(args, ::testing::IsSupersetOf({"--leader-election-namespace", "$(POD_NAMESPACE)",
                                             "--metrics-addr", ":8080"}));
  EXPECT_EQ(c["livenessProbe"]["httpGet"]["path"], "/healthz");
  EXPECT_EQ(c["readinessProbe"]["httpGet"]["path"], "/readyz");
  EXPECT_EQ(c["env"][0]["valueFrom"]["fieldRef"]["fieldPath"], "metadata.namespace");
  const json* svc = Find(r.objects, "Service", "minpriv-controller-metrics");
  ASSERT_NE(svc, nullptr);
  EXPECT_EQ((*svc)["spec"]["ports"][0]["port"], 8080);
  // The generated certificate: the caBundle of both configurations is the Secret's CA.
  const json* secret = Find(r.objects, "Secret", "minpriv-webhook-tls");
  ASSERT_NE(secret, nullptr);
  EXPECT_EQ((*secret)["type"], "kubernetes.io/tls");
  std::string ca = (*secret)["data"]["ca.crt"];
  EXPECT_GT(ca.size(), 100u);
  for (const char* kind : {"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"}) {
    const json* w = Find(r.objects, kind, "minpriv-webhook");
    ASSERT_NE(w, nullptr) << kind;
    EXPECT_EQ((*w)["webhooks"][0]["clientConfig"]["caBundle"], ca) << kind;
    EXPECT_FALSE((*w)["metadata"].contains("annotations")) << kind;
  }
}

TEST(HelmChartTest, CertManagerAndServiceMonitorToggles) {
  // cert-manager detected from the cluster's API versions (webhook.certManager.enabled: auto).
  Rendered r = HelmTemplate({"--api-versions", "cert-manager.io/v1", "--set",
                             "controller.serviceMonitor.enabled=true"});
  ExpectRendered(r);
  std::multiset<std::string> kinds = Kinds(r);
  EXPECT_EQ(kinds.count("Secret"), 0u);
  EXPECT_EQ(kinds.count("Certificate"), 1u);
  EXPECT_EQ(kinds.count("Issuer"), 1u);
  EXPECT_EQ(kinds.count("ServiceMonitor"), 1u);
  const json* cert = Find(r.objects, "Certificate", "minpriv-webhook");
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ((*cert)["spec"]["secretName"], "minpriv-webhook-tls");
  EXPECT_EQ((*cert)["spec"]["dnsNames"][0], "minpriv-webhook.minpriv-system.svc");
  for (const char* kind : {"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"}) {
    const json* w = Find(r.objects, kind, "minpriv-webhook");
    ASSERT_NE(w, nullptr);
    EXPECT_EQ((*w)["metadata"]["annotations"]["cert-manager.io/inject-ca-from"],
              "minpriv-system/minpriv-webhook");
    EXPECT_FALSE((*w)["webhooks"][0]["clientConfig"].contains("caBundle"));
  }
  const json* sm = Find(r.objects, "ServiceMonitor", "minpriv-controller");
  ASSERT_NE(sm, nullptr);
  EXPECT_EQ((*sm)["spec"]["endpoints"][0]["port"], "metrics");
  // Forced on without the API present, and forced off with it.
  EXPECT_EQ(Kinds(HelmTemplate({"--set", "webhook.certManager.enabled=true"})).count("Certificate"), 1u);
  EXPECT_EQ(Kinds(HelmTemplate({"--api-versions", "cert-manager.io/v1", "--set",
                                "webhook.certManager.enabled=false"}))
                .count("Secret"),
            1u);
}

TEST(HelmChartTest, WebhookConfigurations) {
  Rendered r = HelmTemplate({"--set", "webhook.failurePolicy=Fail", "--set",
                             "webhook.timeoutSeconds=3", "--set",
                             "webhook.excludedNamespaces={legacy}"});
  ExpectRendered(r);
  for (const char* kind : {"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"}) {
    const json* w = Find(r.objects, kind, "minpriv-webhook");
    ASSERT_NE(w, nullptr);
    const json& hook = (*w)["webhooks"][0];
    EXPECT_EQ(hook["admissionReviewVersions"], json::array({"v1"}));
    EXPECT_EQ(hook["sideEffects"], "None");
    EXPECT_EQ(hook["failurePolicy"], "Fail");
    EXPECT_EQ(hook["timeoutSeconds"], 3);
    EXPECT_EQ(hook["clientConfig"]["service"]["name"], "minpriv-webhook");
    EXPECT_EQ(hook["clientConfig"]["service"]["path"],
              std::string(kind).rfind("Validating", 0) == 0 ? "/validate" : "/mutate");
    const json& expr = hook["namespaceSelector"]["matchExpressions"][0];
    EXPECT_EQ(expr["key"], "kubernetes.io/metadata.name");
    EXPECT_EQ(expr["operator"], "NotIn");
    EXPECT_EQ(expr["values"], json::array({"kube-system", "minpriv-system", "legacy"}));
    std::set<std::string> resources;
    for (const json& rule : hook["rules"]) {
      EXPECT_EQ(rule["operations"], json::array({"CREATE", "UPDATE"}));
      for (const json& res : rule["resources"]) resources.insert(res);
    }
    EXPECT_EQ(resources, (std::set<std::string>{"pods", "pods/ephemeralcontainers",
                                                "deployments", "statefulsets", "daemonsets",
                                                "replicasets", "jobs", "cronjobs"}));
  }
  EXPECT_EQ(Find(HelmTemplate().objects, "ValidatingWebhookConfiguration", "minpriv-webhook")
                ->at("webhooks")[0]["failurePolicy"],
            "Ignore");
  Rendered off = HelmTemplate({"--set", "webhook.enabled=false"});
  ExpectRendered(off);
  EXPECT_EQ(Kinds(off).count("ValidatingWebhookConfiguration"), 0u);
  EXPECT_EQ(Kinds(off).count("Deployment"), 1u);
}

// minpriv's own pods: non-root with a fixed uid, read-only root, no escalation, no
// capabilities, RuntimeDefault seccomp, nothing from the host.
void ExpectLeastPrivilege(const std::vector<json>& objects) {
  size_t deployments = 0;
  for (const json& d : OfKind(objects, "Deployment")) {
    ++deployments;
    const json& pod = d["spec"]["template"]["spec"];
    const json& psc = pod["securityContext"];
    EXPECT_EQ(psc["runAsNonRoot"], true) << Key(d);
    EXPECT_GT(psc.value("runAsUser", 0), 0) << Key(d);
    EXPECT_EQ(psc["seccompProfile"]["type"], "RuntimeDefault") << Key(d);
    for (const char* host : {"hostNetwork", "hostPID", "hostIPC"}) {
      EXPECT_FALSE(pod.value(host, false)) << Key(d) << " " << host;
    }
    for (const json& v : pod.value("volumes", json::array())) {
      EXPECT_FALSE(v.contains("hostPath")) << Key(d);
    }
    ASSERT_FALSE(pod["containers"].empty());
    for (const json& c : pod["containers"]) {
      const json& sc = c["securityContext"];
      EXPECT_EQ(sc["allowPrivilegeEscalation"], false) << Key(d);
      EXPECT_EQ(sc["readOnlyRootFilesystem"], true) << Key(d);
      EXPECT_EQ(sc["runAsNonRoot"], true) << Key(d);
      EXPECT_GT(sc.value("runAsUser", 0), 0) << Key(d);
      EXPECT_EQ(sc["capabilities"]["drop"], json::array({"ALL"})) << Key(d);
      EXPECT_FALSE(sc["capabilities"].contains("add")) << Key(d);
      EXPECT_FALSE(sc.value("privileged", false)) << Key(d);
      EXPECT_EQ(sc["seccompProfile"]["type"], "RuntimeDefault") << Key(d);
      EXPECT_TRUE(c["resources"].contains("requests")) << Key(d);
      EXPECT_TRUE(c["resources"]["limits"].contains("memory")) << Key(d);
      EXPECT_TRUE(c.contains("livenessProbe") && c.contains("readinessProbe")) << Key(d);
      for (const json& p : c.value("ports", json::array())) {
        EXPECT_GE(p.value("containerPort", 0), 1024) << Key(d) << ": a privileged port";
      }
    }
    EXPECT_EQ(d["spec"]["replicas"], 2) << Key(d);
    // Each Deployment has a PodDisruptionBudget selecting its pods.
    bool covered = false;
    for (const json& pdb : OfKind(objects, "PodDisruptionBudget")) {
      covered = covered || pdb["spec"]["selector"] == d["spec"]["selector"];
    }
    EXPECT_TRUE(covered) << Key(d) << " has no PodDisruptionBudget";
  }
  EXPECT_EQ(deployments, 2u);
}

TEST(LeastPrivilegeTest, MinprivsOwnPodsInEveryRendering) {
  Rendered helm = HelmTemplate();
  ExpectRendered(helm);
  ExpectLeastPrivilege(helm.objects);
  Rendered toggled = HelmTemplate({"--api-versions", "cert-manager.io/v1", "--set",
                                   "controller.serviceMonitor.enabled=true"});
  ExpectLeastPrivilege(toggled.objects);
  Rendered kustomize = Kustomize();
  ExpectRendered(kustomize);
  ExpectLeastPrivilege(kustomize.objects);
}

// resource -> verbs of a role's rules (apiGroup/resource keys).
std::map<std::string, std::set<std::string>> Rules(const json& role) {
  std::map<std::string, std::set<std::string>> out;
  for (const json& rule : role["rules"]) {
    for (const json& g : rule["apiGroups"]) {
      for (const json& r : rule["resources"]) {
        for (const json& v : rule["verbs"]) {
          out[g.get<std::string>() + "/" + r.get<std::string>()].insert(v.get<std::string>());
        }
      }
    }
  }
  return out;
}

using RuleMap = std::map<std::string, std::set<std::string>>;
const std::set<std::string> kRead = {"get", "list", "watch"};
const std::set<std::string> kWatch = {"list", "watch"};

TEST(RbacTest, EachComponentHasExactlyItsDocumentedPermissions) {
  Rendered r = HelmTemplate({"--set", "agent.enabled=true"});
  ExpectRendered(r);
  for (const json& o : r.objects) {
    for (const json& rule : o.value("rules", json::array())) {
      for (const char* field : {"apiGroups", "resources", "verbs"}) {
        for (const json& v : rule[field]) EXPECT_NE(v, "*") << Key(o) << " uses a wildcard";
      }
    }
  }
  const json* controller = Find(r.objects, "ClusterRole", "minpriv-controller");
  ASSERT_NE(controller, nullptr);
  const std::set<std::string> workload = {"get", "list", "watch", "patch"};
  EXPECT_EQ(Rules(*controller),
            (RuleMap{{"/pods", kWatch},
                     {"/services", kWatch},
                     {"/namespaces", kWatch},
                     {"discovery.k8s.io/endpointslices", kWatch},
                     {"apps/deployments", workload},
                     {"apps/statefulsets", workload},
                     {"apps/daemonsets", workload},
                     {"apps/replicasets", workload},
                     {"batch/jobs", kRead},
                     {"batch/cronjobs", workload},
                     {"networking.k8s.io/networkpolicies", {"create", "delete"}},
                     {"/events", {"create"}},
                     {"minpriv.dev/workloadprofiles", {"list", "watch", "create", "update"}},
                     {"minpriv.dev/workloadprofiles/status", {"update"}},
                     {"minpriv.dev/remediationproposals",
                      {"get", "list", "watch", "create", "update"}},
                     {"minpriv.dev/remediationproposals/status", {"update", "patch"}},
                     {"minpriv.dev/minprivsettings", kWatch},
                     {"minpriv.dev/clusterminprivsettings", kWatch}}));
  // Leases only in minpriv's namespace.
  const json* leases = Find(r.objects, "Role", "minpriv-controller-leader-election");
  ASSERT_NE(leases, nullptr);
  EXPECT_EQ((*leases)["metadata"]["namespace"], "minpriv-system");
  EXPECT_EQ(Rules(*leases), (RuleMap{{"coordination.k8s.io/leases", {"get", "create", "update"}}}));
  // The webhook only reads.
  const json* webhook = Find(r.objects, "ClusterRole", "minpriv-webhook");
  ASSERT_NE(webhook, nullptr);
  EXPECT_EQ(Rules(*webhook), (RuleMap{{"minpriv.dev/remediationproposals", kWatch},
                                      {"minpriv.dev/minprivsettings", kWatch},
                                      {"minpriv.dev/clusterminprivsettings", kWatch},
                                      {"apps/replicasets", kRead},
                                      {"batch/jobs", kRead},
                                      {"apps/deployments", {"get"}},
                                      {"apps/statefulsets", {"get"}},
                                      {"apps/daemonsets", {"get"}},
                                      {"batch/cronjobs", {"get"}},
                                      {"/pods", {"get"}}}));
  const json* agent = Find(r.objects, "ClusterRole", "minpriv-agent");
  ASSERT_NE(agent, nullptr);
  EXPECT_EQ(Rules(*agent),
            (RuleMap{{"/pods", kWatch},
                     {"apps/replicasets", {"get"}},
                     {"batch/jobs", {"get"}},
                     {"minpriv.dev/workloadprofiles", {"get", "create", "update"}},
                     {"minpriv.dev/workloadprofiles/status", {"update"}},
                     {"minpriv.dev/remediationproposals", kRead},
                     {"minpriv.dev/remediationproposals/status", {"patch"}},
                     {"minpriv.dev/minprivsettings", kWatch},
                     {"minpriv.dev/clusterminprivsettings", kWatch}}));
  // Each binding binds its own ServiceAccount to its own role.
  for (const char* kind : {"ClusterRoleBinding", "RoleBinding"}) {
    for (const json& b : OfKind(r.objects, kind)) {
      std::string sa = b["subjects"][0]["name"];
      EXPECT_EQ(b["roleRef"]["name"].get<std::string>().rfind(sa, 0), 0u) << Key(b);
      EXPECT_NE(Find(r.objects, "ServiceAccount", sa), nullptr) << Key(b);
    }
  }
  EXPECT_EQ(Kinds(r).count("DaemonSet"), 1u);
  // No Secret is readable without PullRequest delivery configured.
  EXPECT_EQ(Find(r.objects, "Role", "minpriv-controller-git-token"), nullptr);
  Rendered no_agent = HelmTemplate({"--set", "agent.enabled=false"});
  EXPECT_EQ(Find(no_agent.objects, "ClusterRole", "minpriv-agent"), nullptr);
  EXPECT_EQ(Kinds(no_agent).count("DaemonSet"), 0u);
}

// PullRequest delivery: the --git-* flags from the values, a writable work directory on the
// read-only root, and a Role reading the one token Secret by name.
TEST(RbacTest, GitValuesPassTheFlagsAndGrantOnlyTheTokenSecret) {
  Rendered r = HelmTemplate({"--set", "controller.git.repo=https://github.com/acme/deploy",
                             "--set", "controller.git.base=release",
                             "--set", "controller.git.tokenSecret.name=forge",
                             "--set", "controller.git.tokenSecret.key=pat",
                             "--set", "controller.git.prRecheck=2m"});
  ExpectRendered(r);
  const json* d = Find(r.objects, "Deployment", "minpriv-controller");
  ASSERT_NE(d, nullptr);
  const json& c = (*d)["spec"]["template"]["spec"]["containers"][0];
  std::vector<std::string> args = c["args"].get<std::vector<std::string>>();
  auto flag = [&](const std::string& name) -> std::string {
    auto it = std::find(args.begin(), args.end(), name);
    return it == args.end() || it + 1 == args.end() ? "<absent>" : *(it + 1);
  };
  EXPECT_EQ(flag("--git-repo"), "https://github.com/acme/deploy");
  EXPECT_EQ(flag("--git-base"), "release");
  EXPECT_EQ(flag("--git-token-secret"), "minpriv-system/forge/pat");
  EXPECT_EQ(flag("--git-work-dir"), "/var/lib/minpriv/git");
  EXPECT_EQ(flag("--pr-recheck"), "2m");
  EXPECT_EQ(flag("--git-forge"), "<absent>");  // from the URL's host
  EXPECT_EQ(c["securityContext"]["readOnlyRootFilesystem"], true);
  std::set<std::string> mounts;
  for (const json& m : c["volumeMounts"]) mounts.insert(m["mountPath"].get<std::string>());
  EXPECT_EQ(mounts, (std::set<std::string>{"/var/lib/minpriv/git", "/tmp"}));
  for (const json& v : (*d)["spec"]["template"]["spec"]["volumes"]) {
    EXPECT_TRUE(v.contains("emptyDir")) << v.dump();
  }
  const json* role = Find(r.objects, "Role", "minpriv-controller-git-token");
  ASSERT_NE(role, nullptr);
  EXPECT_EQ((*role)["metadata"]["namespace"], "minpriv-system");
  EXPECT_EQ((*role)["rules"], json::parse(R"([{"apiGroups":[""],"resources":["secrets"],
                                               "resourceNames":["forge"],"verbs":["get"]}])"));
  const json* binding = Find(r.objects, "RoleBinding", "minpriv-controller-git-token");
  ASSERT_NE(binding, nullptr);
  EXPECT_EQ((*binding)["subjects"][0]["name"], "minpriv-controller");
  // Nothing else about Secrets anywhere.
  for (const json& o : r.objects) {
    if (&o == role) continue;
    for (const json& rule : o.value("rules", json::array())) {
      EXPECT_THAT(rule.value("resources", json::array()).dump(), ::testing::Not(HasSubstr("secrets")))
          << Key(o);
    }
  }
  // Without a repository: no flags, no volumes.
  Rendered plain = HelmTemplate();
  const json* pd = Find(plain.objects, "Deployment", "minpriv-controller");
  ASSERT_NE(pd, nullptr);
  EXPECT_THAT((*pd)["spec"]["template"]["spec"]["containers"][0]["args"].dump(),
              ::testing::Not(HasSubstr("--git")));
  EXPECT_FALSE((*pd)["spec"]["template"]["spec"].contains("volumes"));
}

// First line where two texts differ, for drift messages.
std::string FirstDifference(const std::string& a, const std::string& b) {
  size_t line = 1, start = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (a[i] != b[i]) {
      size_t end_a = a.find('\n', start), end_b = b.find('\n', start);
      return "line " + std::to_string(line) + ": '" + a.substr(start, end_a - start) + "' vs '" +
             b.substr(start, end_b - start) + "'";
    }
    if (a[i] == '\n') {
      ++line;
      start = i + 1;
    }
  }
  return a.size() == b.size() ? "" : "line " + std::to_string(line) + ": one ends early";
}

TEST(DriftTest, PlainManifestsAreTheChartsRendering) {
  std::string out = ::testing::TempDir() + "/minpriv-manifests.yaml";
  Rendered r = RunTool({"/bin/bash", kSource + "/deploy/render-manifests.sh", out});
  ASSERT_EQ(r.exit_code, 0) << r.errors;
  auto generated = util::ReadFile(out);
  auto committed = util::ReadFile(kSource + "/deploy/manifests/minpriv.yaml");
  ASSERT_TRUE(generated.ok() && committed.ok());
  EXPECT_EQ(FirstDifference(*generated, *committed), "")
      << "deploy/manifests/minpriv.yaml is stale: run deploy/render-manifests.sh";
}

TEST(DriftTest, KustomizeOutputEqualsHelmDefaultsModuloHelmLabels) {
  Rendered helm = HelmTemplate({"--include-crds", "--api-versions", "cert-manager.io/v1"});
  ExpectRendered(helm);
  Rendered kustomize = Kustomize();
  ExpectRendered(kustomize);
  std::map<std::string, json> from_helm, from_kustomize;
  for (const json& o : helm.objects) from_helm[Key(o)] = WithoutHelmLabels(o);
  for (const json& o : kustomize.objects) {
    if (o["kind"] != "Namespace") from_kustomize[Key(o)] = o;
  }
  ASSERT_EQ(Kinds(kustomize).count("Namespace"), 1u);
  std::vector<std::string> helm_keys, kustomize_keys;
  for (const auto& [k, v] : from_helm) helm_keys.push_back(k);
  for (const auto& [k, v] : from_kustomize) kustomize_keys.push_back(k);
  ASSERT_EQ(helm_keys, kustomize_keys);
  for (const auto& [k, v] : from_helm) {
    EXPECT_EQ(json::diff(v, from_kustomize[k]), json::array()) << k;
  }
}

TEST(DriftTest, ChartCrdsAreDeployCrds) {
  size_t n = 0;
  for (const char* name : {"minpriv.dev_clusterminprivsettings.yaml", "minpriv.dev_minprivsettings.yaml",
                           "minpriv.dev_remediationproposals.yaml", "minpriv.dev_workloadprofiles.yaml"}) {
    auto a = util::ReadFile(kSource + "/deploy/crds/" + name);
    auto b = util::ReadFile(kSource + "/deploy/helm/minpriv/crds/" + name);
    ASSERT_TRUE(a.ok() && b.ok()) << name;
    EXPECT_EQ(FirstDifference(*a, *b), "") << name << ": copy deploy/crds into the chart's crds/";
    ++n;
  }
  EXPECT_EQ(n, 4u);
  Rendered helm = HelmTemplate({"--include-crds"});
  EXPECT_EQ(Kinds(helm).count("CustomResourceDefinition"), 4u);
}

}  // namespace
}  // namespace minpriv::deploy_test
