#include "gitops/proposal_files.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "gitops/sources/json_patch.h"
#include "remediator/yaml_io.h"
#include "util/files.h"

namespace minpriv::gitops {
namespace {

using json = nlohmann::json;

std::string Report(const ProposalFilesInput& in) {
  const crd::ProposalStatus& st = *in.status;
  const WorkloadRef& w = in.workload;
  std::string md = absl::StrCat("# minpriv proposal ", in.proposal_name, " (revision ",
                                in.revision, ")\n\n## ", w.kind, " ",
                                w.namespace_.empty() ? "" : absl::StrCat(w.namespace_, "/"),
                                w.name, "\n\n");
  absl::StrAppend(&md,
                  "Proposed by the minpriv controller from what the workload was observed to "
                  "do, and approved in the cluster (RemediationProposal ",
                  w.namespace_, "/", in.proposal_name, ").\n\n");
  if (st.numbers) {
    absl::StrAppend(&md, "- syscalls allowed: ", st.numbers->syscalls_allowed, " (runtime default: ",
                    st.numbers->runtime_default_syscalls, ")\n- capabilities dropped: ",
                    st.numbers->capabilities_dropped, ", added: ", st.numbers->capabilities_added,
                    "\n- writable paths under a read-only root: ", st.numbers->writable_paths, "\n\n");
  }
  if (!st.evidence.empty()) {
    absl::StrAppend(&md, "Changes and their evidence:\n\n");
    for (const crd::ChangeEvidence& e : st.evidence) {
      absl::StrAppend(&md, "- ", e.change, ": ", e.evidence, "\n");
    }
    absl::StrAppend(&md, "\n");
  }
  if (!st.risks.empty()) {
    absl::StrAppend(&md, "Risks for the reviewer:\n\n");
    for (const crd::Risk& r : st.risks) {
      absl::StrAppend(&md, "- ", r.risk, r.detail.empty() ? "" : absl::StrCat(" (", r.detail, ")"), "\n");
    }
    absl::StrAppend(&md, "\n");
  }
  return md;
}

}  // namespace

absl::Status WriteProposalFiles(const ProposalFilesInput& in, const std::string& dir) {
  const crd::ProposalStatus& st = *in.status;
  json ops = json::array();
  if (st.patch.is_array()) {
    for (const json& op : st.patch) {
      if (op.is_object() && op.value("op", "") != "test") ops.push_back(op);
    }
  }
  if (ops.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("proposal ", in.proposal_name, " has no patch to deliver"));
  }
  json target = {{"apiVersion", in.workload.api_version}, {"kind", in.workload.kind},
                 {"name", in.workload.name}};
  if (!in.workload.namespace_.empty()) target["namespace"] = in.workload.namespace_;
  json patches = json::array({{{"target", target}, {"patch", ops}}});
  if (absl::Status s = util::WriteFileAtomic(dir + "/jsonpatch.json", patches.dump(2) + "\n");
      !s.ok()) {
    return s;
  }
  if (st.network_policy.is_object() && !st.network_policy.empty()) {
    const std::string yaml =
        remediator::EmitYaml(JsonToYaml(nlohmann::ordered_json(st.network_policy)));
    if (absl::Status s = util::WriteFileAtomic(dir + "/networkpolicy.yaml", yaml); !s.ok()) return s;
  }
  if (!st.seccomp_profiles.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir + "/seccomp", ec);
    if (ec) return absl::InternalError(absl::StrCat(dir, "/seccomp: ", ec.message()));
    for (const crd::SeccompProfile& p : st.seccomp_profiles) {
      if (absl::Status s = util::WriteFileAtomic(absl::StrCat(dir, "/seccomp/", p.name, ".json"),
                                                 p.profile.dump(2) + "\n");
          !s.ok()) {
        return s;
      }
    }
  }
  return util::WriteFileAtomic(dir + "/report.md", Report(in));
}

}  // namespace minpriv::gitops
