#include "ephemeral_containers.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "store.h"

namespace minpriv::apiserver {
namespace {

using nlohmann::json;

json List(const json& pod, const char* field) {
  if (!pod.is_object() || !pod.contains("spec") || !pod["spec"].is_object()) return json::array();
  json list = pod["spec"].value(field, json::array());
  return list.is_array() ? list : json::array();
}

// One field error: its path, its cause reason and its message (the text after the path).
struct FieldError {
  std::string field;
  std::string reason;
  std::string message;
};

FieldError Required(const std::string& field) {
  return {field, "FieldValueRequired", "Required value"};
}
FieldError Forbidden(const std::string& field, const std::string& why) {
  return {field, "FieldValueForbidden", "Forbidden: " + why};
}

// A value that is not its type's zero value (Go's omitted or empty struct, list, string).
bool IsSet(const json& v) {
  if (v.is_null()) return false;
  if (v.is_object() || v.is_array() || v.is_string()) return !v.empty();
  if (v.is_boolean()) return v.get<bool>();
  return true;
}

std::string NameOf(const json& c) {
  return c.is_object() && c.contains("name") && c["name"].is_string()
             ? c["name"].get<std::string>()
             : "";
}

// The field errors of the ephemeral containers in `updated` against `old`, as
// ValidatePodEphemeralContainersUpdate words them.
std::vector<FieldError> Validate(const json& updated, const json& old) {
  std::vector<FieldError> errors;
  std::set<std::string> names, targets;
  for (const char* field : {"containers", "initContainers"}) {
    for (const json& c : List(updated, field)) {
      names.insert(NameOf(c));
      targets.insert(NameOf(c));
    }
  }
  std::map<std::string, json> by_name;
  const json ephemeral = List(updated, "ephemeralContainers");
  for (size_t i = 0; i < ephemeral.size(); ++i) {
    const json& c = ephemeral[i];
    const std::string path = "spec.ephemeralContainers[" + std::to_string(i) + "]";
    std::string name = NameOf(c);
    if (name.empty()) {
      errors.push_back(Required(path + ".name"));
    } else if (!names.insert(name).second) {
      errors.push_back(
          {path + ".name", "FieldValueDuplicate", "Duplicate value: \"" + name + "\""});
    }
    by_name[name] = c;
    if (!c.is_object() || c.value("image", "").empty()) errors.push_back(Required(path + ".image"));
    if (!c.is_object()) continue;
    // Fields an ephemeral container may not set (an empty `resources: {}`, as Go clients
    // send it, is not set).
    for (const char* forbidden : {"ports", "livenessProbe", "readinessProbe", "startupProbe",
                                  "lifecycle", "resources", "resizePolicy", "restartPolicy"}) {
      if (c.contains(forbidden) && IsSet(c[forbidden]))
        errors.push_back(Forbidden(path + "." + forbidden,
                                   "cannot be set for an Ephemeral Container"));
    }
    std::string target = c.value("targetContainerName", "");
    if (!target.empty() && !targets.count(target))
      errors.push_back({path + ".targetContainerName", "FieldValueNotFound",
                        "Not found: \"" + target + "\""});
  }
  for (const json& c : List(old, "ephemeralContainers")) {
    std::string name = NameOf(c);
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      errors.push_back(Forbidden("spec.ephemeralContainers",
                                 "existing ephemeral containers \"" + name +
                                     "\" may not be removed"));
    } else if (it->second != c) {
      errors.push_back(Forbidden("spec.ephemeralContainers[" + name + "]",
                                 "existing ephemeral containers \"" + name +
                                     "\" may not be changed"));
    }
  }
  return errors;
}

}  // namespace

bool ServesEphemeralContainers(const ResourceType& t) {
  return t.group.empty() && t.kind == "Pod";
}

json EphemeralContainersUpdate(const json& current, const json& requested) {
  json updated = current;
  if (requested.is_object() && requested.contains("metadata") &&
      requested["metadata"].is_object() && requested["metadata"].contains("resourceVersion")) {
    updated["metadata"]["resourceVersion"] = requested["metadata"]["resourceVersion"];
  }
  json ephemeral = List(requested, "ephemeralContainers");
  if (ephemeral.empty()) {
    if (updated.contains("spec") && updated["spec"].is_object())
      updated["spec"].erase("ephemeralContainers");
  } else {
    updated["spec"]["ephemeralContainers"] = ephemeral;
  }
  std::vector<FieldError> errors = Validate(updated, current);
  if (!errors.empty()) {
    // The message lists "FIELD: MESSAGE" (in brackets when several); details.causes has each,
    // which is what kubectl prints.
    std::string detail;
    json causes = json::array();
    for (size_t i = 0; i < errors.size(); ++i) {
      detail += (i ? ", " : "") + errors[i].field + ": " + errors[i].message;
      causes.push_back({{"reason", errors[i].reason},
                        {"message", errors[i].message},
                        {"field", errors[i].field}});
    }
    if (errors.size() > 1) detail = "[" + detail + "]";
    std::string name = current["metadata"].value("name", "");
    ApiError e = Invalid("Pod", "", name, detail);
    e.status["details"]["causes"] = causes;
    throw ApiException{e};
  }
  return updated;
}

}  // namespace minpriv::apiserver
