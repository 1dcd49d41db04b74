#include "gitops/delivery.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gitops/pr_digest.h"

namespace minpriv::gitops {
const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOpened: return "opened";
    case Outcome::kUpdated: return "updated";
    case Outcome::kBaseMerged: return "base-merged";
    case Outcome::kUnchanged: return "unchanged";
    case Outcome::kMergedLeftAlone: return "merged";
    case Outcome::kClosedRespected: return "closed";
    case Outcome::kConflict: return "conflict";
    case Outcome::kAlreadyNarrowed: return "already-narrowed";
    case Outcome::kDryRun: return "dry-run";
  }
  return "unknown";
}

Delivery::Delivery(GitWorkdir* repo, ForgeClient* forge, const ProposalEvidence* evidence,
                   DeliveryOptions options)
    : repo_(repo), forge_(forge), evidence_(evidence), options_(std::move(options)) {}

absl::StatusOr<WorkloadDelivery> Delivery::Deliver(const WorkloadChange& change) {
  WorkloadDelivery d;
  d.workload = change.workload;
  d.branch = BranchFor(change.workload);
  const std::string digest = ProposalDigest(change);
  d.text = DescribePullRequest(change, *evidence_, digest);
  if (change.changes.empty()) {
    d.outcome = Outcome::kAlreadyNarrowed;
    d.message = "the base branch already has these settings";
    return d;
  }
  if (options_.dry_run) return DryRun(change, std::move(d));
  if (forge_ == nullptr) return absl::InternalError("delivery without a forge client");

  absl::StatusOr<std::vector<PullRequest>> prs = forge_->FindByHead(d.branch);
  if (!prs.ok()) return prs.status();
  const PullRequest* open = nullptr;
  for (const PullRequest& p : *prs) {
    if (p.state == PullState::kOpen) {
      open = &p;
      break;
    }
  }
  if (open != nullptr) {
    d.url = open->url;
    d.number = open->number;
    if (absl::Status s = ContinueOpen(change, *open, &d); !s.ok()) return s;
    return d;
  }
  if (!prs->empty() && DigestInBody(prs->front().body) == digest) {
    const PullRequest& last = prs->front();
    d.url = last.url;
    d.number = last.number;
    if (last.state == PullState::kMerged) {
      d.outcome = Outcome::kMergedLeftAlone;
      d.message = absl::StrCat("the ", forge_->Noun(), " with this proposal was merged; left alone");
    } else {
      d.outcome = Outcome::kClosedRespected;
      d.message = absl::StrCat("the ", forge_->Noun(),
                               " with this proposal was closed without merging; not reopened "
                               "(a changed proposal opens a new one)");
    }
    return d;
  }
  if (absl::Status s = OpenNew(change, &d); !s.ok()) return s;
  return d;
}

absl::StatusOr<WorkloadDelivery> Delivery::DryRun(const WorkloadChange& change, WorkloadDelivery d) {
  absl::StatusOr<std::optional<std::string>> base = repo_->RemoteSha(repo_->base());
  if (!base.ok()) return base.status();
  if (!*base) return absl::NotFoundError(absl::StrCat("base branch '", repo_->base(), "' is gone"));
  if (absl::Status s = repo_->StartBranch("", **base); !s.ok()) return s;
  if (absl::Status s = repo_->WriteFiles(change.changes); !s.ok()) return s;
  absl::StatusOr<std::string> diff = repo_->DiffFrom(**base);
  absl::Status restored = repo_->StartBranch("", **base);
  if (!diff.ok()) return diff.status();
  if (!restored.ok()) return restored;
  d.diff = *std::move(diff);
  d.outcome = d.diff.empty() ? Outcome::kAlreadyNarrowed : Outcome::kDryRun;
  return d;
}

