#include "controller/break_step.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "controller/conditions.h"
#include "controller/merge.h"
#include "spdlog/spdlog.h"

namespace minpriv::controller {
namespace {

using crd::ConditionStatus;

constexpr size_t kBreaksInMessage = 10;

const crd::Condition* Find(const crd::ProposalStatus& st, const std::string& type) {
  for (const crd::Condition& c : st.conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

// The step's conditions are for the status's current generation.
void Set(crd::ProposalStatus& st, const std::string& type, ConditionStatus status,
         const std::string& reason, const std::string& message) {
  SetCondition(st, type, status, reason, message, st.observed_generation);
}

std::string Nodes(const crd::ProposalStatus& st) {
  std::vector<std::string> nodes;
  for (const crd::NodeBreaks& nb : st.breaks) {
    if (st.applied && nb.applied_time == st.applied->time && !nb.breaks.empty()) {
      nodes.push_back(nb.node);
    }
  }
  return absl::StrJoin(nodes, ", ");
}

}  // namespace

std::vector<std::string> CurrentBreaks(const crd::ProposalStatus& st) {
  std::vector<std::string> out;
  if (!st.applied) return out;
  std::vector<const crd::NodeBreaks*> entries;
  for (const crd::NodeBreaks& nb : st.breaks) {
    if (nb.applied_time == st.applied->time) entries.push_back(&nb);
  }
  std::sort(entries.begin(), entries.end(),
            [](const crd::NodeBreaks* a, const crd::NodeBreaks* b) { return a->node < b->node; });
  for (const crd::NodeBreaks* nb : entries) {
    for (const crd::BreakItem& b : nb->breaks) {
      out.push_back(absl::StrCat(nb->node, ": ", b.container, ": ", b.what,
                                 b.process.empty() ? "" : absl::StrCat(" (", b.process, ")")));
    }
    if (nb->truncated > 0) {
      out.push_back(absl::StrCat(nb->node, ": ", nb->truncated, " more not listed"));
    }
  }
  return out;
}

bool RevertedOnBreak(const crd::ProposalStatus& st) {
  const crd::Condition* applied = Find(st, crd::kConditionApplied);
  return st.phase == crd::ProposalPhase::kFailed && applied != nullptr &&
         applied->status == ConditionStatus::kFalse && applied->reason == kReasonRevertedOnBreak;
}

absl::Status HandleBreaks(ApplyDelivery& delivery, const WorkloadKey& key,
                          const nlohmann::json& workload, const std::string& name,
                          bool revert_on_break, crd::ProposalStatus& st, crd::ProposalPhase& phase,
                          const RecordEvent& record) {
  if (!st.applied) return absl::OkStatus();
  const std::vector<std::string> breaks = CurrentBreaks(st);
  const crd::Condition* broken = Find(st, crd::kConditionBroken);
  if (breaks.empty()) {
    if (broken != nullptr && broken->status == ConditionStatus::kTrue) {
      Set(st, crd::kConditionBroken, ConditionStatus::kFalse, "NoBreaks",
          absl::StrCat("no denial reported since it was applied at ", st.applied->time));
    }
    return absl::OkStatus();
  }
  std::vector<std::string> listed(breaks.begin(),
                                  breaks.begin() + std::min(breaks.size(), kBreaksInMessage));
  std::string message = absl::StrCat("denied after apply: ", absl::StrJoin(listed, "; "));
  if (breaks.size() > listed.size()) {
    absl::StrAppend(&message, "; and ", breaks.size() - listed.size(), " more (status.breaks)");
  }
  const bool changed = broken == nullptr || broken->status != ConditionStatus::kTrue ||
                       broken->message != message;
  Set(st, crd::kConditionBroken, ConditionStatus::kTrue, kReasonDeniedAfterApply, message);
  if (changed) record("Warning", "Broken", absl::StrCat(name, ": ", message));
  if (!revert_on_break) return absl::OkStatus();

  absl::Status reverted = delivery.Revert(key, workload, *st.applied);
  if (reverted.ok()) {
    phase = crd::ProposalPhase::kFailed;
    const std::string why =
        absl::StrCat("reverted after denials on ", Nodes(st),
                     " (revertOnBreak): the patch and the NetworkPolicy were undone; learning "
                     "continues and the next revision includes what was denied");
    Set(st, crd::kConditionApplied, ConditionStatus::kFalse, kReasonRevertedOnBreak, why);
    Set(st, kConditionDelivered, ConditionStatus::kFalse, kReasonRevertedOnBreak, why);
    record("Warning", kReasonRevertedOnBreak, absl::StrCat(name, " ", why));
    spdlog::warn("proposal reverted on break proposal={}/{}", key.ns, name);
    return absl::OkStatus();
  }
  if (absl::IsInvalidArgument(reverted)) {
    phase = crd::ProposalPhase::kFailed;
    Set(st, crd::kConditionApplied, ConditionStatus::kTrue, "RevertFailed",
        absl::StrCat("broken after apply, but the workload changed after the patch was applied; "
                     "not reverted blindly: ",
                     reverted.message()));
    record("Warning", "RevertFailed",
           absl::StrCat(name, ": broken, but the workload changed since it was applied"));
    return absl::OkStatus();
  }
  return reverted;
}

}  // namespace minpriv::controller
