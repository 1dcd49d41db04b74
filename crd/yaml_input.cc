#include "crd/yaml_input.h"

#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "yaml-cpp/eventhandler.h"

namespace minpriv::crd {
namespace {

constexpr size_t kAliasExpansionFactor = 10;
constexpr size_t kMinNodeBudget = 100000;

std::string Where(std::string_view source, const YAML::Mark& mark) {
  if (mark.is_null()) return std::string(source);
  return absl::StrCat(std::string(source), ":", mark.line + 1, ":", mark.column + 1);
}

// Sees only where each document starts: yaml-cpp's parser yields a new (empty) document at
// the same position forever when it cannot consume what is there.
class DocumentStarts : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  std::vector<YAML::Mark> starts;
};

// Whether `node`, every alias expanded, has at most `*budget` nodes; spends them from
// `*budget`. Stops as soon as the budget is spent.
bool WithinNodeBudget(const YAML::Node& node, size_t* budget) {
  std::vector<YAML::Node> stack{node};
  while (!stack.empty()) {
    if (*budget == 0) return false;
    --*budget;
    YAML::Node n(stack.back());
    stack.pop_back();
    if (n.IsSequence()) {
      for (const auto& item : n) stack.push_back(item);
    } else if (n.IsMap()) {
      for (const auto& kv : n) {
        stack.push_back(kv.first);
        stack.push_back(kv.second);
      }
    }
  }
  return true;
}

absl::Status InvalidYaml(std::string_view source, const YAML::Mark& mark, std::string_view msg) {
  return absl::InvalidArgumentError(
      absl::StrCat(Where(source, mark), ": invalid YAML: ", std::string(msg),
                   "; fix the syntax at that position (check indentation and quoting)"));
}

}  // namespace

absl::StatusOr<std::vector<YAML::Node>> LoadYamlDocuments(std::string_view text,
                                                          std::string_view source,
                                                          std::string_view what) {
  if (text.size() > kMaxYamlBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        std::string(source), ": ", text.size(), " bytes, more than the ", kMaxYamlBytes >> 20,
        " MiB a ", std::string(what), " may have; split the file"));
  }
  const std::string input(text);
  std::vector<YAML::Node> docs;
  try {
    // First pass: events only, to stop where the parser no longer advances.
    std::istringstream stream(input);
    YAML::Parser parser(stream);
    DocumentStarts starts;
    while (parser.HandleNextDocument(starts)) {
      size_t n = starts.starts.size();
      if (n >= 2 && starts.starts[n - 1].pos == starts.starts[n - 2].pos) {
        const YAML::Mark& at = starts.starts[n - 1];
        char c = at.pos >= 0 && static_cast<size_t>(at.pos) < input.size() ? input[at.pos] : ' ';
        return InvalidYaml(source, at,
                           absl::StrCat("unexpected '", std::string(1, c),
                                        "' where a document or a value should start"));
      }
    }
    docs = YAML::LoadAll(input);
  } catch (const YAML::Exception& e) {
    return InvalidYaml(source, e.mark, e.msg);
  }
  size_t budget = kAliasExpansionFactor * text.size() + kMinNodeBudget;
  for (const YAML::Node& doc : docs) {
    if (!doc.IsDefined() || doc.IsNull()) continue;
    if (!WithinNodeBudget(doc, &budget)) {
      return absl::InvalidArgumentError(absl::StrCat(
          Where(source, doc.Mark()), ": YAML aliases (*name) expand this document to more than ",
          kAliasExpansionFactor, " times the file's size (an alias bomb?); write the repeated "
          "parts out instead of aliasing them"));
    }
  }
  return docs;
}

}  // namespace minpriv::crd
