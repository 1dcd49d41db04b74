// The optional fileSystemUse block (ISSUE12 §1): YAML and JSON round trips, canonical order,
// merging, strict parsing; absent, it writes nothing.
#include <string>

#include "crd/profile_codec.h"
#include "crd/profile_json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace minpriv::crd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

WorkloadProfile WithUse() {
  WorkloadProfile p;
  p.name = "web";
  ContainerProfile c;
  c.name = "web";
  FileSystemUse u;
  u.mapped = {"/usr/sbin/nginx", "/lib/libc.so.6", "/usr/sbin/nginx"};
  u.working_dirs = {"/"};
  u.open_files = {"/var/log/nginx/access.log"};
  u.shipped = {{"/var/cache/nginx", {"true", "fastcgi_temp"}, 2}, {"/var/cache", {"nginx"}, 1}};
  c.file_system_use = u;
  p.containers = {c};
  return p;
}

TEST(FileSystemUseCodecTest, RoundTripsInCanonicalForm) {
  const std::string yaml = EmitWorkloadProfile(WithUse());
  EXPECT_THAT(yaml, HasSubstr("      fileSystemUse:\n"
                              "        mapped: [/lib/libc.so.6, /usr/sbin/nginx]\n"
                              "        workingDirs: [/]\n"
                              "        openFiles: [/var/log/nginx/access.log]\n"
                              "        shipped:\n"
                              "          - path: /var/cache\n"
                              "            entries: [nginx]\n"
                              "            total: 1\n"));
  EXPECT_THAT(yaml, HasSubstr("entries: [fastcgi_temp, \"true\"]")) << yaml;
  auto back = ParseWorkloadProfile(yaml, "p.yaml");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(EmitWorkloadProfile(*back), yaml);
  auto from_json = WorkloadProfileFromJson(WorkloadProfileToJson(*back), nullptr);
  ASSERT_TRUE(from_json.ok()) << from_json.status();
  EXPECT_EQ(*from_json, *back);
}

TEST(FileSystemUseCodecTest, AbsentWritesNothingAndMergingUnites) {
  WorkloadProfile none = WithUse();
  none.containers[0].file_system_use.reset();
  EXPECT_THAT(EmitWorkloadProfile(none), Not(HasSubstr("fileSystemUse")));
  EXPECT_FALSE(WorkloadProfileToJson(none)["spec"]["containers"][0].contains("fileSystemUse"));
  WorkloadProfile other = WithUse();
  other.containers[0].file_system_use->working_dirs = {"/srv"};
  other.containers[0].file_system_use->shipped = {{"/var/cache/nginx", {"proxy_temp"}, 3}};
  WorkloadProfile merged = MergeProfiles({none, WithUse(), other});
  const FileSystemUse& u = *merged.containers[0].file_system_use;
  EXPECT_THAT(u.working_dirs, ::testing::ElementsAre("/", "/srv"));
  ASSERT_EQ(u.shipped.size(), 2u);
  EXPECT_THAT(u.shipped[1].entries, ::testing::ElementsAre("fastcgi_temp", "proxy_temp", "true"));
  EXPECT_EQ(u.shipped[1].total, 3u);
}

TEST(FileSystemUseCodecTest, ParsingIsStrict) {
  auto bad = ParseWorkloadProfile(R"(apiVersion: minpriv.dev/v1alpha1
kind: WorkloadProfile
metadata: {name: w}
spec:
  containers:
    - name: w
      fileSystemUse:
        mapped: [relative/lib.so]
)",
                                  "p.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("p.yaml:8:18"));
  auto unknown = ParseWorkloadProfile(R"(apiVersion: minpriv.dev/v1alpha1
kind: WorkloadProfile
metadata: {name: w}
spec:
  containers:
    - name: w
      fileSystemUse: {shipped: [{path: /x, size: 1}]}
)",
                                      "p.yaml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), HasSubstr("size"));
}

}  // namespace
}  // namespace minpriv::crd
