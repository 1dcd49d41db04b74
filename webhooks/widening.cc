#include "webhooks/widening.h"

#include <algorithm>
#include <optional>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace minpriv::webhooks {
namespace {

std::string ListOrNone(const std::set<std::string>& items) {
  return items.empty() ? "none" : absl::StrJoin(items, ", ");
}

std::string UserText(const ContainerSecurity& c) {
  std::string s = c.run_as_non_root ? "runAsNonRoot: true" : "runAsNonRoot unset";
  if (c.run_as_user) absl::StrAppend(&s, ", runAsUser: ", *c.run_as_user);
  return s;
}

// Whether `requested` confines at least as much as `approved`, as far as can be told from the
// profile references: Localhost profiles are opaque, so only the approved one is accepted.
bool SeccompCovered(const Seccomp& approved, const Seccomp& requested) {
  if (approved.type.empty() || approved.type == "Unconfined") return true;
  if (approved.type == "RuntimeDefault") {
    return requested.type == "RuntimeDefault" || requested.type == "Localhost";
  }
  return requested.type == "Localhost" && requested.localhost == approved.localhost;
}

class Collector {
 public:
  explicit Collector(const ApprovedPolicy& p) : policy_(p) {}

  void Add(std::string reason, std::string container, std::string requested,
           std::string approved, std::string evidence) {
    std::string where = absl::StrCat("approved in ", policy_.source);
    if (!policy_.profile_source.empty()) {
      absl::StrAppend(&where, " from learned profile ", policy_.profile_source);
    }
    out_.push_back(Widening{std::move(reason), std::move(container), std::move(requested),
                            std::move(approved),
                            evidence.empty() ? where : absl::StrCat(evidence, "; ", where)});
  }
  std::vector<Widening> Take() { return std::move(out_); }

 private:
  const ApprovedPolicy& policy_;
  std::vector<Widening> out_;
};

void CompareContainer(const ApprovedPolicy& policy, const ContainerSecurity& a,
                      const ContainerSecurity& r, Collector& out) {
  static const ContainerEvidence kNone;
  auto ev_it = policy.evidence.find(a.name);
  const ContainerEvidence& ev = ev_it == policy.evidence.end() ? kNone : ev_it->second;
  if (r.privileged && !a.privileged) {
    out.Add("privileged", r.name, "privileged: true", "privileged: false", ev.capabilities);
  } else {
    for (const auto& cap : r.capabilities) {
      if (a.capabilities.count(cap) == 0) {
        out.Add("capability", r.name, cap, ListOrNone(a.capabilities), ev.capabilities);
      }
    }
  }
  if (r.allow_privilege_escalation && !a.allow_privilege_escalation) {
    out.Add("allowPrivilegeEscalation", r.name, "allowPrivilegeEscalation: true (or unset)",
            "allowPrivilegeEscalation: false", "");
  }
  if (a.read_only_root) {
    if (!r.read_only_root) {
      out.Add("readOnlyRootFilesystem", r.name, "readOnlyRootFilesystem: false (or unset)",
              "readOnlyRootFilesystem: true", ev.writes);
    }
    for (const auto& path : r.writable_mounts) {
      if (a.writable_mounts.count(path) == 0) {
        out.Add("writableMount", r.name, path, ListOrNone(a.writable_mounts), ev.writes);
      }
    }
  }
  if (!SeccompCovered(a.seccomp, r.seccomp)) {
    out.Add("seccomp", r.name, r.seccomp.Describe(), a.seccomp.Describe(), "");
  }
  if (RunsAsNonRoot(a) && !RunsAsNonRoot(r)) {
    bool uid0 = r.run_as_user && *r.run_as_user == 0;
    out.Add(uid0 ? "runAsUser" : "runAsNonRoot", r.name, UserText(r), UserText(a), ev.users);
  }
  for (const auto& port : r.host_ports) {
    if (a.host_ports.count(port) == 0) {
      out.Add("hostPort", r.name, port, ListOrNone(a.host_ports), "");
    }
  }
}

std::vector<Widening> Sorted(std::vector<Widening> list) {
  std::stable_sort(list.begin(), list.end(), [](const Widening& x, const Widening& y) {
    return std::tie(x.container, x.reason, x.requested) <
           std::tie(y.container, y.reason, y.requested);
  });
  return list;
}

}  // namespace

std::string Widening::Describe() const {
  std::string s = container.empty() ? "pod: " : absl::StrCat("container ", container, ": ");
  absl::StrAppend(&s, reason, " ", requested, " (approved: ", approved, "; evidence: ", evidence,
                  ")");
  return s;
}

std::vector<Widening> FindWidenings(const ApprovedPolicy& policy, const PodSecurity& r) {
  const PodSecurity& a = policy.security;
  Collector out(policy);
  if (r.host_network && !a.host_network) {
    out.Add("hostNetwork", "", "hostNetwork: true", "hostNetwork: false", "");
  }
  if (r.host_pid && !a.host_pid) out.Add("hostPID", "", "hostPID: true", "hostPID: false", "");
  if (r.host_ipc && !a.host_ipc) out.Add("hostIPC", "", "hostIPC: true", "hostIPC: false", "");
  for (const auto& path : r.host_paths) {
    if (a.host_paths.count(path) == 0) {
      out.Add("hostPath", "", path, ListOrNone(a.host_paths), "");
    }
  }
  for (const auto& rc : r.containers) {
    const ContainerSecurity* ac = a.Find(rc.name);
    if (ac == nullptr) {
      std::set<std::string> names;
      for (const auto& c : a.containers) names.insert(c.name);
      out.Add("container", rc.name, "container " + rc.name + " not in the approved proposal",
              ListOrNone(names), "");
      continue;
    }
    CompareContainer(policy, *ac, rc, out);
  }
  return Sorted(out.Take());
}

std::vector<Widening> FindEphemeralWidenings(const ApprovedPolicy& policy,
                                             const PodSecurity& r, const PodSecurity& existing) {
  const PodSecurity& a = policy.security;
  std::vector<Widening> all;
  for (const auto& rc : r.ephemeral) {
    bool known = std::any_of(existing.ephemeral.begin(), existing.ephemeral.end(),
                             [&](const ContainerSecurity& e) { return e.name == rc.name; });
    if (known) continue;  // ephemeral containers are never changed once added
    std::vector<const ContainerSecurity*> candidates;
    if (const ContainerSecurity* t = rc.target.empty() ? nullptr : a.Find(rc.target)) {
      candidates.push_back(t);
    } else {
      for (const auto& c : a.containers) candidates.push_back(&c);
    }
    std::optional<std::vector<Widening>> best;
    for (const ContainerSecurity* ac : candidates) {
      Collector out(policy);
      CompareContainer(policy, *ac, rc, out);
      std::vector<Widening> found = out.Take();
      for (Widening& w : found) {
        w.approved = absl::StrCat(w.approved, " (as container ", ac->name, ")");
      }
      if (!best || found.size() < best->size()) best = std::move(found);
    }
    if (!best) {
      Collector out(policy);
      out.Add("container", rc.name, "ephemeral container " + rc.name, "none", "");
      best = out.Take();
    }
    for (Widening& w : *best) all.push_back(std::move(w));
  }
  return Sorted(std::move(all));
}

}  // namespace minpriv::webhooks
