#include "kube/config.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "kube/token_source.h"

namespace minpriv::kube {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/kube_config_test.XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string Write(const std::string& name, const std::string& text) const {
    std::string p = absl::StrCat(path_, "/", name);
    std::ofstream(p) << text;
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

constexpr char kSecretToken[] = "s3cr3t-token-value";
constexpr char kSecretKey[] = "-----BEGIN PRIVATE KEY-----\nSECRETKEY\n-----END PRIVATE KEY-----\n";

std::string DataKubeconfig() {
  return absl::StrCat(R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: other
  cluster: {server: "https://other:1"}
- name: c1
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority-data: )",
                      absl::Base64Escape("CA PEM"), R"(
contexts:
- name: dev
  context: {cluster: c1, user: u1, namespace: team-a}
- name: anon
  context: {cluster: other}
users:
- name: u1
  user:
    client-certificate-data: )",
                      absl::Base64Escape("CERT PEM"), R"(
    client-key-data: )",
                      absl::Base64Escape(kSecretKey), R"(
    token: )",
                      kSecretToken, "\n");
}

TEST(KubeconfigTest, ReadsCurrentContextWithDataFields) {
  TempDir dir;
  std::string path = dir.Write("config", DataKubeconfig());
  absl::StatusOr<Config> config = LoadKubeconfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://127.0.0.1:6443");
  EXPECT_EQ(config->ca_pem, "CA PEM");
  EXPECT_EQ(config->client_cert_pem, "CERT PEM");
  EXPECT_EQ(config->client_key_pem, kSecretKey);
  EXPECT_EQ(config->token, kSecretToken);
  EXPECT_EQ(config->default_namespace, "team-a");
  EXPECT_FALSE(config->insecure_skip_tls_verify);
}

TEST(KubeconfigTest, ExplicitContextOverridesCurrent) {
  TempDir dir;
  std::string path = dir.Write("config", DataKubeconfig());
  absl::StatusOr<Config> config = LoadKubeconfig(path, "anon");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://other:1");
  EXPECT_EQ(config->default_namespace, "default");
  EXPECT_TRUE(config->token.empty());
}

