#include "webhooks/mutation.h"

#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace minpriv::webhooks {
namespace {

constexpr std::string_view kAppArmorPrefix = "container.apparmor.security.beta.kubernetes.io/";

// Container securityContext fields the patch may add, in this order.
constexpr const char* kContainerFields[] = {
    "capabilities", "privileged", "allowPrivilegeEscalation", "readOnlyRootFilesystem",
    "seccompProfile", "appArmorProfile", "runAsNonRoot", "runAsUser", "runAsGroup"};
// Fields that the pod's securityContext also sets for every container.
bool PodLevelToo(std::string_view field) {
  return field == "seccompProfile" || field == "appArmorProfile" || field == "runAsNonRoot" ||
         field == "runAsUser" || field == "runAsGroup";
}

const json* FindNamed(const json* list, std::string_view name) {
  if (list == nullptr || !list->is_array()) return nullptr;
  for (const json& item : *list) {
    const json* n = Member(item, "name");
    if (n != nullptr && n->is_string() && n->get_ref<const std::string&>() == name) return &item;
  }
  return nullptr;
}

class PatchBuilder {
 public:
  PatchBuilder(const json& object, std::string prefix, const ApprovedPolicy& approved)
      : prefix_(std::move(prefix)), approved_(approved) {
    const json* t = AtPointer(object, prefix_);
    tmpl_ = t != nullptr && t->is_object() ? t : nullptr;
    const json* s = tmpl_ != nullptr ? Member(*tmpl_, "spec") : nullptr;
    spec_ = s != nullptr && s->is_object() ? s : nullptr;
    approved_spec_ = Member(approved.pod_template, "spec");
  }

  json Build() {
    if (spec_ == nullptr || approved_spec_ == nullptr) return ops_;
    const json* pod_sc = Member(*spec_, "securityContext");
    for (const char* list : {"initContainers", "containers"}) {
      const json* cs = Member(*spec_, list);
      if (cs == nullptr || !cs->is_array()) continue;
      for (size_t i = 0; i < cs->size(); ++i) {
        const json& c = (*cs)[i];
        const json* name = Member(c, "name");
        if (name == nullptr || !name->is_string()) continue;
        const json* ac = FindNamed(Member(*approved_spec_, list), name->get<std::string>());
        if (ac == nullptr) continue;
        Container(absl::StrCat(prefix_, "/spec/", list, "/", i), c, *ac, pod_sc);
      }
    }
    AppArmorAnnotations();
    return ops_;
  }

 private:
  void Add(std::string path, json value) {
    ops_.push_back(json{{"op", "add"}, {"path", std::move(path)}, {"value", std::move(value)}});
  }

  // Adds the approved writable emptyDir mounts `c` lacks; false when one cannot be added
  // (its volume name is taken by another volume, or it is not an emptyDir).
  bool AddWritableMounts(const std::string& base, const json& c, const json& ac) {
    const json* amounts = Member(ac, "volumeMounts");
    if (amounts == nullptr || !amounts->is_array()) return true;
    const json* mounts = Member(c, "volumeMounts");
    std::vector<std::pair<json, json>> todo;  // (mount, volume or null)
    for (const json& m : *amounts) {
      const json* ro = Member(m, "readOnly");
      if (ro != nullptr && ro->is_boolean() && ro->get<bool>()) continue;
      const json* path = Member(m, "mountPath");
      const json* vname = Member(m, "name");
      if (path == nullptr || vname == nullptr || !vname->is_string()) continue;
      bool mounted = false;
      if (mounts != nullptr && mounts->is_array()) {
        for (const json& rm : *mounts) {
          const json* rp = Member(rm, "mountPath");
          if (rp != nullptr && *rp == *path) mounted = true;
        }
      }
      if (mounted) continue;
      const std::string& vn = vname->get_ref<const std::string&>();
      const json* av = FindNamed(Member(*approved_spec_, "volumes"), vn);
      if (av == nullptr || Member(*av, "emptyDir") == nullptr) return false;
      const json* rv = FindNamed(Member(*spec_, "volumes"), vn);
      if (rv != nullptr && Member(*rv, "emptyDir") == nullptr) return false;
      todo.emplace_back(m, rv == nullptr && added_volumes_.count(vn) == 0 ? *av : json());
    }
    bool mounts_exist = mounts != nullptr && mounts->is_array();
    for (auto& [m, v] : todo) {
      if (!v.is_null()) {
        added_volumes_.insert(v["name"].get<std::string>());
        const json* vols = Member(*spec_, "volumes");
        if ((vols != nullptr && vols->is_array()) || volumes_created_) {
          Add(prefix_ + "/spec/volumes/-", v);
        } else {
          Add(prefix_ + "/spec/volumes", json::array({v}));
          volumes_created_ = true;
        }
      }
      if (mounts_exist) {
        Add(base + "/volumeMounts/-", m);
      } else {
        Add(base + "/volumeMounts", json::array({m}));
        mounts_exist = true;  // later mounts of this container append
      }
    }
    return true;
  }

