// `minpriv verify --image`: an OCI image built here by hand (a static entrypoint, a passwd
// file and a config with Entrypoint, Cmd, User, Env and WorkingDir) verifies with its own
// entrypoint and user from an OCI layout, an oci-archive and a docker-archive; its root file
// system is unpacked once and then found in the cache; a proposal that would run the
// non-root image as root, or a runAsNonRoot proposal for an image that runs as root, is
// reported and not started.
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "util/files.h"
#include "util/process.h"

namespace minpriv {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using test::RunMinpriv;
using test::RunResult;

// Writes an OCI layout at DIR/oci (tag v1) whose image runs IMGPROG as `user`, then the
// same image as DIR/oci.tar (oci-archive) and DIR/docker.tar (docker-archive).
void BuildImage(const std::string& dir, const std::string& user) {
  const std::string config = absl::StrCat(
      R"({"architecture":"amd64","os":"linux","config":{"User":")", user,
      R"(","Entrypoint":["/app/imgprog"],"Cmd":["--uid","1000","--cwd","/app","--env",)"
      R"("GREETING=hello"],"Env":["PATH=/app","GREETING=hello"],"WorkingDir":"/app"},)"
      R"("rootfs":{"type":"layers","diff_ids":["sha256:LAYER"]}})");
  const std::string script = absl::StrCat(
      "set -e\ncd '", dir, "'\n", "mkdir -p rootfs/app rootfs/etc oci/blobs/sha256\n",
      "cp '", IMGPROG_BINARY, "' rootfs/app/imgprog\n",
      "echo 'root:x:0:0::/root:/bin/false' > rootfs/etc/passwd\n",
      "echo 'app:x:1000:1000::/app:/bin/false' >> rootfs/etc/passwd\n",
      "tar --numeric-owner --owner=0 --group=0 --sort=name --mtime=@0 -C rootfs -cf layer.tar "
      "app etc\n",
      "blob() { d=$(sha256sum \"$1\" | cut -d' ' -f1); cp \"$1\" oci/blobs/sha256/$d; echo $d; }\n",
      "L=$(blob layer.tar); LS=$(stat -c %s layer.tar)\n",
      "printf '%s' '", config, "' | sed \"s/LAYER/$L/\" > config.json\n",
      "C=$(blob config.json); CS=$(stat -c %s config.json)\n",
      "printf '{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
      "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":"
      "\"sha256:%s\",\"size\":%s},\"layers\":[{\"mediaType\":"
      "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:%s\",\"size\":%s}]}' "
      "$C $CS $L $LS > manifest.json\n",
      "M=$(blob manifest.json); MS=$(stat -c %s manifest.json)\n",
      "echo '{\"imageLayoutVersion\":\"1.0.0\"}' > oci/oci-layout\n",
      "printf '{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
      "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:%s\",\"size\":%s,"
      "\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}}]}' $M $MS > "
      "oci/index.json\n",
      "skopeo copy --quiet --insecure-policy oci:oci:v1 oci-archive:oci.tar:v1\n",
      "skopeo copy --quiet --insecure-policy oci:oci:v1 docker-archive:docker.tar:imgprog:v1\n");
  util::SpawnOptions options;
  options.stdout_path = dir + "/build.log";
  options.stderr_to_stdout = true;
  auto p = util::Process::Spawn({"/bin/sh", "-c", script}, options);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->Wait(), 0) << util::ReadFile(dir + "/build.log").value_or("");
}

// A proposal for the image's container: read-only root, no capabilities, no privilege
// escalation, runAsNonRoot (the image's user is judged), then `extra` container lines.
void WriteProposal(const std::string& dir, const std::string& extra,
                   bool run_as_non_root = true) {
  ASSERT_EQ(mkdir((dir + "/proposal").c_str(), 0755), 0);
  ASSERT_TRUE(util::WriteFileAtomic(dir + "/proposal/narrowed.yaml",
                                    absl::StrCat("apiVersion: v1\n"
                                                 "kind: Pod\n"
                                                 "metadata: {name: imgprog, namespace: default}\n"
                                                 "spec:\n"
                                                 "  containers:\n"
                                                 "  - name: imgprog\n"
                                                 "    image: registry.example/imgprog:v1\n",
                                                 extra,
                                                 "    securityContext:\n"
                                                 "      readOnlyRootFilesystem: true\n"
                                                 "      allowPrivilegeEscalation: false\n",
                                                 run_as_non_root ? "      runAsNonRoot: true\n"
                                                                 : "      runAsUser: 0\n",
                                                 "      capabilities: {drop: [ALL]}\n"))
                  .ok());
}

class VerifyImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path();
    ASSERT_FALSE(dir_.empty());
  }
  RunResult Verify(const std::string& image, const std::string& tag) {
    return RunMinpriv({"verify", "--proposal", dir_ + "/proposal", "--image", image,
                       "--image-cache", dir_ + "/cache", "--report", dir_ + "/" + tag + ".json"},
                      dir_, tag);
  }
  std::string Report(const std::string& tag) {
    return util::ReadFile(dir_ + "/" + tag + ".json").value_or("");
  }
  std::string Layout() const { return absl::StrCat("oci:", dir_, "/oci:v1"); }
  test::TempDir tmp_{"/tmp/minpriv-verify-image-"};
  std::string dir_;
};

TEST_F(VerifyImageTest, OwnEntrypointAndUserVerifyAndTheRootIsCachedByDigest) {
  BuildImage(dir_, "1000:1000");
  WriteProposal(dir_, "");
  RunResult first = Verify(Layout(), "first");
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_THAT(first.out, HasSubstr("VERIFIED"));
  // imgprog itself checked uid 1000, /app and GREETING, and exited 0.
  EXPECT_THAT(first.err, HasSubstr("imgprog: uid 1000 as the image says"));
  EXPECT_THAT(first.err, HasSubstr("mode: image oci:"));
  std::string report = Report("first");
  EXPECT_THAT(report, HasSubstr("\"mode\": \"image\""));
  EXPECT_THAT(report, HasSubstr("\"digest\": \"sha256:"));
  EXPECT_THAT(report, HasSubstr("\"cached\": false"));
  EXPECT_THAT(report, HasSubstr("\"/app/imgprog\""));
  // The second run finds the unpacked root in the cache.
  RunResult second = Verify(Layout(), "second");
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_THAT(Report("second"), HasSubstr("\"cached\": true"));
  EXPECT_THAT(second.err, HasSubstr(", cached)"));
}

TEST_F(VerifyImageTest, ArchiveTransportsVerify) {
  BuildImage(dir_, "1000:1000");
  WriteProposal(dir_, "");
  for (const std::string& ref : {absl::StrCat("oci-archive:", dir_, "/oci.tar"),
                                 absl::StrCat("docker-archive:", dir_, "/docker.tar")}) {
    RunResult r = Verify(ref, ref.substr(0, ref.find(':')));
    EXPECT_EQ(r.exit_code, 0) << ref << "\n" << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr("imgprog: uid 1000 as the image says")) << ref;
    EXPECT_THAT(Report(ref.substr(0, ref.find(':'))), HasSubstr("\"mode\": \"image\"")) << ref;
  }
}

TEST_F(VerifyImageTest, ManifestCommandOverridesTheEntrypoint) {
  BuildImage(dir_, "1000:1000");
  // The kubelet's rule: command replaces Entrypoint and Cmd. This one expects another uid,
  // so imgprog exits 3: proof that the manifest's command ran, as the image's user.
  WriteProposal(dir_, "    command: [/app/imgprog, --uid, \"4242\"]\n");
  RunResult r = Verify(Layout(), "command");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("imgprog: uid 1000, expected 4242"));
}

TEST_F(VerifyImageTest, RunAsRootOnANonRootImageIsReportedNotStarted) {
  BuildImage(dir_, "app");
  WriteProposal(dir_, "", /*run_as_non_root=*/false);  // runAsUser: 0
  RunResult r = Verify(Layout(), "root");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("not started: the proposal sets runAsUser: 0 but the image"));
  EXPECT_THAT(r.out, HasSubstr("runs as uid 1000 (user 'app')"));
  EXPECT_THAT(r.err, Not(HasSubstr("imgprog:")));  // it never ran
  EXPECT_THAT(Report("root"), HasSubstr("\"started\": false"));
}

TEST_F(VerifyImageTest, RunAsNonRootWithARootImageIsRefusedAsTheKubeletWould) {
  BuildImage(dir_, "");
  WriteProposal(dir_, "");
  RunResult r = Verify(Layout(), "nonroot");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("container has runAsNonRoot and image will run as root"));
  EXPECT_THAT(r.err, Not(HasSubstr("imgprog:")));
}

TEST_F(VerifyImageTest, MissingImageOrUnknownTransportIsAUsageError) {
  WriteProposal(dir_, "");
  EXPECT_EQ(Verify(absl::StrCat("oci:", dir_, "/nope:v1"), "missing").exit_code, 2);
  EXPECT_EQ(Verify("ftp://example/x", "transport").exit_code, 2);
}

}  // namespace
}  // namespace minpriv
