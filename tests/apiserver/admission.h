// Admission webhooks as the real API server calls them: on a create or update, the
// MutatingWebhookConfigurations stored in the server are consulted first (each matching
// webhook's JSONPatch applied in turn), then the ValidatingWebhookConfigurations; each call is
// an admission.k8s.io/v1 AdmissionReview over TLS verified with the configuration's caBundle,
// bounded by timeoutSeconds, its failure handled per failurePolicy. Matching: rules
// (operations, apiGroups, apiVersions, resources with "*", "*/sub" and "res/*", scope),
// namespaceSelector (the namespace's labels, kubernetes.io/metadata.name included) and
// objectSelector (matchLabels and matchExpressions). reinvocationPolicy is not honoured.
#ifndef MINPRIV_TESTS_APISERVER_ADMISSION_H_
#define MINPRIV_TESTS_APISERVER_ADMISSION_H_

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "resource_types.h"
#include "store.h"

namespace minpriv::apiserver {

struct AdmissionOptions {
  // A webhook's clientConfig.service "NAMESPACE/NAME" → "HOST:PORT" to dial (the certificate
  // is still verified for NAME.NAMESPACE.svc). A service not listed fails the call.
  std::map<std::string, std::string> services;
};

struct AdmissionAttributes {
  std::string operation;  // CREATE or UPDATE
  ResourceType type;
  std::string ns;
  std::string name;
  std::string subresource;
  bool dry_run = false;
  nlohmann::json object;      // the object as it would be stored
  nlohmann::json old_object;  // UPDATE: the stored object
};

// Returns the object to store (after the mutating webhooks' patches); appends each webhook's
// warnings. Throws ApiException with the real server's Status for a denial ("admission
// webhook \"NAME\" denied the request: MESSAGE", the webhook's code, at least 400) or a
// failed call under failurePolicy Fail (500 InternalError, "failed calling webhook ...").
nlohmann::json RunAdmission(Store& store, const AdmissionOptions& options,
                            const AdmissionAttributes& attributes,
                            std::vector<std::string>* warnings);

// The `Warning` header value for one warning (RFC 7234 code 299, as the real server sends).
std::string WarningHeader(const std::string& warning);

}  // namespace minpriv::apiserver

#endif  // MINPRIV_TESTS_APISERVER_ADMISSION_H_
