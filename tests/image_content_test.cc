// An emptyDir must never hide what the workload uses from its image (ISSUE12 §1), with the
// real kernel, the real `minpriv learn`, `propose` and `verify` (runc):
//   - a unix socket bound to a path is a creation by the workload (kernel record);
//   - a program under /tmp/<dir>/bin, working in /tmp/<dir>/run and reading
//     /tmp/<dir>/conf, that writes under /tmp/<dir>/w gets its emptyDir at /tmp/<dir>/w,
//     never /tmp, and that proposal verifies where the old placement (/tmp) breaks;
//   - a written directory whose shipped content the program reads is seeded from the image
//     by an init container, or keeps the root writable, naming the directory.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crd/profile_codec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "observer/observer.h"
#include "tests/observer_kernel_fixture.h"
#include "tests/test_util.h"
#include "util/cgroup.h"
#include "util/files.h"

namespace minpriv {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using test::RunMinpriv;
using test::RunResult;

constexpr char kPod[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: imguser
spec:
  containers:
  - name: imguser
    image: registry.example/imguser:1.0
)";

// The same Pod without an image: no init container can copy the image's content.
constexpr char kPodNoImage[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: imguser
spec:
  containers:
  - name: imguser
)";

using ImageContentKernelTest = kernel_test::ObserverKernelTest;

TEST_F(ImageContentKernelTest, AUnixSocketBoundToAPathIsACreation) {
  auto observer = observer::Observer::Create({});
  ASSERT_TRUE(observer.ok()) << observer.status();
  auto cg = util::ScopedCgroup::Create(absl::StrCat("minpriv-obs-uds-", getpid()));
  ASSERT_TRUE(cg.ok()) << cg.status();
  kernel_test::Recording rec;
  ASSERT_TRUE((*observer)->Watch(cg->path(), &rec).ok());
  std::string work = TempDir("uds");
  util::Process p = kernel_test::SpawnInCgroup(cg->path(), {IMAGE_USER_BINARY, "uds", work});
  ASSERT_GT(p.pid(), 0);
  EXPECT_EQ(kernel_test::Wait(p), 0);
  ASSERT_TRUE((*observer)->Drain().ok());
  EXPECT_TRUE(rec.files.count({observer::FileOp::kCreate, work + "/rel.sock"}));  // cwd-relative
  EXPECT_TRUE(rec.files.count({observer::FileOp::kCreate, work + "/abs.sock"}));
  // An abstract name creates no file; nothing else was written.
  EXPECT_EQ(rec.files.size(), 2u);
  for (const auto& [op, path] : rec.files) EXPECT_EQ(op, observer::FileOp::kCreate) << path;
}

// A program "image" laid out under /tmp/minpriv-image-XXXXXX: bin/image_user, run/ (its
// working directory), conf/app.conf (read), cache/shipped.conf (read where it also writes).
class ImageContentLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path();
    ASSERT_FALSE(dir_.empty());
    for (const char* sub : {"bin", "run", "conf", "cache", "out"}) {
      ASSERT_EQ(mkdir(absl::StrCat(dir_, "/", sub).c_str(), 0755), 0) << sub;
    }
    std::filesystem::copy_file(IMAGE_USER_BINARY, dir_ + "/bin/image_user");
    ASSERT_TRUE(util::WriteFileAtomic(dir_ + "/conf/app.conf", "port=1\n").ok());
    ASSERT_TRUE(util::WriteFileAtomic(dir_ + "/cache/shipped.conf", "shipped\n").ok());
    ASSERT_TRUE(util::WriteFileAtomic(dir_ + "/out/pod.yaml", kPod).ok());
    ASSERT_TRUE(util::WriteFileAtomic(dir_ + "/out/pod-no-image.yaml", kPodNoImage).ok());
    // Everything above predates the learning window: it is the "image".
    sleep(1);
  }
  void TearDown() override { test::RemoveUnlessFailed(dir_); }

  std::vector<std::string> Command(const char* mode) const {
    return {dir_ + "/bin/image_user", mode, dir_};
  }
  RunResult Learn(const char* mode) {
    std::vector<std::string> args = {"learn", "--out", Out(mode, ".yaml"), "--name", "imguser",
                                     "--"};
    for (const std::string& a : Command(mode)) args.push_back(a);
    return RunMinpriv(args, dir_ + "/out", absl::StrCat("learn-", mode));
  }
  RunResult Propose(const std::string& profile, const std::string& manifest,
                    const std::string& out) {
    return RunMinpriv({"propose", "--profile", profile, "--manifest", manifest, "--out-dir", out},
                      dir_ + "/out", "propose-" + std::filesystem::path(out).filename().string());
  }
  RunResult Verify(const std::string& proposal, const std::string& profile, const char* mode,
                   const std::string& tag) {
    std::vector<std::string> args = {"verify", "--proposal", proposal, "--profile", profile,
                                     "--report", Out(tag, ".json"), "--"};
    for (const std::string& a : Command(mode)) args.push_back(a);
    return RunMinpriv(args, dir_ + "/out", tag);
  }
  std::string Out(const std::string& name, const std::string& ext) const {
    return absl::StrCat(dir_, "/out/", name, ext);
  }

  test::TempDir tmp_{"/tmp/minpriv-image-"};
  std::string dir_;
};

