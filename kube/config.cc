#include "kube/config.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "util/files.h"
#include "yaml-cpp/yaml.h"


namespace minpriv::kube {
namespace {

absl::Status Invalid(const std::string& file, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(file, ": ", what));
}

std::string Str(const YAML::Node& node, const char* key) {
  if (!node || !node.IsMap() || !node[key] || !node[key].IsScalar()) return "";
  return node[key].as<std::string>("");
}

// The map entry of `list` (a kubeconfig's clusters/users/contexts) called `name`, or null.
std::optional<YAML::Node> FindNamed(const YAML::Node& list, const std::string& name) {
  if (!list || !list.IsSequence()) return std::nullopt;
  for (const YAML::Node& entry : list) {
    if (entry.IsMap() && Str(entry, "name") == name) return entry;
  }
  return std::nullopt;
}


// Reads `*-data` (base64) or the file field (relative to `dir`) into `out`.
absl::Status ReadDataOrFile(const YAML::Node& node, const std::string& data_key,
                            const std::string& file_key, const std::string& dir,
                            const std::string& file, const std::string& where, std::string* out) {
  std::string data = Str(node, data_key.c_str());
  if (!data.empty()) {
    std::string stripped;
    for (char c : data) {
      if (c != '\n' && c != '\r' && c != ' ') stripped.push_back(c);
    }
    if (!absl::Base64Unescape(stripped, out)) {
      return Invalid(file, absl::StrCat(where, ": ", data_key, " is not valid base64"));
    }
    return absl::OkStatus();
  }
  std::string path = Str(node, file_key.c_str());
  if (path.empty()) return absl::OkStatus();
  if (path[0] != '/') path = (std::filesystem::path(dir) / path).string();
  absl::StatusOr<std::string> contents = util::ReadFile(path);
  if (!contents.ok()) {
    return Invalid(file, absl::StrCat(where, ": cannot read ", file_key, " ", path, ": ",
                                      contents.status().message()));
  }
  *out = *std::move(contents);
  return absl::OkStatus();
}

absl::StatusOr<Config> ParseKubeconfig(const std::string& path, const std::string& text,
                                       const std::string& context_override) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Invalid(path, absl::StrCat("not valid YAML: ", e.what()));
  }
  if (!root.IsMap()) return Invalid(path, "not a kubeconfig (expected a mapping at the top)");
  std::string context_name =
      context_override.empty() ? Str(root, "current-context") : context_override;
  if (context_name.empty()) return Invalid(path, "no current-context is set");
  std::optional<YAML::Node> context = FindNamed(root["contexts"], context_name);
  if (!context) return Invalid(path, absl::StrCat("context \"", context_name, "\" not found"));
  YAML::Node ctx = (*context)["context"];
  std::string cluster_name = Str(ctx, "cluster");
  if (cluster_name.empty()) {
    return Invalid(path, absl::StrCat("context \"", context_name, "\" names no cluster"));
  }
  std::optional<YAML::Node> cluster_entry = FindNamed(root["clusters"], cluster_name);
  if (!cluster_entry || !(*cluster_entry)["cluster"].IsMap()) {
    return Invalid(path, absl::StrCat("cluster \"", cluster_name, "\" not found"));
  }
  YAML::Node cluster = (*cluster_entry)["cluster"];
  const std::string dir = std::filesystem::path(path).parent_path().string();
  Config config;
  config.source = absl::StrCat("kubeconfig ", path, " context ", context_name);
  config.server = std::string(absl::StripSuffix(Str(cluster, "server"), "/"));
  if (config.server.empty()) {
    return Invalid(path, absl::StrCat("cluster \"", cluster_name, "\" has no server"));
  }
  if (!absl::StartsWith(config.server, "http://") && !absl::StartsWith(config.server, "https://")) {
    return Invalid(path, absl::StrCat("cluster \"", cluster_name,
                                      "\": server must start with http:// or https://"));
  }
  std::string where = absl::StrCat("cluster \"", cluster_name, "\"");
  if (absl::Status s = ReadDataOrFile(cluster, "certificate-authority-data",
                                      "certificate-authority", dir, path, where, &config.ca_pem);
      !s.ok()) {
    return s;
  }
  config.insecure_skip_tls_verify = Str(cluster, "insecure-skip-tls-verify") == "true";
  std::string ns = Str(ctx, "namespace");
  if (!ns.empty()) config.default_namespace = ns;

  std::string user_name = Str(ctx, "user");
  if (user_name.empty()) return config;  // anonymous
  std::optional<YAML::Node> user_entry = FindNamed(root["users"], user_name);
  if (!user_entry) return Invalid(path, absl::StrCat("user \"", user_name, "\" not found"));
  YAML::Node user = (*user_entry)["user"];
  if (!user || !user.IsMap()) return config;
  where = absl::StrCat("user \"", user_name, "\"");
  if (user["exec"] || user["auth-provider"]) {
    return Invalid(path, absl::StrCat(where, ": exec and auth-provider credentials are not "
                                             "supported; use a token, tokenFile or client "
                                             "certificate"));
  }
  if (absl::Status s = ReadDataOrFile(user, "client-certificate-data", "client-certificate",
                                      dir, path, where, &config.client_cert_pem);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ReadDataOrFile(user, "client-key-data", "client-key", dir, path, where,
                                      &config.client_key_pem);
      !s.ok()) {
    return s;
  }
  if (config.client_cert_pem.empty() != config.client_key_pem.empty()) {
    return Invalid(path, absl::StrCat(where, ": a client certificate needs both "
                                             "client-certificate(-data) and client-key(-data)"));
  }
  config.token = Str(user, "token");
  std::string token_file = Str(user, "tokenFile");
  if (!token_file.empty()) {
    if (token_file[0] != '/') token_file = (std::filesystem::path(dir) / token_file).string();
    if (access(token_file.c_str(), R_OK) != 0) {
      return Invalid(path, absl::StrCat(where, ": tokenFile ", token_file, " is not readable"));
    }
    config.token_file = token_file;
  }
  return config;
}

}  // namespace

