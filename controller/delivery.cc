#include "controller/delivery.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "controller/merge.h"
#include "controller/propose.h"
#include "kube/status.h"

namespace minpriv::controller {
namespace {

using nlohmann::json;

constexpr char kJobTemplate[] = "/spec/template";
constexpr char kCronJobTemplate[] = "/spec/jobTemplate/spec/template";

json TestsOf(const json& patch) {
  json tests = json::array();
  for (const json& op : patch) {
    if (op.value("op", "") == "test") tests.push_back(op);
  }
  return tests;
}

bool UnderJobTemplate(const std::string& pointer) {
  return pointer == kJobTemplate || absl::StartsWith(pointer, std::string(kJobTemplate) + "/");
}

// The patch with its paths moved to the target; nullopt when a path is outside the pod
// template the target holds.
std::optional<json> TranslatePatch(const PatchTarget& target, const json& patch) {
  if (!target.via_owner) return patch;
  json out = json::array();
  for (json op : patch) {
    for (const char* field : {"path", "from"}) {
      if (!op.contains(field)) continue;
      if (!op[field].is_string() || !UnderJobTemplate(op[field].get<std::string>())) {
        return std::nullopt;
      }
      op[field] = target.Translate(op[field].get<std::string>());
    }
    out.push_back(std::move(op));
  }
  return out;
}

}  // namespace

std::string PatchTarget::Translate(const std::string& pointer) const {
  if (!via_owner || !UnderJobTemplate(pointer)) return pointer;
  return kCronJobTemplate + pointer.substr(std::string(kJobTemplate).size());
}

absl::StatusOr<PatchTarget> ResolvePatchTarget(const WorkloadKey& key, const json& workload) {
  const WorkloadKind* kind = FindWorkloadKind(key.kind);
  if (kind == nullptr) return absl::InvalidArgumentError("unsupported kind " + key.kind);
  if (kind->patchable) return PatchTarget{kind, key.name};
  if (kind->kind == "Job") {
    std::optional<json> owner = ControllerOwner(workload);
    if (owner && owner->value("kind", "") == "CronJob" && !owner->value("name", "").empty()) {
      return PatchTarget{FindWorkloadKind("CronJob"), owner->value("name", ""), true};
    }
    return absl::FailedPreconditionError(
        absl::StrCat("Job ", key.name, " cannot be patched in place (a Job's pod template is "
                     "immutable) and no CronJob owns it: create the Job again with the proposed "
                     "changes (status.patch, status.containers)"));
  }
  return absl::FailedPreconditionError(
      absl::StrCat(key.kind, " ", key.name, " cannot be patched in place (a Pod's "
                   "securityContext is immutable): create it again with the proposed changes "
                   "(status.patch, status.containers), or run it from a Deployment"));
}

absl::StatusOr<DeliveryResult> ApplyDelivery::Deliver(const Proposal& p) {
  const WorkloadKey& key = p.key;
  const crd::ProposalStatus& st = p.resource->status;
  DeliveryResult result;
  absl::StatusOr<PatchTarget> target = ResolvePatchTarget(key, *p.workload);
  if (!target.ok()) {
    result.outcome = DeliveryResult::Outcome::kNotAppliable;
    result.reason = "NotAppliableInPlace";
    result.message = std::string(target.status().message());
    return result;
  }
  std::optional<json> patch = TranslatePatch(*target, st.patch);
  if (!patch) {
    result.outcome = DeliveryResult::Outcome::kNotAppliable;
    result.reason = "NotAppliableInPlace";
    result.message = absl::StrCat("the patch changes more than the pod template of Job ",
                                  key.name, ", which is all its CronJob ", target->name,
                                  " holds");
    return result;
  }
  // The NetworkPolicy first (idempotent), then the guarded patch.
  std::string policy_name;
  bool created_policy = false;
  if (st.network_policy.is_object()) {
    json policy = st.network_policy;
    policy["metadata"]["namespace"] = key.ns;
    policy["metadata"]["ownerReferences"] = json::array(
        {{{"apiVersion", StringAt(*p.workload, "/apiVersion")}, {"kind", key.kind},
          {"name", key.name}, {"uid", StringAt(*p.workload, "/metadata/uid")}}});
    policy_name = StringAt(policy, "/metadata/name");
    absl::StatusOr<json> np = client_.Create(kNetworkPolicies, key.ns, policy);
    metrics_->writes.fetch_add(1);
    if (!np.ok() && !absl::IsAlreadyExists(np.status())) return np.status();
    created_policy = np.ok();
  }
  absl::StatusOr<json> patched =
      client_.Patch(target->kind->resource, key.ns, target->name, kube::PatchType::kJson, *patch);
  metrics_->writes.fetch_add(1);
  if (absl::IsInvalidArgument(patched.status())) {
    if (created_policy) {
      (void)client_.Delete(kNetworkPolicies, key.ns, policy_name);
      metrics_->writes.fetch_add(1);
    }
    result.outcome = DeliveryResult::Outcome::kStale;
    result.reason = "WorkloadChanged";
    result.message = std::string(patched.status().message());
    return result;
  }
  if (!patched.ok()) return patched.status();
  crd::AppliedRecord applied;
  applied.time = FormatApiTime(absl::Now());
  applied.target_resource_version = StringAt(*patched, "/metadata/resourceVersion");
  applied.patch = *patch;
  applied.revert_patch = RevertOps(TestsOf(*patch), *patched);
  applied.network_policy = policy_name;
  result.outcome = DeliveryResult::Outcome::kDelivered;
  result.reason = "Applied";
  result.message = absl::StrCat(
      "revision ", p.revision, " applied to ", target->kind->kind, "/", target->name,
      target->via_owner ? absl::StrCat(" (owner of Job ", key.name, ")") : "",
      policy_name.empty() ? "" : " with NetworkPolicy " + policy_name);
  result.applied = std::move(applied);
  return result;
}

absl::Status ApplyDelivery::Revert(const WorkloadKey& key, const json& workload,
                                   const crd::AppliedRecord& applied) {
  absl::StatusOr<PatchTarget> target = ResolvePatchTarget(key, workload);
  if (!target.ok()) return target.status();
  absl::StatusOr<json> reverted = client_.Patch(target->kind->resource, key.ns, target->name,
                                                kube::PatchType::kJson, applied.revert_patch);
  metrics_->writes.fetch_add(1);
  if (!reverted.ok()) return reverted.status();
  if (!applied.network_policy.empty()) {
    absl::Status d = client_.Delete(kNetworkPolicies, key.ns, applied.network_policy);
    metrics_->writes.fetch_add(1);
    if (!d.ok() && !absl::IsNotFound(d)) return d;
  }
  return absl::OkStatus();
}

absl::StatusOr<DeliveryResult> PendingPullRequestDelivery::Deliver(const Proposal&) {
  DeliveryResult r;
  r.outcome = DeliveryResult::Outcome::kPending;
  r.reason = "PullRequestDeliveryPending";
  r.message =
      "spec.delivery is PullRequest and this controller has no pull-request delivery yet: "
      "the approved proposal waits (or set spec.delivery: Apply to patch the live object)";
  return r;
}

}  // namespace minpriv::controller
