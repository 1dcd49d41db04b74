#include "remediator/render_patches.h"

#include <algorithm>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "remediator/workload.h"
#include "remediator/yaml_io.h"

namespace minpriv::remediator {
namespace {

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

Json Op(const char* op, const std::string& path, const Json* value) {
  Json o = Json::Object();
  o.Set("op", Json::String(op));
  o.Set("path", Json::String(path));
  if (value != nullptr) o.Set("value", *value);
  return o;
}

const Json* Member(const Json& obj, const std::string& key) {
  for (const auto& kv : obj.members()) {
    if (kv.first == key) return &kv.second;
  }
  return nullptr;
}

void JsonDiff(const Json& a, const Json& b, const std::string& path, Json& ops) {
  if (a.DumpCompact() == b.DumpCompact()) return;
  if (a.type() == Json::Type::kObject && b.type() == Json::Type::kObject) {
    for (const auto& kv : a.members()) {
      if (Member(b, kv.first) == nullptr) ops.Push(Op("remove", path + "/" + PointerEscape(kv.first), nullptr));
    }
    for (const auto& kv : b.members()) {
      const Json* old = Member(a, kv.first);
      std::string p = path + "/" + PointerEscape(kv.first);
      if (old == nullptr) {
        ops.Push(Op("add", p, &kv.second));
      } else {
        JsonDiff(*old, kv.second, p, ops);
      }
    }
    return;
  }
  if (a.type() == Json::Type::kArray && b.type() == Json::Type::kArray) {
    size_t common = std::min(a.items().size(), b.items().size());
    for (size_t i = 0; i < common; ++i) {
      JsonDiff(a.items()[i], b.items()[i], absl::StrCat(path, "/", i), ops);
    }
    for (size_t i = common; i < b.items().size(); ++i) {
      ops.Push(Op("add", absl::StrCat(path, "/", i), &b.items()[i]));
    }
    for (size_t i = a.items().size(); i > common; --i) {
      ops.Push(Op("remove", absl::StrCat(path, "/", i - 1), nullptr));
    }
    return;
  }
  ops.Push(Op("replace", path, &b));
}

}  // namespace

void AddPatchFiles(const Proposal& p, std::map<std::string, std::string>& files) {
  std::vector<YAML::Node> patches;
  Json jsonpatch = Json::Array();
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
    Json ops = Json::Array();
    JsonDiff(YamlToJson(orig), YamlToJson(narrowed), "", ops);
    Json target = Json::Object();
    target.Set("apiVersion", Json::String(w.api_version));
    target.Set("kind", Json::String(w.kind));
    target.Set("name", Json::String(w.name));
    target.Set("namespace", Json::String(ns));
    Json entry = Json::Object();
    entry.Set("target", target);
    entry.Set("patch", ops);
    jsonpatch.Push(entry);
  }
  files["patch.yaml"] = EmitYamlDocuments(patches);
  files["jsonpatch.json"] = jsonpatch.Dump();
  files["kustomization.yaml"] =
      "# Renders the narrowed workloads and their NetworkPolicies: kubectl kustomize <dir>\n"
      "apiVersion: kustomize.config.k8s.io/v1beta1\n"
      "kind: Kustomization\n"
      "resources:\n"
      "  - narrowed.yaml\n"
      "  - networkpolicy.yaml\n";
}

}  // namespace minpriv::remediator
