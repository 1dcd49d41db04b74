#include "controller/merge.h"

#include <algorithm>
#include <cstdint>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "crd/names.h"
#include "crd/object_meta.h"
#include "crd/profile_json.h"
#include "remediator/replica_divergence.h"

namespace minpriv::controller {
namespace {

using nlohmann::json;

uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// The facts, without counts and times.
void StripCounts(json& j) {
  if (j.is_object()) {
    j.erase("count");
    j.erase("firstSeen");
    for (auto& [k, v] : j.items()) StripCounts(v);
  } else if (j.is_array()) {
    for (json& v : j) StripCounts(v);
  }
}

std::string BehaviourHash(const crd::WorkloadProfile& merged) {
  json j = crd::WorkloadProfileToJson(merged);
  json facts = j.value("spec", json::object());
  facts.erase("target");
  StripCounts(facts);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>(Fnv1a(facts.dump())));
  return buf;
}

std::string Annotation(const std::optional<json>& obj, const char* name) {
  if (!obj) return "";
  json::json_pointer p(std::string("/metadata/annotations/") +
                       absl::StrReplaceAll(name, {{"~", "~0"}, {"/", "~1"}}));
  if (!obj->contains(p) || !obj->at(p).is_string()) return "";
  return obj->at(p).get<std::string>();
}

bool WasComplete(const std::optional<json>& obj) {
  if (!obj) return false;
  json::json_pointer p("/status/complete");
  return obj->contains(p) && obj->at(p).is_boolean() && obj->at(p).get<bool>();
}

}  // namespace

std::string FormatApiTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string FormatPreciseTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

std::optional<absl::Time> ParseApiTime(const std::string& text) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &err)) return std::nullopt;
  return t;
}

