// minpriv's settings per cluster, namespace and workload, as two resources of group
// minpriv.dev/v1alpha1 (see docs/cluster.md, "Settings"):
//   ClusterMinprivSettings (cluster-scoped, short name cmps): the object named "default"
//     holds the cluster's defaults.
//   MinprivSettings (namespaced, short name mps): the object named "default" in a namespace
//     overrides them for that namespace, and its spec.workloads entries for single workloads.
// Custom resources rather than labels or annotations on the workloads: who may change them is
// decided by RBAC on these resources, never by whoever may edit a workload (the admission
// webhook's enforcement mode must not be switchable by the requester's own labels).
// Every field is optional; an absent field inherits. Resolution, last wins:
//   controller/webhook flags < ClusterMinprivSettings default < MinprivSettings default
//   < its spec.workloads entry for the workload's kind and name.
#ifndef MINPRIV_CRD_SETTINGS_H_
#define MINPRIV_CRD_SETTINGS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crd/object_meta.h"
#include "crd/remediation_proposal.h"  // Delivery

namespace minpriv::crd {

inline constexpr char kMinprivSettingsKind[] = "MinprivSettings";
inline constexpr char kClusterMinprivSettingsKind[] = "ClusterMinprivSettings";
inline constexpr char kSettingsObjectName[] = "default";

// The admission webhook's mode (API spelling: off, audit, enforce).
enum class EnforcementMode { kOff, kAudit, kEnforce };
const char* EnforcementModeName(EnforcementMode m);
const std::vector<std::string>& EnforcementModeNames();

struct SettingsValues {
  std::optional<bool> learning;  // learning.enabled: false stops learning (agent ignores it)
  // Durations in Go's syntax ("90s", "10m", "1h30m"), positive.
  std::optional<std::string> quiet_period;  // learning.quietPeriod
  std::optional<std::string> min_window;    // learning.minWindow
  std::optional<std::string> max_window;    // learning.maxWindow
  std::optional<Delivery> delivery;
  std::optional<EnforcementMode> enforcement;
  std::optional<bool> revert_on_break;  // revert an applied proposal the agent sees break
  bool operator==(const SettingsValues&) const = default;
};

struct WorkloadSettings {
  std::string kind;  // Deployment, StatefulSet, DaemonSet, Job, CronJob, ReplicaSet, Pod
  std::string name;
  SettingsValues values;
  bool operator==(const WorkloadSettings&) const = default;
};

struct MinprivSettings {
  bool cluster_scoped = false;  // ClusterMinprivSettings
  ObjectMeta metadata;
  SettingsValues spec;
  std::vector<WorkloadSettings> workloads;  // namespaced only; one per kind/name
  bool operator==(const MinprivSettings&) const = default;
};

nlohmann::json MinprivSettingsToJson(const MinprivSettings& settings);
// Strict like the proposal codec ("spec.enforcement: 'strict' is not one of off, audit,
// enforce"); the kind decides cluster_scoped; workloads in a ClusterMinprivSettings, a
// duplicate kind/name, or a duration that is not positive are errors.
absl::StatusOr<MinprivSettings> MinprivSettingsFromJson(const nlohmann::json& j);

struct EffectiveSettings {
  bool learning = true;
  absl::Duration quiet_period = absl::Minutes(10);
  absl::Duration min_window = absl::Hours(1);
  absl::Duration max_window = absl::Hours(24 * 7);
  Delivery delivery = Delivery::kApply;
  EnforcementMode enforcement = EnforcementMode::kAudit;
  bool revert_on_break = false;
  bool operator==(const EffectiveSettings&) const = default;
};

// The settings of workload kind/name: `defaults` (from flags), then `cluster` and
// `namespace_settings` (either may be null) as described above. Values were validated by the
// codec; a duration that does not parse is ignored (the inherited value stays).
EffectiveSettings ResolveSettings(const EffectiveSettings& defaults,
                                  const MinprivSettings* cluster,
                                  const MinprivSettings* namespace_settings,
                                  std::string_view kind, std::string_view name);

}  // namespace minpriv::crd

#endif  // MINPRIV_CRD_SETTINGS_H_
