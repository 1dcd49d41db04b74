// The webhook over real TLS: a CA and certificates made with the openssl CLI, curl and a
// Beast client as the API server's stand-ins. Keep-alive, TLS 1.2+, body limit (declared and
// chunked), slow clients (slow body, trickled headers, no TLS handshake) and idle ones,
// malformed HTTP, parallel requests and hundreds of open connections without a leaked one,
// probes, metrics and certificate rotation.
#include "webhooks/webhook_server.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "boost/asio.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "webhooks/test_support.h"

namespace minpriv::webhooks {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Runs a shell command; returns its stdout, and its exit status in *status.
std::string Shell(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = ::pclose(p);
  if (status != nullptr) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

// A CA (DIR/PREFIXca.pem) and a server certificate for 127.0.0.1 and localhost it signed.
void MakeCertificates(const std::string& dir, const std::string& prefix) {
  std::string d = dir + "/" + prefix;
  std::string cmd = absl::StrCat(
      "set -e; cd ", dir, "; ",
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=", prefix, "test-ca -keyout ",
      d, "ca.key -out ", d, "ca.pem 2>/dev/null; ",
      "openssl req -newkey rsa:2048 -nodes -subj /CN=minpriv-webhook -keyout ", d,
      "server.key -out ", d, "server.csr 2>/dev/null; ",
      "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > ", d, "ext.cnf; ",
      "openssl x509 -req -in ", d, "server.csr -CA ", d, "ca.pem -CAkey ", d,
      "ca.key -CAcreateserial -days 2 -extfile ", d, "ext.cnf -out ", d, "server.pem 2>/dev/null");
  int status = 0;
  Shell(cmd, &status);
  ASSERT_EQ(status, 0) << cmd;
}

// A keep-alive HTTPS client trusting one CA.
class Client {
 public:
  Client(uint16_t port, const std::string& ca) : ctx_(net::ssl::context::tls_client), stream_(ioc_, ctx_) {
    ctx_.load_verify_file(ca);
    stream_.set_verify_mode(net::ssl::verify_peer);
    stream_.next_layer().connect({net::ip::make_address("127.0.0.1"), port});
    stream_.handshake(net::ssl::stream_base::client);
  }
  // Status and body; status -1 when the server closed the connection.
  std::pair<int, std::string> Request(const std::string& method, const std::string& target,
                                      const std::string& body = "") {
    http::request<http::string_body> req(http::string_to_verb(method), target, 11);
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    beast::error_code ec;
    http::write(stream_, req, ec);
    if (ec) return {-1, ec.message()};
    return Read();
  }
  void WriteRaw(const std::string& bytes) { net::write(stream_, net::buffer(bytes)); }
  std::pair<int, std::string> Read() {
    http::response<http::string_body> res;
    beast::error_code ec;
    http::read(stream_, buffer_, res, ec);
    if (ec) return {-1, ec.message()};
    return {res.result_int(), res.body()};
  }

 private:
  net::io_context ioc_;
  net::ssl::context ctx_;
  net::ssl::stream<net::ip::tcp::socket> stream_;
  beast::flat_buffer buffer_;
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir("minpriv-webhook-server");
    testing::WriteProposal("store", dir_ + "/proposals/store");
    MakeCertificates(dir_, "");
    StartServer(std::chrono::milliseconds(1500));
  }
  // (Re)starts the server with short timeouts and the given idle timeout.
  void StartServer(std::chrono::milliseconds idle_timeout) {
    server_.reset();
    WebhookOptions o;
    o.listen = "127.0.0.1:0";
    o.tls_cert = dir_ + "/server.pem";
    o.tls_key = dir_ + "/server.key";
    o.proposals = dir_ + "/proposals";
    o.default_mode = Mode::kEnforce;
    o.http.request_timeout = std::chrono::milliseconds(500);
    o.http.idle_timeout = idle_timeout;
    o.http.handshake_timeout = std::chrono::milliseconds(1000);
    auto s = WebhookServer::Start(o);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
    base_ = absl::StrCat("https://127.0.0.1:", server_->port());
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string Curl(const std::string& args, int* status = nullptr) {
    return Shell(absl::StrCat("curl -sS --max-time 10 --cacert ", dir_, "/ca.pem ", args, " 2>&1"),
               status);
  }
  std::string WidenedReview() {
    json d = testing::ObjectFromYaml(dir_ + "/proposals/store/narrowed.yaml");
    d["spec"]["template"]["spec"]["hostPID"] = true;
    return testing::Review(d).dump();
  }

  std::string dir_, base_;
  std::unique_ptr<WebhookServer> server_;
};

TEST_F(ServerTest, ServesAdmissionOverTlsWithCurl) {
  std::ofstream(dir_ + "/review.json") << WidenedReview();
  int status = 0;
  std::string out = Curl(absl::StrCat("-w '\\n%{http_code}' -H 'Content-Type: application/json' "
                                      "--data-binary @", dir_, "/review.json ", base_, "/validate"),
                         &status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_THAT(out, HasSubstr("\"allowed\":false"));
  EXPECT_THAT(out, HasSubstr("pod: hostPID hostPID: true"));
  EXPECT_THAT(out, ::testing::EndsWith("\n200"));
  EXPECT_EQ(Curl(base_ + "/healthz"), "ok\n");
  EXPECT_EQ(Curl(base_ + "/readyz"), "ok\n");
  std::string metrics = Curl(base_ + "/metrics");
  EXPECT_THAT(metrics, HasSubstr("minpriv_webhook_requests_total{endpoint=\"validate\",verdict=\"denied\",reason=\"widening\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("minpriv_webhook_widenings_total{reason=\"hostPID\",mode=\"enforce\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("minpriv_webhook_request_duration_seconds_count{endpoint=\"validate\"} 1"));
  EXPECT_THAT(Curl("-w '%{http_code}' -o /dev/null " + base_ + "/nope"), "404");
  EXPECT_THAT(Curl("-w '%{http_code}' -o /dev/null " + base_ + "/validate"), "405");
}

TEST_F(ServerTest, OnlyTls12AndLater) {
  int status = 0;
  Curl("--tls-max 1.1 " + base_ + "/healthz", &status);
  EXPECT_NE(status, 0);
  EXPECT_EQ(Curl("--tlsv1.2 --tls-max 1.2 " + base_ + "/healthz", &status), "ok\n");
  EXPECT_EQ(Curl("--tlsv1.3 " + base_ + "/healthz", &status), "ok\n");
  // Plain HTTP gets no answer (the handshake fails), and the server lives on.
  Shell(absl::StrCat("curl -s --max-time 3 http://127.0.0.1:", server_->port(), "/healthz"), &status);
  EXPECT_NE(status, 0);
  EXPECT_EQ(Curl(base_ + "/healthz"), "ok\n");
}

TEST_F(ServerTest, KeepAliveReusesOneConnection) {
  std::string out = Curl("-w '%{num_connects}\\n' -o /dev/null -o /dev/null " + base_ +
                         "/healthz " + base_ + "/readyz");
  EXPECT_EQ(out, "1\n0\n");
  Client c(server_->port(), dir_ + "/ca.pem");
  for (int i = 0; i < 20; ++i) {
    auto [code, body] = c.Request("POST", "/validate", WidenedReview());
    ASSERT_EQ(code, 200) << body;
  }
}

TEST_F(ServerTest, BodyOverTheLimitIs413) {
  Client c(server_->port(), dir_ + "/ca.pem");
  auto [code, body] = c.Request("POST", "/validate", std::string(3 * 1024 * 1024 + 1, ' '));
  EXPECT_EQ(code, 413);
  EXPECT_THAT(body, HasSubstr("over the limit"));
  std::ofstream(dir_ + "/big.json") << std::string(4 * 1024 * 1024, ' ');
  EXPECT_EQ(Curl("-w '%{http_code}' -o /dev/null --data-binary @" + dir_ + "/big.json " + base_ +
                 "/validate"),
            "413");
}

TEST_F(ServerTest, SlowClientGets408AndIdleClientIsClosed) {
  Client slow(server_->port(), dir_ + "/ca.pem");
  slow.WriteRaw("POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"api");
  auto start = std::chrono::steady_clock::now();
  auto [code, body] = slow.Read();
  EXPECT_EQ(code, 408);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(slow.Read().first, -1);  // and the connection is closed
  Client idle(server_->port(), dir_ + "/ca.pem");
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(idle.Read().first, -1);  // closed without a response after the idle timeout
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1400));
}

TEST_F(ServerTest, MalformedRequestsGetMessagesNotCrashes) {
  Client raw(server_->port(), dir_ + "/ca.pem");
  raw.WriteRaw("BLAH\x01 / HTTP/1.1\r\n\r\n");
  auto [code, body] = raw.Read();
  EXPECT_EQ(code, 400);
  Client c(server_->port(), dir_ + "/ca.pem");
  for (const std::string& bad : {std::string("{"), std::string("null"),
                                 std::string("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{}}")}) {
    auto [code2, body2] = c.Request("POST", "/validate", bad);
    EXPECT_EQ(code2, 400);
    EXPECT_THAT(body2, StartsWith("bad AdmissionReview: "));
  }
  EXPECT_EQ(c.Request("GET", "/healthz").first, 200);  // the connection stays usable
}

TEST_F(ServerTest, ServesConcurrentClientsInParallel) {
  std::string review = WidenedReview();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      Client c(server_->port(), dir_ + "/ca.pem");
      for (int i = 0; i < 25; ++i) {
        auto [code, body] = c.Request("POST", i % 2 ? "/validate" : "/mutate", review);
        if (code == 200 && body.find("\"uid\"") != std::string::npos) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 200);
}

TEST_F(ServerTest, RotatedCertificateServesNewHandshakesWithoutDroppingConnections) {
  MakeCertificates(dir_, "next-");  // first: key generation may outlast the idle timeout
  Client old_conn(server_->port(), dir_ + "/ca.pem");
  ASSERT_EQ(old_conn.Request("GET", "/healthz").first, 200);
  // cert-manager style: new files renamed over the old ones.
  std::filesystem::copy_file(dir_ + "/next-server.pem", dir_ + "/server.pem.tmp");
  std::filesystem::copy_file(dir_ + "/next-server.key", dir_ + "/server.key.tmp");
  std::filesystem::rename(dir_ + "/server.key.tmp", dir_ + "/server.key");
  std::filesystem::rename(dir_ + "/server.pem.tmp", dir_ + "/server.pem");
  // The old connection stays in use (its idle timeout is 1.5 s here) throughout.
  for (int i = 0; i < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(550));
    ASSERT_EQ(old_conn.Request("GET", "/healthz").first, 200);
  }
  int status = 0;
  std::string out;
  for (int i = 0; i < 20; ++i) {  // the check runs at most once a second
    out = Shell(absl::StrCat("curl -sS --max-time 5 --cacert ", dir_, "/next-ca.pem ", base_,
                           "/healthz 2>&1"), &status);
    if (status == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ASSERT_EQ(old_conn.Request("GET", "/healthz").first, 200);
  }
  EXPECT_EQ(out, "ok\n");
  EXPECT_EQ(server_->certificates().reloads(), 1);
  int old_status = 0;
  Curl(base_ + "/healthz", &old_status);  // the old CA no longer verifies new handshakes
  EXPECT_NE(old_status, 0);
  EXPECT_EQ(old_conn.Request("GET", "/healthz").first, 200);  // not dropped
  // A broken pair (key of another certificate) keeps the current one.
  std::filesystem::copy_file(dir_ + "/ca.key", dir_ + "/server.key",
                             std::filesystem::copy_options::overwrite_existing);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_FALSE(server_->certificates().ReloadIfChanged().ok());
  EXPECT_EQ(Shell(absl::StrCat("curl -sS --max-time 5 --cacert ", dir_, "/next-ca.pem ", base_,
                             "/healthz 2>&1")), "ok\n");
}

// Open file descriptors of this process (the server runs in it).
int OpenFds() {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    (void)e;
    ++n;
  }
  return n;
}

// Waits up to 5 s for the process to be back at `baseline` open descriptors (or fewer).
bool BackTo(int baseline) {
  for (int i = 0; i < 100 && OpenFds() > baseline; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return OpenFds() <= baseline;
}

TEST_F(ServerTest, TrickledHeadersGet408WhileOthersAreServed) {
  Client ok_client(server_->port(), dir_ + "/ca.pem");  // before: its handshake is not timed
  const int baseline = OpenFds();
  std::atomic<bool> done{false};
  std::pair<int, std::string> slow_result;
  auto start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration took{};
  std::thread slowloris([&] {
    Client slow(server_->port(), dir_ + "/ca.pem");
    slow.WriteRaw("POST /validate HTTP/1.1\r\nHost: x\r\n");
    std::thread reader([&] {
      slow_result = slow.Read();
      took = std::chrono::steady_clock::now() - start;
      done = true;
    });
    // One header byte every 50 ms: each read makes progress, none completes the request.
    for (int i = 0; i < 100 && !done; ++i) {
      try {
        slow.WriteRaw("X");
      } catch (const std::exception&) {
        break;  // closed by the server
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    reader.join();
  });
  // Meanwhile, requests on another connection are answered at once.
  for (int i = 0; i < 5; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(ok_client.Request("POST", "/validate", WidenedReview()).first, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(400));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  slowloris.join();
  EXPECT_EQ(slow_result.first, 408) << slow_result.second;
  // Bounded by the request timeout (500 ms here), not reset by each byte.
  EXPECT_LT(took, std::chrono::milliseconds(2000));
  EXPECT_TRUE(BackTo(baseline)) << OpenFds() << " open, " << baseline << " before";
}

TEST_F(ServerTest, ARequestStartedLateOnAnIdleConnectionGetsItsWholeTimeout) {
  // Idle for most of the request timeout (500 ms), then a request sent in two parts 250 ms
  // apart: the timeout counts from its first byte, not from when the connection went idle.
  Client c(server_->port(), dir_ + "/ca.pem");
  std::string review = WidenedReview();
  std::string head = absl::StrCat("POST /validate HTTP/1.1\r\nHost: x\r\n"
                                  "Content-Type: application/json\r\nContent-Length: ",
                                  review.size(), "\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(450));
  c.WriteRaw(head);
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  c.WriteRaw(review);
  auto [code, body] = c.Read();
  EXPECT_EQ(code, 200) << body;
}

TEST_F(ServerTest, AClientThatNeverHandshakesIsClosed) {
  const int baseline = OpenFds();
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(server_->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::write(fd, "\x16\x03\x01", 3), 3);  // the first bytes of a ClientHello, no more
  auto start = std::chrono::steady_clock::now();
  char buf[64];
  ssize_t n = ::read(fd, buf, sizeof buf);  // blocks until the server closes
  auto took = std::chrono::steady_clock::now() - start;
  ::close(fd);
  EXPECT_LE(n, 0);
  EXPECT_GE(took, std::chrono::milliseconds(900));  // the handshake timeout (1 s here)
  EXPECT_LT(took, std::chrono::milliseconds(5000));
  EXPECT_TRUE(BackTo(baseline));
}

TEST_F(ServerTest, ChunkedBodyOverTheLimitIs413) {
  Client c(server_->port(), dir_ + "/ca.pem");
  c.WriteRaw("POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             "Transfer-Encoding: chunked\r\n\r\n");
  const std::string chunk(64 * 1024, ' ');
  std::string framed = absl::StrCat(absl::Hex(chunk.size()), "\r\n", chunk, "\r\n");
  for (int i = 0; i < 49; ++i) {  // 49 x 64 KiB: over 3 MiB, never a Content-Length
    try {
      c.WriteRaw(framed);
    } catch (const std::exception&) {
      break;  // the server answered and closed early
    }
  }
  auto [code, body] = c.Read();
  EXPECT_EQ(code, 413);
  EXPECT_THAT(body, HasSubstr("over the limit"));
}

TEST_F(ServerTest, HundredsOfOpenConnectionsAreServedAndNoneLeaks) {
  // Connecting 200 clients may take longer than the usual 1.5 s idle timeout on a busy machine.
  StartServer(std::chrono::milliseconds(60000));
  const int baseline = OpenFds();
  std::string review = WidenedReview();
  {
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < 200; ++i) {
      clients.push_back(std::make_unique<Client>(server_->port(), dir_ + "/ca.pem"));
    }
    // All open at once; each answered, in an order unrelated to the order they connected.
    int ok = 0;
    for (int i = 199; i >= 0; --i) {
      auto [code, body] = clients[i]->Request("POST", "/validate", review);
      if (code == 200 && body.find("\"allowed\":false") != std::string::npos) ++ok;
    }
    EXPECT_EQ(ok, 200);
  }  // every client closes
  EXPECT_TRUE(BackTo(baseline)) << OpenFds() << " open, " << baseline << " before";
  EXPECT_EQ(Curl("-o /dev/null -w '%{http_code}' " + base_ + "/healthz"), "200");
}

TEST(WebhookOptionsTest, FlagsAreValidated) {
  WebhookOptions o;
  EXPECT_THAT(std::string(ValidateWebhookOptions(o).message()), HasSubstr("--tls-cert"));
  o.tls_cert = "c";
  o.tls_key = "k";
  EXPECT_TRUE(ValidateWebhookOptions(o).ok());  // cluster mode: the default configuration
  o.proposals = "p";
  o.kubeconfig = "k";
  EXPECT_THAT(std::string(ValidateWebhookOptions(o).message()), HasSubstr("not both"));
  o.kubeconfig.clear();
  o.listen = "127.0.0.1";
  EXPECT_THAT(std::string(ValidateWebhookOptions(o).message()), HasSubstr("no port"));
  o.listen = "[::1]:9443";
  EXPECT_TRUE(ValidateWebhookOptions(o).ok());
  EXPECT_EQ(o.http.host, "::1");
  EXPECT_EQ(o.http.port, 9443);
}

}  // namespace
}  // namespace minpriv::webhooks
