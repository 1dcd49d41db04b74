// The test API server against the real kubectl 1.34, over plain HTTP and over HTTPS with the
// client certificate from the kubeconfig it writes.
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "apiserver_process.h"

namespace minpriv::apiserver::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

const std::string kTestdata = TESTDATA_DIR;

class KubectlFidelityTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/apiserver-kubectl-test.XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    dir_ = templ;
    kubeconfig_ = dir_ + "/kubeconfig";
    std::vector<std::string> argv = {APISERVER_BINARY, "--kubeconfig-out", kubeconfig_};
    if (GetParam()) argv.push_back("--tls");
    server_ = std::make_unique<Child>(argv);
    std::optional<std::string> url = server_->ReadLine(30s);
    ASSERT_TRUE(url.has_value()) << "the server printed no URL";
    url_ = *url;
    ASSERT_EQ(url_.rfind(GetParam() ? "https://127.0.0.1:" : "http://127.0.0.1:", 0), 0u) << url_;
    struct stat st;
    ASSERT_EQ(::stat(kubeconfig_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600);
  }
  void TearDown() override {
    if (server_) EXPECT_EQ(server_->Terminate(), 0);
    std::filesystem::remove_all(dir_);
  }
  std::vector<std::string> Kubectl(std::vector<std::string> args) {
    std::vector<std::string> argv = {KUBECTL_BINARY, "--kubeconfig", kubeconfig_};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  CommandResult K(std::vector<std::string> args) { return RunCommand(Kubectl(std::move(args))); }
  void CreateCrdAndObject() {
    CommandResult crd = K({"apply", "-f", kTestdata + "/workloadprofile-crd.yaml"});
    ASSERT_EQ(crd.exit_code, 0) << crd.output;
    EXPECT_THAT(crd.output, HasSubstr("workloadprofiles.minpriv.dev created"));
    CommandResult obj = K({"create", "-f", kTestdata + "/shopfront-profile.yaml"});
    ASSERT_EQ(obj.exit_code, 0) << obj.output;
    EXPECT_THAT(obj.output, HasSubstr("workloadprofile.minpriv.dev/deployment-shopfront created"));
  }

  std::string dir_, kubeconfig_, url_;
  std::unique_ptr<Child> server_;
};

TEST_P(KubectlFidelityTest, CrdThenCustomObjectGetYamlAndPrinterColumns) {
  CreateCrdAndObject();
  CommandResult yaml = K({"get", "workloadprofile", "deployment-shopfront", "-o", "yaml"});
  ASSERT_EQ(yaml.exit_code, 0) << yaml.output;
  EXPECT_THAT(yaml.output, HasSubstr("kind: WorkloadProfile"));
  EXPECT_THAT(yaml.output, HasSubstr("generation: 1"));
  EXPECT_THAT(yaml.output, HasSubstr("uid: "));
  EXPECT_THAT(yaml.output, HasSubstr("syscallCount: 42"));
  // The short name and the printer columns from the CRD.
  CommandResult table = K({"get", "wp"});
  ASSERT_EQ(table.exit_code, 0) << table.output;
  EXPECT_THAT(table.output, HasSubstr("TARGET"));
  EXPECT_THAT(table.output, HasSubstr("SYSCALLS"));
  EXPECT_THAT(table.output, ::testing::ContainsRegex("deployment-shopfront +shopfront +42"));
}

