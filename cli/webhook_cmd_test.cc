// `minpriv webhook`'s flags: defined once, parsed by the one CLI11 adapter.
#include "cli/webhook_cmd.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace minpriv::cli {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<webhooks::WebhookOptions> Parse(std::vector<const char*> args, bool* help) {
  args.insert(args.begin(), "webhook");
  return ParseWebhookFlags(static_cast<int>(args.size()), const_cast<char**>(args.data()), help);
}

TEST(WebhookCmdTest, FlagsReachTheOptions) {
  bool help = false;
  auto o = Parse({"--listen", "127.0.0.1:9443", "--tls-cert=c.pem", "--tls-key", "k.pem",
                  "--proposals", "dir", "--default-mode", "enforce"},
                 &help);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_FALSE(help);
  EXPECT_EQ(o->listen, "127.0.0.1:9443");
  EXPECT_EQ(o->tls_cert, "c.pem");
  EXPECT_EQ(o->tls_key, "k.pem");
  EXPECT_EQ(o->proposals, "dir");
  EXPECT_EQ(o->default_mode, webhooks::Mode::kEnforce);
}

TEST(WebhookCmdTest, AnUnknownModeIsRefusedWithTheChoices) {
  bool help = false;
  auto o = Parse({"--default-mode", "sometimes"}, &help);
  ASSERT_FALSE(o.ok());
  EXPECT_THAT(std::string(o.status().message()), HasSubstr("off, audit, enforce"));
}

TEST(WebhookCmdTest, ASingleValueFlagGivenTwiceIsRefused) {
  bool help = false;
  auto o = Parse({"--tls-cert", "a", "--tls-cert", "b"}, &help);
  ASSERT_FALSE(o.ok());
  EXPECT_THAT(std::string(o.status().message()), HasSubstr("--tls-cert"));
}

TEST(WebhookCmdTest, HelpListsEveryFlag) {
  std::string help = WebhookHelp();
  for (const char* flag : {"--listen", "--tls-cert", "--tls-key", "--proposals", "--kubeconfig",
                           "--default-mode", "--help"}) {
    EXPECT_THAT(help, HasSubstr(flag));
  }
}

}  // namespace
}  // namespace minpriv::cli
