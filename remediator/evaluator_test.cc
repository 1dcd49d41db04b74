// Evaluator tests: rule by rule, and in-memory vs on-disk policies agree.
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "remediator/evaluator.h"
#include "remediator/network_policy.h"
#include "remediator/proposer.h"
#include "remediator/runtime_syscalls.h"
#include "remediator/test_util.h"
#include "tests/test_util.h"
#include "remediator/yaml_io.h"
#include "util/json_parse.h"

namespace minpriv::remediator {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(CidrTest, ContainsV4AndV6) {
  EXPECT_TRUE(CidrContains("10.0.0.0/8", "10.1.2.3"));
  EXPECT_FALSE(CidrContains("10.0.0.0/8", "11.1.2.3"));
  EXPECT_TRUE(CidrContains("10.1.2.3/32", "10.1.2.3"));
  EXPECT_FALSE(CidrContains("10.1.2.3/32", "10.1.2.4"));
  EXPECT_TRUE(CidrContains("10.1.2.0/23", "10.1.3.255"));
  EXPECT_TRUE(CidrContains("fd00::/64", "fd00::1"));
  EXPECT_FALSE(CidrContains("fd00::/64", "fd00:0:0:1::1"));
  EXPECT_FALSE(CidrContains("10.0.0.0/8", "fd00::1"));
  EXPECT_FALSE(CidrContains("garbage", "10.0.0.1"));
  EXPECT_TRUE(IsLoopback("127.0.0.53"));
  EXPECT_TRUE(IsLoopback("::1"));
  EXPECT_FALSE(IsLoopback("10.0.0.1"));
}

ContainerPolicy StrictPolicy() {
  ContainerPolicy p;
  p.syscalls_unrestricted = false;
  p.seccomp_type = "Localhost";
  p.allowed_syscalls = {"read", "write"};
  p.effective_capabilities = {"NET_BIND_SERVICE"};
  p.read_only_root = true;
  p.writable_paths = {"/tmp", "/var/cache/app"};
  p.read_only_paths = {"/var/cache/app/ro"};
  p.allow_privilege_escalation = false;
  p.run_as_user = 1000;
  p.run_as_non_root = true;
  p.network.policy = "ns/p";
  p.network.egress_restricted = p.network.ingress_restricted = true;
  p.network.dns_allowed = false;
  NetworkRule egress;
  NetworkPeerRule block;
  block.ip_block = IpBlock{"10.0.0.0/24", {"10.0.0.128/25"}};
  egress.peers.push_back(block);
  egress.ports.push_back({"TCP", 6379, 0, ""});
  NetworkRule svc;
  NetworkPeerRule sel;
  sel.has_selector = true;
  sel.resolved = {"10.96.0.20:80/TCP"};
  svc.peers.push_back(sel);
  svc.ports.push_back({"TCP", 0, 0, "http"});
  p.network.egress = {egress, svc};
  NetworkRule ingress;
  ingress.ports.push_back({"TCP", 8000, 8100, ""});
  p.network.ingress = {ingress};
  return p;
}

TEST(EvaluateTest, AllowedBehaviourHasNoViolations) {
  crd::ContainerProfile c;
  c.syscalls = {"read", "write"};
  c.capabilities = {"NET_BIND_SERVICE", "SYS_ADMIN"};
  c.capability_evidence = {{"SYS_ADMIN", "x", "y", 1, "", true}};  // only ever denied
  c.file_writes = {{"/tmp/x", {"create"}, 1, "", false, {}}, {"/dev/null", {"write"}, 1, "", false, {}},
                   {"/var/cache/app", {"mkdir"}, 1, "", true, {}}};
  c.users = {{1000, 1000}};
  c.network.egress = {{"10.0.0.5", 6379, "TCP", 1, ""}, {"10.96.0.20", 80, "TCP", 1, ""},
                      {"127.0.0.1", 9999, "TCP", 1, ""}};
  c.network.ingress = {{"192.0.2.1", 8080, "TCP", 1, ""}};
  EXPECT_THAT(Evaluate(StrictPolicy(), c), IsEmpty());
}

TEST(EvaluateTest, EachRuleReportsItsViolation) {
  crd::ContainerProfile c;
  c.syscalls = {"ptrace", "read"};
  c.capabilities = {"SYS_ADMIN"};
  c.file_writes = {{"/etc/passwd", {"write"}, 1, "", false, {}},
                   {"/var/cache/app/ro/f", {"create"}, 1, "", false, {}}};
  c.execs = {{"/usr/bin/sudo", true, 1, ""}};
  c.users = {{0, 0}};
  c.network.egress = {{"10.0.0.200", 6379, "TCP", 1, ""},  // in except
                      {"10.0.0.5", 6380, "TCP", 1, ""},    // wrong port
                      {"10.96.0.20", 81, "TCP", 1, ""}};   // not a resolved endpoint
  c.network.ingress = {{"192.0.2.1", 9000, "TCP", 1, ""}};
  c.network.dns = {"example.com"};
  auto v = Evaluate(StrictPolicy(), c);
  std::vector<std::string> got;
  for (const auto& x : v) got.push_back(absl::StrCat(x.kind, " ", x.subject));
  EXPECT_THAT(got, ElementsAre("capability SYS_ADMIN", "dns example.com", "egress 10.0.0.200:6379/TCP",
                               "egress 10.0.0.5:6380/TCP", "egress 10.96.0.20:81/TCP", "exec /usr/bin/sudo",
                               "fileWrite /etc/passwd", "fileWrite /var/cache/app/ro/f",
                               "ingress 192.0.2.1:9000/TCP", "syscall ptrace", "user uid 0", "user uid 0"));
}

TEST(EvaluateTest, UnrestrictedPolicyAllowsEverything) {
  crd::ContainerProfile c;
  c.syscalls = {"ptrace"};
  c.capabilities = {"CHOWN"};
  c.file_writes = {{"/etc/passwd", {"write"}, 1, "", false, {}}};
  c.network.egress = {{"1.2.3.4", 1, "TCP", 1, ""}};
  ContainerPolicy open;
  open.effective_capabilities = {"CHOWN"};
  EXPECT_THAT(Evaluate(open, c), IsEmpty());
}

TEST(LoadContainerPolicyTest, DiskAndMemoryAgreeForEveryGoldenCase) {
  for (const char* name : {"helm-deployment", "statefulset", "cronjob", "multi-container-pod"}) {
    SCOPED_TRACE(name);
    std::string dir = testing::TestData() + "/" + name;
    auto proposal = testing::ProposeFromFiles(testing::CaseFiles(dir));
    ASSERT_TRUE(proposal.ok()) << proposal.status();
    test::TempDir tmp;
    std::string out = tmp.path() + "/p";
    ASSERT_TRUE(WriteProposalDir(RenderProposal(*proposal), out, false).ok());
    for (const auto& w : proposal->workloads) {
      for (const auto& c : w.containers) {
        auto loaded = LoadContainerPolicy(out, absl::StrCat(w.namespace_, "/", w.name), c.name);
        ASSERT_TRUE(loaded.ok()) << loaded.status();
        EXPECT_EQ(loaded->allowed_syscalls, c.policy.allowed_syscalls);
        EXPECT_EQ(loaded->syscalls_unrestricted, c.policy.syscalls_unrestricted);
        EXPECT_EQ(loaded->effective_capabilities, c.policy.effective_capabilities);
        EXPECT_EQ(loaded->writable_paths, c.policy.writable_paths);
        EXPECT_EQ(loaded->read_only_paths, c.policy.read_only_paths);
        EXPECT_EQ(loaded->read_only_root, c.policy.read_only_root);
        EXPECT_EQ(loaded->allow_privilege_escalation, c.policy.allow_privilege_escalation);
        EXPECT_EQ(loaded->run_as_user, c.policy.run_as_user);
        EXPECT_EQ(loaded->run_as_non_root, c.policy.run_as_non_root);
        EXPECT_EQ(loaded->network.egress.size(), c.policy.network.egress.size());
        EXPECT_EQ(loaded->network.dns_allowed, c.policy.network.dns_allowed);
        // Whatever is left is a genuine conflict the report explains (e.g. clone3 under a
        // kept RuntimeDefault); the on-disk and in-memory answers must be the same.
        EXPECT_EQ(Evaluate(*loaded, c.profile), Evaluate(c.policy, c.profile));
      }
    }
  }
}

TEST(LoadContainerPolicyTest, DefaultsAndErrors) {
  std::string golden = testing::TestData() + "/helm-deployment/golden";
  auto only = LoadContainerPolicy(golden, "", "");
  ASSERT_TRUE(only.ok()) << only.status();
  EXPECT_EQ(only->container, "nginx");
  EXPECT_EQ(only->seccomp_localhost, "minpriv/shop-shop-web-nginx.json");
  EXPECT_TRUE(only->read_only_root);
  EXPECT_THAT(only->writable_paths, ElementsAre("/tmp", "/var/cache/nginx"));
  EXPECT_THAT(only->read_only_paths, ElementsAre("/etc/nginx/conf.d"));
  EXPECT_EQ(LoadContainerPolicy("/nonexistent-dir", "", "").status().code(), absl::StatusCode::kNotFound);
  auto ambiguous = LoadContainerPolicy(testing::TestData() + "/multi-container-pod/golden", "web", "");
  EXPECT_EQ(ambiguous.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(ambiguous.status().message()), HasSubstr("several containers"));
  EXPECT_EQ(LoadContainerPolicy(golden, "nope", "").status().code(), absl::StatusCode::kNotFound);
}

TEST(SeccompTest, GeneratedProfilesAreValidOciJson) {
  std::string path = testing::TestData() + "/helm-deployment/golden/seccomp/shop-shop-web-nginx.json";
  auto text = util::ReadFile(path);
  ASSERT_TRUE(text.ok());
  auto root = util::ParseJson(*text, path);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ((*root)["defaultAction"].get<std::string>(), "SCMP_ACT_ERRNO");
  EXPECT_EQ((*root)["defaultErrnoRet"].get<int>(), 1);
  EXPECT_EQ((*root)["architectures"][0].get<std::string>(), "SCMP_ARCH_X86_64");
  auto allowed = ParseSeccompAllowList(*text, path);
  ASSERT_TRUE(allowed.ok());
  for (const auto& s : RuntimeRequiredSyscalls()) EXPECT_EQ(allowed->count(s), 1u) << s;
  EXPECT_EQ(allowed->count("accept4"), 1u);
  EXPECT_EQ(allowed->count("ptrace"), 0u);
  EXPECT_FALSE(ParseSeccompAllowList("{not json", "x").ok());
}

TEST(RuntimeSyscallsTest, DefaultProfileIsLargeSortedAndX86Only) {
  const auto& def = RuntimeDefaultSyscalls();
  EXPECT_GT(def.size(), 280u);
  EXPECT_TRUE(std::is_sorted(def.begin(), def.end()));
  EXPECT_TRUE(std::binary_search(def.begin(), def.end(), "read"));
  EXPECT_FALSE(std::binary_search(def.begin(), def.end(), "chown32"));  // not an x86_64 syscall
  EXPECT_FALSE(std::binary_search(def.begin(), def.end(), "mount"));    // needs CAP_SYS_ADMIN
  EXPECT_FALSE(std::binary_search(def.begin(), def.end(), "clone3"));
  EXPECT_EQ(RuntimeDefaultCapabilities().size(), 14u);
}

TEST(NetworkPolicyTest, InventoryResolvesPodsServicesAndNamedPorts) {
  std::string golden = testing::TestData() + "/helm-deployment";
  auto inv_text = util::ReadFile(golden + "/inventory.yaml");
  ASSERT_TRUE(inv_text.ok());
  auto inv = ParseInventory(*inv_text, "inventory.yaml");
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->pods_by_ip.at("10.244.1.5").namespace_, "ingress-nginx");
  EXPECT_EQ(inv->services_by_ip.at("10.96.0.20").ports[0].target, "api");
  crd::ContainerProfile c;
  c.name = "x";
  c.network.egress = {{"10.96.0.20", 8080, "TCP", 1, ""}, {"192.0.2.9", 443, "TCP", 1, ""}};
  auto built = BuildNetworkPolicy("w", "shop", {{"app", "w"}}, {c}, *inv);
  std::string yaml = EmitYaml(built.policy);
  EXPECT_THAT(yaml, HasSubstr("port: 9000"));  // named targetPort "api" resolved via the pod
  EXPECT_THAT(yaml, HasSubstr("cidr: 192.0.2.9/32"));
  auto rules = NetworkRulesFromPolicy(built.policy);
  ASSERT_TRUE(rules.ok());
  crd::ContainerProfile other = c;
  other.network.egress = {{"10.244.2.11", 9000, "TCP", 1, ""}};  // the pod directly: not what was resolved
  ContainerPolicy p;
  p.network = *rules;
  EXPECT_THAT(Evaluate(p, c), IsEmpty());
  EXPECT_THAT(Evaluate(p, other), ElementsAre(Field(&Violation::kind, "egress")));
  EXPECT_FALSE(ParseInventory("- just\n- a list\n", "inv").ok());
}

}  // namespace
}  // namespace minpriv::remediator