TEST_P(KubectlFidelityTest, WatchSeesLaterChangeAndPatchesApply) {
  CreateCrdAndObject();
  Child watch(Kubectl({"get", "wp", "-w"}));
  std::string seen;
  ASSERT_TRUE(watch.WaitFor("deployment-shopfront", 30s, &seen)) << seen;
  CommandResult merge = K({"patch", "wp", "deployment-shopfront", "--type", "merge", "-p",
                           R"({"spec":{"syscallCount":50}})"});
  ASSERT_EQ(merge.exit_code, 0) << merge.output;
  EXPECT_THAT(merge.output, HasSubstr("patched"));
  ASSERT_TRUE(watch.WaitFor(" 50 ", 30s, &seen)) << seen;
  CommandResult json = K({"patch", "wp", "deployment-shopfront", "--type", "json", "-p",
                          R"([{"op":"replace","path":"/spec/syscallCount","value":60}])"});
  ASSERT_EQ(json.exit_code, 0) << json.output;
  ASSERT_TRUE(watch.WaitFor(" 60 ", 30s, &seen)) << seen;
  CommandResult get = K({"get", "wp", "deployment-shopfront", "-o",
                         "jsonpath={.spec.syscallCount} {.metadata.generation}"});
  EXPECT_EQ(get.output, "60 3\n");
  CommandResult del = K({"delete", "wp", "deployment-shopfront"});
  ASSERT_EQ(del.exit_code, 0) << del.output;
  EXPECT_THAT(del.output, HasSubstr("deleted"));
  CommandResult gone = K({"get", "wp", "deployment-shopfront"});
  EXPECT_NE(gone.exit_code, 0);
  EXPECT_THAT(gone.output, HasSubstr("NotFound"));
}

TEST_P(KubectlFidelityTest, NamespaceAndDeploymentApplyTwice) {
  CommandResult ns = K({"create", "namespace", "team-a"});
  ASSERT_EQ(ns.exit_code, 0) << ns.output;
  EXPECT_THAT(ns.output, HasSubstr("namespace/team-a created"));
  EXPECT_THAT(K({"get", "ns"}).output, HasSubstr("team-a"));

  std::string manifest = dir_ + "/deployment.yaml";
  std::filesystem::copy_file(kTestdata + "/deployment.yaml", manifest);
  CommandResult first = K({"apply", "-f", manifest});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("deployment.apps/shopfront created"));
  // The second apply is a strategic merge patch against the last-applied annotation.
  ASSERT_EQ(RunCommand({"sed", "-i", "s/nginx:1.25/nginx:1.26/", manifest}).exit_code, 0);
  CommandResult second = K({"apply", "-f", manifest});
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("deployment.apps/shopfront configured"));
  CommandResult images =
      K({"get", "deploy", "shopfront", "-o",
         "jsonpath={.spec.template.spec.containers[*].image} {.metadata.generation}"});
  EXPECT_EQ(images.output, "nginx:1.26 busybox:1.36 2\n");
  CommandResult unchanged = K({"apply", "-f", manifest});
  EXPECT_THAT(unchanged.output, HasSubstr("unchanged"));

  CommandResult by_label = K({"get", "deploy", "-l", "app=x"});
  EXPECT_THAT(by_label.output, HasSubstr("shopfront"));
  CommandResult other_label = K({"get", "deploy", "-l", "app=y"});
  EXPECT_THAT(other_label.output, Not(HasSubstr("shopfront")));
}

TEST_P(KubectlFidelityTest, PodsByFieldSelector) {
  for (const auto& [name, node] : {std::pair{"p1", "n1"}, std::pair{"p2", "n2"}}) {
    std::string file = dir_ + "/" + name + ".json";
    std::string pod = std::string(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")") +
                      name + R"("},"spec":{"nodeName":")" + node +
                      R"(","containers":[{"name":"c","image":"busybox"}]}})";
    FILE* f = std::fopen(file.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(pod.c_str(), f);
    std::fclose(f);
    CommandResult created = K({"create", "-f", file});
    ASSERT_EQ(created.exit_code, 0) << created.output;
  }
  CommandResult on_n1 = K({"get", "pods", "--field-selector", "spec.nodeName=n1"});
  ASSERT_EQ(on_n1.exit_code, 0) << on_n1.output;
  EXPECT_THAT(on_n1.output, HasSubstr("p1"));
  EXPECT_THAT(on_n1.output, Not(HasSubstr("p2")));
}

INSTANTIATE_TEST_SUITE_P(PlainAndTls, KubectlFidelityTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Tls" : "Plain";
                         });

}  // namespace
}  // namespace minpriv::apiserver::testing
