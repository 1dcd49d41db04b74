// `minpriv verify` never lets a manifest's hostPath volume write on the verifying machine
// unless asked to: a proposal mounts a temporary host directory as hostPath and the
// replayed command (root) writes into it. With the default (--host-paths=scratch) and with
// --host-paths=readonly nothing appears on the host; only --host-paths=bind writes through,
// and it warns.
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "util/files.h"

namespace minpriv {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using test::RunMinpriv;
using test::RunResult;

class VerifyHostPathsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path();
    host_ = host_tmp_.path();
    ASSERT_FALSE(dir_.empty());
    ASSERT_FALSE(host_.empty());
    ASSERT_EQ(mkdir((dir_ + "/proposal").c_str(), 0755), 0);
    ASSERT_TRUE(util::WriteFileAtomic(dir_ + "/proposal/narrowed.yaml",
                                      absl::StrCat(R"(apiVersion: v1
kind: Pod
metadata: {name: planter}
spec:
  containers:
  - name: planter
    securityContext:
      readOnlyRootFilesystem: true
    volumeMounts:
    - {name: hostdata, mountPath: /data}
  volumes:
  - name: hostdata
    hostPath: {path: )", host_, R"(, type: Directory}
)"))
                    .ok());
  }

  RunResult Verify(const std::string& mode, const std::string& tag) {
    std::vector<std::string> args = {"verify", "--proposal", dir_ + "/proposal"};
    if (!mode.empty()) {
      args.push_back("--host-paths");
      args.push_back(mode);
    }
    args.insert(args.end(), {"--report", dir_ + "/" + tag + ".json", "--", "/bin/sh", "-c",
                             "echo planted > /data/planted"});
    return RunMinpriv(args, dir_, tag);
  }

  bool Planted() const { return std::filesystem::exists(host_ + "/planted"); }

  test::TempDir tmp_{"/tmp/minpriv-verify-hostpath-"};
  test::TempDir host_tmp_{"/var/tmp/minpriv-hostpath-target-"};
  std::string dir_;
  std::string host_;
};

TEST_F(VerifyHostPathsTest, DefaultIsAnEmptyScratchDirectory) {
  RunResult r = Verify("", "scratch");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(Planted()) << "the replay wrote on the host";
  EXPECT_THAT(r.err, HasSubstr("--host-paths=scratch"));
  EXPECT_THAT(r.err, Not(HasSubstr("warning")));
  auto report = util::ReadFile(dir_ + "/scratch.json");
  ASSERT_TRUE(report.ok());
  EXPECT_THAT(*report, HasSubstr("--host-paths=scratch"));
}

TEST_F(VerifyHostPathsTest, ReadOnlyMountsTheHostPathButTheWriteFails) {
  ASSERT_TRUE(util::WriteFileAtomic(host_ + "/present", "from the host\n").ok());
  RunResult r = Verify("readonly", "readonly");
  EXPECT_FALSE(Planted()) << "the replay wrote on the host";
  // The shell's redirection fails with EROFS, so the workload exits non-zero: a break.
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("workload exited with status"));
  EXPECT_THAT(r.err, HasSubstr("--host-paths=readonly"));
  EXPECT_THAT(r.err, HasSubstr("Read-only file system"));
}

TEST_F(VerifyHostPathsTest, BindWritesThroughAndWarns) {
  RunResult r = Verify("bind", "bind");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(Planted());
  EXPECT_THAT(r.err, HasSubstr("warning: --host-paths=bind"));
  EXPECT_THAT(r.err, HasSubstr("--host-paths=bind"));
}

TEST_F(VerifyHostPathsTest, UnknownModeIsAUsageError) {
  RunResult r = Verify("rw", "bad");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("use scratch, readonly or bind"));
  EXPECT_FALSE(Planted());
}

}  // namespace
}  // namespace minpriv
