// End to end: the demo's whole path on this machine — the real BPF programs learn the
// sample service, propose narrows its manifest, runc replays it under the proposal, and
// the misbehaving variant is rejected. Runs `minpriv demo` itself and checks each artefact.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "crd/profile_codec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "remediator/evaluator.h"
#include "util/files.h"
#include "util/json_parse.h"

namespace minpriv {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

class DemoE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    work_ = new std::string(fs::temp_directory_path() / ("minpriv-demo-e2e-" +
                                                          std::to_string(getpid())));
    fs::remove_all(*work_);
    std::string log = *work_ + ".log";
    std::string cmd = std::string(MINPRIV_BINARY) + " demo --work-dir " + *work_ + " >" + log +
                      " 2>&1";
    int status = std::system(cmd.c_str());
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    auto text = util::ReadFile(log);
    output_ = new std::string(text.ok() ? *text : "");
    fs::remove(log);
  }
  static void TearDownTestSuite() {
    fs::remove_all(*work_);
    delete work_;
    delete output_;
  }

  static nlohmann::json Json(const std::string& name) {
    auto text = util::ReadFile(*work_ + "/" + name);
    EXPECT_TRUE(text.ok()) << text.status();
    if (!text.ok()) return nullptr;
    auto j = util::ParseJson(*text, name);
    EXPECT_TRUE(j.ok()) << j.status();
    return j.ok() ? *std::move(j) : nlohmann::json();
  }

  static std::set<std::string> BreakMessages(const nlohmann::json& report) {
    std::set<std::string> out;
    if (!report.contains("breaks")) return out;
    for (const auto& b : report.at("breaks")) out.insert(b.at("message").get<std::string>());
    return out;
  }

  static std::string* work_;
  static std::string* output_;
  static int exit_code_;
};

std::string* DemoE2eTest::work_ = nullptr;
std::string* DemoE2eTest::output_ = nullptr;
int DemoE2eTest::exit_code_ = -1;

TEST_F(DemoE2eTest, DemoSucceedsAndSummarises) {
  EXPECT_EQ(exit_code_, 0) << *output_;
  EXPECT_THAT(*output_, HasSubstr("PASSED"));
  EXPECT_THAT(*output_, HasSubstr("REJECTED"));
  EXPECT_THAT(*output_, HasSubstr("syscalls allowed"));
  EXPECT_THAT(*output_, HasSubstr(*work_));
}

TEST_F(DemoE2eTest, LearnedProfileHoldsTheServiceBehaviour) {
  auto profile = crd::ReadWorkloadProfileFile(*work_ + "/profile.yaml");
  ASSERT_TRUE(profile.ok()) << profile.status();
  EXPECT_TRUE(profile->status.complete);
  ASSERT_EQ(profile->containers.size(), 1u);
  const crd::ContainerProfile& c = profile->containers[0];
  EXPECT_EQ(c.name, "shopfront");
  for (const char* sc : {"accept4", "bind", "listen", "connect", "sendto", "rename", "openat"}) {
    EXPECT_THAT(c.syscalls, Contains(sc));
  }
  EXPECT_THAT(c.syscalls, Not(Contains("ptrace")));
  std::set<std::string> written;
  for (const auto& w : c.file_writes) written.insert(w.path);
  EXPECT_THAT(written, Contains("/var/cache/shopfront"));
  EXPECT_THAT(written, Contains("/var/log/shopfront/access.log"));
  std::set<std::string> egress, ingress;
  for (const auto& p : c.network.egress) {
    egress.insert(p.ip + ":" + std::to_string(p.port) + "/" + p.protocol);
  }
  for (const auto& p : c.network.ingress) {
    ingress.insert(p.ip + ":" + std::to_string(p.port) + "/" + p.protocol);
  }
  EXPECT_THAT(egress, Contains("198.18.0.2:18081/TCP"));
  EXPECT_THAT(egress, Contains("198.18.0.3:53/UDP"));
  EXPECT_THAT(ingress, Contains("198.18.0.4:18080/TCP"));
  EXPECT_THAT(c.network.dns, Contains("inventory.shop.svc.cluster.local"));
}

TEST_F(DemoE2eTest, ProposalNarrowsAndAllowsWhatWasLearned) {
  auto policy = remediator::LoadContainerPolicy(*work_ + "/proposal", "shopfront", "shopfront");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_TRUE(policy->read_only_root);
  EXPECT_FALSE(policy->allow_privilege_escalation);
  EXPECT_THAT(policy->dropped_capabilities, Contains("ALL"));
  EXPECT_THAT(policy->writable_paths, Contains("/var/cache/shopfront"));
  EXPECT_THAT(policy->writable_paths, Contains("/var/log/shopfront"));
  EXPECT_FALSE(policy->syscalls_unrestricted);
  EXPECT_THAT(policy->allowed_syscalls, Not(Contains("ptrace")));
  EXPECT_TRUE(policy->network.egress_restricted);
  EXPECT_TRUE(policy->network.ingress_restricted);

  auto profile = crd::ReadWorkloadProfileFile(*work_ + "/profile.yaml");
  ASSERT_TRUE(profile.ok());
  EXPECT_THAT(remediator::Evaluate(*policy, profile->containers[0]), IsEmpty());
}

TEST_F(DemoE2eTest, VerifyPassesForTheServiceAndRejectsTheMisbehavingVariant) {
  nlohmann::json ok = Json("verify.json");
  EXPECT_THAT(BreakMessages(ok), IsEmpty()) << ok.dump();

  std::set<std::string> breaks = BreakMessages(Json("verify-misbehaving.json"));
  EXPECT_THAT(breaks, Contains("seccomp denied ptrace"));
  EXPECT_THAT(breaks, Contains("seccomp denied chown"));
  EXPECT_THAT(breaks, Contains("capability missing NET_BIND_SERVICE"));
  EXPECT_THAT(breaks, Contains("read-only file system: /etc/shopfront-stray"));
  EXPECT_THAT(breaks, Contains("network policy would deny egress to 198.18.0.2:18099/TCP"));
  // What it tried to write was not written.
  EXPECT_NE(access("/etc/shopfront-stray", F_OK), 0);
}

}  // namespace
}  // namespace minpriv
