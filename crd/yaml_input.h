// Reading YAML that users give us (manifests, profiles) with bounds, so that no input can
// hang or exhaust the reader: a size limit, a parser that must make progress from one
// document to the next, and a limit on how far aliases may multiply a document.
#ifndef MINPRIV_CRD_YAML_INPUT_H_
#define MINPRIV_CRD_YAML_INPUT_H_

#include <cstddef>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "yaml-cpp/yaml.h"

namespace minpriv::crd {

// The largest file LoadYamlDocuments reads.
inline constexpr size_t kMaxYamlBytes = size_t{64} << 20;

// Every document of `text` (null documents included, in order). InvalidArgument, naming
// `source` and the position, for:
// - a file over kMaxYamlBytes ("... more than the 64 MiB a `what` may have; split the file");
// - invalid YAML ("SOURCE:LINE:COLUMN: invalid YAML: ...; fix the syntax at that position");
// - input where yaml-cpp's reader stops making progress (a stray ',' where a document
//   should start: its LoadAll would yield empty documents forever);
// - aliases that expand a document to more than 10 nodes per byte of the file, plus 100,000
//   (an alias bomb: a few hundred bytes of nested `&a`/`*a` lists expand to billions of
//   nodes in every walk that follows).
// `what` names the kind of file in messages ("manifest", "profile").
absl::StatusOr<std::vector<YAML::Node>> LoadYamlDocuments(std::string_view text,
                                                          std::string_view source,
                                                          std::string_view what);

}  // namespace minpriv::crd

#endif  // MINPRIV_CRD_YAML_INPUT_H_
