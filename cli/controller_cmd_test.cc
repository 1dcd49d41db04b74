#include "cli/controller_cmd.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace minpriv::cli {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<ControllerFlags> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "controller");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return ParseControllerFlags(static_cast<int>(argv.size()), argv.data());
}

TEST(ControllerFlagsTest, TheInterfaceOthersRelyOn) {
  auto f = Parse({"--kubeconfig", "/k", "--namespace", "shop", "--quiet-period", "2s",
                  "--min-window", "3s", "--max-window", "1h", "--delivery", "PullRequest",
                  "--leader-election-namespace", "minpriv", "--metrics-addr", ":8080",
                  "--identity", "c1"});
  ASSERT_TRUE(f.ok()) << f.status();
  const controller::ControllerOptions& o = f->options;
  EXPECT_EQ(o.kubeconfig, "/k");
  EXPECT_EQ(o.ns, "shop");
  EXPECT_EQ(o.windows.quiet_period, absl::Seconds(2));
  EXPECT_EQ(o.windows.min_window, absl::Seconds(3));
  EXPECT_EQ(o.windows.max_window, absl::Hours(1));
  EXPECT_EQ(o.delivery, crd::Delivery::kPullRequest);
  EXPECT_EQ(o.lease_namespace, "minpriv");
  EXPECT_EQ(o.metrics_addr, ":8080");
  EXPECT_EQ(o.identity, "c1");
}

TEST(ControllerFlagsTest, ProductionDefaultsWithoutFlags) {
  auto f = Parse({});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->options.windows.quiet_period, absl::Minutes(10));
  EXPECT_EQ(f->options.windows.min_window, absl::Hours(1));
  EXPECT_EQ(f->options.delivery, crd::Delivery::kApply);
  EXPECT_TRUE(f->options.kubeconfig.empty());  // in-cluster when nothing else is found
}

TEST(ControllerFlagsTest, BadValuesNameTheFlag) {
  EXPECT_THAT(std::string(Parse({"--delivery", "Email"}).status().message()),
              HasSubstr("--delivery: 'Email' is not one of Apply, PullRequest"));
  EXPECT_THAT(std::string(Parse({"--quiet-period", "soon"}).status().message()),
              HasSubstr("--quiet-period"));
  EXPECT_THAT(std::string(Parse({"--workers", "0"}).status().message()), HasSubstr("--workers"));
}

}  // namespace
}  // namespace minpriv::cli
