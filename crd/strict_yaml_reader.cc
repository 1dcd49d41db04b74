// The strict reader's typed values (strict_yaml_reader.h).
#include "crd/strict_yaml_reader.h"

#include <arpa/inet.h>

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "crd/capabilities.h"

namespace minpriv::crd {

void StrictYamlReader::Fail(const YAML::Node& at, const std::string& what,
                            const std::string& fix) const {
  Fail(at.Mark(), what, fix);
}

void StrictYamlReader::Fail(const YAML::Mark& mark, const std::string& what,
                            const std::string& fix) const {
  int line = mark.is_null() ? 1 : mark.line + 1;
  int column = mark.is_null() ? 1 : mark.column + 1;
  throw ParseError{absl::StrCat(source_, ":", line, ":", column, ": ", what, "; ", fix)};
}

std::vector<std::pair<std::string, YAML::Node>> StrictYamlReader::Map(
    const YAML::Node& node, const std::string& where,
    std::initializer_list<const char*> allowed) const {
  std::vector<std::pair<std::string, YAML::Node>> fields;
  if (node.IsNull()) return fields;
  if (!node.IsMap()) {
    Fail(node, absl::StrCat(where, " must be a mapping, found ", Kind(node)),
         absl::StrCat("write it as `key: value` lines (allowed keys: ",
                      absl::StrJoin(allowed, ", "), ")"));
  }
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;  // a copy: it->first lives in a temporary
    if (!key.IsScalar()) Fail(key, absl::StrCat("non-string key in ", where), "use plain key names");
    std::string k = key.Scalar();
    bool ok = false;
    for (const char* a : allowed) ok = ok || k == a;
    if (!ok) {
      Fail(key, absl::StrCat("unknown field '", k, "' in ", where),
           absl::StrCat("remove it or fix the spelling (allowed: ",
                        absl::StrJoin(allowed, ", "), ")"));
    }
    if (!seen.insert(k).second) {
      Fail(key, absl::StrCat("duplicate field '", k, "' in ", where), "keep only one");
    }
    fields.emplace_back(k, it->second);
  }
  return fields;
}

std::string StrictYamlReader::Kind(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null: return "nothing (null)";
    case YAML::NodeType::Scalar: return absl::StrCat("scalar '", n.Scalar(), "'");
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    default: return "nothing";
  }
}

std::string StrictYamlReader::String(const YAML::Node& n, const std::string& what) const {
  if (!n.IsScalar()) {
    Fail(n, absl::StrCat(what, " must be a string, found ", Kind(n)), "write a single value");
  }
  return n.Scalar();
}

std::string StrictYamlReader::NonEmptyString(const YAML::Node& n, const std::string& what) const {
  std::string s = String(n, what);
  if (s.empty()) Fail(n, absl::StrCat(what, " is empty"), "give it a value");
  return s;
}

uint64_t StrictYamlReader::Unsigned(const YAML::Node& n,
                                    const std::string& what, uint64_t max) const {
  uint64_t v = 0;
  if (!n.IsScalar() || n.Tag() != "?" || !absl::SimpleAtoi(n.Scalar(), &v) ||
      n.Scalar().empty() || n.Scalar()[0] == '-' || n.Scalar()[0] == '+' || v > max) {
    Fail(n, absl::StrCat(what, " must be a whole number from 0 to ", max, ", found ", Kind(n)),
         "write an unquoted non-negative integer");
  }
  return v;
}

bool StrictYamlReader::Bool(const YAML::Node& n, const std::string& what) const {
  if (n.IsScalar() && n.Tag() == "?") {
    if (n.Scalar() == "true") return true;
    if (n.Scalar() == "false") return false;
  }
  Fail(n, absl::StrCat(what, " must be true or false, found ", Kind(n)),
       "write an unquoted true or false");
}

std::vector<YAML::Node> StrictYamlReader::List(const YAML::Node& n, const std::string& what) const {
  std::vector<YAML::Node> items;
  if (n.IsNull()) return items;
  if (!n.IsSequence()) {
    Fail(n, absl::StrCat(what, " must be a list, found ", Kind(n)),
         "write it as `[a, b]` or as `- item` lines");
  }
  for (const YAML::Node& item : n) items.push_back(item);
  return items;
}

std::vector<std::string> StrictYamlReader::StringList(const YAML::Node& n,
                                                      const std::string& what) const {
  std::vector<std::string> out;
  for (const YAML::Node& item : List(n, what)) out.push_back(NonEmptyString(item, what + " entry"));
  return out;
}

std::string StrictYamlReader::AbsolutePath(const YAML::Node& n, const std::string& what) const {
  std::string p = NonEmptyString(n, what);
  if (p[0] != '/') {
    Fail(n, absl::StrCat(what, " '", p, "' is not an absolute path"),
         "write the full path as the workload sees it, starting with '/'");
  }
  return p;
}

std::string StrictYamlReader::Time(const YAML::Node& n, const std::string& what) const {
  std::string s = String(n, what);
  if (s.empty()) return s;
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, s, &t, &err)) {
    Fail(n, absl::StrCat(what, " '", s, "' is not an RFC3339 time (", err, ")"),
         "write it like 2026-01-31T12:00:00.000Z");
  }
  return s;
}

uint32_t StrictYamlReader::Port(const YAML::Node& n, const std::string& what) const {
  uint64_t v = 0;
  if (!n.IsScalar() || n.Tag() != "?" || !absl::SimpleAtoi(n.Scalar(), &v) || v < 1 ||
      v > 65535 || n.Scalar()[0] == '+') {
    Fail(n, absl::StrCat(what, " must be a port number from 1 to 65535, found ", Kind(n)),
         "write an unquoted port number");
  }
  return static_cast<uint32_t>(v);
}

std::string StrictYamlReader::Protocol(const YAML::Node& n, const std::string& what) const {
  std::string p = String(n, what);
  if (p != "TCP" && p != "UDP") {
    Fail(n, absl::StrCat(what, " '", p, "' is not a known protocol"), "write TCP or UDP");
  }
  return p;
}

std::string StrictYamlReader::Ip(const YAML::Node& n, const std::string& what) const {
  std::string s = NonEmptyString(n, what);
  unsigned char buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) != 1 && inet_pton(AF_INET6, s.c_str(), buf) != 1) {
    Fail(n, absl::StrCat(what, " '", s, "' is not an IPv4 or IPv6 address"),
         "write a numeric address such as 10.0.0.7 or fd00::7");
  }
  return s;
}

std::string StrictYamlReader::Capability(const YAML::Node& n, const std::string& what) const {
  std::string s = NonEmptyString(n, what);
  if (!CapabilityNumber(s).has_value()) {
    std::string hint = "use the Kubernetes spelling, upper case without CAP_ (e.g. CHOWN, "
                       "NET_BIND_SERVICE)";
    std::string upper = absl::AsciiStrToUpper(s);
    if (absl::StartsWith(upper, "CAP_")) upper = upper.substr(4);
    if (CapabilityNumber(upper).has_value()) hint = absl::StrCat("write ", upper);
    Fail(n, absl::StrCat(what, " '", s, "' is not a Linux capability"), hint);
  }
  return s;
}

}  // namespace minpriv::crd
