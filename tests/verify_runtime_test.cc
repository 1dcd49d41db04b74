// The verifier's runtime plumbing with the real runc on this kernel (no observer): the
// bundle (host root through an overlay), the spec built from a securityContext, container
// start with a seccomp allow list made of a program's own syscalls plus the runtime's
// measured needs, read-only root and writable emptyDir, exit status propagation.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "remediator/runtime_syscalls.h"
#include "tests/test_util.h"
#include "util/files.h"
#include "verifier/bundle.h"
#include "verifier/oci_spec.h"
#include "verifier/runc.h"

namespace minpriv::verifier {
namespace {

// What /bin/true (glibc, dynamically linked) does on its own once exec'd, measured here.
const std::vector<std::string> kTrueSyscalls = {
    "access",   "arch_prctl", "brk",       "close",           "exit_group", "getrandom",
    "mmap",     "mprotect",   "munmap",    "newfstatat",      "openat",     "pread64",
    "prlimit64", "read",      "rseq",      "set_robust_list", "set_tid_address"};

std::string SeccompJson(const std::set<std::string>& allowed) {
  std::vector<std::string> quoted;
  for (const auto& s : allowed) quoted.push_back(absl::StrCat("\"", s, "\""));
  return absl::StrCat(
      "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_X86_64\"],\n"
      " \"syscalls\": [{\"names\": [",
      absl::StrJoin(quoted, ", "), "], \"action\": \"SCMP_ACT_ALLOW\"}]}\n");
}

class VerifyRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "these tests run as root (runc)";
    auto runc = FindRunc();
    ASSERT_TRUE(runc.ok()) << runc.status();
    runc_ = *runc;
    proposal_ = tmp_.path();
    ASSERT_FALSE(proposal_.empty());
    ASSERT_EQ(mkdir((proposal_ + "/seccomp").c_str(), 0755), 0);
  }
  void TearDown() override {
    std::error_code ec = tmp_.Remove();
    ASSERT_FALSE(ec) << proposal_ << ": " << ec.message();
  }

  // Runs args in a container of the Pod `manifest`; returns the wait status, or -1 when
  // runc refused to create or start it.
  int Run(const std::string& manifest, const std::vector<std::string>& args,
          std::string* emptydir_out = nullptr) {
    auto w = ParseWorkloads(manifest, "test.yaml");
    EXPECT_TRUE(w.ok()) << w.status();
    auto sel = SelectContainer(*w, "", "", "test.yaml");
    EXPECT_TRUE(sel.ok()) << sel.status();
    auto bundle = Bundle::Create();
    EXPECT_TRUE(bundle.ok()) << bundle.status();
    if (!bundle.ok()) return -2;
    SpecInputs in;
    in.pod = sel->pod;
    in.container = sel->container;
    in.args = args;
    in.seccomp_dir = proposal_ + "/seccomp";
    in.cgroups_path = absl::StrCat("/minpriv/verify-test-", getpid());
    for (const auto& v : in.pod.volumes) {
      if (v.type == Volume::Type::kEmptyDir && !v.memory_medium) {
        auto dir = bundle->AddEmptyDir(v.name, -1);
        EXPECT_TRUE(dir.ok());
        in.empty_dir_sources[v.name] = *dir;
      }
    }
    auto spec = BuildOciSpec(in);
    EXPECT_TRUE(spec.ok()) << spec.status();
    if (!spec.ok()) return -2;
    EXPECT_TRUE(bundle->WriteConfig(spec->config).ok());
    auto c = RuncContainer::Create(runc_, bundle->dir(), absl::StrCat("minpriv-test-", getpid()));
    if (!c.ok()) return -1;
    if (!c->Start().ok()) return -1;
    auto st = c->WaitExit(absl::Seconds(60));
    EXPECT_TRUE(st.has_value()) << "container did not exit";
    if (emptydir_out && !in.empty_dir_sources.empty()) {
      // Read what the container left in its emptyDir before the bundle goes away.
      auto text = util::ReadFile(in.empty_dir_sources.begin()->second + "/out");
      *emptydir_out = text.ok() ? *text : "";
    }
    return st.value_or(-3);
  }

