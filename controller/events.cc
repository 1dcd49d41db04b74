#include "controller/events.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "controller/merge.h"
#include "controller/resources.h"
#include "spdlog/spdlog.h"

namespace minpriv::controller {

void EventRecorder::Record(const nlohmann::json& object, const std::string& type,
                           const std::string& reason, const std::string& message) {
  const std::string ns = StringAt(object, "/metadata/namespace");
  const std::string name = StringAt(object, "/metadata/name");
  const std::string uid = StringAt(object, "/metadata/uid");
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : absl::StrCat(uid, "\n", reason, "\n", message)) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  const std::string event_name = absl::StrCat(name.substr(0, 200), ".", hex);
  {
    absl::MutexLock lock(&mu_);
    if (!sent_.insert(ns + "/" + event_name).second) return;
    if (sent_.size() > 100000) sent_.clear();  // bounded; a repeat is only an AlreadyExists
  }
  const std::string now = FormatApiTime(absl::Now());
  nlohmann::json event = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"name", event_name}, {"namespace", ns}}},
      {"involvedObject",
       {{"apiVersion", StringAt(object, "/apiVersion")},
        {"kind", StringAt(object, "/kind")},
        {"name", name},
        {"namespace", ns},
        {"uid", uid}}},
      {"reason", reason},
      {"message", message.substr(0, 1024)},
      {"type", type},
      {"source", {{"component", "minpriv-controller"}}},
      {"reportingComponent", "minpriv.dev/controller"},
      {"firstTimestamp", now},
      {"lastTimestamp", now},
      {"count", 1}};
  absl::StatusOr<nlohmann::json> created = client_.Create(kEvents, ns, event);
  if (created.ok()) {
    metrics_->events.fetch_add(1);
  } else if (!absl::IsAlreadyExists(created.status())) {
    spdlog::warn("event not recorded object={}/{} reason={} error=\"{}\"", ns, name, reason,
                 std::string(created.status().message()));
  }
  spdlog::info("event object={}/{} type={} reason={} message=\"{}\"", ns, name, type, reason,
               message);
}

}  // namespace minpriv::controller
