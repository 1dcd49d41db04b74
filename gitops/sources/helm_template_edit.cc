// The smallest template change, for a field no value of the chart reaches: the template's
// Go actions are masked (a line that is only an action becomes a comment, an action inside
// a line becomes letters of the same length), the literal YAML is edited in place with the
// text-preserving editor, and the original lines are put back wherever the edit kept them.
// Every inserted or changed block is preceded by a `# minpriv:` comment line.
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "crd/yaml_input.h"
#include "gitops/sources/helm.h"
#include "gitops/sources/json_patch.h"
#include "remediator/yaml_io.h"

namespace minpriv::gitops {
namespace {

constexpr size_t kMaxLines = 3000;
constexpr char kMark[] = "# minpriv: narrowed in the template (the chart has no value for this field)";

absl::Status NotLiteral(const std::string& path, absl::string_view why) {
  return absl::FailedPreconditionError(
      absl::StrCat(path, ": the template cannot be edited as YAML here: ", why));
}

// Masks one line; false when an action does not close on it.
bool MaskLine(const std::string& line, std::string* out, bool* had_action) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(line);
  *had_action = line.find("{{") != std::string::npos;
  if (!*had_action) {
    *out = line;
    return true;
  }
  if (absl::StartsWith(trimmed, "{{") && absl::EndsWith(trimmed, "}}") &&
      trimmed.find("}}") == trimmed.size() - 2) {
    size_t indent = line.find_first_not_of(' ');
    *out = line.substr(0, indent) + "#" + std::string(line.size() - indent - 1, 'x');
    return true;
  }
  out->clear();
  size_t at = 0;
  while (at < line.size()) {
    size_t open = line.find("{{", at);
    if (open == std::string::npos) {
      out->append(line, at);
      break;
    }
    size_t close = line.find("}}", open);
    if (close == std::string::npos) return false;
    out->append(line, at, open - at);
    out->append(close + 2 - open, 'x');
    at = close + 2;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::string> EditTemplate(const std::string& template_text,
                                         const std::string& path, const WorkloadRef& ref,
                                         const nlohmann::ordered_json& ops) {
  std::vector<std::string> lines = absl::StrSplit(template_text, '\n');
  if (lines.size() > kMaxLines) return NotLiteral(path, "the file is too long");
  std::vector<std::string> masked(lines.size());
  std::vector<bool> action(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    bool had = false;
    if (!MaskLine(lines[i], &masked[i], &had)) {
      return NotLiteral(path, absl::StrCat("line ", i + 1, " has an action spanning lines"));
    }
    action[i] = had;
  }
  const std::string masked_text = absl::StrJoin(masked, "\n");
  auto docs = crd::LoadYamlDocuments(masked_text, path, "chart template");
  if (!docs.ok()) return NotLiteral(path, docs.status().message());
  std::vector<YAML::Node> originals;
  for (const YAML::Node& d : *docs) {
    if (!d.IsNull()) originals.push_back(d);
  }
  int found = -1;
  for (size_t i = 0; i < originals.size(); ++i) {
    if (ScalarAt(originals[i], "kind") != ref.kind) continue;
    if (found >= 0) return NotLiteral(path, absl::StrCat("it holds several ", ref.kind, "s"));
    found = static_cast<int>(i);
  }
  if (found < 0) return NotLiteral(path, absl::StrCat("no literal `kind: ", ref.kind, "`"));
  std::vector<YAML::Node> targets;
  for (const YAML::Node& d : originals) targets.push_back(remediator::DeepCopy(d));
  if (absl::Status s = ApplyOps(targets[found], ops); !s.ok()) return NotLiteral(path, s.message());
  absl::StatusOr<std::string> edited = RewriteText(masked_text, originals, targets, path);
  if (!edited.ok()) return edited.status();
  if (*edited == masked_text) return template_text;

  // Line LCS between the masked original and the edited text; kept lines are restored.
  std::vector<std::string> next = absl::StrSplit(*edited, '\n');
  if (next.size() > kMaxLines) return NotLiteral(path, "the edit is too long");
  const size_t n = masked.size(), m = next.size();
  std::vector<std::vector<uint16_t>> lcs(n + 1, std::vector<uint16_t>(m + 1, 0));
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      lcs[i][j] = masked[i] == next[j] ? lcs[i + 1][j + 1] + 1
                                       : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  std::vector<std::string> out;
  size_t i = 0, j = 0;
  bool in_block = false;
  while (i < n || j < m) {
    if (i < n && j < m && masked[i] == next[j]) {
      out.push_back(lines[i]);
      ++i, ++j;
      in_block = false;
    } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      if (!in_block) {
        size_t indent = next[j].find_first_not_of(' ');
        out.push_back(std::string(indent == std::string::npos ? 0 : indent, ' ') + kMark);
        in_block = true;
      }
      out.push_back(next[j++]);
    } else {
      if (action[i]) {
        return NotLiteral(path, absl::StrCat("the edit would change line ", i + 1,
                                             ", which holds a template action"));
      }
      ++i;
    }
  }
  return absl::StrJoin(out, "\n");
}

}  // namespace minpriv::gitops
