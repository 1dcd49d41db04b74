#include "patch.h"

#include <algorithm>
#include <optional>

namespace minpriv::apiserver {
namespace {

using nlohmann::json;

// The merge key of a list field, by the field's name and the shape of its elements.
std::optional<std::string> MergeKey(const std::string& field, const json& sample) {
  if (field == "containers" || field == "initContainers" || field == "ephemeralContainers" ||
      field == "volumes" || field == "env" || field == "imagePullSecrets")
    return "name";
  if (field == "volumeMounts") return "mountPath";
  if (field == "conditions") return "type";
  if (field == "ports") {
    if (sample.is_object() && sample.contains("containerPort")) return "containerPort";
    return "port";
  }
  return std::nullopt;
}

json Strategic(const json& target, const json& patch);

json MergeList(const std::string& field, const json& target, const json& patch) {
  const json& sample = !patch.empty() ? patch[0] : (!target.empty() ? target[0] : json());
  std::optional<std::string> key = MergeKey(field, sample);
  if (!key || !target.is_array()) {
    // Without a merge key a list is replaced, minus `$patch` directives.
    json out = json::array();
    for (const auto& e : patch)
      if (!(e.is_object() && e.contains("$patch"))) out.push_back(e);
    return out;
  }
  for (const auto& e : patch)
    if (e.is_object() && e.value("$patch", "") == "replace") {
      json out = json::array();
      for (const auto& x : patch)
        if (!(x.is_object() && x.contains("$patch"))) out.push_back(x);
      return out;
    }
  json out = target;
  for (const auto& e : patch) {
    if (!e.is_object() || !e.contains(*key)) {
      out.push_back(e);
      continue;
    }
    auto it = std::find_if(out.begin(), out.end(), [&](const json& x) {
      return x.is_object() && x.contains(*key) && x[*key] == e[*key];
    });
    if (e.value("$patch", "") == "delete") {
      if (it != out.end()) out.erase(it);
    } else if (it != out.end()) {
      *it = Strategic(*it, e);
    } else {
      json copy = e;
      out.push_back(Strategic(json::object(), copy));
    }
  }
  return out;
}

void ApplyOrder(json* list, const json& order, const std::string& key) {
  if (!list->is_array() || !order.is_array()) return;
  json sorted = json::array();
  for (const auto& o : order) {
    for (auto it = list->begin(); it != list->end(); ++it) {
      bool match = key.empty() ? (*it == o) : (it->is_object() && o.is_object() && o.contains(key) &&
                                               it->contains(key) && (*it)[key] == o[key]);
      if (match) {
        sorted.push_back(*it);
        list->erase(it);
        break;
      }
    }
  }
  for (const auto& rest : *list) sorted.push_back(rest);
  *list = std::move(sorted);
}

json Strategic(const json& target, const json& patch) {
  if (!patch.is_object()) return patch;
  if (patch.value("$patch", "") == "delete") return json();  // caller removes
  json out = target.is_object() ? target : json::object();
  if (patch.value("$patch", "") == "replace") {
    out = json::object();
  }
  if (patch.contains("$retainKeys") && patch["$retainKeys"].is_array()) {
    const json& keep = patch["$retainKeys"];
    for (auto it = out.begin(); it != out.end();) {
      if (std::find(keep.begin(), keep.end(), it.key()) == keep.end())
        it = out.erase(it);
      else
        ++it;
    }
  }
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    const std::string& k = it.key();
    if (k == "$patch" || k == "$retainKeys" || k.rfind("$setElementOrder/", 0) == 0) continue;
    if (k.rfind("$deleteFromPrimitiveList/", 0) == 0) {
      std::string field = k.substr(25);
      if (out.contains(field) && out[field].is_array()) {
        json kept = json::array();
        for (const auto& v : out[field])
          if (std::find(it->begin(), it->end(), v) == it->end()) kept.push_back(v);
        out[field] = kept;
      }
      continue;
    }
    if (it->is_null()) {
      out.erase(k);
    } else if (it->is_object()) {
      json merged = Strategic(out.contains(k) ? out[k] : json::object(), *it);
      if (merged.is_null())
        out.erase(k);
      else
        out[k] = merged;
    } else if (it->is_array()) {
      out[k] = MergeList(k, out.contains(k) ? out[k] : json::array(), *it);
    } else {
      out[k] = *it;
    }
  }
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (it.key().rfind("$setElementOrder/", 0) != 0) continue;
    std::string field = it.key().substr(17);
    if (!out.contains(field)) continue;
    const json& sample = !it->empty() ? (*it)[0] : json();
    std::optional<std::string> key = MergeKey(field, sample);
    ApplyOrder(&out[field], *it, key.value_or(""));
  }
  return out;
}

