// The files beside the workload: its NetworkPolicy, and its seccomp profiles as Security
// Profiles Operator objects (when the repository uses the operator, with the workload's
// references pointed at them) or as OCI JSON files under seccomp/.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gitops/sources/edits.h"
#include "remediator/yaml_io.h"

namespace minpriv::gitops {
namespace {

using json = nlohmann::ordered_json;

void PointAtOperator(json* value, const std::string& ns) {
  if (value->is_object()) {
    auto it = value->find("localhostProfile");
    if (it != value->end() && it->is_string()) {
      std::string ref = it->get<std::string>();
      if (absl::StartsWith(ref, "minpriv/")) {
        *it = absl::StrCat("operator/", ns.empty() ? "default" : ns, "/", ref.substr(8));
      }
    }
    for (auto& [key, item] : value->items()) PointAtOperator(&item, ns);
  } else if (value->is_array()) {
    for (json& item : *value) PointAtOperator(&item, ns);
  }
}

std::string Join(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : dir + "/" + name;
}

}  // namespace

json OpsFor(const ProposalWorkload& w, bool uses_spo) {
  json ops = w.ops;
  if (uses_spo) PointAtOperator(&ops, w.ref.namespace_);
  return ops;
}

std::vector<std::string> AddCompanions(const RepoIndex& index, const ProposalWorkload& w,
                                       const std::string& dir, const std::string& stem,
                                       Edits* edits, std::vector<std::string>* notes) {
  std::vector<std::string> listed;
  const std::string what = Describe(w.ref);
  if (w.network_policy.IsDefined() && !w.network_policy.IsNull()) {
    const std::string name = stem + ".networkpolicy.yaml";
    (*edits)[Join(dir, name)] =
        absl::StrCat("# NetworkPolicy proposed by minpriv for ", what, "\n",
                     remediator::EmitYaml(w.network_policy));
    listed.push_back(name);
  }
  if (index.uses_spo && !w.seccomp_profiles.empty()) {
    const std::string name = stem + ".seccompprofiles.yaml";
    (*edits)[Join(dir, name)] =
        absl::StrCat("# Security Profiles Operator SeccompProfiles proposed by minpriv for ",
                     what, "\n", remediator::EmitYamlDocuments(w.seccomp_profiles));
    listed.push_back(name);
    notes->push_back(absl::StrCat(
        "Seccomp profiles as Security Profiles Operator `SeccompProfile` objects in `",
        Join(dir, name), "` (the repository already uses the operator); the workload refers "
        "to them as `operator/", w.ref.namespace_.empty() ? "default" : w.ref.namespace_,
        "/<name>.json`."));
  } else if (!w.seccomp_files.empty()) {
    std::vector<std::string> files;
    for (const auto& [file, text] : w.seccomp_files) {
      (*edits)["seccomp/" + file] = text;
      files.push_back("`seccomp/" + file + "`");
    }
    notes->push_back(absl::StrCat(
        "Seccomp profiles as OCI JSON files: ", absl::StrJoin(files, ", "),
        ". Every node that may run the workload needs them under the kubelet's seccomp "
        "directory as `minpriv/<file>` (by default `/var/lib/kubelet/seccomp/minpriv/`) "
        "before the workload is rolled out, or its pods fail to start."));
  }
  return listed;
}

}  // namespace minpriv::gitops
