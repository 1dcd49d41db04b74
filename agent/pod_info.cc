#include "agent/pod_info.h"

#include <set>

namespace minpriv::agent {
namespace {

using nlohmann::json;

std::string Str(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

const json& Field(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

void AddStatuses(const json& statuses, std::map<std::string, std::string>& out) {
  if (!statuses.is_array()) return;
  for (const json& s : statuses) {
    const std::string name = Str(s, "name");
    if (name.empty()) continue;
    for (const std::string& raw :
         {Str(s, "containerID"),
          Str(Field(Field(s, "lastState"), "terminated"), "containerID")}) {
      std::string id = ContainerIdFromStatus(raw);
      if (!id.empty()) out[id] = name;
    }
  }
}

}  // namespace

std::string ContainerIdFromStatus(absl::string_view container_id) {
  const size_t sep = container_id.find("://");
  if (sep == absl::string_view::npos || sep == 0) return "";
  absl::string_view id = container_id.substr(sep + 3);
  return std::string(id);
}

PodInfo ParsePod(const json& pod) {
  PodInfo p;
  const json& meta = Field(pod, "metadata");
  p.ns = Str(meta, "namespace");
  p.name = Str(meta, "name");
  p.uid = Str(meta, "uid");
  p.node = Str(Field(pod, "spec"), "nodeName");
  const json& owners = Field(meta, "ownerReferences");
  if (owners.is_array()) {
    for (const json& o : owners) {
      OwnerRef ref{Str(o, "apiVersion"), Str(o, "kind"), Str(o, "name")};
      if (ref.kind.empty() || ref.name.empty()) continue;
      const bool controller = o.is_object() && o.value("controller", false) == true;
      if (controller || !p.owner) p.owner = ref;
      if (controller) break;
    }
  }
  const json& status = Field(pod, "status");
  for (const char* list :
       {"initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"}) {
    AddStatuses(Field(status, list), p.containers);
  }
  return p;
}

void PodIndex::Update(const std::vector<json>& pods, absl::Time now) {
  std::set<std::string> listed;
  for (const json& pod : pods) {
    PodInfo info = ParsePod(pod);
    if (info.uid.empty()) continue;
    listed.insert(info.uid);
    Entry& e = pods_[info.uid];
    e.gone_since.reset();
    std::map<std::string, std::string> ids = std::move(e.info.containers);
    for (auto& [id, name] : info.containers) ids[id] = name;
    e.info = std::move(info);
    e.info.containers = std::move(ids);
  }
  for (auto it = pods_.begin(); it != pods_.end();) {
    if (listed.count(it->first)) {
      ++it;
      continue;
    }
    if (!it->second.gone_since) it->second.gone_since = now;
    if (now - *it->second.gone_since >= retention_) {
      it = pods_.erase(it);
    } else {
      ++it;
    }
  }
}

const PodInfo* PodIndex::Find(const std::string& uid) const {
  auto it = pods_.find(uid);
  return it == pods_.end() ? nullptr : &it->second.info;
}

}  // namespace minpriv::agent
