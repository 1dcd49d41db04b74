#include "webhooks/tls_certificate.h"

#include <openssl/ssl.h>
#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace minpriv::webhooks {

namespace ssl = boost::asio::ssl;

absl::StatusOr<std::shared_ptr<ssl::context>> MakeServerContext(const std::string& cert_file,
                                                                const std::string& key_file) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                       ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                   ec);
  if (ec || SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION) != 1) {
    return absl::InternalError("cannot restrict TLS to version 1.2 and later");
  }
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat(cert_file, ": cannot load the certificate chain (PEM): ", ec.message()));
  }
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat(key_file, ": cannot load the private key (PEM): ", ec.message()));
  }
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(key_file, ": the private key does not match the certificate ", cert_file));
  }
  return ctx;
}

absl::StatusOr<std::unique_ptr<CertificateStore>> CertificateStore::Create(std::string cert_file,
                                                                           std::string key_file) {
  std::unique_ptr<CertificateStore> store(
      new CertificateStore(std::move(cert_file), std::move(key_file)));
  store->fingerprint_ = store->Fingerprint();
  absl::StatusOr<std::shared_ptr<ssl::context>> ctx =
      MakeServerContext(store->cert_file_, store->key_file_);
  if (!ctx.ok()) return ctx.status();
  store->current_ = std::move(*ctx);
  store->last_check_ = std::chrono::steady_clock::now();
  return store;
}

std::string CertificateStore::Fingerprint() const {
  std::string out;
  for (const std::string* f : {&cert_file_, &key_file_}) {
    struct stat st;
    if (::stat(f->c_str(), &st) != 0) {
      absl::StrAppend(&out, "missing;");
      continue;
    }
    absl::StrAppend(&out, st.st_dev, ":", st.st_ino, ":", st.st_size, ":", st.st_mtim.tv_sec,
                    ".", st.st_mtim.tv_nsec, ";");
  }
  return out;
}

absl::Status CertificateStore::ReloadIfChanged() {
  std::lock_guard<std::mutex> lock(mu_);
  last_check_ = std::chrono::steady_clock::now();
  std::string fp = Fingerprint();
  if (fp == fingerprint_) return absl::OkStatus();
  absl::StatusOr<std::shared_ptr<ssl::context>> ctx = MakeServerContext(cert_file_, key_file_);
  if (!ctx.ok()) {
    if (fp != failed_fingerprint_) {
      spdlog::warn("webhook: keeping the previous certificate: {}", std::string(ctx.status().message()));
      failed_fingerprint_ = fp;
    }
    return ctx.status();
  }
  current_ = std::move(*ctx);
  fingerprint_ = std::move(fp);
  ++reloads_;
  spdlog::info("webhook: reloaded the TLS certificate from {}", cert_file_);
  return absl::OkStatus();
}

std::shared_ptr<ssl::context> CertificateStore::Current() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (std::chrono::steady_clock::now() - last_check_ < std::chrono::seconds(1)) return current_;
  }
  (void)ReloadIfChanged();
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

int CertificateStore::reloads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reloads_;
}

}  // namespace minpriv::webhooks
