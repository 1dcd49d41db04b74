// The node agent's DaemonSet in the chart and the plain manifests: what it runs, the host
// paths it mounts, and the least privilege it runs with (root, not privileged, only the
// capabilities it needs, read-only root, no host namespaces).
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/deploy/render.h"

namespace minpriv::deploy_test {
namespace {

using nlohmann::json;

void ExpectAgentDaemonSet(const std::vector<json>& objects) {
  const json* ds = Find(objects, "DaemonSet", "minpriv-agent");
  ASSERT_NE(ds, nullptr);
  EXPECT_EQ((*ds)["metadata"]["namespace"], "minpriv-system");
  const json& pod = (*ds)["spec"]["template"]["spec"];
  EXPECT_EQ(pod["serviceAccountName"], "minpriv-agent");
  for (const char* host : {"hostNetwork", "hostPID", "hostIPC"}) {
    EXPECT_FALSE(pod.value(host, false)) << host;
  }
  EXPECT_EQ(pod["tolerations"], json::array({{{"operator", "Exists"}}}));
  ASSERT_EQ(pod["containers"].size(), 1u);
  const json& c = pod["containers"][0];
  EXPECT_EQ(c["command"], json::array({"minpriv"}));
  std::vector<std::string> args = c["args"];
  ASSERT_FALSE(args.empty());
  EXPECT_EQ(args[0], "agent");
  EXPECT_THAT(args, ::testing::IsSupersetOf({"--metrics-addr", ":8081", "--publish-interval",
                                             "5s"}));
  std::map<std::string, std::string> env;
  for (const json& e : c["env"]) env[e["name"]] = e["valueFrom"]["fieldRef"]["fieldPath"];
  EXPECT_EQ(env, (std::map<std::string, std::string>{{"NODE_NAME", "spec.nodeName"},
                                                     {"POD_NAME", "metadata.name"},
                                                     {"POD_NAMESPACE", "metadata.namespace"}}));
  EXPECT_EQ(c["livenessProbe"]["httpGet"]["path"], "/healthz");
  EXPECT_EQ(c["readinessProbe"]["httpGet"]["path"], "/readyz");
  EXPECT_TRUE(c["resources"]["limits"].contains("memory"));

  const json& sc = c["securityContext"];
  EXPECT_EQ(sc["privileged"], false);
  EXPECT_EQ(sc["allowPrivilegeEscalation"], false);
  EXPECT_EQ(sc["readOnlyRootFilesystem"], true);
  EXPECT_EQ(sc["capabilities"]["drop"], json::array({"ALL"}));
  EXPECT_EQ(sc["capabilities"]["add"], json::array({"BPF", "PERFMON", "NET_ADMIN", "SYSLOG"}));
  EXPECT_EQ(sc["seccompProfile"]["type"], "RuntimeDefault");

  // Exactly these host paths; only the kubelet's seccomp directory (created when missing) is
  // writable, mounted where --seccomp-dir points.
  std::map<std::string, std::string> host_paths;  // volume -> host path:type
  for (const json& v : pod["volumes"]) {
    host_paths[v["name"]] = v["hostPath"]["path"].get<std::string>() + ":" +
                            v["hostPath"]["type"].get<std::string>();
  }
  EXPECT_EQ(host_paths, (std::map<std::string, std::string>{
                            {"btf", "/sys/kernel/btf:Directory"},
                            {"cgroup", "/sys/fs/cgroup:Directory"},
                            {"seccomp", "/var/lib/kubelet/seccomp:DirectoryOrCreate"}}));
  std::map<std::string, bool> read_only;
  for (const json& m : c["volumeMounts"]) read_only[m["mountPath"]] = m.value("readOnly", false);
  EXPECT_EQ(read_only, (std::map<std::string, bool>{{"/sys/fs/cgroup", true},
                                                    {"/sys/kernel/btf", true},
                                                    {"/var/lib/kubelet/seccomp", false}}));
  auto dir = std::find(args.begin(), args.end(), "--seccomp-dir");
  ASSERT_NE(dir, args.end());
  ASSERT_NE(dir + 1, args.end());
  EXPECT_EQ(*(dir + 1), "/var/lib/kubelet/seccomp");
}

TEST(AgentDaemonSetTest, InTheChartAndThePlainManifests) {
  Rendered helm = HelmTemplate();
  ASSERT_EQ(helm.exit_code, 0) << helm.errors;
  ExpectAgentDaemonSet(helm.objects);
  Rendered kustomize = Kustomize();
  ASSERT_EQ(kustomize.exit_code, 0) << kustomize.errors;
  ExpectAgentDaemonSet(kustomize.objects);
}

TEST(AgentDaemonSetTest, ValuesReachTheCommandLine) {
  Rendered r = HelmTemplate({"--set", "agent.includeNamespaces={kube-system}", "--set",
                             "agent.publishInterval=10s", "--set", "agent.maxContainers=8192",
                             "--set", "agent.capabilities={BPF,PERFMON,NET_ADMIN,SYSLOG,SYS_RESOURCE}"});
  ASSERT_EQ(r.exit_code, 0) << r.errors;
  const json* ds = Find(r.objects, "DaemonSet", "minpriv-agent");
  ASSERT_NE(ds, nullptr);
  const json& c = (*ds)["spec"]["template"]["spec"]["containers"][0];
  std::vector<std::string> args = c["args"];
  EXPECT_THAT(args, ::testing::IsSupersetOf({"--include-namespace", "kube-system",
                                             "--publish-interval", "10s", "--max-containers",
                                             "8192"}));
  EXPECT_EQ(c["securityContext"]["capabilities"]["add"].size(), 5u);
}

TEST(AgentDaemonSetTest, AnotherSeccompDirIsMountedAndPassed) {
  Rendered r = HelmTemplate({"--set", "agent.seccompDir=/etc/kubelet/seccomp"});
  ASSERT_EQ(r.exit_code, 0) << r.errors;
  const json* ds = Find(r.objects, "DaemonSet", "minpriv-agent");
  ASSERT_NE(ds, nullptr);
  const json& pod = (*ds)["spec"]["template"]["spec"];
  std::vector<std::string> args = pod["containers"][0]["args"];
  EXPECT_THAT(args, ::testing::IsSupersetOf({"--seccomp-dir", "/etc/kubelet/seccomp"}));
  bool mounted = false;
  for (const json& m : pod["containers"][0]["volumeMounts"]) {
    if (m["name"] == "seccomp") mounted = m["mountPath"] == "/etc/kubelet/seccomp";
  }
  EXPECT_TRUE(mounted);
  bool host = false;
  for (const json& v : pod["volumes"]) {
    if (v["name"] == "seccomp") host = v["hostPath"]["path"] == "/etc/kubelet/seccomp";
  }
  EXPECT_TRUE(host);
}

}  // namespace
}  // namespace minpriv::deploy_test
