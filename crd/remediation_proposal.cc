// Enum spellings of RemediationProposal.
#include "crd/remediation_proposal.h"

namespace minpriv::crd {

const std::vector<std::string>& DecisionNames() {
  static const std::vector<std::string> k = {"Pending", "Approved", "Rejected"};
  return k;
}
const std::vector<std::string>& DeliveryNames() {
  static const std::vector<std::string> k = {"Apply", "PullRequest"};
  return k;
}
const std::vector<std::string>& PhaseNames() {
  static const std::vector<std::string> k = {"Learning", "Proposed",   "Approved", "Applied",
                                             "Rejected", "Superseded", "Failed"};
  return k;
}
const std::vector<std::string>& ConditionStatusNames() {
  static const std::vector<std::string> k = {"True", "False", "Unknown"};
  return k;
}
const std::vector<std::string>& PullRequestStateNames() {
  static const std::vector<std::string> k = {"Open", "Merged", "Closed"};
  return k;
}

const std::vector<std::string>& ShadowBreakKinds() {
  static const std::vector<std::string> k = {"syscall", "capability", "write", "network"};
  return k;
}

const char* DecisionName(Decision d) { return DecisionNames()[static_cast<size_t>(d)].c_str(); }
const char* DeliveryName(Delivery d) { return DeliveryNames()[static_cast<size_t>(d)].c_str(); }
const char* PhaseName(ProposalPhase p) { return PhaseNames()[static_cast<size_t>(p)].c_str(); }
const char* ConditionStatusName(ConditionStatus s) {
  return ConditionStatusNames()[static_cast<size_t>(s)].c_str();
}
const char* PullRequestStateName(PullRequestState s) {
  return PullRequestStateNames()[static_cast<size_t>(s)].c_str();
}

}  // namespace minpriv::crd
