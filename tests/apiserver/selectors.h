// Label selectors (=, ==, !=, in, notin, exists, !key) and field selectors (=, ==, !=).
#ifndef MINPRIV_TESTS_APISERVER_SELECTORS_H_
#define MINPRIV_TESTS_APISERVER_SELECTORS_H_

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace minpriv::apiserver {

struct Requirement {
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist };
  std::string key;
  Op op;
  std::vector<std::string> values;
};

class Selector {
 public:
  // Parses a label selector; nullopt (with `error`) on a syntax error.
  static std::optional<Selector> ParseLabels(const std::string& text, std::string* error);
  // Parses a field selector; only the fields in `supported` may appear.
  static std::optional<Selector> ParseFields(const std::string& text,
                                             const std::vector<std::string>& supported,
                                             std::string* error);

  bool MatchesLabels(const nlohmann::json& object) const;
  bool MatchesFields(const nlohmann::json& object) const;
  bool Empty() const { return requirements_.empty(); }

 private:
  bool Matches(const std::optional<std::string>& value, const Requirement& r) const;
  std::vector<Requirement> requirements_;
};

// The value of a dotted field path ("spec.nodeName") as a string, if present.
std::optional<std::string> FieldValue(const nlohmann::json& object, const std::string& path);

}  // namespace minpriv::apiserver

#endif  // MINPRIV_TESTS_APISERVER_SELECTORS_H_
