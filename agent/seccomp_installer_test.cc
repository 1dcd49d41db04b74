// SeccompInstaller against the test API server: approved proposals' profiles land in a temp
// seccomp directory atomically and once, this node is recorded in status.seccompInstalls, and
// rejection, deletion and an agent restart remove what no proposal needs.
#include "agent/seccomp_installer.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agent/agent_test_env.h"
#include "util/files.h"

namespace minpriv::agent::testing {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;

json Profile(int syscalls) {
  json names = json::array();
  for (int i = 0; i < syscalls; ++i) names.push_back(absl::StrCat("syscall_", i));
  return {{"defaultAction", "SCMP_ACT_ERRNO"},
          {"architectures", {"SCMP_ARCH_X86_64"}},
          {"syscalls", json::array({{{"names", names}, {"action", "SCMP_ACT_ALLOW"}}})}};
}

class SeccompInstallerTest : public AgentEnv {
 protected:
  void SetUp() override {
    AgentEnv::SetUp();
    char tmpl[] = "/tmp/minpriv-seccomp-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    CreateNamespace("shop");
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    AgentEnv::TearDown();
  }
  // A proposal with `phase` and one profile `profile_name` = `profile`.
  void SetProposal(const std::string& name, const std::string& phase,
                   const std::string& profile_name, const json& profile) {
    auto current = client_->Get(kRemediationProposals, "shop", name);
    if (!current.ok()) {
      json rp = {{"apiVersion", "minpriv.dev/v1alpha1"},
                 {"kind", "RemediationProposal"},
                 {"metadata", {{"name", name}, {"namespace", "shop"}}},
                 {"spec", {{"target", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"},
                                       {"name", name}}}}}};
      current = client_->Create(kRemediationProposals, "shop", rp);
      ASSERT_TRUE(current.ok()) << current.status();
    }
    auto patched = client_->PatchStatus(
        kRemediationProposals, "shop", name, kube::PatchType::kMerge,
        {{"status",
          {{"phase", phase},
           {"seccompProfiles", json::array({{{"name", profile_name}, {"profile", profile}}})}}}});
    ASSERT_TRUE(patched.ok()) << patched.status();
  }
  json Installs(const std::string& name) {
    auto rp = client_->Get(kRemediationProposals, "shop", name);
    if (!rp.ok()) return nullptr;
    return (*rp)["status"].value("seccompInstalls", json::array());
  }
  std::unique_ptr<SeccompInstaller> StartInstaller(const std::string& node) {
    auto in = std::make_unique<SeccompInstaller>(*client_, SeccompInstallerOptions{node, dir_});
    absl::Status s = in->Start(absl::Seconds(10));
    EXPECT_TRUE(s.ok()) << s;
    return in;
  }
  bool Wait(const std::function<bool()>& done) {
    for (absl::Time end = absl::Now() + absl::Seconds(10); absl::Now() < end;) {
      if (done()) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return done();
  }
  std::string File(const std::string& name) { return dir_ + "/minpriv/" + name + ".json"; }
  std::vector<std::string> Entries() {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir_ + "/minpriv")) {
      out.push_back(e.path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string dir_;
};

TEST_F(SeccompInstallerTest, InstallsAnApprovedProfileAtomicallyOnceAndReportsTheNode) {
  SetProposal("deployment-web", "Proposed", "shop-web-app", Profile(3));
  auto installer = StartInstaller("node-a");
  // Proposed: nothing yet.
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_FALSE(std::filesystem::exists(File("shop-web-app")));

  SetProposal("deployment-web", "Approved", "shop-web-app", Profile(3));
  ASSERT_TRUE(Wait([&] { return Installs("deployment-web").size() == 1; }));
  auto content = util::ReadFile(File("shop-web-app"));
  ASSERT_TRUE(content.ok()) << content.status();
  EXPECT_EQ(json::parse(*content), Profile(3));
  struct stat st1 {};
  ASSERT_EQ(stat(File("shop-web-app").c_str(), &st1), 0);
  EXPECT_EQ(st1.st_mode & 07777, 0644u);
  EXPECT_THAT(Entries(), ElementsAre("shop-web-app.json"));  // no temporary file left
  json entry = Installs("deployment-web")[0];
  EXPECT_EQ(entry["node"], "node-a");
  EXPECT_EQ(entry["profiles"], json({"shop-web-app"}));
  EXPECT_EQ(entry["digest"].get<std::string>().size(), 16u);

  // A second pass (and the status update its own patch caused) writes nothing.
  const SeccompCounters before = installer->counters();
  EXPECT_EQ(before.files_written, 1u);
  ASSERT_TRUE(installer->Sync("shop/deployment-web").ok());
  struct stat st2 {};
  ASSERT_EQ(stat(File("shop-web-app").c_str(), &st2), 0);
  EXPECT_EQ(st2.st_ino, st1.st_ino);
  EXPECT_EQ(st2.st_mtim.tv_sec, st1.st_mtim.tv_sec);
  EXPECT_EQ(st2.st_mtim.tv_nsec, st1.st_mtim.tv_nsec);
  EXPECT_EQ(installer->counters().files_written, before.files_written);
  EXPECT_EQ(installer->counters().status_patches, before.status_patches);

  // New content (a big profile): a reader never sees a partial file, only the old or the new.
  const json big = Profile(20000);
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0}, bad{0};
  std::thread reader([&] {
    while (!stop.load()) {
      auto text = util::ReadFile(File("shop-web-app"));
      if (!text.ok()) {
        ++bad;
        continue;
      }
      json j = json::parse(*text, nullptr, false);
      if (j != Profile(3) && j != big) ++bad;
      ++reads;
    }
  });
  SetProposal("deployment-web", "Applied", "shop-web-app", big);
  const std::string old_digest = entry["digest"];
  bool updated = Wait([&] {
    json in = Installs("deployment-web");
    return in.size() == 1 && in[0]["digest"] != old_digest;
  });
  stop.store(true);
  reader.join();
  ASSERT_TRUE(updated);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(json::parse(*util::ReadFile(File("shop-web-app"))), big);
  EXPECT_THAT(Entries(), ElementsAre("shop-web-app.json"));
  EXPECT_EQ(installer->counters().files_written, 2u);

  // Rejected (after the controller reverted the patch): the file and the entry go.
  SetProposal("deployment-web", "Rejected", "shop-web-app", big);
  ASSERT_TRUE(Wait([&] {
    return Installs("deployment-web").empty() && !std::filesystem::exists(File("shop-web-app"));
  }));
  EXPECT_EQ(installer->counters().files_removed, 1u);
  EXPECT_THAT(installer->Metrics(),
              ::testing::AllOf(::testing::HasSubstr("minpriv_agent_seccomp_files_written_total 2\n"),
                               ::testing::HasSubstr("minpriv_agent_seccomp_files_removed_total 1\n")));
}

TEST_F(SeccompInstallerTest, TwoNodesReportSideBySideAndDeletionRemovesTheFile) {
  SetProposal("deployment-web", "Approved", "shop-web-app", Profile(2));
  const std::string other_dir = dir_ + "/node-b";
  auto a = StartInstaller("node-a");
  SeccompInstaller b(*client_, SeccompInstallerOptions{"node-b", other_dir});
  ASSERT_TRUE(b.Start(absl::Seconds(10)).ok());
  ASSERT_TRUE(Wait([&] { return Installs("deployment-web").size() == 2; }));
  json in = Installs("deployment-web");
  EXPECT_EQ(in[0]["node"], "node-a");
  EXPECT_EQ(in[1]["node"], "node-b");
  EXPECT_TRUE(std::filesystem::exists(other_dir + "/minpriv/shop-web-app.json"));

  ASSERT_TRUE(client_->Delete(kRemediationProposals, "shop", "deployment-web").ok());
  ASSERT_TRUE(Wait([&] {
    return !std::filesystem::exists(File("shop-web-app")) &&
           !std::filesystem::exists(other_dir + "/minpriv/shop-web-app.json");
  }));
}

TEST_F(SeccompInstallerTest, ARestartedAgentRemovesFilesNoProposalNamesAndKeepsSharedOnes) {
  SetProposal("deployment-web", "Applied", "shop-web-app", Profile(2));
  SetProposal("deployment-api", "Approved", "shop-shared", Profile(2));
  SetProposal("deployment-old", "Approved", "shop-shared", Profile(2));
  ASSERT_TRUE(util::WriteFileAtomic(dir_ + "/orphan.json", "{}").ok());
  std::filesystem::create_directories(dir_ + "/minpriv");
  std::filesystem::rename(dir_ + "/orphan.json", File("shop-gone"));
  auto installer = StartInstaller("node-a");
  ASSERT_TRUE(Wait([&] {
    return Installs("deployment-web").size() == 1 && Installs("deployment-api").size() == 1 &&
           Installs("deployment-old").size() == 1;
  }));
  EXPECT_THAT(Entries(), ElementsAre("shop-shared.json", "shop-web-app.json"));
  // One of two proposals naming the same profile is superseded: the file stays for the other.
  SetProposal("deployment-old", "Superseded", "shop-shared", Profile(2));
  ASSERT_TRUE(Wait([&] { return Installs("deployment-old").empty(); }));
  EXPECT_THAT(Entries(), ElementsAre("shop-shared.json", "shop-web-app.json"));
}

}  // namespace
}  // namespace minpriv::agent::testing