// RFC 6901 pointer, with a clear error instead of an exception.
bool ParsePointer(const std::string& path, json::json_pointer* out, std::string* error) {
  try {
    *out = json::json_pointer(path);
    return true;
  } catch (const std::exception& e) {
    *error = "invalid JSON pointer \"" + path + "\"";
    return false;
  }
}

}  // namespace

json MergePatch(const json& target, const json& patch) {
  if (!patch.is_object()) return patch;
  json out = target.is_object() ? target : json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (it->is_null())
      out.erase(it.key());
    else
      out[it.key()] = MergePatch(out.contains(it.key()) ? out[it.key()] : json(), *it);
  }
  return out;
}

json StrategicMergePatch(const json& target, const json& patch) {
  json out = Strategic(target, patch);
  return out.is_null() ? json::object() : out;
}

bool JsonPatch(json* target, const json& patch, std::string* error, bool* test_failed) {
  *test_failed = false;
  if (!patch.is_array()) {
    *error = "json patch must be an array of operations";
    return false;
  }
  for (const auto& op : patch) {
    if (!op.is_object() || !op.contains("op") || !op.contains("path")) {
      *error = "json patch operation needs \"op\" and \"path\"";
      return false;
    }
    std::string name = op["op"].get<std::string>();
    json::json_pointer ptr, from;
    if (!ParsePointer(op["path"].get<std::string>(), &ptr, error)) return false;
    try {
      if (name == "add") {
        std::string p = op["path"].get<std::string>();
        if (!p.empty() && p.back() == '-') {
          (*target)[ptr.parent_pointer()].push_back(op.at("value"));
        } else if (!ptr.empty() && target->contains(ptr.parent_pointer()) &&
                   (*target)[ptr.parent_pointer()].is_array()) {
          json& arr = (*target)[ptr.parent_pointer()];
          size_t idx = std::stoul(ptr.back());
          if (idx > arr.size()) throw std::out_of_range("index");
          arr.insert(arr.begin() + idx, op.at("value"));
        } else {
          if (!ptr.empty() && !target->contains(ptr.parent_pointer()))
            throw std::out_of_range("missing parent");
          (*target)[ptr] = op.at("value");
        }
      } else if (name == "remove") {
        if (!target->contains(ptr)) throw std::out_of_range("missing");
        json& parent = (*target)[ptr.parent_pointer()];
        if (parent.is_array())
          parent.erase(std::stoul(ptr.back()));
        else
          parent.erase(ptr.back());
      } else if (name == "replace") {
        if (!target->contains(ptr)) throw std::out_of_range("missing");
        (*target)[ptr] = op.at("value");
      } else if (name == "test") {
        if (!target->contains(ptr) || (*target)[ptr] != op.at("value")) {
          *error = "the server rejected our request due to an error in our request";
          *test_failed = true;
          return false;
        }
      } else if (name == "move" || name == "copy") {
        if (!ParsePointer(op.at("from").get<std::string>(), &from, error)) return false;
        if (!target->contains(from)) throw std::out_of_range("missing from");
        json value = (*target)[from];
        if (name == "move") {
          json& parent = (*target)[from.parent_pointer()];
          if (parent.is_array())
            parent.erase(std::stoul(from.back()));
          else
            parent.erase(from.back());
        }
        (*target)[ptr] = value;
      } else {
        *error = "Unexpected kind: " + name;
        return false;
      }
    } catch (const std::exception&) {
      *error = "unable to " + name + " at path " + op["path"].get<std::string>() +
               ": the path does not exist";
      return false;
    }
  }
  return true;
}

}  // namespace minpriv::apiserver
