#include "gitops/sources/json_patch.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "gitops/sources/repo_index.h"
#include "remediator/yaml_io.h"

namespace minpriv::gitops {
namespace {

using json = nlohmann::ordered_json;

bool ParseIndex(const std::string& s, size_t* out) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  if (s.size() > 1 && s[0] == '0') return false;
  *out = std::strtoul(s.c_str(), nullptr, 10);
  return true;
}

bool Contains(const YAML::Node& seq, const YAML::Node& item) {
  for (const YAML::Node& existing : seq) {
    if (remediator::NodesEqual(existing, item)) return true;
  }
  return false;
}

// Replaces the contents of the sequence `seq` (a handle into the tree) with `items`.
void SetItems(YAML::Node seq, const std::vector<YAML::Node>& items) {
  YAML::Node fresh = remediator::NewSeq();
  for (const YAML::Node& item : items) fresh.push_back(item);
  seq = fresh;  // yaml-cpp: assigning through a handle replaces the node in the tree
}

absl::Status ApplyOne(YAML::Node root, const json& op, size_t index) {
  auto bad = [&](const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat("op ", index, ": ", why));
  };
  if (!op.is_object() || !op.contains("op") || !op["op"].is_string() || !op.contains("path") ||
      !op["path"].is_string()) {
    return bad("an op needs string members \"op\" and \"path\"");
  }
  const std::string kind = op["op"].get<std::string>();
  absl::StatusOr<std::vector<std::string>> path = SplitPointer(op["path"].get<std::string>());
  if (!path.ok()) return bad(std::string(path.status().message()));
  if (path->empty()) return bad("an op on the whole object is not supported");
  if ((kind == "add" || kind == "replace") && !op.contains("value")) {
    return bad(absl::StrCat("\"", kind, "\" needs a \"value\""));
  }
  if (kind != "add" && kind != "replace" && kind != "remove") {
    return bad(absl::StrCat("op \"", kind, "\" is not supported (add, replace, remove are)"));
  }
  std::vector<std::string> parent_path(path->begin(), path->end() - 1);
  const std::string& last = path->back();
  YAML::Node parent = NodeAt(root, parent_path);
  if (!parent.IsDefined() || parent.IsNull()) {
    return bad(absl::StrCat("the parent of ", op["path"].get<std::string>(), " does not exist"));
  }
  YAML::Node value = kind == "remove" ? YAML::Node() : JsonToYaml(op["value"]);
  if (parent.IsMap()) {
    const YAML::Node& cparent = parent;
    YAML::Node existing = cparent[last];
    const bool present = existing.IsDefined();
    if (kind == "remove") {
      if (present) parent.remove(last);
      return absl::OkStatus();
    }
    if (kind == "replace" && !present) {
      return bad(absl::StrCat(op["path"].get<std::string>(), " does not exist"));
    }
    if (kind == "add" && present && existing.IsSequence() && value.IsSequence()) {
      std::vector<YAML::Node> items(existing.begin(), existing.end());
      for (const YAML::Node& item : value) {
        if (!Contains(existing, item)) items.push_back(item);
      }
      if (items.size() != existing.size()) SetItems(existing, items);
      return absl::OkStatus();
    }
    if (present && remediator::NodesEqual(existing, value)) return absl::OkStatus();
    parent[last] = value;
    return absl::OkStatus();
  }
  if (!parent.IsSequence()) return bad("the parent is a scalar");
  std::vector<YAML::Node> items(parent.begin(), parent.end());
  size_t at = items.size();
  if (last != "-" && !ParseIndex(last, &at)) return bad(absl::StrCat("bad index ", last));
  // New vectors built by push_back only: assigning a yaml-cpp handle (as insert, erase and
  // operator[] = would) writes through to the node it names.
  std::vector<YAML::Node> next;
  if (kind == "add") {
    if (Contains(parent, value)) return absl::OkStatus();
    if (at > items.size()) return bad(absl::StrCat("index ", at, " is past the end"));
    for (size_t i = 0; i <= items.size(); ++i) {
      if (i == at) next.push_back(value);
      if (i < items.size()) next.push_back(items[i]);
    }
    SetItems(parent, next);
    return absl::OkStatus();
  }
  if (at >= items.size()) {
    if (kind == "remove") return absl::OkStatus();
    return bad(absl::StrCat("index ", at, " is past the end"));
  }
  if (kind == "replace" && remediator::NodesEqual(items[at], value)) return absl::OkStatus();
  for (size_t i = 0; i < items.size(); ++i) {
    if (i != at) {
      next.push_back(items[i]);
    } else if (kind == "replace") {
      next.push_back(value);
    }
  }
  SetItems(parent, next);
  return absl::OkStatus();
}

}  // namespace

YAML::Node JsonToYaml(const json& value) {
  switch (value.type()) {
    case json::value_t::object: {
      YAML::Node map = remediator::NewMap();
      for (const auto& [key, item] : value.items()) map[key] = JsonToYaml(item);
      return map;
    }
    case json::value_t::array: {
      YAML::Node seq = remediator::NewSeq();
      for (const json& item : value) seq.push_back(JsonToYaml(item));
      return seq;
    }
    case json::value_t::string:
      return remediator::Str(value.get<std::string>());
    case json::value_t::boolean:
      return remediator::Bool(value.get<bool>());
    case json::value_t::null:
      return remediator::Plain("null");
    default:
      return remediator::Plain(value.dump());
  }
}

absl::StatusOr<std::vector<std::string>> SplitPointer(const std::string& pointer) {
  std::vector<std::string> out;
  if (pointer.empty()) return out;
  if (pointer[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat("JSON pointer \"", pointer, "\" must start with /"));
  }
  std::string part;
  for (size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      out.push_back(part);
      part.clear();
    } else if (pointer[i] == '~' && i + 1 < pointer.size() &&
               (pointer[i + 1] == '0' || pointer[i + 1] == '1')) {
      part += pointer[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      part += pointer[i];
    }
  }
  return out;
}

YAML::Node NodeAt(const YAML::Node& root, const std::vector<std::string>& path) {
  YAML::Node cur = root;
  for (const std::string& part : path) {
    YAML::Node next(YAML::NodeType::Undefined);
    if (cur.IsMap()) {
      next.reset(Child(cur, part));
    } else if (cur.IsSequence()) {
      size_t i = 0;
      if (!ParseIndex(part, &i) || i >= cur.size()) return YAML::Node(YAML::NodeType::Undefined);
      const YAML::Node& c = cur;
      next.reset(c[i]);
    } else {
      return YAML::Node(YAML::NodeType::Undefined);
    }
    if (!next.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
    cur.reset(next);
  }
  return cur;
}

absl::Status ApplyOps(YAML::Node root, const json& ops) {
  if (!ops.is_array()) return absl::InvalidArgumentError("the patch must be an array of ops");
  for (size_t i = 0; i < ops.size(); ++i) {
    if (absl::Status s = ApplyOne(root, ops[i], i); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace minpriv::gitops
