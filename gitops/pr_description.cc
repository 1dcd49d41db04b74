#include "gitops/pr_description.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gitops/pr_digest.h"

namespace minpriv::gitops {
namespace {

// The layout's name, as change_set.h's LayoutName says it (kept here so that delivery links
// without the sources half).
const char* LayoutWord(Layout layout) {
  switch (layout) {
    case Layout::kPlain: return "plain";
    case Layout::kKustomizeOverlay: return "kustomize";
    case Layout::kHelmValues: return "helm-values";
    case Layout::kHelmTemplate: return "helm-template";
  }
  return "plain";
}

std::string WorkloadName(const WorkloadRef& w) {
  return absl::StrCat(w.kind, " ", w.namespace_.empty() ? "" : absl::StrCat(w.namespace_, "/"),
                      w.name);
}

std::string Code(const std::vector<std::string>& items) {
  if (items.empty()) return "none";
  std::vector<std::string> quoted;
  for (const std::string& i : items) quoted.push_back(absl::StrCat("`", i, "`"));
  return absl::StrJoin(quoted, ", ");
}

std::string YesNo(const std::optional<bool>& b) { return !b ? "—" : *b ? "`true`" : "`false`"; }

void Row(std::string* out, const std::string& container, const std::string& setting,
         const std::string& before, const std::string& after) {
  absl::StrAppend(out, "| `", container, "` | ", setting, " | ", before, " | ", after, " |\n");
}

void Table(std::string* out, const WorkloadRef& w, const std::vector<ContainerSummary>& all) {
  std::vector<const ContainerSummary*> mine;
  for (const ContainerSummary& c : all) {
    if (c.workload == w.name && c.kind == w.kind && c.namespace_ == w.namespace_) mine.push_back(&c);
  }
  absl::StrAppend(out, "### Before and after\n\n");
  if (mine.empty()) {
    absl::StrAppend(out, "The proposal's summary.json does not list this workload; see the diff.\n\n");
    return;
  }
  absl::StrAppend(out,
                  "\"Before\" is what the container runtime grants when the manifest does not "
                  "say otherwise.\n\n| Container | Setting | Before | After |\n|---|---|---|---|\n");
  for (const ContainerSummary* c : mine) {
    const std::string& n = c->container;
    std::string after_caps = c->caps_added.empty() ? "drop `ALL`"
                                                   : absl::StrCat("drop `ALL`, add ", Code(c->caps_added));
    Row(out, n, "capabilities", absl::StrCat("runtime default: ", Code(c->caps_dropped)), after_caps);
    if (c->syscalls_allowed >= 0) {
      Row(out, n, "seccomp",
          absl::StrCat("RuntimeDefault: ", c->syscalls_runtime_default, " syscalls"),
          absl::StrCat("Localhost: ", c->syscalls_allowed, " syscalls",
                       c->seccomp_profile.empty() ? "" : absl::StrCat(" (`", c->seccomp_profile, "`)")));
    }
    Row(out, n, "privileged", "not enforced", YesNo(c->privileged));
    Row(out, n, "allowPrivilegeEscalation", "not enforced", YesNo(c->allow_privilege_escalation));
    Row(out, n, "readOnlyRootFilesystem", "not enforced", YesNo(c->read_only_root_fs));
    Row(out, n, "runAsNonRoot", "not enforced",
        absl::StrCat(YesNo(c->run_as_non_root),
                     c->run_as_user ? absl::StrCat(", runAsUser `", *c->run_as_user, "`") : ""));
    Row(out, n, "writable paths", "the whole root file system", Code(c->writable_paths));
    if (c->network) {
      Row(out, n, "ingress", "all allowed", Code(c->ingress));
      Row(out, n, "egress", "all allowed", Code(c->egress));
    }
  }
  absl::StrAppend(out, "\n");
}

// Text either inline or folded, as GitHub and GitLab markdown both render <details>.
void Fold(std::string* out, const std::string& summary, const std::string& text) {
  int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  std::string body(absl::StripTrailingAsciiWhitespace(text));
  if (lines <= kFoldLines) {
    absl::StrAppend(out, body, "\n\n");
    return;
  }
  absl::StrAppend(out, "<details>\n<summary>", summary, " (", lines, " lines)</summary>\n\n", body,
                  "\n\n</details>\n\n");
}

// "Risks for the reviewer:" items of the workload's report section.
std::vector<std::string> Risks(const std::string& section) {
  std::vector<std::string> out;
  bool in = false;
  for (absl::string_view line : absl::StrSplit(section, '\n')) {
    if (absl::StartsWith(line, "Risks for the reviewer")) {
      in = true;
      continue;
    }
    if (in && (absl::StartsWith(line, "#") || (!line.empty() && line.front() != '-' && line.front() != ' '))) {
      in = false;
    }
    if (in && absl::StartsWith(line, "- ")) out.emplace_back(line.substr(2));
  }
  return out;
}

}  // namespace

PullRequestText DescribePullRequest(const WorkloadChange& change, const ProposalEvidence& evidence,
                                    const std::string& digest) {
  const WorkloadRef& w = change.workload;
  PullRequestText t;
  const std::string subject = absl::StrCat(
      "least privilege for ", absl::AsciiStrToLower(w.kind), " ",
      w.namespace_.empty() ? "" : absl::StrCat(w.namespace_, "/"), w.name);
  t.title = absl::StrCat("fix(security): ", subject);

  std::string& b = t.body;
  absl::StrAppend(&b, DigestMarker(digest), "\n");
  absl::StrAppend(&b, "## minpriv: ", WorkloadName(w), "\n\n",
                  "minpriv observed this workload with eBPF and proposes the narrowest settings "
                  "that still allow everything it was seen doing. Layout: `",
                  LayoutWord(change.layout), "`; found in ", Code(change.sources), ".\n\n");
  Table(&b, w, evidence.containers);

  absl::StrAppend(&b, "### Changes\n\n");
  for (const FileChange& c : change.changes) {
    absl::StrAppend(&b, "- `", c.path, "`: ", c.old_content ? "edited in place" : "new file", "\n");
  }
  for (const std::string& n : change.notes) absl::StrAppend(&b, "- ", n, "\n");
  absl::StrAppend(&b, "\n");
  if (!change.checks.empty()) {
    absl::StrAppend(&b, "Checked with the real tools:\n\n");
    for (const std::string& c : change.checks) absl::StrAppend(&b, "- ", c, "\n");
    absl::StrAppend(&b, "\n");
  }

  const std::string section = ReportSectionFor(evidence.report_md, w.kind, w.namespace_, w.name);
  absl::StrAppend(&b, "### Evidence\n\n");
  Fold(&b, "report.md: each change and what it was learned from", section);

  absl::StrAppend(&b, "### Verification\n\n");
  if (!evidence.verification) {
    absl::StrAppend(&b, "Not verified: replay the workload under this proposal with `minpriv verify` "
                        "before merging.\n\n");
  } else if (evidence.verification->verified) {
    absl::StrAppend(&b, "**Verified**: `minpriv verify` replayed the workload under these settings "
                        "with runc and nothing broke (", evidence.verification->file, ").\n\n");
  } else {
    absl::StrAppend(&b, "**Broken**: `minpriv verify` found ", evidence.verification->breaks.size(),
                    " break(s) under these settings (", evidence.verification->file,
                    "); do not merge before they are understood:\n\n");
    for (const std::string& br : evidence.verification->breaks) absl::StrAppend(&b, "- ", br, "\n");
    absl::StrAppend(&b, "\n");
  }

  absl::StrAppend(&b, "### Risks\n\n");
  for (const std::string& r : Risks(section)) absl::StrAppend(&b, "- ", r, "\n");
  absl::StrAppend(&b,
                  "- behaviour not exercised while learning (rare code paths, error handling, "
                  "upgrades) may need a capability, syscall, path or peer that is now denied\n"
                  "- seccomp profiles of type `Localhost` must be on every node before the "
                  "workload rolls out (see report.md)\n\n");

  absl::StrAppend(&b, "### Rollback\n\n",
                  "Revert the merge commit of this ", "change (`git revert -m 1 <merge commit>`) and "
                  "let your GitOps controller sync; the previous settings come back with the next "
                  "rollout. Seccomp profile files left on nodes are harmless.\n\n");
  absl::StrAppend(&b, "---\n", "Opened by minpriv. Running it again updates this description and "
                  "branch rather than opening another; closing without merging tells it not to "
                  "propose the same change again (proposal `", digest.substr(0, 12), "`).\n");

  t.commit_message = absl::StrCat(t.title, "\n\nNarrow ", WorkloadName(w), " (", LayoutWord(change.layout),
                                  ") to what it was observed doing:\n");
  for (const FileChange& c : change.changes) {
    absl::StrAppend(&t.commit_message, "- ", c.path, c.old_content ? "" : " (new)", "\n");
  }
  absl::StrAppend(&t.commit_message, "\n", kDigestTrailer, ": ", digest, "\n");
  return t;
}

}  // namespace minpriv::gitops
