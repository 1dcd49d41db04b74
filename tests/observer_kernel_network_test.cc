// Network: a UDP server's ingress, and replies that are not flows of their own.
// Loads the real BPF programs; shared fixture: tests/observer_kernel_fixture.h.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <string>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "observer/observation.h"
#include "observer/observer.h"
#include "tests/observer_kernel_fixture.h"
#include "util/cgroup.h"
#include "util/process.h"

namespace minpriv::kernel_test {
namespace {

// A UDP server: inbound datagrams are ingress to its port (IPv4 and IPv6), its replies are
// not egress to the clients' ports; as a client, its send is egress and the reply it gets
// is not ingress. The test plays the clients and the echo server (outside the cgroup).
TEST_F(ObserverKernelTest, UdpServerIngressAndRepliesAreNotEgress) {
  auto observer = observer::Observer::Create({});
  ASSERT_TRUE(observer.ok()) << observer.status();
  auto cg = util::ScopedCgroup::Create(absl::StrCat("minpriv-obs-udp-", getpid()));
  ASSERT_TRUE(cg.ok()) << cg.status();
  Recording rec;
  ASSERT_TRUE((*observer)->Watch(cg->path(), &rec).ok());
  TestSocket client4(SOCK_DGRAM, 0), echo(SOCK_DGRAM, 0);
  ASSERT_GE(client4.fd, 0);
  ASSERT_GE(echo.fd, 0);
  int client6 = socket(AF_INET6, SOCK_DGRAM, 0);
  ASSERT_GE(client6, 0);
  sockaddr_in6 c6{};
  c6.sin6_family = AF_INET6;
  c6.sin6_addr = in6addr_loopback;
  ASSERT_EQ(bind(client6, reinterpret_cast<sockaddr*>(&c6), sizeof(c6)), 0);
  socklen_t c6len = sizeof(c6);
  getsockname(client6, reinterpret_cast<sockaddr*>(&c6), &c6len);
  int client6_port = ntohs(c6.sin6_port);
  int port = FreePort(SOCK_DGRAM);
  util::Process p = SpawnInCgroup(
      cg->path(), {BEHAVE_BINARY, "udpserve", std::to_string(port), std::to_string(echo.port)});
  ASSERT_GT(p.pid(), 0);
  sockaddr_in s4{};
  s4.sin_family = AF_INET;
  s4.sin_port = htons(port);
  s4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sockaddr_in6 s6{};
  s6.sin6_family = AF_INET6;
  s6.sin6_port = htons(port);
  s6.sin6_addr = in6addr_loopback;
  // Resend until the server (bound at some point after the spawn) answers; the echo server
  // answers the workload's client. Bounded: a broken workload exits after its 30 s timeouts.
  bool got4 = false, got6 = false, echoed = false;
  int status = -1;
  for (int round = 0; round < 600 && status < 0; ++round) {
    if (!got4) sendto(client4.fd, "ping", 4, 0, reinterpret_cast<sockaddr*>(&s4), sizeof(s4));
    if (got4 && !got6) {
      sendto(client6, "ping", 4, 0, reinterpret_cast<sockaddr*>(&s6), sizeof(s6));
    }
    pollfd fds[3] = {{client4.fd, POLLIN, 0}, {client6, POLLIN, 0}, {echo.fd, POLLIN, 0}};
    poll(fds, 3, 100);
    char buf[64];
    if (fds[0].revents & POLLIN) got4 = recv(client4.fd, buf, sizeof(buf), 0) > 0 || got4;
    if (fds[1].revents & POLLIN) got6 = recv(client6, buf, sizeof(buf), 0) > 0 || got6;
    if (fds[2].revents & POLLIN) {
      sockaddr_storage from{};
      socklen_t len = sizeof(from);
      if (recvfrom(echo.fd, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len) > 0) {
        echoed = sendto(echo.fd, "back", 4, 0, reinterpret_cast<sockaddr*>(&from), len) == 4;
      }
    }
    if (p.Poll()) status = WIFEXITED(p.wait_status()) ? WEXITSTATUS(p.wait_status()) : 128;
  }
  if (status < 0) p.Kill();
  close(client6);
  EXPECT_EQ(status, 0);
  EXPECT_TRUE(got4 && got6 && echoed);
  ASSERT_TRUE((*observer)->Drain().ok());
  using observer::Direction;
  using observer::Protocol;
  auto u = [](int v) { return static_cast<uint32_t>(v); };
  std::set<std::tuple<Direction, std::string, uint32_t, Protocol>> want = {
      {Direction::kIngress, "127.0.0.1", u(port), Protocol::kUdp},
      {Direction::kIngress, "::1", u(port), Protocol::kUdp},
      {Direction::kEgress, "127.0.0.1", u(echo.port), Protocol::kUdp},
  };
  EXPECT_EQ(rec.flows, want) << "replies must not be flows of their own";
  for (const auto& f : rec.flows) {
    EXPECT_NE(std::get<2>(f), u(client4.port)) << "reply recorded as egress";
    EXPECT_NE(std::get<2>(f), u(client6_port)) << "reply recorded as egress";
  }
}

}  // namespace
}  // namespace minpriv::kernel_test
