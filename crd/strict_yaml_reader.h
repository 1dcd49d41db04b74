// The strict reader under the WorkloadProfile parser (profile_codec.cc): typed values from
// yaml-cpp nodes, each error as "SOURCE:LINE:COLUMN: what; how to fix" (thrown as ParseError
// and turned into a Status at the codec's boundary: no exception leaves crd/). Internal to
// crd/.
#ifndef MINPRIV_CRD_STRICT_YAML_READER_H_
#define MINPRIV_CRD_STRICT_YAML_READER_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace minpriv::crd {

// Internal: thrown inside the parser only, turned into a Status at ParseWorkloadProfile.
struct ParseError {
  std::string message;
};

class StrictYamlReader {
 public:
  explicit StrictYamlReader(std::string_view source) : source_(source) {}

  [[noreturn]] void Fail(const YAML::Node& at, const std::string& what,
                         const std::string& fix) const;
  [[noreturn]] void Fail(const YAML::Mark& mark, const std::string& what,
                         const std::string& fix) const;
  // Checks `node` is a map whose keys are all in `allowed` (no duplicates) and returns the
  // values by key. A null node counts as an empty map.
  std::vector<std::pair<std::string, YAML::Node>> Map(
      const YAML::Node& node, const std::string& where,
      std::initializer_list<const char*> allowed) const;
  static std::string Kind(const YAML::Node& n);
  std::string String(const YAML::Node& n, const std::string& what) const;
  std::string NonEmptyString(const YAML::Node& n, const std::string& what) const;
  uint64_t Unsigned(const YAML::Node& n, const std::string& what, uint64_t max) const;
  bool Bool(const YAML::Node& n, const std::string& what) const;
  // A list; null counts as empty.
  std::vector<YAML::Node> List(const YAML::Node& n, const std::string& what) const;
  std::vector<std::string> StringList(const YAML::Node& n, const std::string& what) const;
  std::string AbsolutePath(const YAML::Node& n, const std::string& what) const;
  std::string Time(const YAML::Node& n, const std::string& what) const;
  uint32_t Port(const YAML::Node& n, const std::string& what) const;
  std::string Protocol(const YAML::Node& n, const std::string& what) const;
  std::string Ip(const YAML::Node& n, const std::string& what) const;
  std::string Capability(const YAML::Node& n, const std::string& what) const;

 private:
  std::string source_;
};

}  // namespace minpriv::crd

#endif  // MINPRIV_CRD_STRICT_YAML_READER_H_
