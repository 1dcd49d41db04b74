// The defaults the real API server fills into a Pod when it decodes a write, before admission,
// as far as clients depend on them. Only `spec.securityContext: {}` so far: kubectl debug
// (1.34) dereferences it unconditionally, and a real server never stores a Pod without it.
#ifndef MINPRIV_TESTS_APISERVER_POD_DEFAULTS_H_
#define MINPRIV_TESTS_APISERVER_POD_DEFAULTS_H_

#include <nlohmann/json.hpp>

#include "resource_types.h"

namespace minpriv::apiserver {

// Fills the defaults into `object` when `t` is core v1 Pods; anything else is left alone.
void ApplyPodDefaults(const ResourceType& t, nlohmann::json* object);

}  // namespace minpriv::apiserver

#endif  // MINPRIV_TESTS_APISERVER_POD_DEFAULTS_H_
