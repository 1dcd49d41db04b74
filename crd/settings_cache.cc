#include "crd/settings_cache.h"

#include <utility>

namespace minpriv::crd {
namespace {

using nlohmann::json;

std::string StringAt(const json& j, const char* pointer) {
  json::json_pointer p(pointer);
  if (!j.is_object() || !j.contains(p)) return "";
  const json& v = j.at(p);
  return v.is_string() ? v.get<std::string>() : "";
}

}  // namespace

absl::Status SettingsCache::Upsert(const json& object) {
  if (StringAt(object, "/metadata/name") != kSettingsObjectName) return absl::OkStatus();
  const bool cluster = StringAt(object, "/kind") == kClusterMinprivSettingsKind ||
                       StringAt(object, "/metadata/namespace").empty();
  json typed = object;
  // List items carry no apiVersion/kind: the informer tells which resource they came from.
  typed["apiVersion"] = "minpriv.dev/v1alpha1";
  typed["kind"] = cluster ? kClusterMinprivSettingsKind : kMinprivSettingsKind;
  if (typed.contains("status")) typed.erase("status");
  absl::StatusOr<MinprivSettings> decoded = MinprivSettingsFromJson(typed);
  absl::MutexLock lock(&mu_);
  if (!decoded.ok()) {
    if (cluster) {
      cluster_.reset();
    } else {
      by_namespace_.erase(StringAt(object, "/metadata/namespace"));
    }
    return decoded.status();
  }
  if (cluster) {
    cluster_ = *std::move(decoded);
  } else {
    by_namespace_[decoded->metadata.namespace_] = *std::move(decoded);
  }
  return absl::OkStatus();
}

void SettingsCache::Remove(const json& object) {
  if (StringAt(object, "/metadata/name") != kSettingsObjectName) return;
  const std::string ns = StringAt(object, "/metadata/namespace");
  absl::MutexLock lock(&mu_);
  if (ns.empty()) {
    cluster_.reset();
  } else {
    by_namespace_.erase(ns);
  }
}

EffectiveSettings SettingsCache::Resolve(std::string_view ns, std::string_view kind,
                                         std::string_view name) const {
  absl::MutexLock lock(&mu_);
  auto it = by_namespace_.find(ns);
  return ResolveSettings(defaults_, cluster_ ? &*cluster_ : nullptr,
                         it != by_namespace_.end() ? &it->second : nullptr, kind, name);
}

bool SettingsCache::LearnsNothingIn(std::string_view ns) const {
  if (Resolve(ns, "", "").learning) return false;
  absl::MutexLock lock(&mu_);
  auto it = by_namespace_.find(ns);
  if (it == by_namespace_.end()) return true;
  for (const WorkloadSettings& w : it->second.workloads) {
    if (w.values.learning.value_or(false)) return false;
  }
  return true;
}

}  // namespace minpriv::crd
