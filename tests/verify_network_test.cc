// The replay's own network with the NetworkPolicy enforced: a peer on this machine (in a
// network namespace of the test's own, routed through this host as a cluster's pods are)
// answers when the policy admits it; another listener of the same peer is out of reach and
// the break names the policy and the enforced rule; a listener on the host's loopback is
// out of reach whatever the policy says (127.0.0.1 is the pod's own).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "util/files.h"
#include "util/process.h"

namespace minpriv {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using test::RunMinpriv;
using test::RunResult;

constexpr int kAllowedPort = 18301;
constexpr int kDeniedPort = 18302;

void Sh(const std::string& command) {
  auto rc = util::RunQuiet({"/bin/sh", "-c", command});
  ASSERT_TRUE(rc.ok() && *rc == 0) << command;
}

// A loopback listener on the host that counts connections.
class LoopbackListener {
 public:
  LoopbackListener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    listen(fd_, 16);
    socklen_t len = sizeof(a);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      for (;;) {
        int c = accept(fd_, nullptr, nullptr);
        if (c < 0) break;
        ++accepted_;
        (void)!write(c, "ok\n", 3);
        close(c);
      }
    });
  }
  ~LoopbackListener() {
    shutdown(fd_, SHUT_RDWR);
    thread_.join();
    close(fd_);
  }
  int port() const { return port_; }
  int accepted() const { return accepted_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

class VerifyNetworkTest : public ::testing::Test {
 protected:
  // The peer's network: namespace mpt-PID behind veth mptPID, 198.18.X.0/24 with X from the
  // pid (the demo uses 198.18.0.0/24), listeners on PEER:18301 and PEER:18302.
  static void SetUpTestSuite() {
    const int x = 20 + getpid() % 200;
    netns_ = new std::string(absl::StrCat("mpt-", getpid()));
    host_if_ = new std::string(absl::StrCat("mpt", getpid()));
    node_ip_ = new std::string(absl::StrCat("198.18.", x, ".1"));
    peer_ip_ = new std::string(absl::StrCat("198.18.", x, ".2"));
    Sh(absl::StrCat("ip netns add ", *netns_));
    Sh(absl::StrCat("ip link add ", *host_if_, " type veth peer name p0 netns ", *netns_));
    Sh(absl::StrCat("ip addr add ", *node_ip_, "/24 dev ", *host_if_, " && ip link set ",
                    *host_if_, " up"));
    Sh(absl::StrCat("ip -n ", *netns_, " link set lo up && ip -n ", *netns_, " addr add ",
                    *peer_ip_, "/24 dev p0 && ip -n ", *netns_, " link set p0 up"));
    // Replies to the replay's pod addresses (198.19.0.0/16) go back through this host.
    Sh(absl::StrCat("ip -n ", *netns_, " route add 198.19.0.0/16 via ", *node_ip_));
    Sh(absl::StrCat("echo 1 > /proc/sys/net/ipv4/conf/", *host_if_, "/forwarding"));
    tmp_ = new test::TempDir("/tmp/minpriv-verify-net-");
    for (int port : {kAllowedPort, kDeniedPort}) {
      util::SpawnOptions o;
      o.stdout_path = absl::StrCat(tmp_->path(), "/peer-", port, ".log");
      auto p = util::Process::Spawn({"ip", "netns", "exec", *netns_, NETPROBE_BINARY, "listen",
                                     *peer_ip_, std::to_string(port)},
                                    o);
      ASSERT_TRUE(p.ok()) << p.status();
      listeners_.push_back(new util::Process(*std::move(p)));
    }
    usleep(300 * 1000);
  }
  static void TearDownTestSuite() {
    for (auto* p : listeners_) delete p;
    listeners_.clear();
    util::RunQuiet({"ip", "link", "del", *host_if_}).IgnoreError();
    util::RunQuiet({"ip", "netns", "del", *netns_}).IgnoreError();
    delete tmp_;
    delete netns_;
    delete host_if_;
    delete node_ip_;
    delete peer_ip_;
  }

  void SetUp() override {
    dir_ = tmp_->path() + "/" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(mkdir(dir_.c_str(), 0755), 0);
    ASSERT_EQ(mkdir((dir_ + "/proposal").c_str(), 0755), 0);
    ASSERT_TRUE(util::WriteFileAtomic(dir_ + "/proposal/narrowed.yaml", R"(apiVersion: v1
kind: Pod
metadata: {name: netprobe, namespace: default, labels: {app: netprobe}}
spec:
  containers:
  - name: netprobe
    securityContext:
      readOnlyRootFilesystem: true
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
)").ok());
  }

  // The NetworkPolicy: egress to `egress_to` (an ipBlock rule, port `port`), or every peer
  // when empty.
  void WritePolicy(const std::string& egress_to, int port) {
    std::string rule =
        egress_to.empty()
            ? std::string("  - {}\n")
            : absl::StrCat("  - to:\n    - ipBlock: {cidr: ", egress_to, "/32}\n",
                           "    ports:\n    - {protocol: TCP, port: ", port, "}\n");
    ASSERT_TRUE(util::WriteFileAtomic(dir_ + "/proposal/networkpolicy.yaml",
                                      absl::StrCat(R"(apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: netprobe-minpriv, namespace: default}
spec:
  podSelector: {matchLabels: {app: netprobe}}
  policyTypes: [Ingress, Egress]
  egress:
)",
                                                   rule))
                    .ok());
  }

  RunResult Probe(const std::string& ip, int port, const std::string& tag,
                  std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"verify", "--proposal", dir_ + "/proposal", "--report",
                                     dir_ + "/" + tag + ".json"};
    args.insert(args.end(), extra.begin(), extra.end());
    for (const std::string& a :
         {std::string("--"), std::string(NETPROBE_BINARY), std::string("connect"), ip,
          std::to_string(port)}) {
      args.push_back(a);
    }
    return RunMinpriv(args, dir_, tag);
  }
  std::string Report(const std::string& tag) {
    return util::ReadFile(dir_ + "/" + tag + ".json").value_or("");
  }
  int PeerAccepted(int port) {
    std::string log =
        util::ReadFile(absl::StrCat(tmp_->path(), "/peer-", port, ".log")).value_or("");
    int n = 0;
    for (size_t at = log.find("accepted"); at != std::string::npos;
         at = log.find("accepted", at + 1)) {
      ++n;
    }
    return n;
  }

  static std::string* netns_;
  static std::string* host_if_;
  static std::string* node_ip_;
  static std::string* peer_ip_;
  static test::TempDir* tmp_;
  static std::vector<util::Process*> listeners_;
  std::string dir_;
};

