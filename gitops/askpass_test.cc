#include "gitops/askpass.h"

#include <sys/stat.h>

#include <filesystem>

#include "gtest/gtest.h"
#include "util/files.h"
#include "util/process.h"

namespace minpriv::gitops {
namespace {

std::string Ask(const Askpass& a, const std::string& prompt) {
  const std::string out = a.dir() + "/answer";
  util::SpawnOptions o;
  o.stdout_path = out;
  o.stdin_path = "/dev/null";
  auto p = util::Process::Spawn({a.script(), prompt}, o);
  EXPECT_TRUE(p.ok()) << p.status();
  if (!p.ok()) return "";
  EXPECT_EQ(util::ExitCodeOf(p->Wait()), 0);
  return *util::ReadFile(out);
}

TEST(AskpassTest, AnswersGitsPromptsFromAPrivateDirectoryAndRemovesIt) {
  std::string dir;
  {
    auto a = Askpass::Create("x-access-token", "tok_abc");
    ASSERT_TRUE(a.ok()) << a.status();
    dir = a->dir();
    struct stat st;
    ASSERT_EQ(stat(dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    ASSERT_EQ(stat((dir + "/token").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(Ask(*a, "Username for 'https://github.com': "), "x-access-token\n");
    EXPECT_EQ(Ask(*a, "Password for 'https://x-access-token@github.com': "), "tok_abc");
    EXPECT_EQ(util::ReadFile(a->script())->find("tok_abc"), std::string::npos)
        << "the script names the file, not the token";
    Askpass moved = *std::move(a);
    EXPECT_EQ(moved.dir(), dir);
    EXPECT_TRUE(std::filesystem::exists(dir));
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(AskpassTest, RefusesATokenOnSeveralLines) {
  EXPECT_EQ(Askpass::Create("oauth2", "tok\nsecond").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(AskpassTest, RedactReplacesEveryOccurrence) {
  EXPECT_EQ(Redact("a tok b tok", "tok"), "a *** b ***");
  EXPECT_EQ(Redact("unchanged", ""), "unchanged");
}

}  // namespace
}  // namespace minpriv::gitops
