// What a proposal directory (as `minpriv propose` writes it) tells the pull request's
// reader: report.md (the evidence), summary.json (the before/after table) and, when the
// proposal was verified, the verdict `minpriv verify --report` wrote beside it
// (verification.json).
#ifndef MINPRIV_GITOPS_PR_EVIDENCE_H_
#define MINPRIV_GITOPS_PR_EVIDENCE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace minpriv::gitops {

// One container's row set of the before/after table (from summary.json).
struct ContainerSummary {
  std::string kind, namespace_, workload, container;
  std::vector<std::string> caps_dropped, caps_added;
  int syscalls_allowed = -1, syscalls_runtime_default = -1;  // -1: no seccomp change
  std::string seccomp_profile;
  std::optional<bool> privileged, allow_privilege_escalation, read_only_root_fs, run_as_non_root;
  std::optional<int64_t> run_as_user;
  std::vector<std::string> writable_paths, ingress, egress;
  bool network = false;  // ingress/egress present (a NetworkPolicy was proposed)
};

struct Verification {
  bool verified = false;
  std::vector<std::string> breaks;  // "kind subject: message"
  std::string file;                 // the file it came from
};

struct ProposalEvidence {
  std::string report_md;
  std::vector<ContainerSummary> containers;
  std::optional<Verification> verification;
};

// Reads DIR/report.md (required), DIR/summary.json and DIR/verification.json (optional).
// InvalidArgument names the file that is missing or malformed.
absl::StatusOr<ProposalEvidence> ReadProposalEvidence(const std::string& dir);

// The section of report.md about one workload ("## Kind namespace/name" up to the next
// "## "); the whole report when it has no such section.
std::string ReportSectionFor(const std::string& report_md, const std::string& kind,
                             const std::string& namespace_, const std::string& name);

}  // namespace minpriv::gitops

#endif  // MINPRIV_GITOPS_PR_EVIDENCE_H_