std::string* VerifyNetworkTest::netns_ = nullptr;
std::string* VerifyNetworkTest::host_if_ = nullptr;
std::string* VerifyNetworkTest::node_ip_ = nullptr;
std::string* VerifyNetworkTest::peer_ip_ = nullptr;
test::TempDir* VerifyNetworkTest::tmp_ = nullptr;
std::vector<util::Process*> VerifyNetworkTest::listeners_;

TEST_F(VerifyNetworkTest, AllowedPeerAnswers) {
  WritePolicy(*peer_ip_, kAllowedPort);
  int before = PeerAccepted(kAllowedPort);
  RunResult r = Probe(*peer_ip_, kAllowedPort, "allowed");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("answered"));
  EXPECT_GT(PeerAccepted(kAllowedPort), before);
  std::string report = Report("allowed");
  EXPECT_THAT(report, HasSubstr("\"namespace\": \"own\""));
  EXPECT_THAT(report, HasSubstr("\"egressEnforced\": true"));
  EXPECT_THAT(report, HasSubstr("\"podIP\": \"198.19."));
  EXPECT_THAT(r.err, HasSubstr("the NetworkPolicy was enforced with nftables"));
}

TEST_F(VerifyNetworkTest, PeerOutsideThePolicyIsUnreachableAndTheBreakNamesThePolicy) {
  WritePolicy(*peer_ip_, kAllowedPort);
  int before = PeerAccepted(kDeniedPort);
  // The listener is there: only the enforced policy keeps the probe from it.
  RunResult r = Probe(*peer_ip_, kDeniedPort, "denied", {"--expect-exit", "1"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("network policy would deny egress to ", *peer_ip_,
                                            ":", kDeniedPort, "/TCP")));
  EXPECT_THAT(r.out, HasSubstr("no egress rule of default/netprobe-minpriv admits it"));
  EXPECT_THAT(r.out, HasSubstr("enforced: rejected by default/netprobe-minpriv"));
  EXPECT_THAT(r.err, HasSubstr("netprobe: connect"));  // it failed, nothing answered
  EXPECT_EQ(PeerAccepted(kDeniedPort), before);
  EXPECT_THAT(Report("denied"), Not(HasSubstr("\"egressDeniedPackets\": 0")));
}

TEST_F(VerifyNetworkTest, HostLoopbackIsOutOfReachWhateverThePolicy) {
  WritePolicy("", 0);  // every egress admitted
  LoopbackListener host;
  RunResult r = Probe("127.0.0.1", host.port(), "loopback", {"--expect-exit", "1"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;  // exit 1 expected: nothing answered
  EXPECT_THAT(r.err, HasSubstr("netprobe: connect 127.0.0.1"));
  EXPECT_EQ(host.accepted(), 0);
}

}  // namespace
}  // namespace minpriv
