// The mutating half: an RFC 6902 JSON patch that adds the approved security fields a request
// lacks (a GitOps repository that has not merged the proposal yet). It only ever adds: a field
// the request sets, narrower or wider, is left as it is (wider is the validator's business).
#ifndef MINPRIV_WEBHOOKS_MUTATION_H_
#define MINPRIV_WEBHOOKS_MUTATION_H_

#include <string>
#include <string_view>

#include "nlohmann/json.hpp"
#include "webhooks/policy.h"

namespace minpriv::webhooks {

// RFC 6901 escaping of one reference token: "~" → "~0", "/" → "~1".
std::string EscapePointerToken(std::string_view token);

// Patch operations (a JSON array, empty when nothing is missing) for `object`, whose pod
// template sits at `template_pointer` (PodTemplatePointer of its kind).
nlohmann::json BuildPatch(const nlohmann::json& object, const std::string& template_pointer,
                          const ApprovedPolicy& approved);

}  // namespace minpriv::webhooks

#endif  // MINPRIV_WEBHOOKS_MUTATION_H_
