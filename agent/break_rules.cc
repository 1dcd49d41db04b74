#include "agent/break_rules.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace minpriv::agent {
namespace {

using nlohmann::json;

bool Allowing(const json& action) {
  return action.is_string() &&
         (action.get<std::string>() == "SCMP_ACT_ALLOW" || action.get<std::string>() == "SCMP_ACT_LOG");
}

std::string ErrnoName(int e) {
  const char* n = strerrorname_np(e);
  return n ? n : absl::StrCat("errno ", e);
}

const crd::ContainerChange* FindContainer(const crd::ProposalStatus& st, const std::string& name) {
  for (const crd::ContainerChange& c : st.containers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::vector<std::string> AddedCapabilities(const crd::ContainerChange& c) {
  std::vector<std::string> out;
  const json caps = c.security_context.is_object()
                        ? c.security_context.value("capabilities", json::object())
                        : json::object();
  const json add = caps.is_object() ? caps.value("add", json::array()) : json::array();
  for (const json& a : add.is_array() ? add : json::array()) {
    if (a.is_string()) out.push_back(a.get<std::string>());
  }
  return out;
}

}  // namespace

bool SeccompProfileAllows(const json& profile, const std::string& syscall) {
  if (!profile.is_object()) return true;
  const json rules = profile.value("syscalls", json::array());
  for (const json& r : rules.is_array() ? rules : json::array()) {
    if (!r.is_object() || !Allowing(r.value("action", json()))) continue;
    if (r.value("name", "") == syscall) return true;
    const json names = r.value("names", json::array());
    for (const json& n : names.is_array() ? names : json::array()) {
      if (n.is_string() && n.get<std::string>() == syscall) return true;
    }
  }
  return Allowing(profile.value("defaultAction", json()));
}

std::optional<crd::BreakItem> ClassifyDenial(const ContainerDenial& d,
                                             const crd::ProposalStatus& status,
                                             const LearnedDenials& learned) {
  const crd::ContainerChange* c = FindContainer(status, d.container);
  if (c == nullptr) return std::nullopt;  // a container the proposal does not change
  crd::BreakItem b;
  b.container = d.container;
  b.process = d.comm;
  switch (d.kind) {
    case ContainerDenial::Kind::kSyscall: {
      if (c->seccomp_profile.empty()) return std::nullopt;
      const crd::SeccompProfile* profile = nullptr;
      for (const crd::SeccompProfile& p : status.seccomp_profiles) {
        if (p.name == c->seccomp_profile) profile = &p;
      }
      if (profile == nullptr || SeccompProfileAllows(profile->profile, d.syscall)) {
        return std::nullopt;
      }
      b.kind = "seccomp";
      b.what = absl::StrCat("syscall ", d.syscall);
      b.evidence = absl::StrCat(ErrnoName(d.error), " from ", d.syscall, ": not allowed by the ",
                                "seccomp profile minpriv/", profile->name, ".json");
      return b;
    }
    case ContainerDenial::Kind::kFileWrite: {
      const bool read_only = c->security_context.is_object() &&
                             c->security_context.value("readOnlyRootFilesystem", false) == true;
      if (d.error != EROFS || !read_only) return std::nullopt;
      b.kind = "readOnlyRoot";
      b.what = absl::StrCat("write ", d.path);
      b.evidence = absl::StrCat("EROFS from ", d.syscall, " (", observer::FileOpName(d.op),
                                "): readOnlyRootFilesystem is set and no writable volume the "
                                "proposal added covers it");
      return b;
    }
    case ContainerDenial::Kind::kCapability: {
      const std::vector<std::string> added = AddedCapabilities(*c);
      for (const std::string& a : added) {
        if (a == d.capability) return std::nullopt;  // granted: not the proposal's doing
      }
      if (learned.count({d.container, {d.capability, d.call_site}})) return std::nullopt;
      b.kind = "capability";
      b.what = absl::StrCat("capability ", d.capability);
      b.evidence = absl::StrCat("checked by ", d.call_site.empty() ? "?" : d.call_site,
                                " and failed: the proposal drops ALL and adds ",
                                added.empty() ? "none" : absl::StrJoin(added, ", "));
      return b;
    }
  }
  return std::nullopt;
}

}  // namespace minpriv::agent
