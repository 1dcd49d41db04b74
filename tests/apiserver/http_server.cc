#include "http_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <utility>  // Boost 1.74's asio/awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <openssl/ssl.h>

namespace minpriv::apiserver {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string UrlDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

HttpRequest ToRequest(const http::request<http::string_body>& req) {
  HttpRequest r;
  r.method = std::string(req.method_string());
  std::string target(req.target());
  size_t q = target.find('?');
  r.path = UrlDecode(target.substr(0, q));
  if (q != std::string::npos) {
    std::string qs = target.substr(q + 1);
    size_t start = 0;
    while (start < qs.size()) {
      size_t amp = qs.find('&', start);
      std::string kv = qs.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      size_t eq = kv.find('=');
      if (!kv.empty())
        r.query[UrlDecode(kv.substr(0, eq))] =
            eq == std::string::npos ? "" : UrlDecode(kv.substr(eq + 1));
      if (amp == std::string::npos) break;
      start = amp + 1;
    }
  }
  for (const auto& f : req) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = std::string(f.value());
  }
  r.body = req.body();
  return r;
}

bool FdPeerClosed(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;  // readable (EOF or unexpected data) or error
}

template <class Stream>
class Sink : public StreamSink {
 public:
  Sink(Stream& s, int fd) : stream_(s), fd_(fd) {}
  bool Write(const std::string& data) override {
    beast::error_code ec;
    asio::write(stream_, http::make_chunk(asio::buffer(data)), ec);
    return !ec;
  }
  bool PeerClosed() override { return FdPeerClosed(fd_); }

 private:
  Stream& stream_;
  int fd_;
};

const char kUnauthorized[] =
    R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
    R"("message":"Unauthorized","reason":"Unauthorized","code":401})";

}  // namespace

struct HttpServer::Impl {
  Handler handler;
  std::optional<TlsConfig> tls;
  std::unique_ptr<asio::ssl::context> ssl_ctx;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::set<int> fds;  // open connections, shut down on Stop()
  struct Conn {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::list<Conn> conns;

  template <class Stream>
  void Serve(Stream& stream, int fd, bool cert_ok) {
    beast::flat_buffer buffer;
    while (!stopping) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      beast::error_code ec;
      http::read(stream, buffer, parser, ec);
      if (ec) return;
      const auto& req = parser.get();
      bool keep_alive = req.keep_alive();
      HttpRequest request = ToRequest(req);
      HttpResponse response;
      const std::string auth = request.Header("authorization");
      bool authenticated =
          !tls || cert_ok || auth == "Bearer " + tls->bearer_token ||
          (auth.rfind("Bearer ", 0) == 0 && tls->user_tokens.count(auth.substr(7)) > 0);
      if (!authenticated) {
        response.status = 401;
        response.body = kUnauthorized;
      } else {
        response = handler(request);
      }
      if (response.stream) {
        http::response<http::empty_body> res{static_cast<http::status>(response.status),
                                             req.version()};
        res.set(http::field::content_type, response.content_type);
        res.set(http::field::cache_control, "no-cache, private");
        res.chunked(true);
        res.keep_alive(keep_alive);
        http::response_serializer<http::empty_body> sr{res};
        http::write_header(stream, sr, ec);
        if (ec) return;
        Sink<Stream> sink(stream, fd);
        response.stream(sink);
        asio::write(stream, http::make_chunk_last(), ec);
        if (ec) return;
      } else {
        http::response<http::string_body> res{static_cast<http::status>(response.status),
                                              req.version()};
        res.set(http::field::content_type, response.content_type);
        res.set(http::field::cache_control, "no-cache, private");
        for (const auto& [name, value] : response.headers) res.insert(name, value);
        res.keep_alive(keep_alive);
        res.body() = std::move(response.body);
        res.prepare_payload();
        http::write(stream, res, ec);
        if (ec) return;
      }
      if (!keep_alive) return;
    }
  }

  void Connection(tcp::socket socket) {
    int fd = socket.native_handle();
    {
      std::lock_guard<std::mutex> lock(mu);
      fds.insert(fd);
    }
    beast::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    if (tls) {
      asio::ssl::stream<tcp::socket> stream(std::move(socket), *ssl_ctx);
      stream.handshake(asio::ssl::stream_base::server, ec);
      if (!ec) {
        X509* peer = SSL_get1_peer_certificate(stream.native_handle());
        bool cert_ok = peer && SSL_get_verify_result(stream.native_handle()) == X509_V_OK;
        if (peer) X509_free(peer);
        Serve(stream, fd, cert_ok);
        stream.shutdown(ec);
      }
      std::lock_guard<std::mutex> lock(mu);
      fds.erase(fd);
      stream.next_layer().close(ec);
    } else {
      Serve(socket, fd, false);
      std::lock_guard<std::mutex> lock(mu);
      fds.erase(fd);
      socket.shutdown(tcp::socket::shutdown_both, ec);
      socket.close(ec);
    }
  }
};

HttpServer::HttpServer(Handler handler, std::optional<TlsConfig> tls)
    : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  impl_->tls = std::move(tls);
}

HttpServer::~HttpServer() = default;

int HttpServer::Listen(std::string* error) {
  try {
    if (impl_->tls) {
      auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
      const Pki& pki = impl_->tls->pki;
      ctx->use_certificate_chain(asio::buffer(pki.server_cert));
      ctx->use_private_key(asio::buffer(pki.server_key), asio::ssl::context::pem);
      ctx->add_certificate_authority(asio::buffer(pki.ca_cert));
      // Optional at the TLS layer: a request without a certificate may carry the token.
      ctx->set_verify_mode(asio::ssl::verify_peer);
      ctx->set_verify_callback([](bool, asio::ssl::verify_context&) { return true; });
      impl_->ssl_ctx = std::move(ctx);
    }
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    impl_->acceptor.open(ep.protocol());
    impl_->acceptor.bind(ep);
    impl_->acceptor.listen(512);
    return impl_->acceptor.local_endpoint().port();
  } catch (const std::exception& e) {
    *error = e.what();
    return 0;
  }
}

void HttpServer::Run() {
  while (!impl_->stopping) {
    beast::error_code ec;
    tcp::socket socket(impl_->io);
    impl_->acceptor.accept(socket, ec);
    if (ec || impl_->stopping) break;
    auto done = std::make_shared<std::atomic<bool>>(false);
    Impl* impl = impl_.get();
    std::thread t([impl, done, s = std::move(socket)]() mutable {
      impl->Connection(std::move(s));
      *done = true;
    });
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->conns.push_back({std::move(t), done});
    for (auto it = impl_->conns.begin(); it != impl_->conns.end();) {
      if (*it->done) {
        it->thread.join();
        it = impl_->conns.erase(it);
      } else {
        ++it;
      }
    }
  }
  std::list<Impl::Conn> conns;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    for (int fd : impl_->fds) ::shutdown(fd, SHUT_RDWR);
    conns.swap(impl_->conns);
  }
  for (auto& c : conns) c.thread.join();
}

void HttpServer::Stop() {
  impl_->stopping = true;
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (int fd : impl_->fds) ::shutdown(fd, SHUT_RDWR);
}

}  // namespace minpriv::apiserver
