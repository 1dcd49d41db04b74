// Discovery documents: /version, /api, /apis (legacy and aggregated apidiscovery.k8s.io/v2),
// /api/v1 and /apis/GROUP/VERSION resource lists.
#ifndef MINPRIV_TESTS_APISERVER_DISCOVERY_H_
#define MINPRIV_TESTS_APISERVER_DISCOVERY_H_

#include <optional>
#include <string>

#include "http_server.h"
#include "store.h"

namespace minpriv::apiserver {

// Answers a discovery path, or nullopt when `req` is not one.
std::optional<HttpResponse> ServeDiscovery(Store& store, const HttpRequest& req);

}  // namespace minpriv::apiserver

#endif  // MINPRIV_TESTS_APISERVER_DISCOVERY_H_
