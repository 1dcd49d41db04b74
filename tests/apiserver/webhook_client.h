// The API server's side of an admission webhook call: one HTTPS POST of an AdmissionReview,
// the server's certificate verified against the configuration's caBundle and the URL's host
// (DNS name or IP address), within the configuration's timeout.
#ifndef MINPRIV_TESTS_APISERVER_WEBHOOK_CLIENT_H_
#define MINPRIV_TESTS_APISERVER_WEBHOOK_CLIENT_H_

#include <chrono>
#include <string>

namespace minpriv::apiserver {

struct WebhookCall {
  std::string url;         // https://HOST[:PORT]/PATH
  std::string connect_to;  // "HOST:PORT" to dial instead of the URL's (a service's address)
  std::string ca_pem;      // the caBundle, decoded; empty: the system's trust store
  std::chrono::milliseconds timeout{10000};
  std::string body;
};

struct WebhookReply {
  std::string error;  // empty on success; else how the call failed, as Go's client words it
  int status = 0;
  std::string body;
};

WebhookReply PostWebhook(const WebhookCall& call);

}  // namespace minpriv::apiserver

#endif  // MINPRIV_TESTS_APISERVER_WEBHOOK_CLIENT_H_
