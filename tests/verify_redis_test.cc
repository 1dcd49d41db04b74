// Redis from Debian's redis-server, learned answering redis-cli (strings, counters, lists,
// hashes, expiry, a foreground SAVE and a forked BGSAVE) from a temporary configuration,
// proposed from a small Deployment manifest, and verified under runc: exit 0.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "util/files.h"

namespace minpriv {
namespace {

using ::testing::HasSubstr;
using test::RunMinpriv;
using test::RunResult;

TEST(VerifyRedisTest, LearnProposeVerify) {
  ASSERT_EQ(access("/usr/bin/redis-server", X_OK), 0)
      << "redis-server is installed by scripts/setup.sh";
  ASSERT_EQ(access("/usr/bin/redis-cli", X_OK), 0)
      << "redis-cli (redis-tools, a dependency of redis-server) is installed by scripts/setup.sh";
  char conf_tmpl[] = "/tmp/minpriv-verify-redis-XXXXXX";
  ASSERT_NE(mkdtemp(conf_tmpl), nullptr);
  const std::string dir = conf_tmpl;  // configuration, minpriv's files (read-only)
  // Everything Redis writes (dump.rdb and its temp-*.rdb while saving) goes to one directory
  // under /var/lib: the proposal mounts an emptyDir there.
  // Redis's state directory on the host goes whatever happens (also after a failed ASSERT).
  test::TempDir state_dir("/var/lib/minpriv-verify-redis-");
  ASSERT_FALSE(state_dir.path().empty());
  const std::string state = state_dir.path();
  const int port = test::FreeLoopbackPort();
  chmod(dir.c_str(), 0755);  // whatever the umask
  const std::string conf = absl::StrCat(
      "bind 127.0.0.1\n"
      "port ", port, "\n"
      "protected-mode yes\n"
      "daemonize no\n"
      "supervised no\n"
      "logfile \"\"\n"
      "databases 4\n"
      "dir ", state, "\n"
      "dbfilename dump.rdb\n"
      "save 3600 1\n"
      "appendonly no\n");
  ASSERT_TRUE(util::WriteFileAtomic(dir + "/redis.conf", conf).ok());
  chmod((dir + "/redis.conf").c_str(), 0644);
  const std::vector<std::string> cmd = {"/usr/bin/redis-server", dir + "/redis.conf"};
  // Every reply is checked; a wrong one fails the exercise (and so learn or verify).
  const std::string exercise = absl::StrCat(
      "r() { redis-cli -p ", port, " \"$@\" | tr -d '\\r'; }; "
      "ok() { [ \"$(r \"$@\" | tail -n 1)\" = OK ] || { echo \"not OK: $*\" >&2; exit 1; }; }; "
      "is() { want=$1; shift; got=$(r \"$@\"); "
      "[ \"$got\" = \"$want\" ] || { echo \"$*: got '$got', want '$want'\" >&2; exit 1; }; }; "
      "is PONG PING; "
      "ok FLUSHALL; "
      "ok SET greeting minpriv; "
      "is minpriv GET greeting; "
      "is 1 INCR counter; is 2 INCR counter; is 42 INCRBY counter 40; "
      "is 3 RPUSH queue a b c; "
      "[ \"$(r LRANGE queue 0 -1 | tr '\\n' ' ')\" = 'a b c ' ] || exit 1; "
      "is 2 HSET user:1 name ada lang c; is ada HGET user:1 name; "
      "ok SET session x EX 600; is 1 EXISTS session; "
      "r TTL session | grep -Eq '^[1-9][0-9]*$' || exit 1; "
      "is 5 DBSIZE; "
      "ok SAVE; "
      "is 'Background saving started' BGSAVE; "
      "i=0; while r INFO persistence | grep -q '^rdb_bgsave_in_progress:1'; do "
      "i=$((i+1)); [ $i -lt 100 ] || exit 1; sleep 0.1; done; "
      "r INFO persistence | grep -q '^rdb_last_bgsave_status:ok' || exit 1; "
      "for i in 1 2 3 4 5; do is minpriv GET greeting; done; "
      "is 42 GET counter");

  // The dump on the host as the learning run left it (SAVE, BGSAVE and the save on SIGTERM).
  const auto dump = [&] {
    std::error_code ec;
    auto mtime = std::filesystem::last_write_time(state + "/dump.rdb", ec);
    return std::make_pair(ec ? std::filesystem::file_time_type{} : mtime,
                          util::ReadFile(state + "/dump.rdb").value_or(""));
  };
  std::pair<std::filesystem::file_time_type, std::string> learned_dump;
  test::LoopResult loop = test::LearnProposeVerify(dir, "redis", cmd, exercise, REDIS_MANIFEST,
                                                   [&] { learned_dump = dump(); });
  ASSERT_EQ(loop.learn.exit_code, 0) << loop.learn.err;
  ASSERT_THAT(learned_dump.second, HasSubstr("REDIS")) << "Redis saved nothing while learning";
  ASSERT_EQ(loop.propose.exit_code, 0) << loop.propose.err << loop.propose.out;
  // Redis saves by writing temp-PID.rdb and renaming it onto dump.rdb: the directory is the
  // workload's own (not image content), so it becomes an emptyDir under a read-only root.
  const std::string narrowed = util::ReadFile(dir + "/proposal/narrowed.yaml").value_or("");
  EXPECT_THAT(narrowed, HasSubstr("readOnlyRootFilesystem: true"));
  EXPECT_THAT(narrowed, HasSubstr("mountPath: " + state + "\n"));
  const RunResult& v = loop.verify;
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err << narrowed;
  EXPECT_THAT(v.out, HasSubstr("VERIFIED"));
  auto report = util::ReadFile(dir + "/report.json");
  ASSERT_TRUE(report.ok());
  EXPECT_THAT(*report, HasSubstr("\"verified\": true"));
  // What Redis saved during the replay went to the replay's emptyDir, not to the host.
  EXPECT_TRUE(dump() == learned_dump) << "the replay rewrote " << state << "/dump.rdb";
  test::RemoveUnlessFailed(dir);
}

}  // namespace
}  // namespace minpriv
