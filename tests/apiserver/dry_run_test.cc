// dryRun=All against the real kubectl 1.34 (`--dry-run=server`): create, apply (a patch),
// replace (a put), patch and delete are checked and answered as the real write would be, and
// nothing is stored: the objects, and the resourceVersion a watch would resume from, stay as
// they were.
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "apiserver_process.h"

namespace minpriv::apiserver::testing {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

class DryRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/apiserver-dry-run-test.XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    dir_ = templ;
    kubeconfig_ = dir_ + "/kubeconfig";
    server_ = std::make_unique<Child>(
        std::vector<std::string>{APISERVER_BINARY, "--kubeconfig-out", kubeconfig_});
    ASSERT_TRUE(server_->ReadLine(30s).has_value()) << "the server printed no URL";
  }
  void TearDown() override {
    if (server_) {
      EXPECT_EQ(server_->Terminate(), 0);
    }
    std::filesystem::remove_all(dir_);
  }
  CommandResult K(std::vector<std::string> args) {
    std::vector<std::string> argv = {KUBECTL_BINARY, "--kubeconfig", kubeconfig_};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  }
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    FILE* f = std::fopen(path.c_str(), "w");
    EXPECT_NE(f, nullptr);
    if (f != nullptr) {
      std::fputs(text.c_str(), f);
      std::fclose(f);
    }
    return path;
  }
  // The ConfigMap's data.k and resourceVersion, or kubectl's error.
  std::string Stored(const std::string& name) {
    return K({"get", "configmap", name, "-o", "jsonpath={.data.k} {.metadata.resourceVersion}"})
        .output;
  }
  static std::string ConfigMap(const std::string& name, const std::string& value) {
    return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\ndata:\n  k: " +
           value + "\n";
  }

  std::string dir_, kubeconfig_;
  std::unique_ptr<Child> server_;
};

TEST_F(DryRunTest, NoWriteIsStored) {
  CommandResult created = K({"apply", "-f", Write("cm1.yaml", ConfigMap("cm1", "v1"))});
  ASSERT_EQ(created.exit_code, 0) << created.output;
  const std::string before = Stored("cm1");
  ASSERT_THAT(before, ::testing::StartsWith("v1 "));

  // Create: answered with the object the real write would store, minus a resourceVersion.
  CommandResult create = K({"create", "--dry-run=server", "-o", "json", "-f",
                            Write("cm2.yaml", ConfigMap("cm2", "v2"))});
  ASSERT_EQ(create.exit_code, 0) << create.output;
  EXPECT_THAT(create.output, HasSubstr("\"uid\""));
  EXPECT_THAT(create.output, HasSubstr("\"creationTimestamp\""));
  EXPECT_THAT(create.output, ::testing::Not(HasSubstr("\"resourceVersion\"")));
  EXPECT_THAT(K({"get", "configmap", "cm2"}).output, HasSubstr("NotFound"));
  // ... and a name that exists is still a conflict.
  CommandResult exists = K({"create", "--dry-run=server", "-f", Write("cm1b.yaml",
                                                                       ConfigMap("cm1", "v9"))});
  EXPECT_NE(exists.exit_code, 0);
  EXPECT_THAT(exists.output, HasSubstr("AlreadyExists"));

  const std::string changed = Write("cm1-v3.yaml", ConfigMap("cm1", "v3"));
  CommandResult apply = K({"apply", "--dry-run=server", "-f", changed});  // a PATCH
  ASSERT_EQ(apply.exit_code, 0) << apply.output;
  EXPECT_THAT(apply.output, HasSubstr("configmap/cm1 configured (server dry run)"));
  CommandResult replace = K({"replace", "--dry-run=server", "-o", "jsonpath={.data.k}", "-f",
                             changed});  // a PUT
  ASSERT_EQ(replace.exit_code, 0) << replace.output;
  EXPECT_EQ(replace.output, "v3\n");
  CommandResult patch = K({"patch", "configmap", "cm1", "--dry-run=server", "-p",
                           R"({"data":{"k":"v4"}})"});
  ASSERT_EQ(patch.exit_code, 0) << patch.output;
  EXPECT_THAT(patch.output, HasSubstr("configmap/cm1 patched"));
  CommandResult del = K({"delete", "configmap", "cm1", "--dry-run=server"});
  ASSERT_EQ(del.exit_code, 0) << del.output;
  EXPECT_THAT(del.output,
              HasSubstr("configmap \"cm1\" deleted from default namespace (server dry run)"));
  CommandResult del_all = K({"delete", "configmap", "--all", "--dry-run=server"});
  ASSERT_EQ(del_all.exit_code, 0) << del_all.output;

  // Nothing changed, not even the resourceVersion (no watch event was sent).
  EXPECT_EQ(Stored("cm1"), before);
  // The same writes without the dry run do change it.
  CommandResult real = K({"patch", "configmap", "cm1", "-p", R"({"data":{"k":"v4"}})"});
  ASSERT_EQ(real.exit_code, 0) << real.output;
  EXPECT_THAT(Stored("cm1"), ::testing::StartsWith("v4 "));
}

TEST_F(DryRunTest, ANamespaceIsNotCreatedNorDeleted) {
  CommandResult ns = K({"create", "namespace", "team-a", "--dry-run=server"});
  ASSERT_EQ(ns.exit_code, 0) << ns.output;
  EXPECT_THAT(ns.output, HasSubstr("namespace/team-a created (server dry run)"));
  EXPECT_THAT(K({"get", "namespace", "team-a"}).output, HasSubstr("NotFound"));
  CommandResult del = K({"delete", "namespace", "default", "--dry-run=server"});
  ASSERT_EQ(del.exit_code, 0) << del.output;
  EXPECT_EQ(K({"get", "namespace", "default", "-o", "name"}).output, "namespace/default\n");
}

}  // namespace
}  // namespace minpriv::apiserver::testing
