#include "webhook_client.h"

#include <cctype>
#include <utility>  // Boost 1.74's asio/awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace minpriv::apiserver {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Url {
  std::string host, port, target;
};

bool ParseUrl(const std::string& url, Url* out) {
  const std::string scheme = "https://";
  if (url.rfind(scheme, 0) != 0) return false;
  std::string rest = url.substr(scheme.size());
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  out->target = slash == std::string::npos ? "/" : rest.substr(slash);
  size_t colon = authority.rfind(':');
  if (!authority.empty() && authority[0] == '[') {  // [v6]:port
    size_t close = authority.find(']');
    if (close == std::string::npos) return false;
    out->host = authority.substr(1, close - 1);
    out->port = close + 1 < authority.size() ? authority.substr(close + 2) : "443";
  } else if (colon != std::string::npos) {
    out->host = authority.substr(0, colon);
    out->port = authority.substr(colon + 1);
  } else {
    out->host = authority;
    out->port = "443";
  }
  return !out->host.empty();
}

bool IsIpAddress(const std::string& host) {
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

using Stream = asio::ssl::stream<beast::tcp_stream>;

asio::awaitable<void> Exchange(Stream& stream, tcp::resolver& resolver, const Url& url,
                               const std::string& dial_host, const std::string& dial_port,
                               const std::string& body, WebhookReply* reply, std::string* stage) {
  try {
    *stage = "dial";
    auto endpoints = co_await resolver.async_resolve(dial_host, dial_port, asio::use_awaitable);
    co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::use_awaitable);
    beast::get_lowest_layer(stream).socket().set_option(tcp::no_delay(true));
    *stage = "tls";
    co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
    *stage = "http";
    http::request<http::string_body> req{http::verb::post, url.target, 11};
    req.set(http::field::host, url.host + ":" + url.port);
    req.set(http::field::content_type, "application/json");
    req.set(http::field::accept, "application/json, */*");
    req.set(http::field::user_agent, "minpriv-test-apiserver");
    req.body() = body;
    req.prepare_payload();
    co_await http::async_write(stream, req, asio::use_awaitable);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
    reply->status = parser.get().result_int();
    reply->body = parser.get().body();
    *stage = "done";
  } catch (const boost::system::system_error& e) {
    reply->error = e.code().message();
    if (*stage == "tls") {
      long v = SSL_get_verify_result(stream.native_handle());
      if (v != X509_V_OK) reply->error = std::string("tls: failed to verify certificate: x509: ") +
                                         X509_verify_cert_error_string(v);
    }
  }
}

}  // namespace

WebhookReply PostWebhook(const WebhookCall& call) {
  WebhookReply reply;
  Url url;
  if (!ParseUrl(call.url, &url)) {
    reply.error = "unsupported webhook URL \"" + call.url + "\" (https:// only)";
    return reply;
  }
  std::string dial_host = url.host, dial_port = url.port;
  if (!call.connect_to.empty()) {
    size_t colon = call.connect_to.rfind(':');
    dial_host = call.connect_to.substr(0, colon);
    dial_port = colon == std::string::npos ? "443" : call.connect_to.substr(colon + 1);
  }
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_options(asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  beast::error_code ec;
  if (call.ca_pem.empty()) {
    ctx.set_default_verify_paths(ec);
  } else {
    ctx.add_certificate_authority(asio::buffer(call.ca_pem), ec);
    if (ec) {
      reply.error = "the caBundle holds no usable certificate: " + ec.message();
      return reply;
    }
  }
  ctx.set_verify_mode(asio::ssl::verify_peer);
  asio::io_context io;
  tcp::resolver resolver(io);
  Stream stream(io, ctx);
  X509_VERIFY_PARAM* param = SSL_get0_param(stream.native_handle());
  if (IsIpAddress(url.host)) {
    X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str());
  } else {
    SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str());
    X509_VERIFY_PARAM_set1_host(param, url.host.c_str(), 0);
  }
  std::string stage;
  asio::co_spawn(io, Exchange(stream, resolver, url, dial_host, dial_port, call.body, &reply,
                              &stage),
                 asio::detached);
  io.run_for(call.timeout);
  if (!io.stopped()) {  // the timeout: abort what is still pending and let the call unwind
    beast::get_lowest_layer(stream).close();
    resolver.cancel();
    io.restart();
    io.run();
    reply.error = "context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
    reply.status = 0;
  } else if (!reply.error.empty() && stage == "dial") {
    if (!reply.error.empty()) reply.error[0] = static_cast<char>(std::tolower(reply.error[0]));
    reply.error = "dial tcp " + dial_host + ":" + dial_port + ": connect: " + reply.error;
  }
  if (!reply.error.empty()) reply.error = "Post \"" + call.url + "\": " + reply.error;
  return reply;
}

}  // namespace minpriv::apiserver
