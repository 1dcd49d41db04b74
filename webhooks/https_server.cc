#include "webhooks/https_server.h"

#include <array>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "boost/asio.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"

namespace minpriv::webhooks {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

struct HttpsServer::Impl {
  Impl(const HttpsServerOptions& o, CertificateStore& c, Router r, Metrics& m)
      : options(o), certs(c), router(std::move(r)), metrics(m), acceptor(net::make_strand(ioc)) {}
  void DoAccept();

  HttpsServerOptions options;
  CertificateStore& certs;
  Router router;
  Metrics& metrics;
  net::io_context ioc;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::condition_variable cv;
  bool stopped = false;
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<net::ssl::context> ctx, HttpsServer::Impl& server)
      : ctx_(std::move(ctx)),
        stream_(std::move(socket), *ctx_),
        timer_(stream_.get_executor()),
        server_(server) {}

  void Start() {
    beast::error_code ec;
    Socket().set_option(tcp::no_delay(true), ec);  // else Nagle + delayed ACK: ~40 ms a reply
    Arm(Phase::kHandshake, server_.options.handshake_timeout);
    stream_.async_handshake(net::ssl::stream_base::server,
                            [self = shared_from_this()](beast::error_code ec) {
                              if (ec) return self->Close();
                              self->DoRead();
                            });
  }

 private:
  enum class Phase { kHandshake, kRead, kWrite, kShutdown };

  tcp::socket& Socket() { return stream_.next_layer(); }

  void Arm(Phase phase, std::chrono::milliseconds after) {
    phase_ = phase;
    uint64_t gen = ++gen_;
    timer_.expires_after(after);
    timer_.async_wait([self = shared_from_this(), gen](beast::error_code ec) {
      if (!ec && gen == self->gen_) self->OnTimer();
    });
  }
  void Disarm() {
    ++gen_;
    timer_.cancel();
  }

  // While reading, the timer ticks every tenth of the shorter timeout: a request gets the
  // whole request timeout from its first byte (seen within a tick), however long the
  // connection was idle before it, and an idle connection closes after the idle timeout.
  std::chrono::milliseconds ReadTick() const {
    auto shorter = std::min(server_.options.request_timeout, server_.options.idle_timeout);
    return std::max(std::chrono::milliseconds(1), shorter / 10);
  }

  void OnTimer() {
    if (phase_ != Phase::kRead) return Close();
    auto now = std::chrono::steady_clock::now();
    bool started = buffer_.size() > 0 || parser_->got_some();
    if (started) {
      if (!first_byte_) first_byte_ = now;
      if (now - *first_byte_ >= server_.options.request_timeout) {
        // A slow client: answer 408 once the read is cancelled.
        timed_out_ = true;
        beast::error_code ec;
        Socket().cancel(ec);
        return;
      }
    } else if (now - read_started_ >= server_.options.idle_timeout) {
      return Close();
    }
    Arm(Phase::kRead, ReadTick());
  }

