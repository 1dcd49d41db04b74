#include "remediator/render_patches.h"

#include <algorithm>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "remediator/workload.h"
#include "remediator/yaml_io.h"
#include "util/json_format.h"

namespace minpriv::remediator {
namespace {

using nlohmann::ordered_json;

std::string MergeKey(const std::string& field) {
  if (field == "containers" || field == "initContainers" || field == "ephemeralContainers" ||
      field == "volumes" || field == "env" || field == "imagePullSecrets") {
    return "name";
  }
  if (field == "volumeMounts") return "mountPath";
  if (field == "volumeDevices") return "devicePath";
  return "";
}

// Strategic-merge patch turning `a` into `b` (maps); undefined node when equal.
YAML::Node StrategicDiff(const YAML::Node& a, const YAML::Node& b) {
  YAML::Node patch = NewMap();
  bool any = false;
  for (const auto& kv : b) {
    std::string key = kv.first.Scalar();
    YAML::Node old = Child(a, key.c_str());
    if (old.IsDefined() && NodesEqual(old, kv.second)) continue;
    any = true;
    if (old.IsDefined() && old.IsMap() && kv.second.IsMap()) {
      YAML::Node sub = StrategicDiff(old, kv.second);
      patch[kv.first] = sub.IsDefined() ? sub : NewMap();
      continue;
    }
    std::string mk = MergeKey(key);
    if (!mk.empty() && old.IsDefined() && old.IsSequence() && kv.second.IsSequence()) {
      YAML::Node items = NewSeq();
      for (const auto& item : kv.second) {
        std::string id = ScalarAt(item, mk.c_str());
        YAML::Node match(YAML::NodeType::Undefined);
        for (const auto& o : old) {
          if (ScalarAt(o, mk.c_str()) == id && !match.IsDefined()) match.reset(o);
        }
        if (!match.IsDefined()) {
          items.push_back(item);
        } else if (!NodesEqual(match, item)) {
          YAML::Node sub = StrategicDiff(match, item);
          YAML::Node entry = NewMap();
          entry[mk] = Str(id);
          for (const auto& s : sub) {
            if (s.first.Scalar() != mk) entry[s.first] = s.second;
          }
          items.push_back(entry);
        }
      }
      patch[kv.first] = items;
      continue;
    }
    patch[kv.first] = kv.second;
  }
  for (const auto& kv : a) {
    if (!Child(b, kv.first.Scalar().c_str()).IsDefined()) {
      any = true;
      patch[kv.first] = YAML::Node(YAML::NodeType::Null);
    }
  }
  if (!any) return YAML::Node(YAML::NodeType::Undefined);
  return patch;
}

std::string PointerEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

ordered_json Op(const char* op, const std::string& path, const ordered_json* value) {
  ordered_json o = ordered_json::object();
  o["op"] = op;
  o["path"] = path;
  if (value != nullptr) o["value"] = *value;
  return o;
}

void JsonDiff(const ordered_json& a, const ordered_json& b, const std::string& path,
              ordered_json& ops) {
  // Equal as written (1 and 1.0 differ here, as they do in the files).
  if (util::DumpCompact(a) == util::DumpCompact(b)) return;
  if (a.is_object() && b.is_object()) {
    for (const auto& [key, value] : a.items()) {
      if (!b.contains(key)) ops.push_back(Op("remove", path + "/" + PointerEscape(key), nullptr));
    }
    for (const auto& [key, value] : b.items()) {
      auto old = a.find(key);
      std::string p = path + "/" + PointerEscape(key);
      if (old == a.end()) {
        ops.push_back(Op("add", p, &value));
      } else {
        JsonDiff(*old, value, p, ops);
      }
    }
    return;
  }
  if (a.is_array() && b.is_array()) {
    size_t common = std::min(a.size(), b.size());
    for (size_t i = 0; i < common; ++i) {
      JsonDiff(a[i], b[i], absl::StrCat(path, "/", i), ops);
    }
    for (size_t i = common; i < b.size(); ++i) {
      ops.push_back(Op("add", absl::StrCat(path, "/", i), &b[i]));
    }
    for (size_t i = a.size(); i > common; --i) {
      ops.push_back(Op("remove", absl::StrCat(path, "/", i - 1), nullptr));
    }
    return;
  }
  ops.push_back(Op("replace", path, &b));
}

}  // namespace

void AddPatchFiles(const Proposal& p, std::map<std::string, std::string>& files) {
  std::vector<YAML::Node> patches;
  ordered_json jsonpatch = ordered_json::array();
  for (const auto& w : p.workloads) {
    const YAML::Node& orig = p.original_objects[w.object];
    const YAML::Node& narrowed = p.narrowed_objects[w.object];
    YAML::Node diff = StrategicDiff(orig, narrowed);
    if (!diff.IsDefined()) continue;
    YAML::Node patch = NewMap();
    patch["apiVersion"] = Str(w.api_version);
    patch["kind"] = Str(w.kind);
    YAML::Node meta = NewMap();
    meta["name"] = Str(w.name);
    std::string ns = ObjectNamespace(orig);
    if (!ns.empty()) meta["namespace"] = Str(ns);
    patch["metadata"] = meta;
    for (const auto& kv : diff) {
      std::string k = kv.first.Scalar();
      if (k == "apiVersion" || k == "kind" || k == "metadata") continue;
      patch[kv.first] = kv.second;
    }
    patches.push_back(patch);
    ordered_json ops = ordered_json::array();
    JsonDiff(YamlToJson(orig), YamlToJson(narrowed), "", ops);
    ordered_json target = ordered_json::object();
    target["apiVersion"] = w.api_version;
    target["kind"] = w.kind;
    target["name"] = w.name;
    target["namespace"] = ns;
    ordered_json entry = ordered_json::object();
    entry["target"] = std::move(target);
    entry["patch"] = std::move(ops);
    jsonpatch.push_back(std::move(entry));
  }
  files["patch.yaml"] = EmitYamlDocuments(patches);
  files["jsonpatch.json"] = util::DumpPretty(jsonpatch);
  files["kustomization.yaml"] =
      "# Renders the narrowed workloads and their NetworkPolicies: kubectl kustomize <dir>\n"
      "apiVersion: kustomize.config.k8s.io/v1beta1\n"
      "kind: Kustomization\n"
      "resources:\n"
      "  - narrowed.yaml\n"
      "  - networkpolicy.yaml\n";
}

}  // namespace minpriv::remediator
