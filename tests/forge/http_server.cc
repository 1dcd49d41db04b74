#include "http_server.h"

#include <sys/socket.h>

#include <atomic>
#include <list>
#include <mutex>
#include <set>
#include <thread>
#include <utility>  // Boost 1.74's asio needs std::exchange declared first

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace minpriv::forge {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

Request ToRequest(const http::request<http::string_body>& req) {
  Request r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  size_t q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) {
    std::string qs = r.target.substr(q + 1);
    size_t start = 0;
    while (start <= qs.size()) {
      size_t amp = qs.find('&', start);
      std::string kv = qs.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      size_t eq = kv.find('=');
      if (!kv.empty()) {
        r.query[PercentDecode(kv.substr(0, eq))] =
            eq == std::string::npos ? "" : PercentDecode(kv.substr(eq + 1));
      }
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

}  // namespace

std::string PercentDecode(const std::string& s) {
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

struct HttpServer::Impl {
  Handler handler;
  std::unique_ptr<asio::ssl::context> ssl_ctx;  // HTTPS when set
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::set<int> fds;
  std::list<std::thread> threads;
  std::thread accept_thread;

  template <typename Stream>
  void Serve(Stream& socket) {
    beast::flat_buffer buffer;
    while (!stopping) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(256 * 1024 * 1024);
      beast::error_code ec;
      http::read_header(socket, buffer, parser, ec);
      if (ec) return;
      if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> cont{http::status::continue_, 11};
        http::write(socket, cont, ec);
        if (ec) return;
      }
      http::read(socket, buffer, parser, ec);
      if (ec) return;
      const auto& req = parser.get();
      bool keep_alive = req.keep_alive();
      Response response = handler(ToRequest(req));
      http::response<http::string_body> res{static_cast<http::status>(response.status), req.version()};
      for (const auto& [name, value] : response.headers) res.set(name, value);
      res.keep_alive(keep_alive);
      res.body() = std::move(response.body);
      res.prepare_payload();
      http::write(socket, res, ec);
      if (ec || !keep_alive) return;
    }
  }
};

HttpServer::HttpServer(Handler handler, std::optional<ServerCertificate> tls)
    : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  if (tls) {
    auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    ctx->use_certificate_chain(asio::buffer(tls->cert_pem));
    ctx->use_private_key(asio::buffer(tls->key_pem), asio::ssl::context::pem);
    impl_->ssl_ctx = std::move(ctx);
  }
}

HttpServer::~HttpServer() { Stop(); }

int HttpServer::Start() {
  try {
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    impl_->acceptor.open(ep.protocol());
    impl_->acceptor.bind(ep);
    impl_->acceptor.listen(64);
  } catch (const std::exception&) {
    return 0;
  }
  Impl* impl = impl_.get();
  impl_->accept_thread = std::thread([impl] {
    while (!impl->stopping) {
      beast::error_code ec;
      tcp::socket socket(impl->io);
      impl->acceptor.accept(socket, ec);
      if (ec || impl->stopping) break;
      std::lock_guard<std::mutex> lock(impl->mu);
      impl->fds.insert(socket.native_handle());
      impl->threads.emplace_back([impl, s = std::move(socket)]() mutable {
        beast::error_code ec2;
        s.set_option(tcp::no_delay(true), ec2);
        const int fd = s.native_handle();
        if (impl->ssl_ctx) {
          asio::ssl::stream<tcp::socket> tls(std::move(s), *impl->ssl_ctx);
          tls.handshake(asio::ssl::stream_base::server, ec2);
          if (!ec2) {
            impl->Serve(tls);
            tls.shutdown(ec2);
          }
          std::lock_guard<std::mutex> lock2(impl->mu);
          impl->fds.erase(fd);
          tls.next_layer().shutdown(tcp::socket::shutdown_both, ec2);
          tls.next_layer().close(ec2);
          return;
        }
        impl->Serve(s);
        std::lock_guard<std::mutex> lock2(impl->mu);
        impl->fds.erase(fd);
        s.shutdown(tcp::socket::shutdown_both, ec2);
        s.close(ec2);
      });
    }
  });
  return impl_->acceptor.local_endpoint().port();
}

void HttpServer::Stop() {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
  if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
  std::list<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    for (int fd : impl_->fds) ::shutdown(fd, SHUT_RDWR);
    threads.swap(impl_->threads);
  }
  for (std::thread& t : threads) t.join();
}

}  // namespace minpriv::forge
