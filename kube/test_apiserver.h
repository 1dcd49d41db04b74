// Test support: the project's test API server (tests/minpriv-test-apiserver) as a child process,
// and a TCP proxy in front of it whose connections a test can cut to simulate a network failure.
#ifndef MINPRIV_KUBE_TEST_APISERVER_H_
#define MINPRIV_KUBE_TEST_APISERVER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "util/process.h"

namespace minpriv::kube::testing {

class TestApiServer {
 public:
  // Starts the server (path from MINPRIV_TEST_APISERVER) with `extra_args` and waits for its
  // URL line (the readiness signal), up to 30 s.
  static absl::StatusOr<std::unique_ptr<TestApiServer>> Start(
      const std::vector<std::string>& extra_args = {});
  ~TestApiServer();  // SIGTERM, then SIGKILL; removes the kubeconfig

  const std::string& url() const { return url_; }
  const std::string& kubeconfig() const { return kubeconfig_; }
  int port() const;

 private:
  TestApiServer() = default;
  util::Process child_;
  std::thread drain_;
  std::string url_;
  std::string kubeconfig_;
  std::string dir_;
};

// Forwards 127.0.0.1:port() to 127.0.0.1:target_port. CutAll() closes every open connection;
// while refusing, new connections are accepted and closed at once.
class TcpProxy {
 public:
  explicit TcpProxy(int target_port);
  ~TcpProxy();
  int port() const { return port_; }
  void CutAll();
  void SetRefusing(bool refusing) { refusing_.store(refusing); }

 private:
  void AcceptLoop();
  void Pump(int a, int b);

  int target_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> refusing_{false};
  std::thread acceptor_;
  absl::Mutex mu_;
  std::vector<int> fds_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> pumps_ ABSL_GUARDED_BY(mu_);
};

}  // namespace minpriv::kube::testing

#endif  // MINPRIV_KUBE_TEST_APISERVER_H_
