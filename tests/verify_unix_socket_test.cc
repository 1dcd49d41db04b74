// `minpriv verify`'s exercise reaches a unix socket the workload binds inside the container
// (a `psql -h /var/run/postgresql` client): the container's volumes live in bundle
// directories the exercise does not know, so verify gives it $MINPRIV_ROOT, the container's
// root as /proc/<its init pid>/root (`$MINPRIV_ROOT/PATH` is PATH as the container sees it,
// for the host's tools), and $MINPRIV_IN_CONTAINER, a prefix that runs a program in the
// container's mount namespace. Learning runs on the host's root, where both are unset: the
// same exercise serves both.
#include <sys/stat.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "util/files.h"

namespace minpriv {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using test::RunMinpriv;
using test::RunResult;

// Binds /sock/app.sock (an emptyDir under a read-only root) and answers "pong" to each client.
constexpr char kServer[] = R"(import socket
s = socket.socket(socket.AF_UNIX)
s.bind('/sock/app.sock')
s.listen(4)
while True:
    c, _ = s.accept()
    c.sendall(b'pong\n')
    c.close()
)";

// Connects to PATH (retrying while the server starts) and expects "pong"; PREFIX runs it.
std::string Client(const std::string& prefix, const std::string& path) {
  return absl::StrCat(prefix, R"( python3 -c '
import socket, sys, time
path = sys.argv[1]
for _ in range(50):
    try:
        c = socket.socket(socket.AF_UNIX)
        c.connect(path)
        sys.exit(0 if c.recv(16) == b"pong\n" else 1)
    except OSError as e:
        err = e
        time.sleep(0.1)
print("cannot reach", path, err, file=sys.stderr)
sys.exit(1)
' )", path);
}

// The host's python3 with the container's path under $MINPRIV_ROOT, then python3 run in the
// container's mount namespace with the container's own path.
const std::string kClients = absl::StrCat(Client("", "\"$MINPRIV_ROOT/sock/app.sock\""), " && ",
                                          Client("$MINPRIV_IN_CONTAINER", "/sock/app.sock"));

std::string Manifest(bool host_network) {
  return absl::StrCat(R"(apiVersion: v1
kind: Pod
metadata: {name: sockets}
spec:
)", host_network ? "  hostNetwork: true\n" : "", R"(  containers:
  - name: sockets
    securityContext:
      readOnlyRootFilesystem: true
    volumeMounts:
    - {name: sock, mountPath: /sock}
  volumes:
  - name: sock
    emptyDir: {}
)");
}

class VerifyUnixSocketTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    dir_ = tmp_.path();
    ASSERT_FALSE(dir_.empty());
    ASSERT_EQ(mkdir((dir_ + "/proposal").c_str(), 0755), 0);
    ASSERT_TRUE(util::WriteFileAtomic(dir_ + "/proposal/narrowed.yaml", Manifest(GetParam()))
                    .ok());
  }

  test::TempDir tmp_{"/tmp/minpriv-verify-unix-"};
  std::string dir_;
};

TEST_P(VerifyUnixSocketTest, ExerciseReachesTheContainersSocket) {
  RunResult r = RunMinpriv({"verify", "--proposal", dir_ + "/proposal", "--duration", "60s",
                            "--exercise", kClients, "--report", dir_ + "/report.json", "--",
                            "/usr/bin/python3", "-c", kServer},
                           dir_, GetParam() ? "host-network" : "own-network");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("VERIFIED")) << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("cannot reach")));
}

INSTANTIATE_TEST_SUITE_P(Networks, VerifyUnixSocketTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "HostNetwork" : "OwnNetwork";
                         });

}  // namespace
}  // namespace minpriv
