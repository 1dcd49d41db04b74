#include "tls_certs.h"

#include <memory>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace minpriv::apiserver {
namespace {

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CertPtr = std::unique_ptr<X509, decltype(&X509_free)>;

KeyPtr NewKey() { return KeyPtr(EVP_EC_gen("P-256"), &EVP_PKEY_free); }

bool AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// Makes a certificate for `key`, signed by `issuer_key` (self-signed when `issuer` is null).
CertPtr MakeCert(EVP_PKEY* key, const char* cn, const char* org, X509* issuer,
                 EVP_PKEY* issuer_key, bool is_ca, const char* san, const char* eku) {
  CertPtr cert(X509_new(), &X509_free);
  if (!cert) return cert;
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7L * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (org)
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(org),
                               -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509* signer = issuer ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  bool ok = true;
  if (is_ca) {
    ok &= AddExt(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    ok &= AddExt(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
  } else {
    ok &= AddExt(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    ok &= AddExt(cert.get(), signer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    ok &= AddExt(cert.get(), signer, NID_ext_key_usage, eku);
  }
  if (san) ok &= AddExt(cert.get(), signer, NID_subject_alt_name, san);
  if (!ok || X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0) cert.reset();
  return cert;
}

std::string CertPem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, n);
  BIO_free(bio);
  return out;
}

std::string KeyPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, n);
  BIO_free(bio);
  return out;
}

}  // namespace

std::optional<Pki> GeneratePki(std::string* error) {
  KeyPtr ca_key = NewKey(), server_key = NewKey(), client_key = NewKey();
  if (!ca_key || !server_key || !client_key) {
    *error = "cannot generate EC keys";
    return std::nullopt;
  }
  CertPtr ca = MakeCert(ca_key.get(), "minpriv-test-apiserver-ca", nullptr, nullptr, ca_key.get(),
                        true, nullptr, nullptr);
  if (!ca) {
    *error = "cannot make the CA certificate";
    return std::nullopt;
  }
  CertPtr server = MakeCert(server_key.get(), "minpriv-test-apiserver", nullptr, ca.get(),
                            ca_key.get(), false, "IP:127.0.0.1,DNS:localhost", "serverAuth");
  CertPtr client = MakeCert(client_key.get(), "minpriv-test-admin", "system:masters", ca.get(),
                            ca_key.get(), false, nullptr, "clientAuth");
  if (!server || !client) {
    *error = "cannot make the server or client certificate";
    return std::nullopt;
  }
  return Pki{CertPem(ca.get()), CertPem(server.get()), KeyPem(server_key.get()),
             CertPem(client.get()), KeyPem(client_key.get())};
}

}  // namespace minpriv::apiserver