std::string Config::DebugString() const {
  return absl::StrCat("server=", server, " source=", source, " namespace=", default_namespace,
                      " ca=", ca_pem.empty() ? "system" : "given",
                      insecure_skip_tls_verify ? " insecure-skip-tls-verify" : "",
                      client_cert_pem.empty() ? "" : " client-cert=<redacted>",
                      token.empty() ? "" : " token=<redacted>",
                      token_file.empty() ? "" : absl::StrCat(" token-file=", token_file));
}

absl::StatusOr<Config> LoadKubeconfig(const std::string& path, const std::string& context) {
  absl::StatusOr<std::string> text = util::ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseKubeconfig(path, *text, context);
}

absl::StatusOr<Config> LoadInCluster(const std::string& root,
                                     const std::map<std::string, std::string>& env) {
  auto get = [&](const char* key) {
    auto it = env.find(key);
    return it == env.end() ? std::string() : it->second;
  };
  std::string host = get("KUBERNETES_SERVICE_HOST");
  std::string port = get("KUBERNETES_SERVICE_PORT");
  if (host.empty() || port.empty()) {
    return absl::InvalidArgumentError(
        "in-cluster configuration needs KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT "
        "(not running in a pod?)");
  }
  Config config;
  config.source = absl::StrCat("in-cluster ", root);
  if (host.find(':') != std::string::npos) host = absl::StrCat("[", host, "]");
  config.server = absl::StrCat("https://", host, ":", port);
  const std::string token_path = absl::StrCat(root, "/token");
  if (access(token_path.c_str(), R_OK) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(token_path, ": the service-account token is missing or unreadable"));
  }
  config.token_file = token_path;
  const std::string ca_path = absl::StrCat(root, "/ca.crt");
  absl::StatusOr<std::string> ca = util::ReadFile(ca_path);
  if (!ca.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(ca_path, ": the cluster CA is missing: ", ca.status().message()));
  }
  config.ca_pem = *std::move(ca);
  absl::StatusOr<std::string> ns = util::ReadFile(absl::StrCat(root, "/namespace"));
  if (ns.ok()) {
    std::string trimmed(absl::StripAsciiWhitespace(*ns));
    if (!trimmed.empty()) config.default_namespace = trimmed;
  }
  return config;
}

std::map<std::string, std::string> EnvironmentMap() {
  std::map<std::string, std::string> env;
  for (const char* key : {"KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", "KUBECONFIG",
                          "HOME"}) {
    if (const char* value = std::getenv(key)) env[key] = value;
  }
  return env;
}

absl::StatusOr<Config> LoadDefault(const std::string& kubeconfig_flag,
                                   const std::map<std::string, std::string>& env,
                                   const std::string& in_cluster_root) {
  if (!kubeconfig_flag.empty()) return LoadKubeconfig(kubeconfig_flag);
  auto get = [&](const char* key) {
    auto it = env.find(key);
    return it == env.end() ? std::string() : it->second;
  };
  std::string list = get("KUBECONFIG");
  if (!list.empty()) {
    for (absl::string_view first : absl::StrSplit(list, ':', absl::SkipEmpty())) {
      return LoadKubeconfig(std::string(first));
    }
  }
  std::string home = get("HOME");
  std::string home_config = home.empty() ? "" : absl::StrCat(home, "/.kube/config");
  if (!home_config.empty() && std::filesystem::exists(home_config)) {
    return LoadKubeconfig(home_config);
  }
  if (!get("KUBERNETES_SERVICE_HOST").empty()) return LoadInCluster(in_cluster_root, env);
  return absl::InvalidArgumentError(absl::StrCat(
      "no Kubernetes configuration: pass --kubeconfig, set KUBECONFIG, create ",
      home_config.empty() ? "~/.kube/config" : home_config, ", or run in a pod"));
}

}  // namespace minpriv::kube
