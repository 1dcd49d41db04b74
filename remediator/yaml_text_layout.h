// Where things are in one YAML file's text, for the in-place editor (yaml_text.h): lines and
// their indentation, the exact span of a scalar, a flow collection or a value written on its
// key's line, and where text inserted after an entry goes. Every question it cannot answer
// with certainty is a FailedPrecondition (GiveUp): the editor then gives up on that file.
#ifndef MINPRIV_REMEDIATOR_YAML_TEXT_LAYOUT_H_
#define MINPRIV_REMEDIATOR_YAML_TEXT_LAYOUT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "yaml-cpp/yaml.h"

namespace minpriv::remediator {

using Span = std::pair<size_t, size_t>;  // [begin, end) in the text

// FailedPrecondition(why): the text cannot be edited in place with certainty.
absl::Status GiveUp(std::string_view why);

class YamlTextLayout {
 public:
  explicit YamlTextLayout(std::string_view text);

  absl::Status CheckPlainText() const;
  size_t LineEnd(size_t line) const;
  size_t LineOf(size_t pos) const;
  size_t Indent(size_t line) const;
  bool BlankOrComment(size_t line) const;
  bool DocumentMarker(size_t line) const;
  // Where text inserted after `line` goes (the start of the next line).
  size_t AfterLine(size_t line) const;
  // Text inserted at the very end of a file that lacks a final newline needs one first.
  std::string AtPosition(size_t pos, std::string text) const;
  // The last line that belongs to a mapping entry or sequence item starting at `line` whose
  // key or dash is at column `col`: deeper lines, blank lines and comments in between, and,
  // for a key whose value is a sequence written at the key's own column, that sequence's items.
  size_t LastLine(size_t line, size_t col, bool indentless_value) const;
  absl::StatusOr<Span> ScalarSpan(const YAML::Node& n, bool key) const;
  absl::StatusOr<Span> FlowSpan(const YAML::Node& n) const;
  bool Reads(Span s, const YAML::Node& n) const;
  // The position just after the ':' that follows a key.
  absl::StatusOr<size_t> AfterColon(Span key) const;
  // The text of a value written on its key's line (scalar, null, flow collection); for an
  // empty value, an empty span right after the colon.
  absl::StatusOr<Span> InlineSpan(const YAML::Node& value, size_t after_colon) const;

 protected:
  std::string_view text_;
  std::vector<size_t> line_starts_;
};

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_YAML_TEXT_LAYOUT_H_
