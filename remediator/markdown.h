// How the report's lines quote names: Markdown code spans.
#ifndef MINPRIV_REMEDIATOR_MARKDOWN_H_
#define MINPRIV_REMEDIATOR_MARKDOWN_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace minpriv::remediator {

// `s` as a code span.
inline std::string Code(const std::string& s) { return absl::StrCat("`", s, "`"); }

// Code spans joined by ", "; "none" for an empty list.
inline std::string CodeList(const std::vector<std::string>& items) {
  if (items.empty()) return "none";
  std::vector<std::string> c;
  for (const auto& i : items) c.push_back(Code(i));
  return absl::StrJoin(c, ", ");
}

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_MARKDOWN_H_
