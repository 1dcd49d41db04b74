#include "crd/object_meta.h"

#include "crd/json_decode.h"

namespace minpriv::crd {

namespace jd = json_decode;

nlohmann::json ObjectMetaToJson(const ObjectMeta& m) {
  nlohmann::json j = nlohmann::json::object();
  j["name"] = m.name;
  if (!m.namespace_.empty()) j["namespace"] = m.namespace_;
  if (!m.labels.empty()) j["labels"] = m.labels;
  if (!m.annotations.empty()) j["annotations"] = m.annotations;
  if (!m.uid.empty()) j["uid"] = m.uid;
  if (!m.resource_version.empty()) j["resourceVersion"] = m.resource_version;
  if (m.generation != 0) j["generation"] = m.generation;
  if (!m.creation_timestamp.empty()) j["creationTimestamp"] = m.creation_timestamp;
  for (const OwnerReference& o : m.owner_references) {
    nlohmann::json r = {{"apiVersion", o.api_version}, {"kind", o.kind}, {"name", o.name},
                        {"uid", o.uid}};
    if (o.controller) r["controller"] = true;
    if (o.block_owner_deletion) r["blockOwnerDeletion"] = true;
    j["ownerReferences"].push_back(std::move(r));
  }
  return j;
}

namespace {

ObjectMeta DecodeMeta(const nlohmann::json& j, const std::string& path) {
  ObjectMeta m;
  jd::Object o(j, path);  // lenient: the server adds fields we do not use
  if (auto* v = o.Get("name")) m.name = jd::String(*v, o.Path("name"));
  if (auto* v = o.Get("namespace")) m.namespace_ = jd::String(*v, o.Path("namespace"));
  if (auto* v = o.Get("labels")) m.labels = jd::StringMap(*v, o.Path("labels"));
  if (auto* v = o.Get("annotations")) m.annotations = jd::StringMap(*v, o.Path("annotations"));
  if (auto* v = o.Get("uid")) m.uid = jd::String(*v, o.Path("uid"));
  if (auto* v = o.Get("resourceVersion")) {
    m.resource_version = jd::String(*v, o.Path("resourceVersion"));
  }
  if (auto* v = o.Get("generation")) m.generation = jd::Int(*v, o.Path("generation"), 0, INT64_MAX);
  if (auto* v = o.Get("creationTimestamp")) {
    m.creation_timestamp = jd::Time(*v, o.Path("creationTimestamp"));
  }
  if (auto* v = o.Get("ownerReferences")) {
    jd::Array(*v, o.Path("ownerReferences"), [&](const nlohmann::json& e, const std::string& p) {
      jd::Object r(e, p);
      OwnerReference ref;
      ref.api_version = jd::NonEmptyString(r.Required("apiVersion"), r.Path("apiVersion"));
      ref.kind = jd::NonEmptyString(r.Required("kind"), r.Path("kind"));
      ref.name = jd::NonEmptyString(r.Required("name"), r.Path("name"));
      ref.uid = jd::NonEmptyString(r.Required("uid"), r.Path("uid"));
      if (auto* c = r.Get("controller")) ref.controller = jd::Bool(*c, r.Path("controller"));
      if (auto* b = r.Get("blockOwnerDeletion")) {
        ref.block_owner_deletion = jd::Bool(*b, r.Path("blockOwnerDeletion"));
      }
      m.owner_references.push_back(std::move(ref));
    });
  }
  return m;
}

}  // namespace

absl::StatusOr<ObjectMeta> ObjectMetaFromJson(const nlohmann::json& j, const std::string& path) {
  ObjectMeta m;
  absl::Status s = jd::DecodeAll("", [&] { m = DecodeMeta(j, path); });
  if (!s.ok()) return s;
  return m;
}

nlohmann::json TargetToJson(const Target& t) {
  return {{"apiVersion", t.api_version}, {"kind", t.kind}, {"name", t.name}};
}

absl::StatusOr<Target> TargetFromJson(const nlohmann::json& j, const std::string& path) {
  Target t;
  absl::Status s = jd::DecodeAll("", [&] {
    jd::Object o(j, path, {"apiVersion", "kind", "name"});
    t.api_version = jd::NonEmptyString(o.Required("apiVersion"), o.Path("apiVersion"));
    t.kind = jd::NonEmptyString(o.Required("kind"), o.Path("kind"));
    t.name = jd::NonEmptyString(o.Required("name"), o.Path("name"));
  });
  if (!s.ok()) return s;
  return t;
}

}  // namespace minpriv::crd
