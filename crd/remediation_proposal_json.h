// JSON codec of RemediationProposal (the API's form). Encoding is deterministic (keys
// sorted, empty optional fields omitted, `status` omitted while it is empty). Decoding is
// strict: unknown fields, wrong JSON types, unknown enum values and malformed embedded
// objects are InvalidArgument naming the field, e.g.
//   "spec.decision: 'Maybe' is not one of Pending, Approved, Rejected"
// Metadata fields the API server adds are accepted (see ObjectMetaFromJson).
#ifndef MINPRIV_CRD_REMEDIATION_PROPOSAL_JSON_H_
#define MINPRIV_CRD_REMEDIATION_PROPOSAL_JSON_H_

#include <string_view>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "crd/remediation_proposal.h"

namespace minpriv::crd {

nlohmann::json RemediationProposalToJson(const RemediationProposal& proposal);
absl::StatusOr<RemediationProposal> RemediationProposalFromJson(const nlohmann::json& j);
absl::StatusOr<RemediationProposal> ParseRemediationProposalJson(std::string_view text);

// The parts, for a status-subresource update or a reconciler that reads one field.
nlohmann::json ProposalStatusToJson(const ProposalStatus& status);
// One entry of status.seccompInstalls (what an agent merge-patches in).
nlohmann::json SeccompInstallToJson(const SeccompInstall& install);
// One entry of status.breaks (what an agent merge-patches in).
nlohmann::json NodeBreaksToJson(const NodeBreaks& breaks);
// 16 hex digits naming the content of `profiles` (names and bodies, order-independent): an
// agent records it with what it installed, the controller compares it with the current one.
std::string SeccompProfilesDigest(const std::vector<SeccompProfile>& profiles);
// One entry of status.shadow (what an agent merge-patches in).
nlohmann::json ShadowReportToJson(const ShadowReport& report);
// 16 hex digits naming what the proposal would enforce (containers' securityContexts and
// mounts, volumes, seccomp profiles, NetworkPolicy): the digest a status.shadow entry was
// checked against; evidence, risks and the patch's wording do not count.
std::string ProposalContentDigest(const ProposalStatus& status);
absl::StatusOr<ProposalStatus> ProposalStatusFromJson(const nlohmann::json& j);

}  // namespace minpriv::crd

#endif  // MINPRIV_CRD_REMEDIATION_PROPOSAL_JSON_H_
