#include "controller/settings_cache.h"

#include <utility>

namespace minpriv::controller {

using nlohmann::json;

crd::EffectiveSettings DefaultSettings(const Windows& windows, crd::Delivery delivery) {
  crd::EffectiveSettings s;
  s.quiet_period = windows.quiet_period;
  s.min_window = windows.min_window;
  s.max_window = windows.max_window;
  s.delivery = delivery;
  return s;
}

Windows WindowsOf(const crd::EffectiveSettings& settings) {
  return Windows{settings.quiet_period, settings.min_window, settings.max_window};
}

absl::Status SettingsCache::Upsert(const json& object) {
  if (StringAt(object, "/metadata/name") != crd::kSettingsObjectName) return absl::OkStatus();
  const bool cluster = StringAt(object, "/kind") == crd::kClusterMinprivSettingsKind ||
                       StringAt(object, "/metadata/namespace").empty();
  json typed = object;
  // List items carry no apiVersion/kind: the informer tells which resource they came from.
  typed["apiVersion"] = "minpriv.dev/v1alpha1";
  typed["kind"] = cluster ? crd::kClusterMinprivSettingsKind : crd::kMinprivSettingsKind;
  if (typed.contains("status")) typed.erase("status");
  absl::StatusOr<crd::MinprivSettings> decoded = crd::MinprivSettingsFromJson(typed);
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
  if (StringAt(object, "/metadata/name") != crd::kSettingsObjectName) return;
  const std::string ns = StringAt(object, "/metadata/namespace");
  absl::MutexLock lock(&mu_);
  if (ns.empty()) {
    cluster_.reset();
  } else {
    by_namespace_.erase(ns);
  }
}

crd::EffectiveSettings SettingsCache::Resolve(const WorkloadKey& key) const {
  absl::MutexLock lock(&mu_);
  auto ns = by_namespace_.find(key.ns);
  return crd::ResolveSettings(defaults_, cluster_ ? &*cluster_ : nullptr,
                              ns != by_namespace_.end() ? &ns->second : nullptr, key.kind,
                              key.name);
}

}  // namespace minpriv::controller
