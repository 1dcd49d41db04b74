#include "verifier/workload.h"

#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace minpriv::verifier {
namespace {

std::string Testdata(const std::string& name) {
  return test::ReadFileOrFail(std::string(MINPRIV_VERIFIER_TESTDATA) + "/" + name);
}

TEST(WorkloadTest, ParsesDeploymentAndSkipsOtherKinds) {
  auto w = ParseWorkloads(Testdata("deploy.yaml"), "deploy.yaml");
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_EQ(w->size(), 1u);
  const PodTemplate& pod = (*w)[0];
  EXPECT_EQ(pod.kind, "Deployment");
  EXPECT_EQ(pod.name, "web");
  EXPECT_EQ(pod.namespace_, "shop");
  EXPECT_EQ(pod.source_location, "deploy.yaml:9:1");
  EXPECT_EQ(pod.security_context.run_as_user, 101);
  EXPECT_EQ(pod.security_context.fs_group, 2000);
  ASSERT_EQ(pod.security_context.supplemental_groups, std::vector<int64_t>{3000});
  ASSERT_EQ(pod.volumes.size(), 3u);
  EXPECT_EQ(pod.volumes[1].type, Volume::Type::kEmptyDir);
  EXPECT_TRUE(pod.volumes[1].memory_medium);
  EXPECT_EQ(pod.volumes[1].size_limit, "16Mi");
  EXPECT_EQ(pod.volumes[2].other_kind, "configMap");
  ASSERT_EQ(pod.containers.size(), 2u);
  const Container& c = pod.containers[0];
  EXPECT_EQ(c.security_context.read_only_root_filesystem, true);
  EXPECT_EQ(c.security_context.allow_privilege_escalation, false);
  ASSERT_TRUE(c.security_context.capabilities.has_value());
  EXPECT_EQ(c.security_context.capabilities->drop, std::vector<std::string>{"ALL"});
  EXPECT_TRUE(c.env[1].from_source);
  EXPECT_FALSE(pod.containers[1].security_context.privileged.has_value());
}

TEST(WorkloadTest, CronJobTemplate) {
  auto w = ParseWorkloads(R"(
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 0 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: job
            securityContext: {runAsNonRoot: true}
)",
                          "cron.yaml");
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_EQ(w->size(), 1u);
  EXPECT_EQ((*w)[0].containers[0].security_context.run_as_non_root, true);
}

TEST(WorkloadTest, ErrorsNameFileLineColumnAndFix) {
  auto w = ParseWorkloads(R"(apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    securityContext:
      runAsUser: root
)",
                          "bad.yaml");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(w.status().message(), "bad.yaml:8:18: securityContext.runAsUser must be an integer");

  auto syntax = ParseWorkloads("kind: Pod\n  bad: [\n", "syntax.yaml");
  ASSERT_FALSE(syntax.ok());
  EXPECT_NE(syntax.status().message().find("syntax.yaml:"), std::string::npos);

  auto mount = ParseWorkloads(R"(kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    volumeMounts:
    - {name: nope, mountPath: /x}
)",
                              "m.yaml");
  ASSERT_FALSE(mount.ok());
  EXPECT_NE(mount.status().message().find("m.yaml:7:"), std::string::npos);
  EXPECT_NE(mount.status().message().find("declare it"), std::string::npos);
}

TEST(WorkloadTest, WrongTypesOfPodSpecFieldsAreNamedWhereTheyAre) {
  for (const auto& [spec, expected] : std::vector<std::pair<std::string, std::string>>{
           {"  containers: foo\n", "p.yaml:5:15: spec.containers must be a list of containers"},
           {"  containers: [{name: c}]\n  initContainers: foo\n",
            "p.yaml:6:19: initContainers must be a list"},
           {"  containers: [{name: c}]\n  volumes: foo\n", "p.yaml:6:12: volumes must be a list"},
           {"  containers: [{name: c}]\n  securityContext: foo\n",
            "p.yaml:6:20: securityContext must be a mapping"},
           {"  containers: [{name: c, volumeMounts: foo}]\n",
            "p.yaml:5:40: volumeMounts must be a list"},
       }) {
    auto w = ParseWorkloads("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n" + spec, "p.yaml");
    ASSERT_FALSE(w.ok()) << spec;
    EXPECT_EQ(w.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(w.status().message(), expected) << spec;
  }
}

TEST(WorkloadTest, SelectContainer) {
  auto w = ParseWorkloads(Testdata("deploy.yaml"), "deploy.yaml");
  ASSERT_TRUE(w.ok());
  auto none = SelectContainer(*w, "", "", "deploy.yaml");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("nginx, sidecar; choose one with --container"),
            std::string::npos);
  auto sel = SelectContainer(*w, "web", "nginx", "deploy.yaml");
  ASSERT_TRUE(sel.ok());
  EXPECT_EQ(sel->container.name, "nginx");
  EXPECT_FALSE(SelectContainer(*w, "other", "nginx", "deploy.yaml").ok());
  EXPECT_FALSE(SelectContainer(*w, "web", "nope", "deploy.yaml").ok());
}

TEST(WorkloadTest, SelectsInitContainersByName) {
  auto w = ParseWorkloads(R"(apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers:
  - name: init
    command: [/bin/true]
  containers:
  - name: app
)", "p.yaml");
  ASSERT_TRUE(w.ok()) << w.status();
  auto app = SelectContainer(*w, "", "", "p.yaml");
  ASSERT_TRUE(app.ok()) << app.status();
  EXPECT_EQ(app->container.name, "app");  // the default is never an init container
  EXPECT_FALSE(app->init);
  auto init = SelectContainer(*w, "", "init", "p.yaml");
  ASSERT_TRUE(init.ok()) << init.status();
  EXPECT_EQ(init->container.name, "init");
  EXPECT_TRUE(init->init);
  auto none = SelectContainer(*w, "", "nope", "p.yaml");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("app, init (init)"), std::string::npos) << none.status();
}

}  // namespace
}  // namespace minpriv::verifier
