#include "remediator/narrow_users.h"

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "remediator/workload.h"
#include "remediator/yaml_io.h"

namespace minpriv::remediator {

namespace {

// `key` (runAsUser or runAsGroup) set to the one id observed when the manifest sets none (in
// effect: `effective`); a manifest value that differs is kept, as a risk.
void ProposeId(YAML::Node sc, const char* key, const char* what, const std::set<uint32_t>& ids,
               const std::string& effective, ContainerProposal& out) {
  if (ids.size() != 1) return;
  uint32_t id = *ids.begin();
  if (effective.empty()) {
    sc[key] = Int(id);
    out.changes.push_back(absl::StrCat("`", key, ": ", id, "` as observed"));
  } else if (effective != std::to_string(id)) {
    out.risks.push_back(absl::StrCat("observed ", what, " ", id, " but the manifest sets ", key, " ", effective,
                                     "; kept the manifest's value"));
  }
}

}  // namespace

void NarrowUsers(YAML::Node sc, const YAML::Node& pod_sc, const crd::ContainerProfile& prof,
                 ContainerProposal& out) {
  std::set<uint32_t> uids, gids;
  for (const auto& u : prof.users) {
    uids.insert(u.uid);
    gids.insert(u.gid);
  }
  std::string eff_user = ScalarAt(sc, "runAsUser");
  if (eff_user.empty()) eff_user = ScalarAt(pod_sc, "runAsUser");
  std::string eff_group = ScalarAt(sc, "runAsGroup");
  if (eff_group.empty()) eff_group = ScalarAt(pod_sc, "runAsGroup");
  bool eff_non_root = IsTrue(sc, "runAsNonRoot") || (!IsFalse(sc, "runAsNonRoot") && IsTrue(pod_sc, "runAsNonRoot"));
  if (uids.empty()) {
    out.changes.push_back("user settings unchanged: no process identity was observed");
  } else if (uids.count(0) > 0) {
    std::vector<std::string> needs;
    for (const auto& c : out.caps_added) needs.push_back(absl::StrCat("capability ", c));
    for (const auto& l : prof.network.listen) {
      if (l.port < 1024) needs.push_back(absl::StrCat("listening on port ", l.port, "/", l.protocol));
    }
    if (uids.size() > 1) needs.push_back(absl::StrCat("switching to uid(s) ", absl::StrJoin(uids, ", ")));
    out.risks.push_back(absl::StrCat(
        "ran as root (uid 0); user settings kept. What needed root: ",
        needs.empty() ? "nothing observed beyond file ownership — try `runAsNonRoot` with a numeric `runAsUser`"
                      : absl::StrJoin(needs, "; ")));
  } else {
    int64_t manifest_uid = -1;
    bool manifest_root = absl::SimpleAtoi(eff_user, &manifest_uid) && manifest_uid == 0;
    if (!eff_non_root && manifest_root) {
      // The kubelet rejects runAsNonRoot: true with runAsUser: 0; propose nothing it rejects.
      out.risks.push_back(absl::StrCat(
          "`runAsNonRoot: true` not set: the manifest sets `runAsUser: 0` and the kubelet refuses to "
          "start a container with both; the workload ran as uid(s) ", absl::StrJoin(uids, ", "),
          " — set `runAsUser` to it and `runAsNonRoot: true` by hand"));
    } else if (!eff_non_root) {
      sc["runAsNonRoot"] = Bool(true);
      out.changes.push_back(absl::StrCat("`runAsNonRoot: true`: ran as uid(s) ", absl::StrJoin(uids, ", ")));
    }
    ProposeId(sc, "runAsUser", "uid", uids, eff_user, out);
    ProposeId(sc, "runAsGroup", "gid", gids, eff_group, out);
  }
}

}  // namespace minpriv::remediator
