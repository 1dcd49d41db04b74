#include "remediator/replica_divergence.h"

#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crd/workload_profile.h"
#include "remediator/markdown.h"
#include "remediator/network_policy.h"

namespace minpriv::remediator {
namespace {

// The facts of one container, as a reviewer reads them.
std::set<std::string> ContainerFacts(const crd::ContainerProfile& c) {
  std::set<std::string> f;
  for (const auto& s : c.syscalls) f.insert(absl::StrCat("syscall ", s));
  for (const auto& cap : c.capabilities) f.insert(absl::StrCat("capability ", cap));
  for (const auto& w : c.file_writes) f.insert(absl::StrCat("write ", w.path));
  for (const auto& e : c.execs) f.insert(absl::StrCat("exec ", e.path));
  for (const auto& u : c.users) f.insert(absl::StrCat("user ", u.uid, ":", u.gid));
  for (const auto& l : c.network.listen) f.insert(absl::StrCat("listen ", l.port, "/", l.protocol));
  for (const auto& p : c.network.ingress) {
    f.insert(absl::StrCat("ingress from ", p.ip, " to port ", p.port, "/", p.protocol));
  }
  for (const auto& p : c.network.egress) {
    f.insert(absl::StrCat("egress to ", EndpointText(p.ip, p.port, p.protocol)));
  }
  for (const auto& d : c.network.dns) f.insert(absl::StrCat("DNS name ", d));
  return f;
}

}  // namespace

// What only some of several profiles of one workload saw, per container (sorted, at most
// kShown lines per container and a count of the rest).
std::vector<std::string> ReplicaDivergence(const std::vector<const ProfileInput*>& group) {
  constexpr size_t kShown = 25;
  std::set<std::string> names;
  for (const ProfileInput* in : group) {
    for (const auto& c : in->profile.containers) names.insert(c.name);
  }
  std::vector<std::string> out;
  for (const std::string& name : names) {
    std::vector<size_t> present;
    std::map<std::string, std::vector<size_t>> seen;  // fact → the profiles that saw it
    for (size_t i = 0; i < group.size(); ++i) {
      for (const auto& c : group[i]->profile.containers) {
        if (c.name != name) continue;
        present.push_back(i);
        for (const std::string& fact : ContainerFacts(c)) seen[fact].push_back(i);
      }
    }
    auto sources = [&](const std::vector<size_t>& idx) {
      std::vector<std::string> s;
      for (size_t i : idx) s.push_back(group[i]->source);
      return absl::StrJoin(s, ", ");
    };
    if (present.size() < group.size()) {
      out.push_back(absl::StrCat("container ", Code(name), " is in ", present.size(), " of ",
                                 group.size(), " profiles only (", sources(present), ")"));
    }
    size_t shown = 0, more = 0;
    for (const auto& [fact, who] : seen) {
      if (who.size() == present.size()) continue;
      if (shown == kShown) {
        ++more;
        continue;
      }
      ++shown;
      out.push_back(absl::StrCat("container ", Code(name), ": ", fact, ", seen in ", who.size(),
                                 " of ", present.size(), " profiles (", sources(who), ")"));
    }
    if (more > 0) {
      out.push_back(absl::StrCat("container ", Code(name), ": ", more,
                                 " more behaviours seen in some profiles only (compare the profiles)"));
    }
  }
  return out;
}


MergedProfiles MergeReplicaProfiles(const std::vector<const ProfileInput*>& group) {
  MergedProfiles out;
  if (group.size() == 1) {
    out.merged = *group.front();
    return out;
  }
  std::vector<crd::WorkloadProfile> each;
  std::vector<std::string> sources;
  for (const ProfileInput* in : group) {
    crd::WorkloadProfile one = in->profile;
    // Which input a reason came from stays visible after the merge.
    for (std::string& r : one.status.incomplete_reasons) r = absl::StrCat(in->source, ": ", r);
    for (std::string& w : one.status.warnings) w = absl::StrCat(in->source, ": ", w);
    each.push_back(std::move(one));
    sources.push_back(in->source);
  }
  out.merged.source = absl::StrJoin(sources, ", ");
  out.merged.profile = crd::MergeProfiles(each);
  out.divergence = ReplicaDivergence(group);
  return out;
}

}  // namespace minpriv::remediator
