#include "tests/observer_kernel_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "tests/test_util.h"

namespace minpriv::kernel_test {

util::Process SpawnInCgroup(const std::string& cgroup, std::vector<std::string> argv) {
  util::SpawnOptions options;
  options.cgroup = cgroup;
  options.search_path = false;
  return test::SpawnOrFail(argv, options);
}

int Wait(util::Process& process) {
  if (process.pid() <= 0) return -1;
  return util::ExitCodeOf(process.Wait());
}

int Wait(pid_t pid) {
  int st = 0;
  if (waitpid(pid, &st, 0) != pid) return -1;
  return util::ExitCodeOf(st);
}

TestSocket::TestSocket(int type, int want_port) {
  fd = socket(AF_INET, type, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(want_port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    fd = -1;
    return;
  }
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
}

TestSocket::~TestSocket() {
  if (fd >= 0) close(fd);
}

int FreePort(int type) {
  TestSocket s(type, 0);
  return s.port;
}

void ObserverKernelTest::TearDown() {
  for (const auto& d : dirs_) std::filesystem::remove_all(d);
}

std::string ObserverKernelTest::TempDir(const char* tag) {
  std::string tmpl = absl::StrCat("/tmp/minpriv-obs-", tag, "-XXXXXX");
  char* d = mkdtemp(tmpl.data());
  dirs_.push_back(d ? std::string(d) : "");
  return dirs_.back();
}

}  // namespace minpriv::kernel_test
