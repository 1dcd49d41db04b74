// The forge test server's HTTP/1.1 layer on Boost.Beast: loopback only, one thread per
// connection, keep-alive, `Expect: 100-continue` answered, chunked request bodies (git
// sends them), and responses with any headers (Link, X-Next-Page, Retry-After,
// WWW-Authenticate), over plain HTTP or HTTPS (a server certificate and key given as PEM,
// e.g. from a test CA). Routing and authentication are the handler's.
#ifndef MINPRIV_TESTS_FORGE_HTTP_SERVER_H_
#define MINPRIV_TESTS_FORGE_HTTP_SERVER_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace minpriv::forge {

struct Request {
  std::string method;
  std::string target;                           // as sent: path (still encoded) and query
  std::string path;                             // the target's path, still percent-encoded
  std::map<std::string, std::string> query;     // decoded
  std::map<std::string, std::string> headers;   // lower-case names
  std::string body;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  std::string Query(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? "" : it->second;
  }
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // Content-Type among them
  std::string body;
};

using Handler = std::function<Response(const Request&)>;

struct ServerCertificate {
  std::string cert_pem;  // the chain, leaf first
  std::string key_pem;
};

std::string PercentDecode(const std::string& s);

class HttpServer {
 public:
  // With `tls`, every connection is HTTPS (a failed handshake just closes it).
  explicit HttpServer(Handler handler, std::optional<ServerCertificate> tls = std::nullopt);
  ~HttpServer();  // stops and joins
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds 127.0.0.1 on a free port and serves on a thread of its own; the port (0: failed).
  int Start();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace minpriv::forge

#endif  // MINPRIV_TESTS_FORGE_HTTP_SERVER_H_
