// A minimal OpenAPI v3 surface: /openapi/v3 (one document per group version) whose PATCH
// operations declare the `fieldValidation` query parameter with their
// x-kubernetes-group-version-kind, so kubectl validates server-side (fieldValidation=Strict)
// instead of downloading schemas. No schemas are served: kubectl then computes strategic merge
// patches from its compiled-in types, and JSON merge patches for custom resources.
#ifndef MINPRIV_TESTS_APISERVER_OPENAPI_H_
#define MINPRIV_TESTS_APISERVER_OPENAPI_H_

#include <optional>

#include "http_server.h"
#include "store.h"

namespace minpriv::apiserver {

std::optional<HttpResponse> ServeOpenApi(Store& store, const HttpRequest& req);

}  // namespace minpriv::apiserver

#endif  // MINPRIV_TESTS_APISERVER_OPENAPI_H_