  void Container(const std::string& base, const json& c, const json& ac, const json* pod_sc) {
    const json* asc = Member(ac, "securityContext");
    if (asc == nullptr || !asc->is_object()) return;
    const json* sc = Member(c, "securityContext");
    bool has_sc = sc != nullptr && sc->is_object();
    json missing = json::object();
    for (const char* field : kContainerFields) {
      const json* value = Member(*asc, field);
      if (value == nullptr) continue;
      if (has_sc && Member(*sc, field) != nullptr) continue;
      if (PodLevelToo(field) && pod_sc != nullptr && Member(*pod_sc, field) != nullptr) continue;
      if (std::string_view(field) == "readOnlyRootFilesystem" && value->is_boolean() &&
          value->get<bool>() && !AddWritableMounts(base, c, ac)) {
        continue;
      }
      missing[field] = *value;
    }
    if (missing.empty()) {
      if (has_sc) CapabilityDrop(base, *sc, *asc);
      return;
    }
    if (!has_sc) {
      Add(base + "/securityContext", std::move(missing));
      return;
    }
    CapabilityDrop(base, *sc, *asc);
    for (auto& [key, value] : missing.items()) {
      Add(absl::StrCat(base, "/securityContext/", EscapePointerToken(key)), value);
    }
  }

  // capabilities present without `drop`: the approved drop list narrows what it keeps.
  void CapabilityDrop(const std::string& base, const json& sc, const json& asc) {
    const json* caps = Member(sc, "capabilities");
    const json* acaps = Member(asc, "capabilities");
    if (caps == nullptr || !caps->is_object() || acaps == nullptr) return;
    const json* adrop = Member(*acaps, "drop");
    if (Member(*caps, "drop") != nullptr || adrop == nullptr) return;
    Add(base + "/securityContext/capabilities/drop", *adrop);
  }

  void AppArmorAnnotations() {
    const json* ameta = Member(approved_.pod_template, "metadata");
    const json* aann = ameta != nullptr ? Member(*ameta, "annotations") : nullptr;
    if (aann == nullptr || !aann->is_object()) return;
    const json* meta = Member(*tmpl_, "metadata");
    const json* ann = meta != nullptr ? Member(*meta, "annotations") : nullptr;
    json missing = json::object();
    for (const auto& [key, value] : aann->items()) {
      if (key.rfind(kAppArmorPrefix, 0) != 0) continue;
      if (ann != nullptr && Member(*ann, key) != nullptr) continue;
      missing[key] = value;
    }
    if (missing.empty()) return;
    if (meta == nullptr || !meta->is_object()) {
      Add(prefix_ + "/metadata", json{{"annotations", missing}});
    } else if (ann == nullptr || !ann->is_object()) {
      Add(prefix_ + "/metadata/annotations", missing);
    } else {
      for (const auto& [key, value] : missing.items()) {
        Add(absl::StrCat(prefix_, "/metadata/annotations/", EscapePointerToken(key)), value);
      }
    }
  }

  std::string prefix_;
  const ApprovedPolicy& approved_;
  const json* tmpl_ = nullptr;
  const json* spec_ = nullptr;
  const json* approved_spec_ = nullptr;
  std::set<std::string> added_volumes_;
  bool volumes_created_ = false;
  json ops_ = json::array();
};

}  // namespace

std::string EscapePointerToken(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char ch : token) {
    if (ch == '~') {
      out += "~0";
    } else if (ch == '/') {
      out += "~1";
    } else {
      out += ch;
    }
  }
  return out;
}

json BuildPatch(const json& object, const std::string& template_pointer,
                const ApprovedPolicy& approved) {
  return PatchBuilder(object, template_pointer, approved).Build();
}

}  // namespace minpriv::webhooks
