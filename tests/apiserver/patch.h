// The three patch types the server accepts: JSON merge patch (RFC 7386), JSON patch
// (RFC 6902) and a strategic merge patch covering what kubectl sends for built-in kinds.
#ifndef MINPRIV_TESTS_APISERVER_PATCH_H_
#define MINPRIV_TESTS_APISERVER_PATCH_H_

#include <string>

#include <nlohmann/json.hpp>

namespace minpriv::apiserver {

// RFC 7386: objects merge recursively, null deletes, anything else replaces.
nlohmann::json MergePatch(const nlohmann::json& target, const nlohmann::json& patch);

// RFC 6902. Returns false with `error` when an operation fails; `test_failed` tells a failed
// `test` (the real server answers 422) from a malformed patch or a bad path.
bool JsonPatch(nlohmann::json* target, const nlohmann::json& patch, std::string* error,
               bool* test_failed);

// Strategic merge patch: a merge patch, except that lists with a known merge key (containers,
// initContainers, ephemeralContainers, volumes, env, imagePullSecrets by `name`; volumeMounts
// by `mountPath`; container ports by `containerPort`, service ports by `port`; conditions by
// `type`) merge element by element; `$patch: delete|replace` in list elements and maps,
// `$retainKeys`, `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>` (ordering
// only) are honoured.
nlohmann::json StrategicMergePatch(const nlohmann::json& target, const nlohmann::json& patch);

}  // namespace minpriv::apiserver

#endif  // MINPRIV_TESTS_APISERVER_PATCH_H_
