#include "tests/test_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <utility>

#include "gtest/gtest.h"
#include "util/files.h"
#include "util/process.h"

namespace minpriv::test {

util::Process SpawnOrFail(const std::vector<std::string>& argv,
                          const util::SpawnOptions& options) {
  auto child = util::Process::Spawn(argv, options);
  if (!child.ok()) {
    ADD_FAILURE() << child.status();
    return util::Process();
  }
  return std::move(*child);
}

util::Process StartBinary(const std::string& binary, const std::vector<std::string>& args,
                          const std::string& dir, const std::string& tag, bool merge_stderr) {
  std::vector<std::string> argv = {binary};
  argv.insert(argv.end(), args.begin(), args.end());
  util::SpawnOptions options;
  options.stdin_path = "/dev/null";
  options.stdout_path = dir + "/" + tag + ".stdout";
  if (merge_stderr) {
    options.stderr_to_stdout = true;
  } else {
    options.stderr_path = dir + "/" + tag + ".stderr";
  }
  options.search_path = false;
  return SpawnOrFail(argv, options);
}

RunResult RunBinary(const std::string& binary, const std::vector<std::string>& args,
                    const std::string& dir, const std::string& tag, bool merge_stderr) {
  RunResult r;
  util::Process child = StartBinary(binary, args, dir, tag, merge_stderr);
  if (child.pid() <= 0) return r;
  r.exit_code = util::ExitCodeOf(child.Wait());
  r.out = util::ReadFile(dir + "/" + tag + ".stdout").value_or("");
  if (!merge_stderr) r.err = util::ReadFile(dir + "/" + tag + ".stderr").value_or("");
  return r;
}

TempDir::TempDir(const std::string& prefix) {
  std::string tmpl = prefix + "XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp " << tmpl << ": " << strerror(errno);
    return;
  }
  path_ = tmpl;
}

TempDir::~TempDir() { Remove(); }

std::error_code TempDir::Remove() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  if (!ec) path_.clear();
  return ec;
}

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

void RemoveUnlessFailed(const std::string& dir) {
  if (!::testing::Test::HasFailure()) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  } else {
    std::fprintf(stderr, "kept %s (profile, proposal, outputs) for inspection\n", dir.c_str());
  }
}

std::string ReadFileOrFail(const std::string& path) {
  auto text = util::ReadFile(path);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

}  // namespace minpriv::test