TEST_F(ImageContentLoopTest, TheVolumeGoesWhereTheProgramWritesNotOverItsBinaryOrWorkingDir) {
  RunResult l = Learn("work");
  ASSERT_EQ(l.exit_code, 0) << l.out << l.err;
  auto profile = crd::ReadWorkloadProfileFile(Out("work", ".yaml"));
  ASSERT_TRUE(profile.ok()) << profile.status();
  ASSERT_EQ(profile->containers.size(), 1u);
  const crd::ContainerProfile& c = profile->containers[0];
  ASSERT_TRUE(c.file_system_use.has_value());
  EXPECT_THAT(c.file_system_use->working_dirs, Contains(dir_ + "/run"));
  EXPECT_THAT(c.file_system_use->open_files, Contains(dir_ + "/conf/app.conf"));
  EXPECT_THAT(c.file_system_use->mapped, Contains(dir_ + "/bin/image_user"));
  bool shipped_bin = false;
  for (const crd::ShippedDir& d : c.file_system_use->shipped) {
    if (d.path == dir_) shipped_bin = std::count(d.entries.begin(), d.entries.end(), "bin") == 1;
    EXPECT_NE(d.path, dir_ + "/w") << "the workload made " << dir_ << "/w";
  }
  EXPECT_TRUE(shipped_bin) << "the image's " << dir_ << "/bin is listed";

  RunResult p = Propose(Out("work", ".yaml"), Out("pod", ".yaml"), Out("proposal", ""));
  ASSERT_EQ(p.exit_code, 0) << p.out << p.err;
  std::string narrowed = test::ReadFileOrFail(Out("proposal", "/narrowed.yaml"));
  EXPECT_THAT(narrowed, HasSubstr("mountPath: " + dir_ + "/w\n")) << narrowed;
  EXPECT_THAT(narrowed, Not(HasSubstr("mountPath: /tmp\n"))) << narrowed;
  EXPECT_THAT(narrowed, HasSubstr("readOnlyRootFilesystem: true")) << narrowed;
  std::string report = test::ReadFileOrFail(Out("proposal", "/report.md"));
  EXPECT_THAT(report, HasSubstr(absl::StrCat("not at `", dir_, "`: an empty volume there would "
                                             "hide `", dir_, "/bin/image_user` (executed)")))
      << report;

  // The replay under runc: the program finds its binary, working directory and
  // configuration, and writes into its volume.
  RunResult v = Verify(Out("proposal", ""), Out("work", ".yaml"), "work", "verify-new");
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_THAT(v.out, HasSubstr("VERIFIED"));

  // The same profile without what it used (as learned before): one emptyDir at /tmp, which
  // hides the program, and the replay breaks.
  crd::WorkloadProfile legacy = *profile;
  legacy.containers[0].file_system_use.reset();
  ASSERT_TRUE(util::WriteFileAtomic(Out("legacy", ".yaml"), crd::EmitWorkloadProfile(legacy)).ok());
  RunResult old = Propose(Out("legacy", ".yaml"), Out("pod", ".yaml"), Out("legacy-proposal", ""));
  ASSERT_EQ(old.exit_code, 0) << old.out << old.err;
  EXPECT_THAT(test::ReadFileOrFail(Out("legacy-proposal", "/narrowed.yaml")),
              HasSubstr("mountPath: /tmp\n"));
  RunResult broke = Verify(Out("legacy-proposal", ""), Out("legacy", ".yaml"), "work", "verify-old");
  EXPECT_NE(broke.exit_code, 0) << broke.out << broke.err;
  EXPECT_THAT(broke.out, Not(HasSubstr("VERIFIED")));
}

