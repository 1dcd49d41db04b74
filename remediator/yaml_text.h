// Writes narrowed manifests back into their own text, the way a person would edit the file:
// comments, quoting, key order, indentation style and every unchanged document stay exactly
// as they were; only the values that changed are rewritten, new keys are added at the end of
// their mapping and new list items after the last item.
//
// yaml-cpp keeps no comments, so this works on the text with the positions yaml-cpp reports
// for each node. Whatever cannot be edited in place with certainty (anchors, tags, block
// scalars, multi-line plain scalars, tabs, CRLF line ends, a directive) makes the rewrite
// give up, and the caller emits that file's documents afresh instead. The result is always
// parsed again and compared with the narrowed documents: it is returned only when it means
// exactly the same.
#ifndef MINPRIV_REMEDIATOR_YAML_TEXT_H_
#define MINPRIV_REMEDIATOR_YAML_TEXT_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "yaml-cpp/yaml.h"

namespace minpriv::remediator {

// `text` is one manifest file; `originals` the non-empty documents parsed from exactly this
// text (their marks point into it), `targets` what each should become (same count, same
// order). Returns the edited text, or FailedPrecondition saying why it could not be edited in
// place (nothing is lost: the caller re-emits).
absl::StatusOr<std::string> RewriteYamlText(std::string_view text,
                                            const std::vector<YAML::Node>& originals,
                                            const std::vector<YAML::Node>& targets);

// Whether two YAML values mean the same to Kubernetes (mapping key order ignored, scalars
// typed as Kubernetes' decoder types them).
bool SameYamlValue(const YAML::Node& a, const YAML::Node& b);

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_YAML_TEXT_H_
