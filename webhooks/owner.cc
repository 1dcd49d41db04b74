#include "webhooks/owner.h"

#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace minpriv::webhooks {
namespace {

// The prefix before the last "-SUFFIX" when SUFFIX is 1..max_len characters all accepted by
// `ok`; "" otherwise.
template <typename Pred>
std::string_view StripSuffix(std::string_view name, size_t max_len, Pred ok) {
  size_t dash = name.rfind('-');
  if (dash == std::string_view::npos || dash == 0) return {};
  std::string_view suffix = name.substr(dash + 1);
  if (suffix.empty() || suffix.size() > max_len) return {};
  for (char ch : suffix) {
    if (!ok(ch)) return {};
  }
  return name.substr(0, dash);
}

// The pod-template-hash alphabet (rand.SafeEncodeString: consonants and digits without
// vowels or look-alikes), at most 10 characters.
std::string_view DeploymentOfReplicaSet(std::string_view rs) {
  return StripSuffix(rs, 10, [](char ch) {
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z');
  });
}

// CronJob jobs are named "<cronjob>-<scheduled time in minutes since the epoch>".
std::string_view CronJobOfJob(std::string_view job) {
  return StripSuffix(job, 12, [](char ch) { return ch >= '0' && ch <= '9'; });
}

const OwnerReference* Controller(const std::vector<OwnerReference>& refs) {
  for (const auto& r : refs) {
    if (r.controller) return &r;
  }
  return nullptr;
}

bool InGroup(const OwnerReference& r, std::string_view group) {
  return absl::StartsWith(r.api_version, std::string(group) + "/");
}

// The policy of the controller of ReplicaSet/Job `name`: from the owner cache when it knows
// the object, else by the controllers' naming (`by_name`).
template <typename ByName>
const ApprovedPolicy* ControllerPolicy(const PolicySnapshot& s, const OwnerLookup* owners,
                                       const std::string& ns, std::string_view kind,
                                       const std::string& name, std::string_view parent_kind,
                                       ByName by_name) {
  if (owners != nullptr) {
    if (std::optional<ControllerRef> c = owners->ControllerOf(ns, kind, name)) {
      return c->kind == parent_kind ? s.Find(ns, c->kind, c->name) : nullptr;
    }
  }
  std::string_view parent = by_name(name);
  return parent.empty() ? nullptr : s.Find(ns, parent_kind, parent);
}

}  // namespace

const ApprovedPolicy* FindGoverningPolicy(const PolicySnapshot& s, const AdmissionRequest& req,
                                          const OwnerLookup* owners) {
  const std::string& ns = req.namespace_;
  const std::string& kind = req.kind.kind;
  std::string name = req.ObjectName();
  if (const ApprovedPolicy* p = s.Find(ns, kind, name)) return p;
  std::vector<OwnerReference> refs = req.OwnerReferences();
  const OwnerReference* owner = Controller(refs);
  if (owner == nullptr) return nullptr;
  if (kind == "ReplicaSet" && owner->kind == "Deployment" && InGroup(*owner, "apps")) {
    return s.Find(ns, "Deployment", owner->name);
  }
  if (kind == "Job" && owner->kind == "CronJob" && InGroup(*owner, "batch")) {
    return s.Find(ns, "CronJob", owner->name);
  }
  if (kind != "Pod") return nullptr;
  if (owner->kind == "ReplicaSet" && InGroup(*owner, "apps")) {
    if (const ApprovedPolicy* p = s.Find(ns, "ReplicaSet", owner->name)) return p;
    return ControllerPolicy(s, owners, ns, "ReplicaSet", owner->name, "Deployment",
                            DeploymentOfReplicaSet);
  }
  if (owner->kind == "Job" && InGroup(*owner, "batch")) {
    if (const ApprovedPolicy* p = s.Find(ns, "Job", owner->name)) return p;
    return ControllerPolicy(s, owners, ns, "Job", owner->name, "CronJob", CronJobOfJob);
  }
  if ((owner->kind == "StatefulSet" || owner->kind == "DaemonSet") && InGroup(*owner, "apps")) {
    return s.Find(ns, owner->kind, owner->name);
  }
  return nullptr;
}

}  // namespace minpriv::webhooks
