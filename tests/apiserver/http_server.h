// HTTP/1.1 server on Boost.Beast: one thread per connection with blocking I/O, keep-alive,
// chunked streaming responses (watches), plain TCP or TLS with optional client certificates.
// Authentication (TLS mode): a client certificate signed by the CA, or a known bearer token.
#ifndef MINPRIV_TESTS_APISERVER_HTTP_SERVER_H_
#define MINPRIV_TESTS_APISERVER_HTTP_SERVER_H_

#include <atomic>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tls_certs.h"

namespace minpriv::apiserver {

struct HttpRequest {
  std::string method;
  std::string path;                           // decoded, without the query
  std::map<std::string, std::string> query;   // decoded
  std::map<std::string, std::string> headers;  // lower-case names
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

// Where a streaming response writes its chunks.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  virtual bool Write(const std::string& data) = 0;  // false: the client is gone
  virtual bool PeerClosed() = 0;                    // the client hung up (or sent data)
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Extra headers (e.g. admission webhooks' `Warning: 299 - "..."`), in order.
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the response is chunked and this produces its body until it returns.
  std::function<void(StreamSink&)> stream;
};

using Handler = std::function<HttpResponse(const HttpRequest&)>;

struct TlsConfig {
  Pki pki;
  std::string bearer_token;
  std::set<std::string> user_tokens;  // further accepted bearer tokens (RBAC users, rbac.h)
};

class HttpServer {
 public:
  HttpServer(Handler handler, std::optional<TlsConfig> tls);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds 127.0.0.1 on a free port; returns the port, or 0 with `error`.
  int Listen(std::string* error);
  // Accepts until Stop(); returns then, after every connection thread ended.
  void Run();
  // Safe from another thread: ends the accept loop and every connection.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace minpriv::apiserver

#endif  // MINPRIV_TESTS_APISERVER_HTTP_SERVER_H_
