// `minpriv verify`'s flags: every flag parsed, mistakes reported as InvalidArgument.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/verify_cmd.h"

namespace minpriv::cli {
namespace {

std::vector<char*> Argv(std::vector<std::string>& args) {
  std::vector<char*> out;
  for (auto& a : args) out.push_back(a.data());
  return out;
}

TEST(VerifyFlagsTest, ParsesEveryFlag) {
  std::vector<std::string> args = {"verify", "--proposal", "/p", "--workload=web",
                                   "--container", "nginx", "--exercise", "curl x",
                                   "--duration", "30s", "--ready-timeout=5s", "--grace", "2s",
                                   "--expect-exit", "3", "--profile", "/l.yaml", "--report",
                                   "/r.json", "--keep-bundle", "--", "/usr/sbin/nginx", "-g",
                                   "daemon off;"};
  auto argv = Argv(args);
  auto o = ParseVerifyFlags(static_cast<int>(argv.size()), argv.data());
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->proposal, "/p");
  EXPECT_EQ(o->workload, "web");
  EXPECT_EQ(o->container, "nginx");
  EXPECT_EQ(o->exercise, "curl x");
  EXPECT_EQ(o->duration, absl::Seconds(30));
  EXPECT_EQ(o->ready_timeout, absl::Seconds(5));
  EXPECT_EQ(o->grace, absl::Seconds(2));
  EXPECT_EQ(o->expect_exit, 3);
  EXPECT_EQ(o->profile, "/l.yaml");
  EXPECT_EQ(o->report, "/r.json");
  EXPECT_TRUE(o->keep_bundle);
  EXPECT_EQ(o->command, (std::vector<std::string>{"/usr/sbin/nginx", "-g", "daemon off;"}));
}

TEST(VerifyFlagsTest, MistakesAreInvalidArgument) {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"verify", "--bogus"},
           {"verify", "--duration", "soon"},
           {"verify", "--expect-exit", "300"},
           {"verify", "stray"},
           {"verify", "--proposal"}}) {
    auto argv = Argv(args);
    auto o = ParseVerifyFlags(static_cast<int>(argv.size()), argv.data());
    ASSERT_FALSE(o.ok()) << args[1];
    EXPECT_EQ(o.status().code(), absl::StatusCode::kInvalidArgument);
  }
  verifier::VerifyOptions missing;
  EXPECT_EQ(verifier::ValidateVerifyOptions(missing).code(), absl::StatusCode::kInvalidArgument);
  verifier::VerifyOptions relative;
  relative.proposal = "/";
  relative.command = {"./server"};
  auto s = verifier::ValidateVerifyOptions(relative);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("absolute path"), std::string::npos);
}

TEST(VerifyFlagsTest, ImageMakesTheCommandOptional) {
  std::vector<std::string> args = {"verify",        "--proposal", "/", "--image",
                                   "oci-archive:/i.tar", "--image-cache", "/c"};
  auto argv = Argv(args);
  auto o = ParseVerifyFlags(static_cast<int>(argv.size()), argv.data());
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->image, "oci-archive:/i.tar");
  EXPECT_EQ(o->image_cache, "/c");
  EXPECT_TRUE(o->command.empty());
  EXPECT_TRUE(verifier::ValidateVerifyOptions(*o).ok());
  verifier::VerifyOptions no_image;
  no_image.proposal = "/";
  auto s = verifier::ValidateVerifyOptions(no_image);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("--image REF"), std::string::npos);
}

}  // namespace
}  // namespace minpriv::cli
