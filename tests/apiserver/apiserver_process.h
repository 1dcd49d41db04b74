// Test helpers: a child process with its stdout on a pipe (the API server, a background
// `kubectl get -w`, a streaming curl), and running a command to completion.
#ifndef MINPRIV_TESTS_APISERVER_APISERVER_PROCESS_H_
#define MINPRIV_TESTS_APISERVER_APISERVER_PROCESS_H_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace minpriv::apiserver::testing {

// A child in its own process group, stdout (and stderr) on a pipe. Killed (group) on destruction.
class Child {
 public:
  explicit Child(const std::vector<std::string>& argv) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      ::dup2(fds[1], 1);
      ::dup2(fds[1], 2);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    fd_ = fds[0];
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) ::close(fd_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // The next line of output, waiting up to `timeout`; nullopt at EOF or timeout.
  std::optional<std::string> ReadLine(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      char buf[4096];
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) {
        if (buffer_.empty()) return std::nullopt;
        std::string rest;
        rest.swap(buffer_);
        return rest;
      }
      buffer_.append(buf, n);
    }
  }
  // Reads lines until one contains `needle`; every line read so far is appended to `seen`.
  bool WaitFor(const std::string& needle, std::chrono::milliseconds timeout, std::string* seen) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (auto line = ReadLine(std::chrono::duration_cast<std::chrono::milliseconds>(
               deadline - std::chrono::steady_clock::now()))) {
      *seen += *line + "\n";
      if (line->find(needle) != std::string::npos) return true;
    }
    return false;
  }
  // Sends SIGTERM to the child itself and returns its exit code (-1 if killed by a signal).
  int Terminate() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_;
};

struct CommandResult {
  int exit_code;
  std::string output;  // stdout and stderr
};

inline CommandResult RunCommand(const std::vector<std::string>& argv) {
  Child child(argv);
  std::string out;
  while (auto line = child.ReadLine(std::chrono::seconds(60))) out += *line + "\n";
  int status = 0;
  ::waitpid(child.pid(), &status, 0);
  // The destructor's kill of an already reaped group is harmless.
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace minpriv::apiserver::testing

#endif  // MINPRIV_TESTS_APISERVER_APISERVER_PROCESS_H_
