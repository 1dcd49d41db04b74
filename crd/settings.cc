#include "crd/settings.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "crd/json_decode.h"

namespace minpriv::crd {
namespace {

namespace jd = json_decode;
using Json = nlohmann::json;

void ValuesToJson(const SettingsValues& v, Json& j) {
  Json learning = Json::object();
  if (v.learning) learning["enabled"] = *v.learning;
  if (v.quiet_period) learning["quietPeriod"] = *v.quiet_period;
  if (v.min_window) learning["minWindow"] = *v.min_window;
  if (v.max_window) learning["maxWindow"] = *v.max_window;
  if (!learning.empty()) j["learning"] = std::move(learning);
  if (v.delivery) j["delivery"] = DeliveryName(*v.delivery);
  if (v.enforcement) j["enforcement"] = EnforcementModeName(*v.enforcement);
  if (v.revert_on_break) j["revertOnBreak"] = *v.revert_on_break;
}

std::string Duration(const Json& j, const std::string& path) {
  std::string s = jd::String(j, path);
  absl::Duration d;
  if (!absl::ParseDuration(s, &d) || d <= absl::ZeroDuration() || d == absl::InfiniteDuration()) {
    jd::Fail(path, absl::StrCat("'", s, "' is not a positive duration such as 90s, 10m or 1h30m"));
  }
  return s;
}

// The value fields of `o` (which allows them among its keys).
SettingsValues DecodeValues(const jd::Object& o) {
  SettingsValues v;
  if (auto* l = o.Get("learning")) {
    jd::Object learning(*l, o.Path("learning"), {"enabled", "quietPeriod", "minWindow", "maxWindow"});
    if (auto* e = learning.Get("enabled")) v.learning = jd::Bool(*e, learning.Path("enabled"));
    if (auto* d = learning.Get("quietPeriod")) v.quiet_period = Duration(*d, learning.Path("quietPeriod"));
    if (auto* d = learning.Get("minWindow")) v.min_window = Duration(*d, learning.Path("minWindow"));
    if (auto* d = learning.Get("maxWindow")) v.max_window = Duration(*d, learning.Path("maxWindow"));
  }
  if (auto* d = o.Get("delivery")) {
    v.delivery = static_cast<Delivery>(jd::Enum(*d, o.Path("delivery"), DeliveryNames()));
  }
  if (auto* e = o.Get("enforcement")) {
    v.enforcement =
        static_cast<EnforcementMode>(jd::Enum(*e, o.Path("enforcement"), EnforcementModeNames()));
  }
  if (auto* r = o.Get("revertOnBreak")) v.revert_on_break = jd::Bool(*r, o.Path("revertOnBreak"));
  return v;
}

MinprivSettings Decode(const Json& j) {
  jd::Object o(j, "", {"apiVersion", "kind", "metadata", "spec"});
  std::string api = jd::String(o.Required("apiVersion"), "apiVersion");
  if (api != kApiVersion) jd::Fail("apiVersion", absl::StrCat("'", api, "' is not ", kApiVersion));
  MinprivSettings s;
  s.cluster_scoped = jd::Enum(o.Required("kind"), "kind",
                              {kMinprivSettingsKind, kClusterMinprivSettingsKind}) == 1;
  s.metadata = jd::Unwrap(ObjectMetaFromJson(o.Required("metadata")));
  if (s.metadata.name.empty()) jd::Fail("metadata.name", "is required");
  const Json* spec_json = o.Get("spec");
  if (spec_json == nullptr) return s;
  jd::Object spec(*spec_json, "spec",
                  {"learning", "delivery", "enforcement", "revertOnBreak", "workloads"});
  s.spec = DecodeValues(spec);
  if (auto* w = spec.Get("workloads")) {
    if (s.cluster_scoped) {
      jd::Fail("spec.workloads", "is only allowed in a namespace's MinprivSettings");
    }
    jd::Array(*w, "spec.workloads", [&](const Json& e, const std::string& p) {
      jd::Object wo(e, p, {"kind", "name", "learning", "delivery", "enforcement", "revertOnBreak"});
      WorkloadSettings ws;
      ws.kind = jd::NonEmptyString(wo.Required("kind"), wo.Path("kind"));
      ws.name = jd::NonEmptyString(wo.Required("name"), wo.Path("name"));
      for (const WorkloadSettings& other : s.workloads) {
        if (other.kind == ws.kind && other.name == ws.name) {
          jd::Fail(p, absl::StrCat("a second entry for ", ws.kind, " ", ws.name));
        }
      }
      ws.values = DecodeValues(wo);
      s.workloads.push_back(std::move(ws));
    });
  }
  return s;
}

void Overlay(const SettingsValues& v, EffectiveSettings& e) {
  auto duration = [](const std::optional<std::string>& s, absl::Duration& out) {
    absl::Duration d;
    if (s && absl::ParseDuration(*s, &d) && d > absl::ZeroDuration()) out = d;
  };
  if (v.learning) e.learning = *v.learning;
  duration(v.quiet_period, e.quiet_period);
  duration(v.min_window, e.min_window);
  duration(v.max_window, e.max_window);
  if (v.delivery) e.delivery = *v.delivery;
  if (v.enforcement) e.enforcement = *v.enforcement;
  if (v.revert_on_break) e.revert_on_break = *v.revert_on_break;
}

}  // namespace

const std::vector<std::string>& EnforcementModeNames() {
  static const std::vector<std::string> k = {"off", "audit", "enforce"};
  return k;
}

const char* EnforcementModeName(EnforcementMode m) {
  return EnforcementModeNames()[static_cast<size_t>(m)].c_str();
}

Json MinprivSettingsToJson(const MinprivSettings& s) {
  Json spec = Json::object();
  ValuesToJson(s.spec, spec);
  for (const WorkloadSettings& w : s.workloads) {
    Json e = {{"kind", w.kind}, {"name", w.name}};
    ValuesToJson(w.values, e);
    spec["workloads"].push_back(std::move(e));
  }
  return {{"apiVersion", kApiVersion},
          {"kind", s.cluster_scoped ? kClusterMinprivSettingsKind : kMinprivSettingsKind},
          {"metadata", ObjectMetaToJson(s.metadata)},
          {"spec", std::move(spec)}};
}

absl::StatusOr<MinprivSettings> MinprivSettingsFromJson(const Json& j) {
  MinprivSettings s;
  absl::Status st = jd::DecodeAll("", [&] { s = Decode(j); });
  if (!st.ok()) return st;
  return s;
}

EffectiveSettings ResolveSettings(const EffectiveSettings& defaults, const MinprivSettings* cluster,
                                  const MinprivSettings* namespace_settings, std::string_view kind,
                                  std::string_view name) {
  EffectiveSettings e = defaults;
  if (cluster != nullptr) Overlay(cluster->spec, e);
  if (namespace_settings != nullptr) {
    Overlay(namespace_settings->spec, e);
    for (const WorkloadSettings& w : namespace_settings->workloads) {
      if (w.kind == kind && w.name == name) Overlay(w.values, e);
    }
  }
  return e;
}

}  // namespace minpriv::crd
