// A throw-away PKI made at start with OpenSSL's API: a CA, a server certificate for
// 127.0.0.1 and a client certificate (CN minpriv-test-admin, O system:masters), as PEM.
#ifndef MINPRIV_TESTS_APISERVER_TLS_CERTS_H_
#define MINPRIV_TESTS_APISERVER_TLS_CERTS_H_

#include <optional>
#include <string>

namespace minpriv::apiserver {

struct Pki {
  std::string ca_cert;
  std::string server_cert;
  std::string server_key;
  std::string client_cert;
  std::string client_key;
};

// Generates the PKI; nullopt with `error` when OpenSSL fails.
std::optional<Pki> GeneratePki(std::string* error);

}  // namespace minpriv::apiserver

#endif  // MINPRIV_TESTS_APISERVER_TLS_CERTS_H_
