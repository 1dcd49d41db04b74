#include "gitops/askpass.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include <filesystem>

#include "gtest/gtest.h"
#include "util/files.h"
#include "util/process.h"

namespace minpriv::gitops {
namespace {

// Runs the script as git does: with the token's descriptor inherited (unless `inherit` is
// false, which shows that the descriptor, and nothing on disk, is where the token is).
std::string Ask(const Askpass& a, const std::string& prompt, bool inherit = true) {
  const std::string out = a.dir() + "/answer";
  util::SpawnOptions o;
  o.stdout_path = out;
  o.stdin_path = "/dev/null";
  o.stderr_path = "/dev/null";
  if (inherit) o.inherit_fds = {a.token_fd()};
  auto p = util::Process::Spawn({a.script(), prompt}, o);
  EXPECT_TRUE(p.ok()) << p.status();
  if (!p.ok()) return "";
  p->Wait();
  return *util::ReadFile(out);
}

// Every file under `dir` that holds `secret`.
std::vector<std::string> FilesHolding(const std::string& dir, const std::string& secret) {
  std::vector<std::string> found;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && util::ReadFile(e.path()).value_or("").find(secret) != std::string::npos) {
      found.push_back(e.path());
    }
  }
  return found;
}

TEST(AskpassTest, AnswersGitsPromptsFromASealedMemfdAndRemovesItsDirectory) {
  std::string dir;
  {
    auto a = Askpass::Create("x-access-token", "tok_abc");
    ASSERT_TRUE(a.ok()) << a.status();
    dir = a->dir();
    struct stat st;
    ASSERT_EQ(stat(dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    EXPECT_EQ(Ask(*a, "Username for 'https://github.com': "), "x-access-token\n");
    EXPECT_EQ(Ask(*a, "Password for 'https://x-access-token@github.com': "), "tok_abc");
    EXPECT_EQ(Ask(*a, "Password for 'https://x-access-token@github.com': "), "tok_abc")
        << "every answer reads the token from its start";
    EXPECT_EQ(Ask(*a, "Password for 'https://x-access-token@github.com': ", false), "")
        << "without the inherited descriptor there is nothing to read";
    EXPECT_EQ(fcntl(a->token_fd(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    EXPECT_EQ(fcntl(a->token_fd(), F_GET_SEALS),
              F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
    EXPECT_LT(write(a->token_fd(), "x", 1), 0) << "sealed: the token cannot be changed";
    EXPECT_TRUE(FilesHolding(dir, "tok_abc").empty()) << "the token is in no file";
    Askpass moved = *std::move(a);
    EXPECT_EQ(moved.dir(), dir);
    EXPECT_EQ(Ask(moved, "Password for 'https://x-access-token@github.com': "), "tok_abc");
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
