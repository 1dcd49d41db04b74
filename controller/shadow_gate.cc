#include "controller/shadow_gate.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controller/merge.h"
#include "crd/remediation_proposal_json.h"

namespace minpriv::controller {
namespace {

std::string Describe(const NodeBreak& b) {
  std::string s = absl::StrCat(b.node, ": container ", b.would_be.container, " ", b.would_be.what);
  if (!b.would_be.process.empty()) absl::StrAppend(&s, " (process ", b.would_be.process, ")");
  return s;
}

}  // namespace

ShadowVerdict CheckShadow(const crd::ProposalStatus& status, const std::set<std::string>& nodes,
                          absl::Time now, absl::Duration period) {
  ShadowVerdict v;
  const std::string digest = crd::ProposalContentDigest(status);
  std::map<std::string, const crd::ShadowReport*> current;
  for (const crd::ShadowReport& r : status.shadow) {
    if (r.proposal_digest != digest) continue;  // stale: another revision's content
    current[r.node] = &r;
    for (const crd::ShadowBreak& b : r.would_be_breaks) v.breaks.push_back({r.node, b});
  }
  if (!v.breaks.empty()) {
    v.status = crd::ConditionStatus::kFalse;
    v.reason = "WouldBreak";
    std::vector<std::string> parts;
    for (size_t i = 0; i < v.breaks.size() && i < 5; ++i) parts.push_back(Describe(v.breaks[i]));
    v.message = absl::StrCat("would deny what live traffic did on ", absl::StrJoin(parts, "; "));
    if (v.breaks.size() > 5) absl::StrAppend(&v.message, "; and ", v.breaks.size() - 5, " more");
    return v;
  }
  std::vector<std::string> waiting;
  std::optional<absl::Time> latest_since;
  for (const std::string& node : nodes) {
    auto it = current.find(node);
    if (it == current.end()) {
      waiting.push_back(absl::StrCat(node, " has not reported yet"));
      continue;
    }
    const absl::Time since = ParseApiTime(it->second->since).value_or(now);
    if (!latest_since || since > *latest_since) latest_since = since;
    if (now - since < period) {
      waiting.push_back(absl::StrCat(node, " until ", FormatApiTime(since + period)));
      const absl::Duration left = period - (now - since);
      v.requeue_after = v.requeue_after ? std::min(*v.requeue_after, left) : left;
    }
  }
  if (!waiting.empty()) {
    v.status = crd::ConditionStatus::kUnknown;
    v.reason = "ShadowPeriodNotElapsed";
    v.message = absl::StrCat("no would-be break so far; checking on live traffic: ",
                             absl::StrJoin(waiting, ", "));
    return v;
  }
  v.status = crd::ConditionStatus::kTrue;
  v.reason = "NoWouldBeBreaks";
  v.message = absl::StrCat("no would-be break on ", absl::StrJoin(nodes, ", "), " for ",
                           absl::FormatDuration(period),
                           latest_since ? absl::StrCat(" (checked since ",
                                                       FormatApiTime(*latest_since), ")")
                                        : "");
  return v;
}

std::vector<crd::ChangeEvidence> WidenedEvidence(const std::vector<NodeBreak>& breaks) {
  std::vector<crd::ChangeEvidence> out;
  for (const NodeBreak& b : breaks) {
    std::string evidence = absl::StrCat("seen on live traffic in shadow mode on node ", b.node,
                                        ", container ", b.would_be.container);
    if (!b.would_be.process.empty()) absl::StrAppend(&evidence, ", process ", b.would_be.process);
    absl::StrAppend(&evidence, ", first at ", b.would_be.first_seen, ", ", b.would_be.count,
                    " time(s)");
    if (!b.would_be.evidence.empty()) {
      absl::StrAppend(&evidence, "; the previous revision: ", b.would_be.evidence);
    }
    out.push_back({absl::StrCat(kWidenedChangePrefix, "allow ", b.would_be.what, " (container ",
                                b.would_be.container, ")"),
                   std::move(evidence)});
  }
  std::sort(out.begin(), out.end(), [](const crd::ChangeEvidence& a, const crd::ChangeEvidence& b) {
    return std::tie(a.change, a.evidence) < std::tie(b.change, b.evidence);
  });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace minpriv::controller
