// Where the API server is and how to authenticate to it: from a kubeconfig file or from the
// in-cluster service account. Secrets (the bearer token, the client key) are held here but
// never printed: DebugString() redacts them, and no error message quotes them.
#ifndef MINPRIV_KUBE_CONFIG_H_
#define MINPRIV_KUBE_CONFIG_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace minpriv::kube {

struct Config {
  std::string server;  // "https://host:port" (no trailing slash)
  std::string ca_pem;  // PEM of the cluster CA(s); empty: the system's trust store
  bool insecure_skip_tls_verify = false;
  std::string client_cert_pem;  // PEM client certificate (chain), with client_key_pem
  std::string client_key_pem;   // secret
  std::string token;            // static bearer token; secret
  std::string token_file;       // bearer token file, re-read on rotation (wins over token)
  std::string default_namespace = "default";  // the context's or the pod's namespace
  std::string source;  // where this came from ("kubeconfig /x/config context c", "in-cluster")

  // A one-line description without secrets (says only whether a token/key is present).
  std::string DebugString() const;
};

// Reads the kubeconfig at `path`, using its current-context (or `context` when not empty).
// Relative file paths inside it are resolved against the file's directory. Errors are
// InvalidArgument (NotFound for a missing file) naming the file and what is missing.
// Auth providers and exec plugins are not supported (InvalidArgument says so).
absl::StatusOr<Config> LoadKubeconfig(const std::string& path, const std::string& context = "");

// In-cluster configuration: `root` holds token, ca.crt and namespace (normally
// /var/run/secrets/kubernetes.io/serviceaccount); `env` supplies KUBERNETES_SERVICE_HOST and
// KUBERNETES_SERVICE_PORT (normally the process environment, see EnvironmentMap()).
absl::StatusOr<Config> LoadInCluster(const std::string& root,
                                     const std::map<std::string, std::string>& env);

inline constexpr char kServiceAccountDir[] = "/var/run/secrets/kubernetes.io/serviceaccount";

// The process environment's KUBERNETES_SERVICE_HOST/PORT, KUBECONFIG and HOME.
std::map<std::string, std::string> EnvironmentMap();

// The configuration a command uses, in client-go's order: `kubeconfig_flag` when not empty;
// else the first file of $KUBECONFIG (a colon-separated list: only its first entry is read,
// the files are not merged); else $HOME/.kube/config when it exists; else in-cluster when
// KUBERNETES_SERVICE_HOST is set; else InvalidArgument saying what was tried.
absl::StatusOr<Config> LoadDefault(const std::string& kubeconfig_flag,
                                   const std::map<std::string, std::string>& env,
                                   const std::string& in_cluster_root = kServiceAccountDir);

}  // namespace minpriv::kube

#endif  // MINPRIV_KUBE_CONFIG_H_