MergeResult Merge(const MergeInput& in) {
  MergeResult r;
  // Valid partials, by object name.
  std::vector<std::pair<std::string, crd::WorkloadProfile>> valid;
  std::set<std::string> nodes;
  for (const json& obj : in.partials) {
    std::string name = StringAt(obj, "/metadata/name");
    absl::StatusOr<crd::WorkloadProfile> p = crd::WorkloadProfileFromJson(obj);
    if (!p.ok()) {
      r.malformed.push_back(absl::StrCat("partial profile ", name, ": ", p.status().message()));
      continue;
    }
    p->name = in.key.name;
    p->namespace_ = in.key.ns;
    nodes.insert(StringAt(obj, "/metadata/labels/minpriv.dev~1node"));
    valid.emplace_back(name, *std::move(p));
  }
  if (valid.empty()) return r;
  std::sort(valid.begin(), valid.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<remediator::ProfileInput> inputs;
  for (auto& [name, p] : valid) {
    r.partial_names.push_back(name);
    r.partials.push_back(p);
    inputs.push_back({name, p});
  }
  std::vector<const remediator::ProfileInput*> group;
  for (const auto& i : inputs) group.push_back(&i);
  remediator::MergedProfiles merged = remediator::MergeReplicaProfiles(group);
  r.divergence = merged.divergence;
  r.has_profile = true;

  crd::WorkloadProfile& profile = merged.merged.profile;
  const std::string name = crd::MergedProfileName(in.key.kind, in.key.name);
  profile.name = name;
  profile.namespace_ = in.key.ns;
  const WorkloadKind* kind = FindWorkloadKind(in.key.kind);
  profile.target = {kind ? kind->api_version : in.workload_api_version, in.key.kind, in.key.name};
  profile.labels = {{crd::kWorkloadKindLabel, in.key.kind},
                    {crd::kWorkloadNameLabel, in.key.name}};

  // Convergence bookkeeping.
  const std::string hash = BehaviourHash(profile);
  const std::string old_hash = Annotation(in.existing, kBehaviourAnnotation);
  absl::Time since = ParseApiTime(Annotation(in.existing, kLearningSinceAnnotation)).value_or(in.now);
  absl::Time last_change = in.now;
  if (hash == old_hash) {
    last_change = ParseApiTime(Annotation(in.existing, kLastChangeAnnotation)).value_or(in.now);
  }
  // Widened from would-be breaks (shadow mode): the change is what live traffic showed the
  // proposal lacked, not a sign that learning had not converged.
  const bool widened = !in.widened_hash.empty() && hash == in.widened_hash;
  r.behaviour_hash = hash;
  r.reopened = WasComplete(in.existing) && !old_hash.empty() && hash != old_hash && !widened;

  std::vector<std::string> unobserved;
  for (const RunningPod& pod : in.running_pods) {
    if (!nodes.count(pod.node)) {
      unobserved.push_back(absl::StrCat(pod.name, " on node ", pod.node.empty() ? "?" : pod.node));
    }
  }
  std::sort(unobserved.begin(), unobserved.end());
  const absl::Duration quiet_left = in.windows.quiet_period - (in.now - last_change);
  const absl::Duration min_left = in.windows.min_window - (in.now - since);
  const absl::Duration max_left = in.windows.max_window - (in.now - since);
  std::vector<std::string> waiting;
  if (quiet_left > absl::ZeroDuration() && !widened) {
    waiting.push_back(absl::StrCat("QuietPeriod: new behaviour at ", FormatApiTime(last_change),
                                   ", quiet until ",
                                   FormatApiTime(last_change + in.windows.quiet_period)));
  }
  if (min_left > absl::ZeroDuration()) {
    waiting.push_back(
        absl::StrCat("MinWindow: learning until ", FormatApiTime(since + in.windows.min_window)));
  }
  if (!unobserved.empty()) {
    waiting.push_back(absl::StrCat("PodsNotObserved: ", absl::StrJoin(unobserved, ", ")));
  }
  if (waiting.empty() && widened) {
    r.complete = true;
    r.complete_reason = "Widened";
    r.complete_message = absl::StrCat("widened at ", FormatApiTime(last_change),
                                      " from would-be breaks seen in shadow mode; ", valid.size(),
                                      " partial profile(s)");
  } else if (waiting.empty()) {
    r.complete = true;
    r.complete_reason = "Converged";
    r.complete_message = absl::StrCat("no new behaviour since ", FormatApiTime(last_change),
                                      "; every running pod observed; ", valid.size(),
                                      " partial profile(s)");
  } else if (max_left <= absl::ZeroDuration()) {
    r.complete = true;
    r.complete_reason = "MaxWindow";
    r.complete_message = absl::StrCat("maximum learning window reached; still waiting for: ",
                                      absl::StrJoin(waiting, "; "));
  } else {
    r.complete_reason = "Learning";
    r.complete_message = absl::StrJoin(waiting, "; ");
    absl::Duration next = max_left;
    if (quiet_left > absl::ZeroDuration() && !widened) next = std::min(next, quiet_left);
    if (min_left > absl::ZeroDuration()) next = std::min(next, min_left);
    r.requeue_after = next;
  }
  profile.status.complete = r.complete;
  profile.status.incomplete_reasons = r.complete ? std::vector<std::string>{} : waiting;
  if (r.complete_reason == "MaxWindow") profile.status.incomplete_reasons = {r.complete_message};

  json desired = crd::WorkloadProfileToJson(profile);
  json& meta = desired["metadata"];
  json& annotations = meta["annotations"];
  annotations[kLearningSinceAnnotation] = FormatPreciseTime(since);
  annotations[kLastChangeAnnotation] = FormatPreciseTime(last_change);
  annotations[kBehaviourAnnotation] = hash;
  annotations[kSourcesAnnotation] = absl::StrJoin(r.partial_names, ",");
  if (!r.divergence.empty()) meta["annotations"][kDivergenceAnnotation] = json(r.divergence).dump();
  if (!in.workload_uid.empty()) {
    meta["ownerReferences"] = json::array(
        {{{"apiVersion", profile.target.api_version},
          {"kind", in.key.kind},
          {"name", in.key.name},
          {"uid", in.workload_uid},
          {"controller", true},
          {"blockOwnerDeletion", true}}});
  }
  r.desired = std::move(desired);
  return r;
}

}  // namespace minpriv::controller
