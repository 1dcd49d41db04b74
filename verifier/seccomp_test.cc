#include "verifier/seccomp.h"

#include <gtest/gtest.h>

#include "tests/test_util.h"
#include "util/json_format.h"

namespace minpriv::verifier {
namespace {

std::string Testdata(const std::string& name) {
  return test::ReadFileOrFail(std::string(MINPRIV_VERIFIER_TESTDATA) + "/" + name);
}

TEST(SeccompTest, AllowsOnlyWhatRulesAllow) {
  auto p = ParseSeccompProfile(Testdata("seccomp/shop-web-nginx.json"), "p.json", {});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->Allows("read"));
  EXPECT_TRUE(p->Allows("personality"));  // conditionally
  EXPECT_FALSE(p->Allows("ptrace"));      // explicit errno rule
  EXPECT_FALSE(p->Allows("mount"));       // default action
  EXPECT_EQ(p->default_errno_ret, 1u);
  EXPECT_EQ(p->syscalls[2].errno_ret, 38u);
}

TEST(SeccompTest, DockerFormatArchMapIncludesExcludes) {
  auto with_ptrace = ParseSeccompProfile(Testdata("docker_profile.json"), "d.json",
                                         {"SYS_PTRACE", "CHOWN"});
  ASSERT_TRUE(with_ptrace.ok()) << with_ptrace.status();
  EXPECT_EQ(with_ptrace->architectures,
            (std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  EXPECT_TRUE(with_ptrace->Allows("close"));   // "name" form
  EXPECT_TRUE(with_ptrace->Allows("ptrace"));  // includes caps satisfied
  EXPECT_FALSE(with_ptrace->Allows("chown"));  // excluded: has CHOWN
  EXPECT_FALSE(with_ptrace->Allows("kill"));   // arm64 only

  auto without = ParseSeccompProfile(Testdata("docker_profile.json"), "d.json", {});
  ASSERT_TRUE(without.ok());
  EXPECT_FALSE(without->Allows("ptrace"));
  EXPECT_TRUE(without->Allows("chown"));
}

TEST(SeccompTest, ErrorsNamePosition) {
  auto bad = ParseSeccompProfile("{\n  \"defaultAction\": \"SCMP_ACT_MAYBE\"\n}\n", "x.json", {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("x.json:2:20: unknown seccomp action SCMP_ACT_MAYBE"),
            std::string::npos)
      << bad.status();
  auto missing = ParseSeccompProfile("{\"syscalls\": []}", "y.json", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("defaultAction"), std::string::npos);
}

TEST(SeccompTest, ToOciKeepsErrnoAndArgs) {
  auto p = ParseSeccompProfile(Testdata("seccomp/shop-web-nginx.json"), "p.json", {});
  ASSERT_TRUE(p.ok());
  std::string dumped = util::DumpPretty(SeccompToOci(*p));
  EXPECT_NE(dumped.find("\"errnoRet\": 38"), std::string::npos);
  EXPECT_NE(dumped.find("\"op\": \"SCMP_CMP_EQ\""), std::string::npos);
  EXPECT_NE(dumped.find("\"defaultErrnoRet\": 1"), std::string::npos);
}

}  // namespace
}  // namespace minpriv::verifier