TEST(KubeconfigTest, FileFieldsAreRelativeToTheKubeconfig) {
  TempDir dir;
  dir.Write("ca.crt", "CA FROM FILE");
  dir.Write("client.crt", "CERT FROM FILE");
  dir.Write("client.key", "KEY FROM FILE");
  dir.Write("token", "file-token\n");
  std::string path = dir.Write("config", R"(
current-context: x
clusters: [{name: c, cluster: {server: "http://localhost:8080", certificate-authority: ca.crt,
            insecure-skip-tls-verify: true}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
users: [{name: u, user: {client-certificate: client.crt, client-key: client.key,
         tokenFile: token}}]
)");
  absl::StatusOr<Config> config = LoadKubeconfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->ca_pem, "CA FROM FILE");
  EXPECT_EQ(config->client_cert_pem, "CERT FROM FILE");
  EXPECT_EQ(config->client_key_pem, "KEY FROM FILE");
  EXPECT_EQ(config->token_file, dir.path() + "/token");
  EXPECT_TRUE(config->insecure_skip_tls_verify);
}

struct BadCase {
  const char* yaml;
  const char* expected;  // a fragment of the error message
};

TEST(KubeconfigTest, ErrorsNameTheFileAndWhatIsMissing) {
  const BadCase cases[] = {
      {"clusters: []\n", "no current-context"},
      {"current-context: x\ncontexts: []\n", "context \"x\" not found"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n",
       "cluster \"c\" not found"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
       "clusters: [{name: c, cluster: {insecure-skip-tls-verify: true}}]\n",
       "cluster \"c\" has no server"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
       "clusters: [{name: c, cluster: {server: \"ftp://h\"}}]\n",
       "must start with http"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
       "clusters: [{name: c, cluster: {server: \"https://h\", certificate-authority-data: "
       "\"!!notbase64\"}}]\n",
       "certificate-authority-data is not valid base64"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
       "clusters: [{name: c, cluster: {server: \"https://h\", certificate-authority: "
       "/nonexistent/ca.crt}}]\n",
       "cannot read certificate-authority /nonexistent/ca.crt"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
       "clusters: [{name: c, cluster: {server: \"https://h\"}}]\n",
       "user \"u\" not found"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
       "clusters: [{name: c, cluster: {server: \"https://h\"}}]\n"
       "users: [{name: u, user: {client-certificate-data: Q0VSVA==}}]\n",
       "needs both"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
       "clusters: [{name: c, cluster: {server: \"https://h\"}}]\n"
       "users: [{name: u, user: {exec: {command: aws}}}]\n",
       "exec and auth-provider credentials are not supported"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
       "clusters: [{name: c, cluster: {server: \"https://h\"}}]\n"
       "users: [{name: u, user: {tokenFile: /nonexistent/token}}]\n",
       "tokenFile /nonexistent/token is not readable"},
      {"[1, 2\n", "not valid YAML"},
      {"- a\n- b\n", "expected a mapping"},
  };
  TempDir dir;
  for (const BadCase& c : cases) {
    std::string path = dir.Write("bad", c.yaml);
    absl::StatusOr<Config> config = LoadKubeconfig(path);
    ASSERT_FALSE(config.ok()) << c.yaml;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << c.yaml;
    EXPECT_NE(config.status().message().find(path), std::string::npos) << config.status();
    EXPECT_NE(config.status().message().find(c.expected), std::string::npos)
        << config.status() << " should contain " << c.expected;
  }
  EXPECT_EQ(LoadKubeconfig(dir.path() + "/missing").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(KubeconfigTest, DebugStringHidesSecrets) {
  TempDir dir;
  absl::StatusOr<Config> config = LoadKubeconfig(dir.Write("config", DataKubeconfig()));
  ASSERT_TRUE(config.ok()) << config.status();
  std::string debug = config->DebugString();
  EXPECT_EQ(debug.find(kSecretToken), std::string::npos) << debug;
  EXPECT_EQ(debug.find("SECRETKEY"), std::string::npos) << debug;
  EXPECT_NE(debug.find("token=<redacted>"), std::string::npos) << debug;
  EXPECT_NE(debug.find("https://127.0.0.1:6443"), std::string::npos) << debug;
}

TEST(InClusterTest, ReadsTheServiceAccountDirectory) {
  TempDir dir;
  dir.Write("token", "sa-token\n");
  dir.Write("ca.crt", "SA CA");
  dir.Write("namespace", "minpriv-system\n");
  absl::StatusOr<Config> config = LoadInCluster(
      dir.path(), {{"KUBERNETES_SERVICE_HOST", "10.0.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://10.0.0.1:443");
  EXPECT_EQ(config->ca_pem, "SA CA");
  EXPECT_EQ(config->token_file, dir.path() + "/token");
  EXPECT_EQ(config->default_namespace, "minpriv-system");

  absl::StatusOr<Config> v6 = LoadInCluster(
      dir.path(), {{"KUBERNETES_SERVICE_HOST", "fd00::1"}, {"KUBERNETES_SERVICE_PORT", "443"}});
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_EQ(v6->server, "https://[fd00::1]:443");
}

TEST(InClusterTest, ErrorsNameWhatIsMissing) {
  TempDir dir;
  std::map<std::string, std::string> env = {{"KUBERNETES_SERVICE_HOST", "h"},
                                            {"KUBERNETES_SERVICE_PORT", "443"}};
  absl::Status no_env = LoadInCluster(dir.path(), {}).status();
  EXPECT_EQ(no_env.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(no_env.message().find("KUBERNETES_SERVICE_HOST"), std::string::npos);
  absl::Status no_token = LoadInCluster(dir.path(), env).status();
  EXPECT_EQ(no_token.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(no_token.message().find(dir.path() + "/token"), std::string::npos) << no_token;
  dir.Write("token", "t");
  absl::Status no_ca = LoadInCluster(dir.path(), env).status();
  EXPECT_EQ(no_ca.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(no_ca.message().find(dir.path() + "/ca.crt"), std::string::npos) << no_ca;
}

TEST(LoadDefaultTest, FlagThenKubeconfigEnvThenHomeThenInCluster) {
  TempDir dir;
  std::string a = dir.Write("a", "current-context: x\ncontexts: [{name: x, context: {cluster: "
                                 "c}}]\nclusters: [{name: c, cluster: {server: \"http://a\"}}]\n");
  std::string b = dir.Write("b", "current-context: x\ncontexts: [{name: x, context: {cluster: "
                                 "c}}]\nclusters: [{name: c, cluster: {server: \"http://b\"}}]\n");
  std::filesystem::create_directories(dir.path() + "/home/.kube");
  std::filesystem::copy_file(b, dir.path() + "/home/.kube/config");
  std::filesystem::create_directories(dir.path() + "/sa");
  dir.Write("sa/token", "t");
  dir.Write("sa/ca.crt", "CA");

  std::map<std::string, std::string> env = {{"KUBECONFIG", b + ":" + a},
                                            {"HOME", dir.path() + "/home"},
                                            {"KUBERNETES_SERVICE_HOST", "10.0.0.1"},
                                            {"KUBERNETES_SERVICE_PORT", "443"}};
  EXPECT_EQ(LoadDefault(a, env, dir.path() + "/sa")->server, "http://a");
  EXPECT_EQ(LoadDefault("", env, dir.path() + "/sa")->server, "http://b");  // first of the list
  env.erase("KUBECONFIG");
  EXPECT_EQ(LoadDefault("", env, dir.path() + "/sa")->server, "http://b");  // ~/.kube/config
  env["HOME"] = dir.path() + "/nohome";
  EXPECT_EQ(LoadDefault("", env, dir.path() + "/sa")->server, "https://10.0.0.1:443");
  env.erase("KUBERNETES_SERVICE_HOST");
  absl::Status none = LoadDefault("", env, dir.path() + "/sa").status();
  EXPECT_EQ(none.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(none.message().find("--kubeconfig"), std::string::npos);
}

TEST(TokenSourceTest, RereadsTheFileAfterTheRefreshIntervalOrInvalidate) {
  TempDir dir;
  std::string path = dir.Write("token", "one\n");
  absl::Time now = absl::FromUnixSeconds(1000);
  TokenSource tokens("", path, absl::Minutes(1), [&] { return now; });
  EXPECT_EQ(*tokens.Token(), "one");
  dir.Write("token", "two\n");
  now += absl::Seconds(30);
  EXPECT_EQ(*tokens.Token(), "one");  // cached within the minute
  now += absl::Seconds(31);
  EXPECT_EQ(*tokens.Token(), "two");  // rotated
  dir.Write("token", "three");
  EXPECT_EQ(*tokens.Token(), "two");
  tokens.Invalidate();  // a 401
  EXPECT_EQ(*tokens.Token(), "three");
  std::filesystem::remove(path);
  tokens.Invalidate();
  EXPECT_EQ(*tokens.Token(), "three");  // a failed re-read keeps the last good token
}

TEST(TokenSourceTest, MissingFileErrorNamesTheFile) {
  TokenSource tokens("", "/nonexistent/token");
  absl::Status status = tokens.Token().status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(status.message().find("/nonexistent/token"), std::string::npos);
  TokenSource fixed("static", "");
  EXPECT_EQ(*fixed.Token(), "static");
}

}  // namespace
}  // namespace minpriv::kube
