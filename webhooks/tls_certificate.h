// The server's TLS certificate and key, reloaded when their files change (cert-manager
// rotates them by swapping the Secret volume's symlinks): each new connection asks Current(),
// which looks at the files at most once a second and builds a new context when their inode,
// size or mtime changed. Connections keep the context they started with, so a rotation drops
// none. A failed reload (a half-written pair) keeps the previous context and is retried.
#ifndef MINPRIV_WEBHOOKS_TLS_CERTIFICATE_H_
#define MINPRIV_WEBHOOKS_TLS_CERTIFICATE_H_

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "boost/asio/ssl/context.hpp"

namespace minpriv::webhooks {

// A TLS 1.2+ server context for this certificate chain and key (PEM files).
absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> MakeServerContext(
    const std::string& cert_file, const std::string& key_file);

class CertificateStore {
 public:
  static absl::StatusOr<std::unique_ptr<CertificateStore>> Create(std::string cert_file,
                                                                  std::string key_file);
  // The context for a new connection (reloaded first when the files changed).
  std::shared_ptr<boost::asio::ssl::context> Current();
  // Reloads now if the files changed (tests; Current() calls it at most once a second).
  absl::Status ReloadIfChanged();
  int reloads() const;

 private:
  CertificateStore(std::string cert_file, std::string key_file)
      : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {}
  std::string Fingerprint() const;

  const std::string cert_file_, key_file_;
  mutable std::mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> current_;
  std::string fingerprint_;
  std::string failed_fingerprint_;  // last fingerprint that failed to load (logged once)
  std::chrono::steady_clock::time_point last_check_;
  int reloads_ = 0;
};

}  // namespace minpriv::webhooks

#endif  // MINPRIV_WEBHOOKS_TLS_CERTIFICATE_H_
