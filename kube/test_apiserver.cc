#include "kube/test_apiserver.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace minpriv::kube::testing {

absl::StatusOr<std::unique_ptr<TestApiServer>> TestApiServer::Start(
    const std::vector<std::string>& extra_args) {
  std::unique_ptr<TestApiServer> server(new TestApiServer());
  char tmpl[] = "/tmp/kube_test_apiserver.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return absl::InternalError("mkdtemp failed");
  server->dir_ = tmpl;
  server->kubeconfig_ = server->dir_ + "/kubeconfig";
  std::vector<std::string> argv = {MINPRIV_TEST_APISERVER, "--kubeconfig-out",
                                   server->kubeconfig_};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  // The server's stdout is a FIFO we hold open for reading before it starts, so its first
  // line (the URL) is the readiness signal and nothing it prints later can block it.
  std::string fifo = server->dir_ + "/stdout";
  if (mkfifo(fifo.c_str(), 0600) != 0) return absl::InternalError("mkfifo failed");
  int fds[1] = {open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  if (fds[0] < 0) return absl::InternalError("cannot open the server's stdout FIFO");
  util::SpawnOptions options;
  options.stdout_path = fifo;
  options.search_path = false;
  absl::StatusOr<util::Process> child = util::Process::Spawn(argv, options);
  if (!child.ok()) {
    close(fds[0]);
    return child.status();
  }
  server->child_ = *std::move(child);
  // The first stdout line is the URL; read it with a deadline.
  std::string line;
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (line.find('\n') == std::string::npos) {
    int left = static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    pollfd p{fds[0], POLLIN, 0};
    if (left <= 0 || poll(&p, 1, left) <= 0) {
      close(fds[0]);
      return absl::DeadlineExceededError("the test API server printed no URL within 30 s");
    }
    char buf[256];
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EAGAIN) continue;
    if (n <= 0) {
      close(fds[0]);
      return absl::UnavailableError("the test API server exited before printing its URL");
    }
    line.append(buf, n);
  }
  // Keep reading (and dropping) later output so the server never blocks on, or dies of, a
  // full or closed pipe.
  int out = fds[0];
  fcntl(out, F_SETFL, fcntl(out, F_GETFL) & ~O_NONBLOCK);
  server->drain_ = std::thread([out] {
    char buf[4096];
    while (read(out, buf, sizeof buf) > 0) {
    }
    close(out);
  });
  server->url_ = line.substr(0, line.find('\n'));
  return server;
}

TestApiServer::~TestApiServer() {
  child_.Stop(absl::Seconds(2));
  if (drain_.joinable()) drain_.join();  // EOF once the server's process group is gone
  if (!dir_.empty()) std::filesystem::remove_all(dir_);
}

int TestApiServer::port() const {
  int port = 0;
  absl::SimpleAtoi(url_.substr(url_.rfind(':') + 1), &port);
  return port;
}

TcpProxy::TcpProxy(int target_port) : target_port_(target_port) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  listen(listen_fd_, 64);
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

TcpProxy::~TcpProxy() {
  stop_.store(true);
  shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  close(listen_fd_);
  CutAll();
  std::vector<std::thread> pumps;
  {
    absl::MutexLock lock(&mu_);
    pumps.swap(pumps_);
  }
  for (std::thread& t : pumps) t.join();
}

void TcpProxy::CutAll() {
  absl::MutexLock lock(&mu_);
  for (int fd : fds_) shutdown(fd, SHUT_RDWR);
}

void TcpProxy::AcceptLoop() {
  while (!stop_.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    if (refusing_.load()) {
      close(client);
      continue;
    }
    int upstream = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(target_port_);
    if (connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close(client);
      close(upstream);
      continue;
    }
    int one = 1;
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(upstream, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    absl::MutexLock lock(&mu_);
    fds_.push_back(client);
    fds_.push_back(upstream);
    pumps_.emplace_back([this, client, upstream] { Pump(client, upstream); });
  }
}

void TcpProxy::Pump(int a, int b) {
  char buf[16384];
  while (true) {
    pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    if (poll(p, 2, 100) < 0) break;
    if (stop_.load()) break;
    bool done = false;
    for (int i = 0; i < 2 && !done; ++i) {
      if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(p[i].fd, buf, sizeof buf);
      if (n <= 0 || write(p[1 - i].fd, buf, n) != n) done = true;
    }
    if (done) break;
  }
  absl::MutexLock lock(&mu_);
  fds_.erase(std::remove_if(fds_.begin(), fds_.end(), [&](int fd) { return fd == a || fd == b; }),
             fds_.end());
  close(a);
  close(b);
}

}  // namespace minpriv::kube::testing
