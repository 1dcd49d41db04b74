// The merge reconciler's decision, as a pure function: the partial WorkloadProfiles of one
// workload (one per node, written by the node agent) → its merged WorkloadProfile, and
// whether learning has converged.
//
// Completion by convergence: complete when no new behaviour appeared for the quiet period,
// every running pod's node has a partial profile, and the minimum window has passed since
// learning started; the maximum window forces completion. "New behaviour" is a new fact
// (syscall, capability, path, peer, ...): counts and first-seen times do not count. The
// merged profile keeps its bookkeeping in annotations (learning-since, last-change, the
// behaviour hash), so the decision survives a controller restart or a leader change.
#ifndef MINPRIV_CONTROLLER_MERGE_H_
#define MINPRIV_CONTROLLER_MERGE_H_

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/time/time.h"
#include "controller/resources.h"
#include "crd/workload_profile.h"

namespace minpriv::controller {

inline constexpr char kLearningSinceAnnotation[] = "minpriv.dev/learning-since";
inline constexpr char kLastChangeAnnotation[] = "minpriv.dev/last-change";
inline constexpr char kBehaviourAnnotation[] = "minpriv.dev/behaviour-hash";
inline constexpr char kDivergenceAnnotation[] = "minpriv.dev/replica-divergence";
inline constexpr char kSourcesAnnotation[] = "minpriv.dev/partial-profiles";

struct Windows {
  absl::Duration quiet_period = absl::Minutes(10);
  absl::Duration min_window = absl::Hours(1);
  absl::Duration max_window = absl::Hours(24 * 7);
};

struct RunningPod {
  std::string name;
  std::string node;
};

struct MergeInput {
  WorkloadKey key;
  std::string workload_api_version;
  std::string workload_uid;
  std::vector<nlohmann::json> partials;  // raw objects from the cache
  std::vector<RunningPod> running_pods;
  std::optional<nlohmann::json> existing;  // the merged profile in the cache
  absl::Time now;
  Windows windows;
  // The behaviour hash a proposal was widened to from shadow mode's would-be breaks (the
  // proposal's annotation minpriv.dev/widened-behaviour): that change needs no quiet period.
  std::string widened_hash;
};

struct MergeResult {
  bool has_profile = false;  // false: no valid partial profile
  // The merged profile object to write: metadata (name, namespace, labels, annotations,
  // ownerReferences), spec and status.
  nlohmann::json desired;
  std::vector<crd::WorkloadProfile> partials;  // the valid ones, by name, name = workload's
  std::vector<std::string> partial_names;      // their object names (same order)
  std::vector<std::string> malformed;          // "partial P: why", one per rejected partial
  std::vector<std::string> divergence;         // what only some partials saw
  bool complete = false;
  std::string complete_reason;    // Converged | Widened | MaxWindow | Learning
  std::string complete_message;   // what completion still waits for, or why it is complete
  bool reopened = false;          // was complete, new behaviour appeared
  std::string behaviour_hash;     // of the merged facts (annotation minpriv.dev/behaviour-hash)
  std::optional<absl::Duration> requeue_after;
};

MergeResult Merge(const MergeInput& in);

// RFC 3339 in UTC with seconds (with milliseconds: Precise), and back (nullopt when it does
// not parse).
std::string FormatApiTime(absl::Time t);
std::string FormatPreciseTime(absl::Time t);
std::optional<absl::Time> ParseApiTime(const std::string& text);

}  // namespace minpriv::controller

#endif  // MINPRIV_CONTROLLER_MERGE_H_
