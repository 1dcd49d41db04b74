#include "remediator/render_narrowed.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "remediator/markdown.h"
#include "remediator/yaml_io.h"
#include "remediator/yaml_text.h"

namespace minpriv::remediator {
namespace {

bool HasDirective(std::string_view text) {
  return (!text.empty() && text.front() == '%') || text.find("\n%") != std::string_view::npos;
}

// Whether the first line that is not blank or a comment is a "---" document marker.
bool StartsWithDocumentMarker(std::string_view text) {
  size_t at = 0;
  while (at < text.size()) {
    size_t eol = text.find('\n', at);
    std::string_view line = text.substr(at, eol == std::string_view::npos ? eol : eol - at);
    size_t first = line.find_first_not_of(' ');
    if (first != std::string_view::npos && line[first] != '#') {
      return line.substr(0, 3) == "---" && (line.size() == 3 || line[3] == ' ');
    }
    if (eol == std::string_view::npos) break;
    at = eol + 1;
  }
  return false;
}

}  // namespace

std::string NarrowedManifests(const Proposal& p, std::vector<std::string>* reemitted) {
  std::string out;
  for (const ManifestFile& m : p.manifests) {
    std::vector<YAML::Node> originals(p.originals.begin() + m.first,
                                      p.originals.begin() + m.first + m.count);
    std::vector<YAML::Node> narrowed(p.documents.begin() + m.first,
                                     p.documents.begin() + m.first + m.count);
    std::string part;
    auto text = RewriteYamlText(m.text, originals, narrowed);
    // A `%` directive is only valid at the start of a stream: not after another file's text.
    if (text.ok() && p.manifests.size() > 1 && HasDirective(m.text)) {
      text = absl::FailedPreconditionError("the file has a YAML directive");
    }
    if (text.ok()) {
      part = *std::move(text);
    } else {
      part = EmitYamlDocuments(narrowed);
      reemitted->push_back(absl::StrCat(Code(m.source), " (", text.status().message(), ")"));
    }
    if (m.count == 0) continue;
    if (!out.empty()) {
      if (out.back() != '\n') out += '\n';
      if (!StartsWithDocumentMarker(part)) out += "---\n";
    }
    out += part;
  }
  if (!out.empty() && out.back() != '\n') out += '\n';
  // The files joined must still read as exactly the narrowed documents.
  bool same = false;
  try {
    std::vector<YAML::Node> back;
    for (const YAML::Node& n : YAML::LoadAll(out)) {
      if (n.IsDefined() && !n.IsNull()) back.push_back(n);
    }
    same = back.size() == p.documents.size();
    for (size_t i = 0; same && i < back.size(); ++i) same = SameYamlValue(back[i], p.documents[i]);
  } catch (const YAML::Exception&) {
    same = false;
  }
  if (!same) {
    reemitted->assign({"every input file (joined, they did not read back as the narrowed documents)"});
    return EmitYamlDocuments(p.documents);
  }
  return out;
}

}  // namespace minpriv::remediator
