// Runs the real `minpriv propose` binary: success, determinism, and user errors (exit 2,
// a message with file:line:column, no output directory).
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "remediator/test_util.h"
#include "tests/test_util.h"

namespace minpriv::remediator {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

std::string CaseArgs(const std::string& name) {
  std::string dir = testing::TestData() + "/" + name;
  auto in = testing::CaseFiles(dir);
  std::string args;
  for (const auto& p : in.profiles) absl::StrAppend(&args, " --profile ", p);
  for (const auto& m : in.manifests) absl::StrAppend(&args, " --manifest ", m);
  if (!in.inventory.empty()) absl::StrAppend(&args, " --inventory ", in.inventory);
  return args;
}

class CliTest : public ::testing::Test {
 protected:
  struct Result {
    int code = -1;
    std::string output;  // stdout and stderr, as with 2>&1
  };
  // `minpriv propose ARGS` (space-separated; no quoting needed by these tests).
  Result Propose(const std::string& args) {
    std::vector<std::string> argv = {"propose"};
    for (absl::string_view a : absl::StrSplit(args, ' ', absl::SkipEmpty())) argv.emplace_back(a);
    test::RunResult r = test::RunMinpriv(argv, logs_.path(), "propose", /*merge_stderr=*/true);
    return {r.exit_code, r.out};
  }
  std::string Path(const std::string& rel) { return tmp_.path() + "/" + rel; }
  void Write(const std::string& rel, const std::string& text) {
    ASSERT_TRUE(util::WriteFileAtomic(Path(rel), text).ok());
  }
  void ExpectUserError(const std::string& args, const std::string& message_regex) {
    Result r = Propose(absl::StrCat(args, " --out-dir ", Path("out")));
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_THAT(r.output, MatchesRegex(message_regex));
    EXPECT_FALSE(std::filesystem::exists(Path("out"))) << "output directory written despite the error";
    // No temporary directories left next to it either.
    for (const auto& e : std::filesystem::directory_iterator(tmp_.path())) {
      EXPECT_EQ(e.path().string().find("minpriv-tmp"), std::string::npos) << e.path();
    }
  }
  test::TempDir tmp_;
  test::TempDir logs_;  // captured output, kept apart from the directory under test
};

TEST_F(CliTest, WritesTheGoldenDirectoryAndIsDeterministic) {
  for (const char* name : {"helm-deployment", "multi-container-pod"}) {
    std::string args = CaseArgs(name);
    Result a = Propose(absl::StrCat(args, " --out-dir ", Path(std::string(name) + "-a")));
    ASSERT_EQ(a.code, 0) << a.output;
    Result b = Propose(absl::StrCat(args, " --out-dir=", Path(std::string(name) + "-b")));
    ASSERT_EQ(b.code, 0) << b.output;
    auto tree_a = testing::ReadTree(Path(std::string(name) + "-a"));
    EXPECT_EQ(tree_a, testing::ReadTree(Path(std::string(name) + "-b")));
    // Same bytes as the golden files (which name inputs by base name; the CLI by path).
    auto golden = testing::ReadTree(testing::TestData() + "/" + name + "/golden");
    ASSERT_EQ(tree_a.size(), golden.size());
    for (const auto& [file, text] : golden) {
      if (file == "report.md") continue;  // contains the input paths
      EXPECT_EQ(tree_a[file], text) << file;
    }
  }
}

TEST_F(CliTest, ExistingOutputNeedsForce) {
  std::string args = CaseArgs("statefulset");
  std::filesystem::create_directories(Path("out"));
  Write("out/keep.txt", "mine");
  Result r = Propose(absl::StrCat(args, " --out-dir ", Path("out")));
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.output, HasSubstr("--force"));
  EXPECT_TRUE(std::filesystem::exists(Path("out/keep.txt")));
  r = Propose(absl::StrCat(args, " --force --out-dir ", Path("out")));
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_FALSE(std::filesystem::exists(Path("out/keep.txt")));
  EXPECT_TRUE(std::filesystem::exists(Path("out/narrowed.yaml")));
}

