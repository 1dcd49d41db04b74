// The pods/ephemeralcontainers subresource (what `kubectl debug` writes) as the real API server
// serves it since 1.22: GET, PUT and PATCH of the whole Pod (kind Pod), of which only
// spec.ephemeralContainers may change. Everything else in the request is dropped (the old Pod
// is kept), ephemeral containers may be added but never changed or removed, and the new ones
// are validated as ephemeral containers (a name unique among all the Pod's containers, an
// image, no ports, probes, lifecycle or resources, a targetContainerName that exists).
#ifndef MINPRIV_TESTS_APISERVER_EPHEMERAL_CONTAINERS_H_
#define MINPRIV_TESTS_APISERVER_EPHEMERAL_CONTAINERS_H_

#include <nlohmann/json.hpp>

#include "resource_types.h"

namespace minpriv::apiserver {

inline constexpr char kEphemeralContainers[] = "ephemeralcontainers";

// Whether `t` serves the subresource: core v1 Pods.
bool ServesEphemeralContainers(const ResourceType& t);

// The Pod to store for a write of `requested` to the subresource of the stored `current`:
// `current` with the requested spec.ephemeralContainers (and resourceVersion, for the
// optimistic concurrency check). Throws ApiException 422 Invalid, with the real server's
// messages, when the change is not allowed.
nlohmann::json EphemeralContainersUpdate(const nlohmann::json& current,
                                         const nlohmann::json& requested);

}  // namespace minpriv::apiserver

#endif  // MINPRIV_TESTS_APISERVER_EPHEMERAL_CONTAINERS_H_
