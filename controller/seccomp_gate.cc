#include "controller/seccomp_gate.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crd/remediation_proposal_json.h"

namespace minpriv::controller {

SeccompGate CheckSeccompInstalled(const crd::ProposalStatus& status,
                                  const std::set<std::string>& nodes) {
  SeccompGate gate;
  if (status.seccomp_profiles.empty()) {
    gate.installed = true;
    gate.reason = "NoSeccompProfile";
    gate.message = "the proposal has no Localhost seccomp profile";
    return gate;
  }
  std::vector<std::string> names;
  for (const crd::SeccompProfile& p : status.seccomp_profiles) names.push_back(p.name);
  std::sort(names.begin(), names.end());
  const std::string digest = crd::SeccompProfilesDigest(status.seccomp_profiles);
  std::vector<std::string> have;
  for (const std::string& node : nodes) {
    bool ok = false;
    for (const crd::SeccompInstall& in : status.seccomp_installs) {
      if (in.node != node) continue;
      ok = in.digest == digest &&
           std::all_of(names.begin(), names.end(), [&](const std::string& n) {
             return std::find(in.profiles.begin(), in.profiles.end(), n) != in.profiles.end();
           });
    }
    (ok ? have : gate.missing).push_back(node);
  }
  const std::string profiles = absl::StrJoin(names, ", ");
  if (nodes.empty()) {
    gate.reason = "WaitingForNodes";
    gate.message = absl::StrCat("no node known to run the workload yet; ", profiles,
                                " not installed anywhere");
    return gate;
  }
  if (gate.missing.empty()) {
    gate.installed = true;
    gate.reason = "InstalledOnAllNodes";
    gate.message = absl::StrCat(profiles, " installed on ", absl::StrJoin(have, ", "));
    return gate;
  }
  gate.reason = "WaitingForNodes";
  gate.message = absl::StrCat("waiting for the node agent to install ", profiles, " on ",
                              absl::StrJoin(gate.missing, ", "));
  if (!have.empty()) absl::StrAppend(&gate.message, " (installed on ", absl::StrJoin(have, ", "), ")");
  return gate;
}

}  // namespace minpriv::controller
