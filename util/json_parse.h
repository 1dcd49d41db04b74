// JSON input for minpriv: nlohmann's parser behind absl::Status, with messages that say
// where ("SOURCE:LINE:COLUMN: reason", 1-based like the YAML adapter's). nlohmann's
// exceptions never leave json_parse.cc.
#ifndef MINPRIV_UTIL_JSON_PARSE_H_
#define MINPRIV_UTIL_JSON_PARSE_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace minpriv::util {

// The one JSON value of `text`. A syntax error is InvalidArgument
// "SOURCE:LINE:COLUMN: invalid JSON: <nlohmann's reason>", at the byte where parsing stopped.
absl::StatusOr<nlohmann::json> ParseJson(std::string_view text, std::string_view source);

// "SOURCE:LINE:COLUMN" of the first character of the value `pointer` names in `text` (the
// text ParseJson accepted; of duplicate keys, the last, as the parser keeps), or just SOURCE
// when the text has no such value. For messages about a value of the right syntax but the
// wrong type or content.
std::string JsonWhere(std::string_view text, std::string_view source,
                      const nlohmann::json::json_pointer& pointer);

// "LINE:COLUMN" (1-based) of byte `offset` of `text`.
std::string LineColumn(std::string_view text, size_t offset);

}  // namespace minpriv::util

#endif  // MINPRIV_UTIL_JSON_PARSE_H_
