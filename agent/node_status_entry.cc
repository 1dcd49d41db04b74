#include "agent/node_status_entry.h"

#include <algorithm>

#include "agent/seccomp_installer.h"  // kRemediationProposals
#include "kube/status.h"

namespace minpriv::agent {

using nlohmann::json;

absl::StatusOr<NodeEntryResult> PatchNodeEntry(
    kube::RestClient& client, const std::string& ns, const std::string& name,
    const std::string& field, const std::string& node, const std::optional<json>& entry,
    const std::function<bool(const json& status)>& still_wanted) {
  absl::Status last;
  for (int attempt = 0; attempt < 5; ++attempt) {
    absl::StatusOr<json> fresh = client.Get(kRemediationProposals, ns, name);
    if (absl::IsNotFound(fresh.status())) return NodeEntryResult::kGone;
    if (!fresh.ok()) return fresh.status();
    json status = fresh->value("status", json::object());
    if (!status.is_object()) status = json::object();
    if (still_wanted && !still_wanted(status)) return NodeEntryResult::kGone;
    const json old = status.value(field, json::array());
    json list = json::array();
    for (const json& e : old.is_array() ? old : json::array()) {
      if (!(e.is_object() && e.value("node", "") == node)) list.push_back(e);
    }
    if (entry) list.push_back(*entry);
    std::sort(list.begin(), list.end(), [](const json& a, const json& b) {
      return a.value("node", "") < b.value("node", "");
    });
    if (list == old) return NodeEntryResult::kUnchanged;
    // Conditional on the resourceVersion: a concurrent writer (another node's agent, the
    // controller) wins and this node retries on the fresh list.
    json patch = {
        {"metadata", {{"resourceVersion", (*fresh)["metadata"].value("resourceVersion", "")}}},
        {"status", {{field, list.empty() ? json(nullptr) : list}}}};
    last = client.PatchStatus(kRemediationProposals, ns, name, kube::PatchType::kMerge, patch)
               .status();
    if (last.ok()) return NodeEntryResult::kPatched;
    if (!kube::IsConflict(last)) return last;
  }
  return last;
}

}  // namespace minpriv::agent
