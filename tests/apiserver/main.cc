// minpriv-test-apiserver: a Kubernetes API server for tests and for trying minpriv without a
// cluster. `--kubeconfig-out FILE [--tls] [--history N] [--bookmark-interval DUR]
// [--webhook-service NS/NAME=HOST:PORT]... [--token TOKEN=USER]... [--audit-log FILE]`.
// Admission webhooks stored in it are called on writes; requests with a --token bearer token
// are authorized by the RBAC objects stored in it (rbac.h).
// Listens on 127.0.0.1 (a free port), writes a kubeconfig for itself (0600), prints its URL as
// the first line of stdout and serves until SIGTERM or SIGINT, then exits 0.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <thread>

#include <openssl/evp.h>

#include "http_server.h"
#include "rest_handlers.h"
#include "store.h"
#include "tls_certs.h"

namespace minpriv::apiserver {
namespace {

struct Flags {
  std::string kubeconfig_out;
  bool tls = false;
  size_t history = 1000;
  std::chrono::milliseconds bookmark_interval{1000};
  std::map<std::string, std::string> webhook_services;  // NS/NAME → HOST:PORT
  std::map<std::string, std::string> user_tokens;       // bearer token → user (RBAC applies)
  std::string audit_log;
};

int Usage(const std::string& why) {
  std::cerr << "minpriv-test-apiserver: " << why << "\n"
            << "usage: minpriv-test-apiserver --kubeconfig-out FILE [--tls] [--history N] "
               "[--bookmark-interval DURATION (e.g. 500ms, 2s)]\n"
               "       [--webhook-service NAMESPACE/NAME=HOST:PORT]...  (where an admission "
               "webhook's clientConfig.service is)\n"
               "       [--token TOKEN=USER]...  (a bearer token authenticating as USER, e.g. "
               "system:serviceaccount:NS:NAME, authorized by the stored RBAC objects)\n"
               "       [--audit-log FILE]  (each request of a --token user, one JSON line)\n";
  return 2;
}

std::optional<std::chrono::milliseconds> ParseDuration(const std::string& s) {
  try {
    size_t pos = 0;
    double v = std::stod(s, &pos);
    std::string unit = s.substr(pos);
    if (unit == "ms") return std::chrono::milliseconds(static_cast<int64_t>(v));
    if (unit == "s" || unit.empty()) return std::chrono::milliseconds(static_cast<int64_t>(v * 1000));
    if (unit == "m") return std::chrono::milliseconds(static_cast<int64_t>(v * 60000));
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

std::string Base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), in.size());
  out.resize(n);
  return out;
}

std::string RandomToken() {
  std::random_device rd;
  static const char* k = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (int i = 0; i < 40; ++i) s += k[rd() % 36];
  return s;
}

// Writes the kubeconfig: context "minpriv-test" (current; the client certificate with --tls)
// and, with --tls, context "minpriv-test-token" (the bearer token, no certificate).
bool WriteKubeconfig(const std::string& path, const std::string& url, const Pki* pki,
                     const std::string& token) {
  std::string cluster = "- name: minpriv-test\n  cluster:\n    server: " + url + "\n";
  std::string users, contexts;
  if (pki) {
    cluster += "    certificate-authority-data: " + Base64(pki->ca_cert) + "\n";
    users = "- name: minpriv-test-admin\n  user:\n    client-certificate-data: " +
            Base64(pki->client_cert) + "\n    client-key-data: " + Base64(pki->client_key) +
            "\n- name: minpriv-test-token\n  user:\n    token: " + token + "\n";
    contexts =
        "- name: minpriv-test\n  context:\n    cluster: minpriv-test\n    user: minpriv-test-admin\n"
        "    namespace: default\n"
        "- name: minpriv-test-token\n  context:\n    cluster: minpriv-test\n"
        "    user: minpriv-test-token\n    namespace: default\n";
  } else {
    users = "- name: minpriv-test-admin\n  user: {}\n";
    contexts =
        "- name: minpriv-test\n  context:\n    cluster: minpriv-test\n    user: minpriv-test-admin\n"
        "    namespace: default\n";
  }
  std::string text = "apiVersion: v1\nkind: Config\nclusters:\n" + cluster + "users:\n" + users +
                     "contexts:\n" + contexts + "current-context: minpriv-test\npreferences: {}\n";
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok &= ::fchmod(fd, 0600) == 0;
  ok &= ::close(fd) == 0;
  return ok && std::rename(tmp.c_str(), path.c_str()) == 0;
}

// The PEM files, in a private directory removed at exit (the kubeconfig embeds them too).
bool WritePkiDir(const Pki& pki, std::string* dir) {
  char templ[] = "/tmp/minpriv-test-apiserver.XXXXXX";
  if (!::mkdtemp(templ)) return false;
  *dir = templ;
  for (const auto& [name, pem] :
       {std::pair<const char*, const std::string*>{"ca.crt", &pki.ca_cert},
        {"server.crt", &pki.server_cert}, {"server.key", &pki.server_key},
        {"client.crt", &pki.client_cert}, {"client.key", &pki.client_key}}) {
    std::string path = *dir + "/" + name;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    bool ok = ::write(fd, pem->data(), pem->size()) == static_cast<ssize_t>(pem->size());
    ::close(fd);
    if (!ok) return false;
  }
  return true;
}

int Run(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    if (a == "--kubeconfig-out") {
      auto v = value();
      if (!v) return Usage("--kubeconfig-out needs a file");
      flags.kubeconfig_out = *v;
    } else if (a == "--tls") {
      flags.tls = true;
    } else if (a == "--history") {
      auto v = value();
      if (!v || std::atol(v->c_str()) <= 0) return Usage("--history needs a positive number");
      flags.history = std::atol(v->c_str());
    } else if (a == "--webhook-service") {
      auto v = value();
      size_t eq = v ? v->find('=') : std::string::npos;
      if (!v || eq == std::string::npos || v->find('/') > eq)
        return Usage("--webhook-service needs NAMESPACE/NAME=HOST:PORT");
      flags.webhook_services[v->substr(0, eq)] = v->substr(eq + 1);
    } else if (a == "--token") {
      auto v = value();
      size_t eq = v ? v->find('=') : std::string::npos;
      if (!v || eq == 0 || eq == std::string::npos || eq + 1 == v->size())
        return Usage("--token needs TOKEN=USER");
      flags.user_tokens[v->substr(0, eq)] = v->substr(eq + 1);
    } else if (a == "--audit-log") {
      auto v = value();
      if (!v) return Usage("--audit-log needs a file");
      flags.audit_log = *v;
    } else if (a == "--bookmark-interval") {
      auto v = value();
      auto d = v ? ParseDuration(*v) : std::nullopt;
      if (!d || d->count() <= 0) return Usage("--bookmark-interval needs a duration like 1s");
      flags.bookmark_interval = *d;
    } else {
      return Usage("unknown argument " + a);
    }
  }
  if (flags.kubeconfig_out.empty()) return Usage("--kubeconfig-out is required");

