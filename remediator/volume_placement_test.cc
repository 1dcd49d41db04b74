// Placement of emptyDirs with a profile's fileSystemUse (ISSUE12 §1): never over an
// executable, library, working directory, open file or image-shipped entry the workload did
// not create; seeded from the image where the written directory itself ships content; the
// root kept writable, naming the directory, when that cannot be done. Profiles without
// fileSystemUse keep their proposals (the goldens).
#include "remediator/volume_placement.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "remediator/proposer.h"
#include "remediator/workload.h"
#include "remediator/yaml_io.h"

namespace minpriv::remediator {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

crd::FileWrite Created(const std::string& path) { return {path, {"create", "write"}, 1, "", false, {}}; }

std::vector<std::string> Dirs(const VolumePlan& plan) {
  std::vector<std::string> out;
  for (const PlacedVolume& v : plan.volumes) out.push_back(v.dir + (v.seed ? " (seeded)" : ""));
  return out;
}

TEST(VolumePlacementTest, AProgramUnderTmpWritingUnderTmpGetsTheNarrowestVolume) {
  crd::ContainerProfile prof;
  prof.execs = {{"/tmp/app/bin/prog", false, 1, ""}};
  std::vector<crd::FileWrite> writes = {Created("/tmp/app/w/a"), Created("/tmp/app/w/b/c"),
                                        {"/tmp/app/w/b", {"mkdir"}, 1, "", false, {}}};
  crd::FileSystemUse use;
  use.shipped = {{"/tmp/app", {"bin", "w"}, 2}};
  VolumePlan plan = PlaceVolumes(writes, prof, use, true);
  EXPECT_THAT(Dirs(plan), ElementsAre("/tmp/app/w"));
  EXPECT_THAT(plan.blocked, IsEmpty());
  ASSERT_FALSE(plan.volumes[0].evidence.empty());
  EXPECT_THAT(plan.volumes[0].evidence[0],
              HasSubstr("not at `/tmp/app`: an empty volume there would hide `/tmp/app/bin/prog` "
                        "(executed)"));
  // Without the facts (an older profile), all of /tmp, over the program.
  EXPECT_THAT(CollapseWritableDirs(writes), ElementsAre("/tmp"));
}

TEST(VolumePlacementTest, AWorkingDirectoryUnderAWrittenDirectoryIsNotHidden) {
  crd::ContainerProfile prof;
  std::vector<crd::FileWrite> writes = {Created("/tmp/job/out/result"), Created("/tmp/job/log")};
  crd::FileSystemUse use;
  use.working_dirs = {"/tmp/job/out"};
  // It works in /tmp/job/out, which it did not make, and writes beside it in /tmp/job: a
  // volume on /tmp or /tmp/job would hide its working directory unless seeded.
  VolumePlan plan = PlaceVolumes(writes, prof, use, true);
  EXPECT_THAT(Dirs(plan), ElementsAre("/tmp/job (seeded)"));
  EXPECT_THAT(plan.volumes[0].evidence[0], HasSubstr("`/tmp/job/out` (a working directory)"));
  // Had it made its working directory itself, nothing would be hidden.
  writes.push_back({"/tmp/job/out", {"mkdir"}, 1, "", false, {}});
  plan = PlaceVolumes(writes, prof, use, true);
  EXPECT_THAT(Dirs(plan), ElementsAre("/tmp"));
}

TEST(VolumePlacementTest, AnAppWritingBesideItsBinaryGetsAVolumeOnItsLogsOnly) {
  crd::ContainerProfile prof;
  prof.execs = {{"/app/bin/server", false, 1, ""}};
  std::vector<crd::FileWrite> writes = {Created("/app/logs/access.log"), Created("/app/logs/error.log")};
  crd::FileSystemUse use;
  use.mapped = {"/app/bin/server", "/app/lib/libapp.so", "/usr/lib/x86_64-linux-gnu/libc.so.6"};
  use.working_dirs = {"/app"};
  use.shipped = {{"/app", {"bin", "lib", "logs"}, 3}};
  VolumePlan plan = PlaceVolumes(writes, prof, use, true);
  EXPECT_THAT(Dirs(plan), ElementsAre("/app/logs"));
  // /opt/app/work: under a system directory, but the listing proves nothing is there.
  writes = {Created("/opt/app/work/state")};
  use.shipped = {{"/opt", {"app"}, 1}, {"/opt/app", {"bin", "work"}, 2}};
  plan = PlaceVolumes(writes, prof, use, true);
  EXPECT_THAT(Dirs(plan), ElementsAre("/opt/app/work"));
}

TEST(VolumePlacementTest, AWrittenDirectoryWithShippedContentIsSeededOrBlocked) {
  crd::ContainerProfile prof;
  std::vector<crd::FileWrite> writes = {Created("/var/cache/nginx/client_temp/1"),
                                        {"/var/cache/nginx/client_temp", {"mkdir"}, 1, "", false, {}},
                                        Created("/var/cache/nginx/proxy.tmp")};
  crd::FileSystemUse use;
  use.shipped = {{"/var/cache/nginx", {"fastcgi.conf"}, 1}};
  VolumePlan plan = PlaceVolumes(writes, prof, use, true);
  EXPECT_THAT(Dirs(plan), ElementsAre("/var/cache/nginx (seeded)"));
  EXPECT_THAT(plan.volumes[0].evidence[0],
              HasSubstr("seeded from the image: `/var/cache/nginx` holds 1 entry the image shipped "
                        "(e.g. `/var/cache/nginx/fastcgi.conf`)"));
  plan = PlaceVolumes(writes, prof, use, /*can_seed=*/false);
  EXPECT_THAT(plan.volumes, IsEmpty());
  EXPECT_THAT(plan.blocked, ElementsAre("/var/cache/nginx"));
  EXPECT_THAT(plan.blocked_reasons[0], HasSubstr("names no image"));
  // A file of the image modified in place is the image's content too.
  writes = {{"/etc/app.conf", {"write"}, 1, "", false, {}}};
  plan = PlaceVolumes(writes, prof, crd::FileSystemUse{}, true);
  EXPECT_THAT(plan.blocked, ElementsAre("/etc"));
  EXPECT_THAT(plan.blocked_reasons[0], HasSubstr("`/etc/app.conf` (in the image, modified: write)"));
  EXPECT_THAT(plan.blocked_reasons[0], HasSubstr("system directory"));
}

TEST(VolumePlacementTest, AMadeDirectoryWrittenInIsItsOwnVolumeAndSaysSo) {
  crd::ContainerProfile prof;
  prof.execs = {{"/tmp/d/prog", false, 1, ""}};
  std::vector<crd::FileWrite> writes = {{"/tmp/d/w", {"mkdir"}, 1, "", false, {}},
                                        Created("/tmp/d/w/x")};
  VolumePlan plan = PlaceVolumes(writes, prof, crd::FileSystemUse{}, true);
  EXPECT_THAT(Dirs(plan), ElementsAre("/tmp/d/w"));
  EXPECT_THAT(plan.volumes[0].evidence, testing::Contains(HasSubstr("finds the volume's mount point")));
}

// Through the proposer: the init container, the summary's fileSystem block, and no change
// at all for a profile without fileSystemUse.
TEST(VolumePlacementTest, TheProposalSeedsWithAnInitContainerOfTheSameImage) {
  crd::ContainerProfile c;
  c.name = "web";
  c.syscalls = {"read"};
  c.file_writes = {Created("/var/cache/nginx/x")};
  c.file_system_use = crd::FileSystemUse{};
  c.file_system_use->shipped = {{"/var/cache/nginx", {"a"}, 1}};
  crd::WorkloadProfile p;
  p.name = "web";
  p.containers = {c};
  const std::string manifest = R"(apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: web
    image: nginx:1.27
)";
  auto proposal = Propose({{"profile.yaml", p}}, {{"manifest.yaml", manifest}}, Inventory{});
  ASSERT_TRUE(proposal.ok()) << proposal.status();
  std::string out = EmitYamlDocuments(proposal->documents);
  EXPECT_THAT(out, HasSubstr("initContainers:"));
  EXPECT_THAT(out, HasSubstr("command: [cp, -a, /var/cache/nginx/., /seed/]"));
  EXPECT_THAT(out, HasSubstr("image: nginx:1.27"));
  EXPECT_THAT(out, HasSubstr("mountPath: /var/cache/nginx"));
  auto files = RenderProposal(*proposal);
  EXPECT_THAT(files.at("summary.json"), HasSubstr("\"seededVolumes\""));
  EXPECT_THAT(files.at("report.md"), HasSubstr("an image without `cp`"));
  c.file_system_use.reset();
  p.containers = {c};
  auto legacy = Propose({{"profile.yaml", p}}, {{"manifest.yaml", manifest}}, Inventory{});
  ASSERT_TRUE(legacy.ok()) << legacy.status();
  EXPECT_THAT(EmitYamlDocuments(legacy->documents), Not(HasSubstr("initContainers")));
  EXPECT_THAT(RenderProposal(*legacy).at("summary.json"), Not(HasSubstr("\"fileSystem\"")));
}

}  // namespace
}  // namespace minpriv::remediator
