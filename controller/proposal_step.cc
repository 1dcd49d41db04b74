// Reconciler::ReconcileProposal: the RemediationProposal's state machine (see
// docs/cluster.md, "The life of a proposal").
#include <algorithm>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "controller/break_step.h"
#include "controller/conditions.h"
#include "controller/delivery.h"
#include "controller/propose.h"
#include "controller/reconciler.h"
#include "controller/seccomp_gate.h"
#include "controller/shadow_gate.h"
#include "crd/names.h"
#include "crd/remediation_proposal_json.h"
#include "kube/status.h"
#include "spdlog/spdlog.h"

namespace minpriv::controller {
namespace {

using nlohmann::json;
using crd::ConditionStatus;
using crd::ProposalPhase;

constexpr char kRevisionAnnotation[] = "minpriv.dev/revision";
// The merged behaviour hash a revision was widened to from would-be breaks (merge.h).
constexpr char kWidenedAnnotation[] = "minpriv.dev/widened-behaviour";

const crd::Condition* FindCondition(const crd::ProposalStatus& st, const std::string& type) {
  for (const crd::Condition& c : st.conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

void SetContent(crd::ProposalStatus& st, const crd::ProposalStatus& content) {
  st.containers = content.containers;
  st.volumes = content.volumes;
  st.seccomp_profiles = content.seccomp_profiles;
  st.patch = content.patch;
  st.network_policy = content.network_policy;
  st.evidence = content.evidence;
  st.risks = content.risks;
  st.numbers = content.numbers;
}

}  // namespace

absl::Status Reconciler::ReconcileProposal(const WorkloadKey& key, const json& workload,
                                           const MergeResult& merged,
                                           const crd::EffectiveSettings& settings,
                                           const std::set<std::string>& nodes,
                                           std::optional<absl::Duration>* requeue_after) {
  const std::string name = crd::MergedProfileName(key.kind, key.name);
  std::optional<json> cached = written_proposals_.Newest(*caches_.proposals, key.ns + "/" + name);
  json object;
  if (cached) {
    object = *std::move(cached);
  } else {
    absl::StatusOr<json> created = CreateProposal(key, workload);
    if (!created.ok()) return created.status();
    object = *std::move(created);
    written_proposals_.Remember(kube::ObjectKey(object), object);
  }
  const int64_t generation = object.value("metadata", json::object()).value("generation", 0);
  absl::StatusOr<crd::RemediationProposal> decoded = crd::RemediationProposalFromJson(object);
  if (!decoded.ok()) {
    json without_status = object;
    without_status.erase("status");
    decoded = crd::RemediationProposalFromJson(without_status);
    if (!decoded.ok()) {
      // The operator's part is unreadable: say so, change nothing else.
      const std::string message = std::string(decoded.status().message());
      json valid = {{"type", crd::kConditionValid}, {"status", "False"},
                    {"reason", "InvalidSpec"}, {"message", message},
                    {"lastTransitionTime", FormatApiTime(absl::Now())},
                    {"observedGeneration", std::max<int64_t>(generation, 1)}};
      json conditions = object.contains("status") && object["status"].is_object()
                            ? object["status"].value("conditions", json::array())
                            : json::array();
      for (const json& c : conditions.is_array() ? conditions : json::array()) {
        if (c.is_object() && c.value("type", "") == crd::kConditionValid &&
            c.value("message", "") == message) {
          return absl::OkStatus();  // already said
        }
      }
      metrics_->writes.fetch_add(1);
      absl::Status patched =
          client_
              .PatchStatus(kProposals, key.ns, name, kube::PatchType::kMerge,
                           {{"status", {{"conditions", json::array({valid})}}}})
              .status();
      if (patched.ok()) {
        events_.Record(workload, "Warning", "InvalidProposal", absl::StrCat(name, ": ", message));
      }
      return patched;
    }
    spdlog::warn("proposal status unreadable, rewritten proposal={}/{}", key.ns, name);
  }
  crd::RemediationProposal rp = *std::move(decoded);
  // Events are recorded once the writes they tell of succeeded.
  struct PendingEvent {
    std::string type, reason, message;
  };
  std::vector<PendingEvent> pending;
  auto record = [&pending](const json&, std::string type, std::string reason,
                           std::string message) {
    pending.push_back({std::move(type), std::move(reason), std::move(message)});
  };
  crd::ProposalStatus st = rp.status;
  const crd::ProposalStatus before = rp.status;
  const crd::Decision decision_before = rp.spec.decision;
  int64_t revision = 0;
  (void)absl::SimpleAtoi(rp.metadata.annotations[kRevisionAnnotation], &revision);
  const int64_t revision_before = revision;
  st.observed_generation = std::max<int64_t>(generation, 1);
  st.profile = name;
  if (const crd::Condition* v = FindCondition(st, crd::kConditionValid);
      v != nullptr && v->status != ConditionStatus::kTrue) {
    SetCondition(st, crd::kConditionValid, ConditionStatus::kTrue, "Readable", "", st.observed_generation);
  }
  SetCondition(st, crd::kConditionProfileComplete,
               merged.complete ? ConditionStatus::kTrue : ConditionStatus::kFalse,
               merged.reopened ? "NewBehaviour" : merged.complete_reason, merged.complete_message,
               st.observed_generation);
  ProposalPhase phase = st.phase.value_or(ProposalPhase::kLearning);
  const crd::Delivery delivery = rp.spec.delivery.value_or(settings.delivery);

  // Re-proposes `content` as a new revision; an approval of the old one no longer holds.
  auto repropose = [&](const crd::ProposalStatus& content, const std::string& reason,
                       const std::string& why) {
    SetContent(st, content);
    ++revision;
    phase = ProposalPhase::kProposed;
    if (rp.spec.decision == crd::Decision::kApproved) {
      rp.spec.decision = crd::Decision::kPending;
      SetCondition(st, crd::kConditionApplied, ConditionStatus::kFalse, reason,
                   absl::StrCat(why, "; re-proposed as revision ", revision,
                                ": review and approve it again"),
                   st.observed_generation);
    }
    record(workload, reason == "Proposed" ? "Normal" : "Warning", reason,
                   absl::StrCat(name, " revision ", revision, ": ", why, "; ",
                                content.numbers ? content.numbers->syscalls_allowed : 0,
                                " syscalls allowed, ",
                                content.numbers ? content.numbers->capabilities_added : 0,
                                " capabilities added"));
  };

  // Shadow mode: would-be breaks the agents report against the current content widen it as
  // soon as the partial profiles hold what broke (no new quiet period: see merge.h).
  std::optional<crd::ProposalStatus> widened;
  std::string widen_why;
  if ((phase == ProposalPhase::kProposed || phase == ProposalPhase::kSuperseded) &&
      rp.spec.decision != crd::Decision::kRejected && merged.has_profile) {
    const ShadowVerdict shadow = CheckShadow(st, nodes, absl::Now(), options_.shadow_period);
    if (!shadow.breaks.empty()) {
      std::shared_ptr<const remediator::Inventory> inventory = inventory_->Get(InventoryOf(caches_));
      ProposeInput pin{key, &workload, &merged.partials, &merged.partial_names, inventory.get()};
      absl::StatusOr<crd::ProposalStatus> content = BuildProposalContent(pin);
      if (content.ok() && crd::ProposalContentDigest(*content) != crd::ProposalContentDigest(st)) {
        for (const crd::ChangeEvidence& e : st.evidence) {  // earlier widenings
          if (absl::StartsWith(e.change, kWidenedChangePrefix)) content->evidence.push_back(e);
        }
        for (crd::ChangeEvidence& e : WidenedEvidence(shadow.breaks)) {
          content->evidence.push_back(std::move(e));
        }
        widened = *std::move(content);
        std::set<std::string> on;
        for (const NodeBreak& b : shadow.breaks) on.insert(b.node);
        widen_why = absl::StrCat("widened from ", shadow.breaks.size(),
                                 " would-be break(s) seen in shadow mode on ",
                                 absl::StrJoin(on, ", "), " (", shadow.message, ")");
      }
    }
  }
  std::string widened_hash;

  absl::Status result = absl::OkStatus();
  if (rp.spec.decision == crd::Decision::kRejected) {
    if (phase == ProposalPhase::kApplied && st.applied) {
      absl::Status reverted = apply_delivery_.Revert(key, workload, *st.applied);
      if (reverted.ok()) {
        phase = ProposalPhase::kRejected;
        SetCondition(st, crd::kConditionApplied, ConditionStatus::kFalse, "Reverted",
                     "rejected after it was applied: the patch and the NetworkPolicy were undone",
                     st.observed_generation);
        SetCondition(st, kConditionDelivered, ConditionStatus::kFalse, "Reverted", "",
                     st.observed_generation);
        record(workload, "Normal", "Reverted", absl::StrCat(name, " reverted"));
      } else if (absl::IsInvalidArgument(reverted)) {
        phase = ProposalPhase::kFailed;
        SetCondition(st, crd::kConditionApplied, ConditionStatus::kTrue, "RevertFailed",
                     absl::StrCat("the workload changed after the patch was applied; not reverted "
                                  "blindly: ", reverted.message()),
                     st.observed_generation);
        record(workload, "Warning", "RevertFailed", absl::StrCat(name, ": workload changed since it was applied"));
      } else {
        return reverted;
      }
    } else if (phase != ProposalPhase::kFailed) {
      phase = ProposalPhase::kRejected;
    }
  } else if (phase == ProposalPhase::kApplied) {
    // Applied stays applied; ProfileComplete tells of new behaviour. Denials the agents saw
    // make it Broken, and reverted with revertOnBreak (break_step.h).
    absl::Status b = HandleBreaks(
        apply_delivery_, key, workload, name, settings.revert_on_break, st, phase,
        [&](const std::string& t, const std::string& r, const std::string& m) {
          record(workload, t, r, m);
        });
    if (!b.ok()) return b;
  } else if (widened) {
    repropose(*widened, "Widened", widen_why);
    widened_hash = merged.behaviour_hash;
  } else if (!merged.complete) {
    if (phase == ProposalPhase::kProposed || phase == ProposalPhase::kApproved) {
      phase = ProposalPhase::kSuperseded;
      record(workload, "Normal", "Superseded",
                     absl::StrCat(name, " revision ", revision, " superseded: ", merged.complete_message));
    } else if (phase != ProposalPhase::kSuperseded) {
      phase = ProposalPhase::kLearning;
    }
  } else {
    std::shared_ptr<const remediator::Inventory> inventory = inventory_->Get(InventoryOf(caches_));
    ProposeInput pin{key, &workload, &merged.partials, &merged.partial_names, inventory.get()};
    absl::StatusOr<crd::ProposalStatus> content = BuildProposalContent(pin);
    if (content.ok()) {
      // What a revision was widened from stays its evidence (the behaviour stays learned).
      for (const crd::ChangeEvidence& e : st.evidence) {
        if (absl::StartsWith(e.change, kWidenedChangePrefix)) content->evidence.push_back(e);
      }
    }
    if (content.ok() && delivery == crd::Delivery::kApply) {
      // Said before approval, so that the operator knows approving will not patch it.
      if (absl::StatusOr<PatchTarget> t = ResolvePatchTarget(key, workload); !t.ok()) {
        SetCondition(st, kConditionDelivered, ConditionStatus::kFalse, "NotAppliableInPlace",
                     std::string(t.status().message()), st.observed_generation);
      }
    }
    if (!content.ok()) {
      phase = ProposalPhase::kFailed;
      SetCondition(st, crd::kConditionValid, ConditionStatus::kFalse, "ProposeFailed",
                   std::string(content.status().message()), st.observed_generation);
      record(workload, "Warning", "ProposeFailed", std::string(content.status().message()));
    } else if (RevertedOnBreak(st) && SameContent(*content, st)) {
      // Reverted on a break: the same content would break again; wait for learning to widen it.
    } else if (phase != ProposalPhase::kProposed && phase != ProposalPhase::kApproved) {
      repropose(*content, "Proposed", "learning converged");
    } else if (!SameContent(*content, st)) {
      repropose(*content, "WorkloadChanged", "the workload or its profile changed");
    } else if (rp.spec.decision == crd::Decision::kPending) {
      phase = ProposalPhase::kProposed;
    } else {
      phase = ProposalPhase::kApproved;
      bool installed = true;
      if (delivery == crd::Delivery::kApply) {
        // Patched only once every node that runs (or ran) it has the profiles (the agents
        // report them in status.seccompInstalls).
        const SeccompGate gate = CheckSeccompInstalled(st, nodes);
        installed = gate.installed;
        SetCondition(st, crd::kConditionSeccompProfileInstalled,
                     installed ? ConditionStatus::kTrue : ConditionStatus::kFalse, gate.reason,
                     gate.message, st.observed_generation);
      }
      if (installed) {
        rp.status = st;
        Delivery* d = delivery == crd::Delivery::kApply ? &apply_delivery_ : pull_request_delivery_;
        absl::StatusOr<DeliveryResult> delivered = d->Deliver({key, &workload, &rp, revision});
        if (!delivered.ok()) return delivered.status();
        if (const std::optional<absl::Duration> again = delivered->requeue_after) {
          *requeue_after = *requeue_after ? std::min(**requeue_after, *again) : *again;
        }
        using Outcome = DeliveryResult::Outcome;
        switch (delivered->outcome) {
          case Outcome::kDelivered:
            SetCondition(st, kConditionDelivered, ConditionStatus::kTrue, delivered->reason,
                         delivered->message, st.observed_generation);
            if (delivered->applied) {
              st.applied = delivered->applied;
              phase = ProposalPhase::kApplied;
              SetCondition(st, crd::kConditionApplied, ConditionStatus::kTrue, "Applied",
                           delivered->message, st.observed_generation);
              record(workload, "Normal", "Applied",
                     absl::StrCat(name, " revision ", revision, " applied"));
            }
            if (delivered->pull_request) {
              st.pull_request = delivered->pull_request;
              if (delivered->pull_request->state == crd::PullRequestState::kMerged) {
                phase = ProposalPhase::kApplied;
              }
            }
            break;
          case Outcome::kPending:
          case Outcome::kNotAppliable:
            SetCondition(st, kConditionDelivered, ConditionStatus::kFalse, delivered->reason,
                         delivered->message, st.observed_generation);
            // A pull request closed without merging is recorded as closed.
            if (delivered->pull_request) st.pull_request = delivered->pull_request;
            break;
          case Outcome::kStale: {
            const WorkloadKind* kind = FindWorkloadKind(key.kind);
            absl::StatusOr<json> fresh = client_.Get(kind->resource, key.ns, key.name);
            if (!fresh.ok()) return fresh.status();
            const json fresh_target = WithKind(*std::move(fresh), key);
            ProposeInput again{key, &fresh_target, &merged.partials, &merged.partial_names,
                               inventory.get()};
            absl::StatusOr<crd::ProposalStatus> redone = BuildProposalContent(again);
            if (!redone.ok()) return redone.status();
            repropose(*redone, "WorkloadChanged",
                      absl::StrCat("the workload changed since revision ", revision,
                                   " was proposed (", delivered->message, "); not patched"));
            break;
          }
        }
      }
    }
  }
  st.phase = phase;
  if (phase == ProposalPhase::kProposed) {
    const crd::Condition* old = FindCondition(st, crd::kConditionProvenOnLiveTraffic);
    const std::optional<ConditionStatus> was =
        old ? std::optional<ConditionStatus>(old->status) : std::nullopt;
    const ShadowVerdict shadow = CheckShadow(st, nodes, absl::Now(), options_.shadow_period);
    SetCondition(st, crd::kConditionProvenOnLiveTraffic, shadow.status, shadow.reason,
                 shadow.message, st.observed_generation);
    if (shadow.requeue_after) {
      const absl::Duration next = *shadow.requeue_after + absl::Seconds(1);
      *requeue_after = *requeue_after ? std::min(**requeue_after, next) : next;
    }
    if (was != shadow.status && shadow.status == ConditionStatus::kTrue) {
      record(workload, "Normal", "ProvenOnLiveTraffic",
             absl::StrCat(name, " revision ", revision, ": ", shadow.message));
    } else if (was != shadow.status && shadow.status == ConditionStatus::kFalse) {
      record(workload, "Warning", "WouldBreak",
             absl::StrCat(name, " revision ", revision, ": ", shadow.message));
    }
  }

  // Writes: metadata/spec first (revision, decision), then the status.
  if (revision != revision_before || rp.spec.decision != decision_before) {
    json update = object;
    update["metadata"]["annotations"][kRevisionAnnotation] = std::to_string(revision);
    if (!widened_hash.empty()) update["metadata"]["annotations"][kWidenedAnnotation] = widened_hash;
    update["spec"]["decision"] = crd::DecisionName(rp.spec.decision);
    absl::StatusOr<json> updated = client_.Update(kProposals, key.ns, update);
    metrics_->writes.fetch_add(1);
    if (!updated.ok()) return updated.status();
    object = *std::move(updated);
    written_proposals_.Remember(kube::ObjectKey(object), object);
    st.observed_generation = object["metadata"].value("generation", st.observed_generation);
  }
  if (!(st == before)) {
    absl::Status written;
    for (int attempt = 0; attempt < 5; ++attempt) {
      json update = object;
      update["status"] = crd::ProposalStatusToJson(st);
      absl::StatusOr<json> updated = client_.UpdateStatus(kProposals, key.ns, update);
      metrics_->writes.fetch_add(1);
      written = updated.status();
      if (updated.ok()) written_proposals_.Remember(kube::ObjectKey(*updated), *updated);
      // A conflict is retried on the fresh object only once the workload was changed (what
      // was applied or reverted must be recorded) or a new revision's metadata was just
      // written (its content and evidence, e.g. what it was widened from, belong to it: an
      // agent's status patch in between must not leave the revision without them); otherwise
      // the next reconcile decides anew.
      const bool new_revision = revision != revision_before;
      if (updated.ok() || !kube::IsConflict(written) || (before.phase == phase && !new_revision)) {
        break;
      }
      absl::StatusOr<json> fresh = client_.Get(kProposals, key.ns, name);
      if (!fresh.ok()) break;
      object = *std::move(fresh);
      // The agents own status.seccompInstalls, status.shadow and status.breaks: keep what they
      // wrote meanwhile.
      if (absl::StatusOr<crd::ProposalStatus> theirs =
              crd::ProposalStatusFromJson(object.value("status", json::object()));
          theirs.ok()) {
        st.seccomp_installs = theirs->seccomp_installs;
        st.shadow = theirs->shadow;
        st.breaks = theirs->breaks;
      }
    }
    if (!written.ok()) return written;
    spdlog::info("proposal status proposal={}/{} phase={} revision={} decision={}", key.ns, name,
                 crd::PhaseName(phase), revision, crd::DecisionName(rp.spec.decision));
  }
  for (const PendingEvent& e : pending) events_.Record(workload, e.type, e.reason, e.message);
  return result;
}

}  // namespace minpriv::controller
