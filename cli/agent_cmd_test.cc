#include "cli/agent_cmd.h"

#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace minpriv::cli {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<AgentFlags> Parse(std::vector<std::string> args,
                                 const std::map<std::string, std::string>& env = {}) {
  args.insert(args.begin(), "agent");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return ParseAgentFlags(static_cast<int>(argv.size()), argv.data(), env);
}

TEST(AgentFlagsTest, TheInterfaceOthersRelyOn) {
  auto f = Parse({"--node", "n1", "--kubeconfig", "/k", "--cgroup-root", "/sys/fs/cgroup",
                  "--seccomp-dir", "/s", "--metrics-addr", ":9090", "--publish-interval", "2s",
                  "--include-namespace", "kube-system", "--include-namespace", "x",
                  "--max-containers", "8192", "--no-break-watch"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->node, "n1");
  EXPECT_EQ(f->kubeconfig, "/k");
  EXPECT_EQ(f->cgroup_root, "/sys/fs/cgroup");
  EXPECT_EQ(f->seccomp_dir, "/s");
  EXPECT_EQ(f->metrics_addr, ":9090");
  EXPECT_EQ(f->publish_interval, absl::Seconds(2));
  EXPECT_EQ(f->include_namespaces, (std::vector<std::string>{"kube-system", "x"}));
  EXPECT_EQ(f->max_containers, 8192);
  EXPECT_TRUE(f->no_break_watch);
}

TEST(AgentFlagsTest, DefaultsAndTheNodeFromTheDownwardApi) {
  auto f = Parse({}, {{"NODE_NAME", "worker-3"}});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->node, "worker-3");
  EXPECT_EQ(f->cgroup_root, "");  // found in /proc/self/mountinfo at run time
  EXPECT_EQ(f->seccomp_dir, "/var/lib/kubelet/seccomp");
  EXPECT_EQ(f->publish_interval, absl::Seconds(5));
  EXPECT_EQ(f->max_containers, 4096);
  EXPECT_FALSE(f->no_break_watch);  // the after-apply watch is on
  EXPECT_EQ(Parse({"--node", "n1"}, {{"NODE_NAME", "worker-3"}})->node, "n1");
}

TEST(AgentFlagsTest, ShadowModeIsOnUnlessSwitchedOff) {
  EXPECT_FALSE(Parse({"--node", "n1"})->no_shadow);
  EXPECT_TRUE(Parse({"--node", "n1", "--no-shadow"})->no_shadow);
}

TEST(AgentFlagsTest, MistakesNameTheFlag) {
  EXPECT_THAT(std::string(Parse({}).status().message()), HasSubstr("$NODE_NAME"));
  EXPECT_THAT(std::string(Parse({"--node", "n", "--max-containers", "0"}).status().message()),
              HasSubstr("--max-containers"));
  EXPECT_THAT(std::string(Parse({"--node", "n", "--publish-interval", "soon"}).status().message()),
              HasSubstr("--publish-interval"));
  EXPECT_FALSE(Parse({"--node", "n", "--bogus"}).ok());
  auto help = Parse({"--help"});
  ASSERT_TRUE(help.ok());
  EXPECT_TRUE(help->help);
}

}  // namespace
}  // namespace minpriv::cli