TEST_F(CliTest, UserErrorsExitTwoWithPositionAndWriteNothing) {
  std::string profile = testing::TestData() + "/helm-deployment/profile.yaml";
  Write("bad.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop-web\n  labels: {a: [b}\n");
  ExpectUserError(absl::StrCat("--profile ", profile, " --manifest ", Path("bad.yaml")),
                  ".*bad\\.yaml:5:[0-9]+: invalid YAML.*");
  Write("kind.yaml", "apiVersion: apps/v1\nkind: Deploymnet\nmetadata:\n  name: shop-web\n");
  ExpectUserError(absl::StrCat("--profile ", profile, " --manifest ", Path("kind.yaml")),
                  ".*kind\\.yaml:2:7: unknown kind 'Deploymnet'.*");
  Write("other.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop-web\n  namespace: shop\nspec:\n"
        "  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers: [{name: web, image: x}]\n");
  ExpectUserError(absl::StrCat("--profile ", profile, " --manifest ", Path("other.yaml")),
                  "(.|\n)*profile container 'nginx' is not in Deployment 'shop-web' \\(.*other\\.yaml:1:1\\)(.|\n)*");
  // A pod spec field of the wrong type: where it is, not "whose containers are: ".
  Write("type.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop-web\n  namespace: shop\nspec:\n"
        "  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers: foo\n");
  ExpectUserError(absl::StrCat("--profile ", profile, " --manifest ", Path("type.yaml")),
                  ".*type\\.yaml:10:19: spec\\.containers must be a list of containers \\(found 'foo'\\).*");
  ExpectUserError(absl::StrCat("--profile ", profile, " --manifest ", Path("missing.yaml")),
                  ".*missing\\.yaml: cannot open: No such file or directory.*");
  ExpectUserError(absl::StrCat("--profile ", profile, " --manifest ", tmp_.path()),
                  (".*cannot read.*"));
  Write("badprofile.yaml", "apiVersion: minpriv.dev/v1alpha1\nkind: WorkloadProfile\nmetadata: {name: x\n");
  ExpectUserError(absl::StrCat("--profile ", Path("badprofile.yaml"), " --manifest ", Path("other.yaml")),
                  ".*badprofile\\.yaml:[0-9]+:[0-9]+:.*");
  ExpectUserError(absl::StrCat("--profile ", profile, " --manifest ", Path("other.yaml"), " --inventory ",
                               Path("bad.yaml")),
                  ".*bad\\.yaml:5:[0-9]+: invalid YAML.*");
  ExpectUserError("--manifest x.yaml", "(.|\n)*at least one --profile FILE is required(.|\n)*");
  ExpectUserError(absl::StrCat("--profile ", profile, " --manifest ", Path("other.yaml"), " --bogus"),
                  "(.|\n)*unknown flag '--bogus'(.|\n)*");
}

// Issue 12, §4: a ~600-byte alias bomb in a manifest is a user error at once (exit 2), not
// minutes and gigabytes.
TEST_F(CliTest, AnAliasBombIsAUserError) {
  std::string profile = testing::TestData() + "/helm-deployment/profile.yaml";
  std::string bomb = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n  annotations:\n"
                     "    a: &a [x, x, x, x, x, x, x, x, x]\n";
  for (char level = 'b'; level <= 'i'; ++level) {
    std::string prev(1, static_cast<char>(level - 1));
    absl::StrAppend(&bomb, "    ", std::string(1, level), ": &", std::string(1, level), " [");
    for (int i = 0; i < 9; ++i) absl::StrAppend(&bomb, i ? ", " : "", "*", prev);
    absl::StrAppend(&bomb, "]\n");
  }
  Write("bomb.yaml", bomb);
  ExpectUserError(absl::StrCat("--profile ", profile, " --manifest ", Path("bomb.yaml")),
                  "(.|\n)*bomb\\.yaml:1:1: YAML aliases \\(\\*name\\) expand this document(.|\n)*");
}

}  // namespace
}  // namespace minpriv::remediator