  // SIGTERM/SIGINT are taken by a thread with sigwait; block them everywhere first.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  std::optional<TlsConfig> tls;
  std::string pki_dir;
  if (flags.tls) {
    std::string error;
    std::optional<Pki> pki = GeneratePki(&error);
    if (!pki) {
      std::cerr << "minpriv-test-apiserver: " << error << "\n";
      return 1;
    }
    if (!WritePkiDir(*pki, &pki_dir)) {
      std::cerr << "minpriv-test-apiserver: cannot write the certificates\n";
      return 1;
    }
    tls.emplace();
    tls->pki = *pki;
    tls->bearer_token = RandomToken();
    for (const auto& [token, user] : flags.user_tokens) tls->user_tokens.insert(token);
  }
  Store store(flags.history);
  ServerOptions options;
  options.bookmark_interval = flags.bookmark_interval;
  options.admission.services = flags.webhook_services;
  std::optional<Authorizer> authorizer;
  if (!flags.user_tokens.empty() || !flags.audit_log.empty()) {
    authorizer.emplace(flags.user_tokens, flags.audit_log);
    options.authorizer = &*authorizer;
  }
  HttpServer server(
      [&store, &options](const HttpRequest& req) { return HandleRequest(store, options, req); },
      tls);
  std::string error;
  int port = server.Listen(&error);
  if (port == 0) {
    std::cerr << "minpriv-test-apiserver: cannot listen: " << error << "\n";
    return 1;
  }
  std::string url = std::string(flags.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port);
  if (!WriteKubeconfig(flags.kubeconfig_out, url, tls ? &tls->pki : nullptr,
                       tls ? tls->bearer_token : "")) {
    std::cerr << "minpriv-test-apiserver: cannot write " << flags.kubeconfig_out << "\n";
    return 1;
  }
  std::cout << url << std::endl;

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    store.CloseAllWatches();
    server.Stop();
  });
  server.Run();
  waiter.join();
  if (!pki_dir.empty()) std::filesystem::remove_all(pki_dir);
  return 0;
}

}  // namespace
}  // namespace minpriv::apiserver

int main(int argc, char** argv) { return minpriv::apiserver::Run(argc, argv); }