absl::Status Delivery::ContinueOpen(const WorkloadChange& change, const PullRequest& open,
                                    WorkloadDelivery* d) {
  absl::StatusOr<std::optional<std::string>> remote = repo_->RemoteSha(d->branch);
  if (!remote.ok()) return remote.status();
  // Same proposal: its files are not written again, so a reviewer's commit on the branch
  // stays as it is. A branch deleted under an open pull request is written afresh.
  const bool same = remote->has_value() && DigestInBody(open.body) == ProposalDigest(change);
  absl::StatusOr<std::optional<std::string>> base = repo_->RemoteSha(repo_->base());
  if (!base.ok()) return base.status();
  if (!*base) return absl::NotFoundError(absl::StrCat("base branch '", repo_->base(), "' is gone"));
  if (absl::Status s = repo_->StartBranch(d->branch, remote->value_or(**base)); !s.ok()) return s;
  absl::StatusOr<MergeOutcome> merge = repo_->MergeBase();
  if (!merge.ok()) return merge.status();
  if (!merge->conflicts.empty()) {
    d->outcome = Outcome::kConflict;
    d->message = absl::StrCat("the base branch '", repo_->base(), "' moved and conflicts with ",
                              d->branch, " in ", absl::StrJoin(merge->conflicts, ", "),
                              "; nothing was pushed: resolve it on the branch or close the ",
                              forge_->Noun(), " to let minpriv start over");
    return absl::OkStatus();
  }
  bool committed = false;
  if (!same) {
    if (absl::Status s = repo_->WriteFiles(change.changes); !s.ok()) return s;
    absl::StatusOr<bool> c = repo_->Commit(d->text.commit_message);
    if (!c.ok()) return c.status();
    committed = *c;
  }
  if (committed || merge->merged || !*remote) {
    if (absl::Status s = repo_->Push(d->branch, *remote); !s.ok()) return s;
    d->pushed = true;
  }
  if (!same && open.body != d->text.body) {
    if (absl::Status s = forge_->UpdateBody(open.number, d->text.body); !s.ok()) return s;
    d->forge_written = true;
  }
  if (d->forge_written || committed) {
    d->outcome = Outcome::kUpdated;
    d->message = committed ? "a new commit for the changed proposal; description updated"
                           : "description updated";
  } else if (merge->merged) {
    d->outcome = Outcome::kBaseMerged;
    d->message = absl::StrCat("merged the moved base '", repo_->base(), "' into the branch");
  } else {
    d->outcome = Outcome::kUnchanged;
    d->message = "already up to date";
  }
  return absl::OkStatus();
}

absl::Status Delivery::OpenNew(const WorkloadChange& change, WorkloadDelivery* d) {
  absl::StatusOr<std::optional<std::string>> remote = repo_->RemoteSha(d->branch);
  if (!remote.ok()) return remote.status();
  absl::StatusOr<std::optional<std::string>> base = repo_->RemoteSha(repo_->base());
  if (!base.ok()) return base.status();
  if (!*base) return absl::NotFoundError(absl::StrCat("base branch '", repo_->base(), "' is gone"));
  if (absl::Status s = repo_->StartBranch(d->branch, **base); !s.ok()) return s;
  if (absl::Status s = repo_->WriteFiles(change.changes); !s.ok()) return s;
  absl::StatusOr<bool> committed = repo_->Commit(d->text.commit_message);
  if (!committed.ok()) return committed.status();
  if (!*committed) {
    d->outcome = Outcome::kAlreadyNarrowed;
    d->message = "the base branch already has these settings";
    return absl::OkStatus();
  }
  // A branch left from an earlier run whose pull request could not be opened, with the
  // same proposal on the current base, is used as it is.
  bool reuse = false;
  if (*remote) {
    absl::StatusOr<std::string> head = repo_->HeadSha();
    if (!head.ok()) return head.status();
    absl::StatusOr<bool> has_base = repo_->IsAncestor(**base, **remote);
    absl::StatusOr<std::string> trailer = repo_->LastTrailer(**remote, kDigestTrailer);
    if (!has_base.ok()) return has_base.status();
    if (!trailer.ok()) return trailer.status();
    reuse = *has_base && *trailer == ProposalDigest(change);
  }
  if (!reuse) {
    if (absl::Status s = repo_->Push(d->branch, *remote); !s.ok()) return s;
    d->pushed = true;
  }
  NewPullRequest req{d->branch, repo_->base(), d->text.title, d->text.body, options_.labels};
  absl::StatusOr<PullRequest> pr = forge_->Create(req);
  if (!pr.ok()) return pr.status();
  d->forge_written = true;
  d->url = pr->url;
  d->number = pr->number;
  d->outcome = Outcome::kOpened;
  d->message = absl::StrCat("opened ", forge_->Noun(), " ", pr->url);
  return absl::OkStatus();
}

}  // namespace minpriv::gitops