  void DoRead() {
    parser_.emplace();
    parser_->body_limit(server_.options.body_limit);
    parser_->header_limit(64 * 1024);
    read_started_ = std::chrono::steady_clock::now();
    first_byte_.reset();
    Arm(Phase::kRead, ReadTick());
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->OnRead(ec);
                     });
  }

  void OnRead(beast::error_code ec) {
    Disarm();
    if (timed_out_) {
      return SendError(408, "request not received in time; send the whole request promptly\n");
    }
    if (ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == net::ssl::error::stream_truncated) {
      return Shutdown();
    }
    if (ec == http::error::body_limit) {
      return SendError(413, absl::StrCat("request body over the limit of ",
                                         server_.options.body_limit, " bytes\n"));
    }
    if (ec == http::error::header_limit) return SendError(431, "request header too large\n");
    if (ec) {
      if (ec.category() == http::make_error_code(http::error::bad_method).category()) {
        return SendError(400, absl::StrCat("malformed HTTP request: ", ec.message(), "\n"));
      }
      return Close();
    }
    auto& req = parser_->get();
    HttpReply reply = server_.router(std::string_view(req.method_string().data(),
                                                      req.method_string().size()),
                                     std::string_view(req.target().data(), req.target().size()),
                                     std::move(req.body()));
    Send(reply.status, reply.content_type, std::move(reply.body), req.keep_alive(),
         req.version());
  }

  void SendError(int status, std::string message) {
    server_.metrics.RecordHttpError(status);
    linger_ = true;
    Send(status, "text/plain; charset=utf-8", std::move(message), false, 11);
  }

  // After an error response the client may still be sending (the rest of a body over the
  // limit): closing now would reset the connection and lose the response, so read and discard
  // for a little while (as nginx's lingering close does), then close.
  void Linger() {
    Arm(Phase::kShutdown, std::chrono::milliseconds(2000));
    ContinueLinger();
  }
  void ContinueLinger() {
    stream_.async_read_some(net::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->Close();
                              self->ContinueLinger();
                            });
  }

  void Send(int status, const std::string& content_type, std::string body, bool keep_alive,
            unsigned version) {
    res_.emplace(static_cast<http::status>(status), version);
    res_->set(http::field::server, "minpriv-webhook");
    res_->set(http::field::content_type, content_type);
    res_->keep_alive(keep_alive);
    res_->body() = std::move(body);
    res_->prepare_payload();
    Arm(Phase::kWrite, server_.options.write_timeout);
    http::async_write(stream_, *res_,
                      [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                        self->Disarm();
                        if (ec) return self->Close();
                        if (self->linger_) return self->Linger();
                        if (!keep_alive) return self->Shutdown();
                        self->DoRead();
                      });
  }

  void Shutdown() {
    Arm(Phase::kShutdown, std::chrono::milliseconds(1000));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->Close(); });
  }

  void Close() {
    Disarm();
    beast::error_code ec;
    Socket().shutdown(tcp::socket::shutdown_both, ec);
    Socket().close(ec);
  }

  std::shared_ptr<net::ssl::context> ctx_;  // before stream_: the stream uses it
  net::ssl::stream<tcp::socket> stream_;
  net::steady_timer timer_;
  HttpsServer::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> res_;
  Phase phase_ = Phase::kHandshake;
  uint64_t gen_ = 0;
  bool timed_out_ = false;
  bool linger_ = false;
  std::array<char, 16384> scratch_;
  std::chrono::steady_clock::time_point read_started_;
  std::optional<std::chrono::steady_clock::time_point> first_byte_;  // seen by a tick
};

}  // namespace

void HttpsServer::Impl::DoAccept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (!acceptor.is_open()) return;
    if (!ec) {
      std::make_shared<Session>(std::move(socket), certs.Current(), *this)->Start();
      return DoAccept();
    }
    // Out of descriptors or similar: try again shortly rather than spin.
    auto timer = std::make_shared<net::steady_timer>(ioc, std::chrono::milliseconds(50));
    timer->async_wait([this, timer](beast::error_code) { DoAccept(); });
  });
}

HttpsServer::HttpsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpsServer::~HttpsServer() { Stop(); }

absl::StatusOr<std::unique_ptr<HttpsServer>> HttpsServer::Start(const HttpsServerOptions& options,
                                                                CertificateStore& certificates,
                                                                Router router, Metrics& metrics) {
  auto impl = std::make_unique<Impl>(options, certificates, std::move(router), metrics);
  beast::error_code ec;
  net::ip::address address = net::ip::make_address(options.host, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen: '", options.host, "' is not an IP address"));
  }
  tcp::endpoint endpoint(address, options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options.host, ":",
                                               options.port, ": ", ec.message()));
  }
  impl->DoAccept();
  for (int i = 0; i < std::max(1, options.threads); ++i) {
    impl->threads.emplace_back([ioc = &impl->ioc] { ioc->run(); });
  }
  return std::unique_ptr<HttpsServer>(new HttpsServer(std::move(impl)));
}

uint16_t HttpsServer::port() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void HttpsServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  net::post(impl_->acceptor.get_executor(), [impl = impl_.get()] {
    beast::error_code ec;
    impl->acceptor.close(ec);
  });
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  impl_->cv.notify_all();
}

void HttpsServer::Wait() {
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->cv.wait(lock, [this] { return impl_->stopped; });
}

}  // namespace minpriv::webhooks
