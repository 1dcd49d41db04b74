// TLS (CA, client certificate, insecure-skip-tls-verify) and bearer tokens (static, rotating
// file) against the test API server started with --tls; secrets never reach error messages.
#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "kube/rest_client.h"
#include "kube/status.h"
#include "kube/test_apiserver.h"

namespace minpriv::kube {
namespace {

using testing::TestApiServer;

const ResourceRef kConfigMaps{"", "v1", "configmaps", true};
const ResourceRef kNamespaces{"", "v1", "namespaces", false};

nlohmann::json ConfigMap(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}}},
          {"data", {{"k", "v"}}}};
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = TestApiServer::Start({"--tls"});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    ASSERT_EQ(server_->url().rfind("https://", 0), 0u) << server_->url();
  }
  std::unique_ptr<TestApiServer> server_;
};

TEST_F(TlsTest, ClientCertificateAuthenticates) {
  auto config = LoadKubeconfig(server_->kubeconfig());  // current context: client certificate
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_FALSE(config->client_cert_pem.empty());
  auto client = RestClient::Create(*config);
  ASSERT_TRUE(client.ok()) << client.status();
  auto list = client->List(kNamespaces, "");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_FALSE(list->items.empty());
  // A watch over TLS works too.
  WatchOptions options;
  options.resource_version = list->resource_version;
  options.timeout_seconds = 30;
  auto watch = client->Watch(kConfigMaps, "default", options);
  ASSERT_TRUE(watch.ok()) << watch.status();
  ASSERT_TRUE(client->Create(kConfigMaps, "default", ConfigMap("tls")).ok());
  for (;;) {
    auto event = (*watch)->Next();
    ASSERT_TRUE(event.ok() && event->has_value()) << event.status();
    if ((*event)->type == WatchEvent::Type::kAdded) {
      EXPECT_EQ((*event)->object["metadata"]["name"], "tls");
      break;
    }
  }
}

TEST_F(TlsTest, BearerTokenAuthenticatesAndAWrongOneIsNotLeaked) {
  auto config = LoadKubeconfig(server_->kubeconfig(), "minpriv-test-token");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_FALSE(config->token.empty());
  ASSERT_TRUE(config->client_cert_pem.empty());
  auto client = RestClient::Create(*config);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(client->List(kConfigMaps, "default").ok());

  Config wrong = *config;
  wrong.token = "wrong-secret-token-0815";
  auto refused = RestClient::Create(wrong)->List(kConfigMaps, "default");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated) << refused.status();
  EXPECT_EQ(HttpCode(refused.status()), 401);
  EXPECT_EQ(refused.status().ToString().find(wrong.token), std::string::npos);
  EXPECT_EQ(refused.status().ToString().find(config->token), std::string::npos);

  Config anonymous = *config;
  anonymous.token.clear();
  EXPECT_EQ(RestClient::Create(anonymous)->List(kConfigMaps, "default").status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(TlsTest, RotatedTokenFileIsRereadAfterA401) {
  auto config = LoadKubeconfig(server_->kubeconfig(), "minpriv-test-token");
  ASSERT_TRUE(config.ok());
  const std::string good = config->token;
  std::string file = server_->kubeconfig() + ".token";
  std::ofstream(file) << "stale-token\n";
  Config rotating = *config;
  rotating.token.clear();
  rotating.token_file = file;
  auto client = RestClient::Create(rotating);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ(client->List(kConfigMaps, "default").status().code(),
            absl::StatusCode::kUnauthenticated);
  std::ofstream(file) << good << "\n";  // the kubelet rotated the token
  auto list = client->List(kConfigMaps, "default");
  EXPECT_TRUE(list.ok()) << list.status();
  std::filesystem::remove(file);
}

TEST_F(TlsTest, AnUntrustedServerIsRefused) {
  auto config = LoadKubeconfig(server_->kubeconfig());
  ASSERT_TRUE(config.ok());
  Config untrusted = *config;
  untrusted.ca_pem.clear();  // the system's trust store does not know the test CA
  auto refused = RestClient::Create(untrusted)->List(kNamespaces, "");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  Config skip = untrusted;
  skip.insecure_skip_tls_verify = true;
  EXPECT_TRUE(RestClient::Create(skip)->List(kNamespaces, "").ok());
  Config bad_pem = *config;
  bad_pem.client_key_pem = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n";
  auto bad = RestClient::Create(bad_pem);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message().find("not a key"), std::string::npos);
}

}  // namespace
}  // namespace minpriv::kube
