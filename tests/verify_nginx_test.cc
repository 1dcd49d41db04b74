// nginx from Debian's nginx-light, learned serving pages from a temporary configuration,
// proposed from a small Deployment manifest, and verified under runc: exit 0.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
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

TEST(VerifyNginxTest, LearnProposeVerify) {
  ASSERT_EQ(access("/usr/sbin/nginx", X_OK), 0) << "nginx-light is installed by scripts/setup.sh";
  char conf_tmpl[] = "/tmp/minpriv-verify-nginx-XXXXXX";
  ASSERT_NE(mkdtemp(conf_tmpl), nullptr);
  const std::string dir = conf_tmpl;  // configuration, pages, minpriv's files (read-only)
  // Everything nginx writes goes to one directory under /var/lib: the proposal mounts an
  // emptyDir there.
  // nginx's state directory on the host goes whatever happens (also after a failed ASSERT).
  test::TempDir state_dir("/var/lib/minpriv-verify-nginx-");
  ASSERT_FALSE(state_dir.path().empty());
  const std::string state = state_dir.path();
  const int port = test::FreeLoopbackPort();
  ASSERT_EQ(mkdir((dir + "/html").c_str(), 0755), 0);
  chmod((dir + "/html").c_str(), 0755);  // whatever the umask
  chmod(dir.c_str(), 0755);
  ASSERT_TRUE(util::WriteFileAtomic(dir + "/html/index.html", "<h1>minpriv</h1>\n").ok());
  chmod((dir + "/html/index.html").c_str(), 0644);
  const std::string conf = absl::StrCat(
      "daemon off;\n"
      "worker_processes 1;\n"
      "pid ", state, "/nginx.pid;\n"
      "error_log ", state, "/error.log;\n"
      "events { worker_connections 64; }\n"
      "http {\n"
      "  access_log ", state, "/access.log;\n"
      "  client_body_temp_path ", state, "/client_body;\n"
      "  proxy_temp_path ", state, "/proxy;\n"
      "  fastcgi_temp_path ", state, "/fastcgi;\n"
      "  uwsgi_temp_path ", state, "/uwsgi;\n"
      "  scgi_temp_path ", state, "/scgi;\n"
      "  server {\n"
      "    listen 127.0.0.1:", port, ";\n"
      "    root ", dir, "/html;\n"
      "  }\n"
      "}\n");
  ASSERT_TRUE(util::WriteFileAtomic(dir + "/nginx.conf", conf).ok());
  chmod((dir + "/nginx.conf").c_str(), 0644);
  const std::vector<std::string> cmd = {"/usr/sbin/nginx", "-c", dir + "/nginx.conf", "-e",
                                        state + "/error.log"};
  const std::string exercise = absl::StrCat(
      "for i in 1 2 3 4 5 6 7 8; do curl -sf http://127.0.0.1:", port,
      "/ | grep -q minpriv || exit 1; done; curl -s -o /dev/null http://127.0.0.1:", port,
      "/missing");

  const auto access_log_size = [&] {
    std::error_code ec;
    auto n = std::filesystem::file_size(state + "/access.log", ec);
    return ec ? 0 : n;
  };
  std::uintmax_t learned_log_size = 0;
  test::LoopResult loop = test::LearnProposeVerify(dir, "nginx", cmd, exercise, NGINX_MANIFEST,
                                                   [&] { learned_log_size = access_log_size(); });
  ASSERT_EQ(loop.learn.exit_code, 0) << loop.learn.err;
  ASSERT_GT(learned_log_size, 0u) << "nginx served nothing while learning";
  ASSERT_EQ(loop.propose.exit_code, 0) << loop.propose.err << loop.propose.out;
  const RunResult& v = loop.verify;
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err << util::ReadFile(dir + "/proposal/narrowed.yaml").value_or("");
  EXPECT_THAT(v.out, HasSubstr("VERIFIED"));
  auto report = util::ReadFile(dir + "/report.json");
  ASSERT_TRUE(report.ok());
  EXPECT_THAT(*report, HasSubstr("\"verified\": true"));
  // What nginx wrote during the replay went to the replay's emptyDir, not to the host.
  EXPECT_EQ(access_log_size(), learned_log_size);
  test::RemoveUnlessFailed(dir);
}

}  // namespace
}  // namespace minpriv