TEST_F(ImageContentLoopTest, AWrittenDirectoryWithContentItReadsIsSeededOrKeepsTheRootWritable) {
  RunResult l = Learn("cache");
  ASSERT_EQ(l.exit_code, 0) << l.out << l.err;
  // With an image: the emptyDir at DIR/cache, filled from the image first.
  RunResult p = Propose(Out("cache", ".yaml"), Out("pod", ".yaml"), Out("seeded", ""));
  ASSERT_EQ(p.exit_code, 0) << p.out << p.err;
  std::string narrowed = test::ReadFileOrFail(Out("seeded", "/narrowed.yaml"));
  EXPECT_THAT(narrowed, HasSubstr("mountPath: " + dir_ + "/cache\n")) << narrowed;
  EXPECT_THAT(narrowed, HasSubstr("initContainers:")) << narrowed;
  EXPECT_THAT(narrowed, HasSubstr(absl::StrCat("[cp, -a, ", dir_, "/cache/., /seed/]")))
      << narrowed;
  EXPECT_THAT(narrowed, HasSubstr("image: registry.example/imguser:1.0")) << narrowed;
  EXPECT_THAT(narrowed, HasSubstr("readOnlyRootFilesystem: true")) << narrowed;
  std::string report = test::ReadFileOrFail(Out("seeded", "/report.md"));
  EXPECT_THAT(report, HasSubstr("an image without `cp`")) << report;
  EXPECT_THAT(report, HasSubstr(absl::StrCat("`", dir_, "/cache/shipped.conf` (held open)")))
      << report;
  EXPECT_THAT(test::ReadFileOrFail(Out("seeded", "/summary.json")),
              HasSubstr(absl::StrCat("\"seededVolumes\": [\n          \"", dir_, "/cache\"")));
  // The replay seeds the volume as the init container would, and the program finds its file.
  RunResult v = Verify(Out("seeded", ""), Out("cache", ".yaml"), "cache", "verify-seeded");
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_THAT(v.out, HasSubstr("VERIFIED"));

  // Without an image: no volume, the root stays writable, and the directory is named.
  RunResult q = Propose(Out("cache", ".yaml"), Out("pod-no-image", ".yaml"), Out("kept", ""));
  ASSERT_EQ(q.exit_code, 0) << q.out << q.err;
  std::string kept = test::ReadFileOrFail(Out("kept", "/narrowed.yaml"));
  EXPECT_THAT(kept, Not(HasSubstr("readOnlyRootFilesystem: true"))) << kept;
  EXPECT_THAT(kept, Not(HasSubstr("emptyDir"))) << kept;
  EXPECT_THAT(test::ReadFileOrFail(Out("kept", "/report.md")),
              HasSubstr(absl::StrCat("`readOnlyRootFilesystem` not set: the workload writes to `",
                                     dir_, "/cache`")));
  EXPECT_THAT(test::ReadFileOrFail(Out("kept", "/summary.json")),
              HasSubstr(absl::StrCat("\"rootWritableBecause\": [\n          \"", dir_, "/cache\"")));
}

}  // namespace
}  // namespace minpriv
