// A node's own entry in a list of a RemediationProposal's status that the agents write one
// entry per node (status.seccompInstalls, status.shadow, status.breaks).
#ifndef MINPRIV_AGENT_NODE_STATUS_ENTRY_H_
#define MINPRIV_AGENT_NODE_STATUS_ENTRY_H_

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "kube/rest_client.h"

namespace minpriv::agent {

enum class NodeEntryResult {
  kPatched,    // the list now holds `entry` (or no entry of the node)
  kUnchanged,  // it already did: nothing written
  kGone,       // the proposal is gone, or `still_wanted` refused its fresh status
};

// Sets (`entry`) or removes (nullopt) `node`'s entry of status.`field` (a list sorted by
// node; other nodes' entries kept) with a merge patch conditional on the resourceVersion,
// read fresh and retried on a conflict (at most 5 times). `still_wanted`, when given, is
// asked about each fresh status first.
absl::StatusOr<NodeEntryResult> PatchNodeEntry(
    kube::RestClient& client, const std::string& ns, const std::string& name,
    const std::string& field, const std::string& node,
    const std::optional<nlohmann::json>& entry,
    const std::function<bool(const nlohmann::json& status)>& still_wanted = nullptr);

}  // namespace minpriv::agent

#endif  // MINPRIV_AGENT_NODE_STATUS_ENTRY_H_
