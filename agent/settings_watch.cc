#include "agent/settings_watch.h"

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace minpriv::agent {

absl::Status SettingsWatch::Start(absl::Duration timeout) {
  kube::ListOptions probe;
  probe.limit = 1;
  absl::Status served = client_.List(kMinprivSettingsResource, "", probe).status();
  if (served.ok()) served = client_.List(kClusterMinprivSettingsResource, "", probe).status();
  if (!served.ok()) {
    spdlog::warn("settings not readable ({}): only the flags' exclusions apply",
                 served.ToString());
    return absl::OkStatus();
  }
  for (const kube::ResourceRef* ref :
       {&kClusterMinprivSettingsResource, &kMinprivSettingsResource}) {
    kube::EventHandlers h;
    auto upsert = [this](const nlohmann::json& object) {
      if (absl::Status s = cache_.Upsert(object); !s.ok()) {
        spdlog::warn("settings object ignored: {}", s.ToString());
      }
      changed_.store(true);
    };
    h.on_add = upsert;
    h.on_update = [upsert](const nlohmann::json&, const nlohmann::json& object) {
      upsert(object);
    };
    h.on_delete = [this](const nlohmann::json& object) {
      cache_.Remove(object);
      changed_.store(true);
    };
    kube::Reflector::Options o;
    o.resource = *ref;
    reflectors_.push_back(std::make_unique<kube::Reflector>(client_, o, std::move(h)));
    reflectors_.back()->Start();
  }
  for (auto& r : reflectors_) {
    if (!r->WaitForSync(timeout)) {
      return absl::UnavailableError(
          absl::StrCat("settings: no list within ", absl::FormatDuration(timeout)));
    }
  }
  active_ = true;
  return absl::OkStatus();
}

void SettingsWatch::Stop() {
  for (auto& r : reflectors_) r->Stop();
}

}  // namespace minpriv::agent
