#include "remediator/narrow_capabilities.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "remediator/markdown.h"
#include "remediator/runtime_syscalls.h"
#include "remediator/workload.h"
#include "remediator/yaml_io.h"

namespace minpriv::remediator {
namespace {

std::set<std::string> CapSet(const YAML::Node& seq) {
  std::set<std::string> out;
  if (!seq.IsDefined() || !seq.IsSequence()) return out;
  for (const auto& s : seq) {
    if (s.IsScalar()) out.insert(NormalizeCapability(s.Scalar()));
  }
  return out;
}

}  // namespace

void NarrowCapabilities(YAML::Node sc, const crd::ContainerProfile& prof, ContainerProposal& out) {
  bool was_privileged = IsTrue(sc, "privileged");
  YAML::Node caps = Child(sc, "capabilities");
  std::set<std::string> orig_add = CapSet(Child(caps, "add"));
  std::set<std::string> orig_drop = CapSet(Child(caps, "drop"));
  std::set<std::string> orig_allowed;  // empty + unrestricted flag when privileged
  bool orig_unrestricted = was_privileged;
  if (orig_drop.count("ALL") == 0) {
    for (const auto& c : RuntimeDefaultCapabilities()) {
      if (orig_drop.count(c) == 0) orig_allowed.insert(c);
    }
  }
  orig_allowed.insert(orig_add.begin(), orig_add.end());
  std::set<std::string> add;
  for (const auto& raw : prof.capabilities) {
    std::string cap = NormalizeCapability(raw);
    bool any = false, all_denied = true;
    std::vector<std::string> evidence;
    for (const auto& ev : prof.capability_evidence) {
      if (NormalizeCapability(ev.capability) != cap) continue;
      any = true;
      all_denied = all_denied && ev.denied;
      evidence.push_back(absl::StrCat(Code(ev.call_site.empty() ? "?" : ev.call_site), " from ",
                                      Code(ev.binary.empty() ? "?" : ev.binary), ", ", ev.count,
                                      "×, first seen ", ev.first_seen.empty() ? "unknown" : ev.first_seen,
                                      ev.denied ? " (denied)" : ""));
    }
    if (any && all_denied) {
      out.changes.push_back(absl::StrCat("capability ", Code(cap),
                                         " not added: every check was denied while learning and the workload "
                                         "ran without it (", absl::StrJoin(evidence, "; "), ")"));
      continue;
    }
    if (!orig_unrestricted && orig_allowed.count(cap) == 0) {
      out.risks.push_back(absl::StrCat("needs capability ", Code(cap),
                                       " which the manifest does not grant; kept the manifest's restriction (",
                                       evidence.empty() ? "no call-site evidence" : absl::StrJoin(evidence, "; "),
                                       ")"));
      continue;
    }
    add.insert(cap);
    out.changes.push_back(absl::StrCat(
        "capability ", Code(cap), " kept (added after dropping ALL): ",
        evidence.empty() ? "listed in the profile, no call-site evidence" : absl::StrJoin(evidence, "; ")));
  }
  out.caps_added.assign(add.begin(), add.end());
  for (const auto& c : RuntimeDefaultCapabilities()) {
    if (add.count(c) == 0) out.caps_dropped.push_back(c);
  }
  {
    YAML::Node new_caps = NewMap();
    if (!add.empty()) {
      YAML::Node a = NewSeq();
      for (const auto& c : add) a.push_back(Str(c));
      new_caps["add"] = a;
    }
    YAML::Node d = NewSeq();
    d.push_back(Str("ALL"));
    new_caps["drop"] = d;
    if (!NodesEqual(caps, new_caps)) {
      sc["capabilities"] = new_caps;
      std::vector<std::string> removed;
      for (const auto& c : orig_add) {
        if (add.count(c) == 0) removed.push_back(c);
      }
      out.changes.push_back(absl::StrCat(
          "capabilities: `drop: [ALL]`, `add: [", absl::StrJoin(add, ", "), "]` — removes ",
          CodeList(out.caps_dropped), " of the runtime's default set",
          removed.empty() ? "" : absl::StrCat(" and the manifest's unused additions ", CodeList(removed))));
    }
  }

  if (!IsFalse(sc, "privileged")) {
    sc["privileged"] = Bool(false);
    if (was_privileged) {
      out.risks.push_back("was `privileged: true` (all capabilities, all devices, no seccomp/AppArmor); the "
                          "proposal turns it off — review carefully that nothing depended on device access");
    }
    out.changes.push_back("`privileged: false`");
  }
}

void NarrowPrivilegeEscalation(YAML::Node sc, const crd::ContainerProfile& prof,
                               ContainerProposal& out) {
  std::vector<std::string> gains;
  for (const auto& e : prof.execs) {
    if (e.privilege_gain) gains.push_back(e.path);
  }
  bool sys_admin = std::find(out.caps_added.begin(), out.caps_added.end(), "SYS_ADMIN") !=
                   out.caps_added.end();
  if (!gains.empty()) {
    if (IsFalse(sc, "allowPrivilegeEscalation")) {
      out.risks.push_back(absl::StrCat("executed ", CodeList(gains),
                                       " which gained privilege, but the manifest already forbids "
                                       "privilege escalation; kept"));
    } else {
      out.changes.push_back(absl::StrCat("`allowPrivilegeEscalation` left unchanged: ", CodeList(gains),
                                         " gained privilege on exec (setuid/setgid/file capabilities)"));
    }
  } else if (sys_admin) {
    out.risks.push_back("`allowPrivilegeEscalation: false` not set: Kubernetes rejects it together with "
                        "capability SYS_ADMIN");
  } else if (!IsFalse(sc, "allowPrivilegeEscalation")) {
    sc["allowPrivilegeEscalation"] = Bool(false);
    out.changes.push_back("`allowPrivilegeEscalation: false`: no exec gained privilege");
  }
}

}  // namespace minpriv::remediator