  std::string runc_;
  test::TempDir tmp_{"/tmp/minpriv-verify-test-"};
  std::string proposal_;
};

constexpr char kNarrowedPod[] = R"(apiVersion: v1
kind: Pod
metadata: {name: tiny}
spec:
  securityContext:
    seccompProfile: {type: Localhost, localhostProfile: minpriv/tiny.json}
  volumes:
  - {name: scratch, emptyDir: {}}
  containers:
  - name: tiny
    securityContext:
      readOnlyRootFilesystem: true
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
    volumeMounts:
    - {name: scratch, mountPath: /scratch}
)";

TEST_F(VerifyRuntimeTest, StartsWithProgramSyscallsPlusRuntimeNeeds) {
  std::set<std::string> allowed(kTrueSyscalls.begin(), kTrueSyscalls.end());
  const auto& runtime = remediator::RuntimeRequiredSyscalls();
  allowed.insert(runtime.begin(), runtime.end());
  ASSERT_TRUE(util::WriteFileAtomic(proposal_ + "/seccomp/tiny.json", SeccompJson(allowed)).ok());
  int st = Run(kNarrowedPod, {"/bin/true"});
  ASSERT_TRUE(WIFEXITED(st)) << st;
  EXPECT_EQ(WEXITSTATUS(st), 0);
}

TEST_F(VerifyRuntimeTest, ProgramSyscallsAloneDoNotStart) {
  // Without the runtime's own needs (execve first of all) the container cannot start:
  // the reason the proposal must add them.
  std::set<std::string> allowed(kTrueSyscalls.begin(), kTrueSyscalls.end());
  ASSERT_TRUE(util::WriteFileAtomic(proposal_ + "/seccomp/tiny.json", SeccompJson(allowed)).ok());
  int st = Run(kNarrowedPod, {"/bin/true"});
  EXPECT_FALSE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;
}

constexpr char kPlainPod[] = R"(apiVersion: v1
kind: Pod
metadata: {name: plain}
spec:
  volumes:
  - {name: scratch, emptyDir: {}}
  containers:
  - name: plain
    securityContext: {readOnlyRootFilesystem: true}
    volumeMounts:
    - {name: scratch, mountPath: /scratch}
)";

TEST_F(VerifyRuntimeTest, ReadOnlyRootWritableEmptyDirAndExitStatus) {
  const std::string host_file = absl::StrCat("/var/tmp/minpriv-verify-ro-", getpid());
  unlink(host_file.c_str());
  std::string out;
  int st = Run(kPlainPod,
               {"/bin/sh", "-c",
                absl::StrCat("touch ", host_file, " 2>/dev/null && exit 1; "
                             "echo written > /scratch/out || exit 2; exit 7")},
               &out);
  ASSERT_TRUE(WIFEXITED(st)) << st;
  EXPECT_EQ(WEXITSTATUS(st), 7);
  EXPECT_EQ(out, "written\n");
  struct stat sb;
  EXPECT_NE(stat(host_file.c_str(), &sb), 0) << host_file << " must not exist on the host";
}

TEST_F(VerifyRuntimeTest, WritableRootLandsInThrowAwayLayer) {
  const std::string host_file = absl::StrCat("/var/tmp/minpriv-verify-rw-", getpid());
  unlink(host_file.c_str());
  constexpr char kRwPod[] = R"(apiVersion: v1
kind: Pod
metadata: {name: rw}
spec:
  containers:
  - name: rw
)";
  int st = Run(kRwPod, {"/bin/sh", "-c", absl::StrCat("touch ", host_file, " && test -f ",
                                                     host_file)});
  ASSERT_TRUE(WIFEXITED(st)) << st;
  EXPECT_EQ(WEXITSTATUS(st), 0);
  struct stat sb;
  EXPECT_NE(stat(host_file.c_str(), &sb), 0) << host_file << " must not reach the host";
}

}  // namespace
}  // namespace minpriv::verifier
