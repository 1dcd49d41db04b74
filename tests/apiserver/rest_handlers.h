// The REST surface: path → resource, then get/list/create/update/delete/patch and the status
// subresource, with the real server's Status errors. Watches go to watch_handler.
#ifndef MINPRIV_TESTS_APISERVER_REST_HANDLERS_H_
#define MINPRIV_TESTS_APISERVER_REST_HANDLERS_H_

#include <chrono>

#include "admission.h"
#include "http_server.h"
#include "rbac.h"
#include "store.h"

namespace minpriv::apiserver {

struct ServerOptions {
  std::chrono::milliseconds bookmark_interval{1000};
  AdmissionOptions admission;
  Authorizer* authorizer = nullptr;  // RBAC for mapped bearer tokens (rbac.h); null: none
};

// A resource path: /api/v1/... or /apis/GROUP/VERSION/..., with or without namespaces/NS.
struct Route {
  ResourceType type;  // a copy: CRDs may change the registry meanwhile
  std::string ns;
  std::string name;
  std::string subresource;
};

// The whole API: health, discovery, resources. Never throws.
HttpResponse HandleRequest(Store& store, const ServerOptions& options, const HttpRequest& req);

// Shared with watch_handler.
HttpResponse ErrorResponse(const ApiError& e);
Selector ParseLabelSelector(const HttpRequest& req);
Selector ParseFieldSelector(const ResourceType& t, const HttpRequest& req);

}  // namespace minpriv::apiserver

#endif  // MINPRIV_TESTS_APISERVER_REST_HANDLERS_H_
