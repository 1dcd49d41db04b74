#include "cli/pull_request_delivery.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "spdlog/spdlog.h"

namespace minpriv::cli {
namespace {

using controller::DeliveryResult;
using Outcome = DeliveryResult::Outcome;

DeliveryResult Result(Outcome outcome, std::string reason, std::string message) {
  DeliveryResult r;
  r.outcome = outcome;
  r.reason = std::move(reason);
  r.message = std::move(message);
  return r;
}

bool Transient(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
      return true;
    default:
      return false;
  }
}

}  // namespace

absl::StatusOr<DeliveryResult> GitOpsPullRequestDelivery::Deliver(const controller::Proposal& p) {
  gitops::ProposalFilesInput in;
  in.workload = {p.workload != nullptr ? p.workload->value("apiVersion", "") : "", p.key.kind,
                 p.key.ns, p.key.name};
  in.status = &p.resource->status;
  // A Job its CronJob makes is not in the repository; the CronJob is, with the same pod
  // template under its jobTemplate: the pull request edits that.
  crd::ProposalStatus translated;
  if (p.workload != nullptr) {
    absl::StatusOr<controller::PatchTarget> t = controller::ResolvePatchTarget(p.key, *p.workload);
    if (t.ok() && t->via_owner) {
      translated = p.resource->status;
      for (nlohmann::json& op : translated.patch) {
        if (op.is_object() && op.contains("path") && op["path"].is_string()) {
          op["path"] = t->Translate(op["path"].get<std::string>());
        }
      }
      in.workload = {t->kind->api_version, t->kind->kind, p.key.ns, t->name};
      in.status = &translated;
    }
  }
  in.proposal_name = p.resource->metadata.name;
  in.revision = p.revision;
  absl::StatusOr<DeliveryResult> r = Map(p, gitops_->Deliver(in));
  if (r.ok()) {
    spdlog::info("pull request delivery workload={} revision={} reason={} message=\"{}\"",
                 p.key.String(), p.revision, r->reason, r->message);
  }
  return r;
}

absl::StatusOr<DeliveryResult> GitOpsPullRequestDelivery::Map(
    const controller::Proposal& p, const absl::StatusOr<gitops::ClusterDeliveryResult>& done) {
  if (!done.ok()) {
    const absl::Status& s = done.status();
    const std::string msg(s.message());
    if (absl::IsPermissionDenied(s) || absl::IsUnauthenticated(s)) {
      return Result(Outcome::kPending, "TokenRefused",
                    absl::StrCat(msg, "; nothing was pushed: fix the token in the Secret"));
    }
    if (absl::IsFailedPrecondition(s) && msg.rfind("Secret ", 0) == 0) {
      return Result(Outcome::kPending, "TokenUnavailable", msg);
    }
    if (absl::IsInvalidArgument(s) || absl::IsFailedPrecondition(s) || absl::IsNotFound(s)) {
      return Result(Outcome::kPending, "SourceNotEditable", msg);
    }
    if (Transient(s)) return s;
    return Result(Outcome::kPending, "PullRequestFailed", msg);
  }
  if (done->unresolved) {
    const gitops::Unresolved& u = *done->unresolved;
    std::string msg = absl::StrCat(p.key.kind, " ", p.key.name, " ", u.reason, " in ",
                                   gitops_->target().project, "; nothing pushed");
    if (!u.candidates.empty()) absl::StrAppend(&msg, "; candidates: ", absl::StrJoin(u.candidates, ", "));
    absl::StrAppend(&msg, "; annotate the workload with minpriv.dev/source: PATH to say where");
    return Result(Outcome::kPending, u.candidates.empty() ? "SourceNotFound" : "SourceAmbiguous",
                  msg);
  }
  const gitops::WorkloadDelivery& d = *done->delivery;
  crd::PullRequestRef ref;
  ref.url = d.url;
  switch (d.outcome) {
    case gitops::Outcome::kOpened:
    case gitops::Outcome::kUpdated:
    case gitops::Outcome::kBaseMerged:
    case gitops::Outcome::kUnchanged: {
      // The message stays the same from one reconcile to the next (no status rewrite).
      DeliveryResult r = Result(Outcome::kDelivered, "PullRequestOpen", d.url);
      ref.state = crd::PullRequestState::kOpen;
      r.pull_request = ref;
      r.requeue_after = recheck_;
      return r;
    }
    case gitops::Outcome::kMergedLeftAlone: {
      DeliveryResult r = Result(Outcome::kDelivered, "PullRequestMerged", d.url);
      ref.state = crd::PullRequestState::kMerged;
      r.pull_request = ref;
      return r;
    }
    case gitops::Outcome::kClosedRespected: {
      DeliveryResult r = Result(
          Outcome::kNotAppliable, "PullRequestClosed",
          absl::StrCat(d.url, " was closed without merging; not reopened for this revision (a "
                       "changed proposal opens a new one; reject the proposal to stop)"));
      ref.state = crd::PullRequestState::kClosed;
      r.pull_request = ref;
      return r;
    }
    case gitops::Outcome::kAlreadyNarrowed:
      return Result(Outcome::kDelivered, "AlreadyInRepository",
                    absl::StrCat("the base branch of ", gitops_->target().project,
                                 " already has these settings; no pull request needed"));
    case gitops::Outcome::kConflict:
      return Result(Outcome::kPending, "BaseConflict",
                    absl::StrCat(d.url.empty() ? "" : absl::StrCat(d.url, ": "), d.message,
                                 "; nothing pushed: resolve it on branch ", d.branch));
    case gitops::Outcome::kDryRun:
      break;
  }
  return absl::InternalError("unexpected dry run");
}

}  // namespace minpriv::cli
