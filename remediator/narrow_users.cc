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
    if (uids.size() == 1) {
      if (eff_user.empty()) {
        sc["runAsUser"] = Int(*uids.begin());
        out.changes.push_back(absl::StrCat("`runAsUser: ", *uids.begin(), "` as observed"));
      } else if (eff_user != std::to_string(*uids.begin())) {
        out.risks.push_back(absl::StrCat("observed uid ", *uids.begin(), " but the manifest sets runAsUser ",
                                         eff_user, "; kept the manifest's value"));
      }
    }
    if (gids.size() == 1) {
      if (eff_group.empty()) {
        sc["runAsGroup"] = Int(*gids.begin());
        out.changes.push_back(absl::StrCat("`runAsGroup: ", *gids.begin(), "` as observed"));
      } else if (eff_group != std::to_string(*gids.begin())) {
        out.risks.push_back(absl::StrCat("observed gid ", *gids.begin(), " but the manifest sets runAsGroup ",
                                         eff_group, "; kept the manifest's value"));
      }
    }
  }
}

}  // namespace minpriv::remediator
