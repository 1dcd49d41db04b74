#include "agent/shadow_policy.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "yaml-cpp/yaml.h"

namespace minpriv::agent {
namespace {

using nlohmann::json;

json* FindNamed(json& list, const std::string& name) {
  if (!list.is_array()) return nullptr;
  for (json& item : list) {
    if (item.is_object() && item.value("name", "") == name) return &item;
  }
  return nullptr;
}

// JSON is YAML: the remediator reads objects as yaml-cpp nodes.
YAML::Node ToYaml(const json& j) { return YAML::Load(j.dump()); }

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

}  // namespace

absl::StatusOr<std::map<std::string, remediator::ContainerPolicy>> ProposedPolicies(
    const crd::ProposalStatus& status, const std::string& ns,
    const std::optional<json>& live_pod) {
  json pod = live_pod ? *live_pod : json::object();
  pod["apiVersion"] = "v1";
  pod["kind"] = "Pod";
  pod.erase("status");
  if (!pod.contains("metadata") || !pod["metadata"].is_object()) pod["metadata"] = json::object();
  pod["metadata"]["namespace"] = ns;
  if (!pod["metadata"].contains("name")) pod["metadata"]["name"] = "shadow";
  if (!pod.contains("spec") || !pod["spec"].is_object()) pod["spec"] = json::object();
  json& spec = pod["spec"];

  std::map<std::string, std::set<std::string>> seccomp;
  for (const crd::ContainerChange& c : status.containers) {
    json& list = spec[c.init ? "initContainers" : "containers"];
    if (!list.is_array()) list = json::array();
    json* container = FindNamed(list, c.name);
    if (container == nullptr) {
      list.push_back({{"name", c.name}});
      container = &list.back();
    }
    (*container)["securityContext"] = c.security_context;
    json& mounts = (*container)["volumeMounts"];
    if (!mounts.is_array()) mounts = json::array();
    for (const json& m : c.volume_mounts) {
      if (FindNamed(mounts, m.value("name", "")) == nullptr) mounts.push_back(m);
    }
    if (c.seccomp_profile.empty()) continue;
    for (const crd::SeccompProfile& p : status.seccomp_profiles) {
      if (p.name != c.seccomp_profile) continue;
      absl::StatusOr<std::set<std::string>> allowed =
          remediator::ParseSeccompAllowList(p.profile.dump(), p.name);
      if (!allowed.ok()) return allowed.status();
      seccomp[absl::StrCat("minpriv/", p.name, ".json")] = *allowed;
      const json::json_pointer local("/seccompProfile/localhostProfile");
      if (c.security_context.contains(local) && c.security_context.at(local).is_string()) {
        seccomp[c.security_context.at(local).get<std::string>()] = *std::move(allowed);
      }
    }
  }
  json& volumes = spec["volumes"];
  if (!volumes.is_array()) volumes = json::array();
  for (const json& v : status.volumes) {
    if (FindNamed(volumes, v.value("name", "")) == nullptr) volumes.push_back(v);
  }

  const YAML::Node object = ToYaml(pod);
  const YAML::Node network_policy = status.network_policy.is_object()
                                        ? ToYaml(status.network_policy)
                                        : YAML::Node(YAML::NodeType::Undefined);
  std::map<std::string, remediator::ContainerPolicy> out;
  for (const crd::ContainerChange& c : status.containers) {
    absl::StatusOr<remediator::ContainerPolicy> policy =
        remediator::PolicyFromWorkload(object, c.name, seccomp, network_policy);
    if (!policy.ok()) return policy.status();
    out[c.name] = *std::move(policy);
  }
  return out;
}

std::vector<crd::ShadowBreak> WouldBeBreaks(const remediator::ContainerPolicy& policy,
                                            const crd::ContainerProfile& observed,
                                            const std::map<std::string, std::string>& process,
                                            absl::Time now) {
  std::vector<crd::ShadowBreak> out;
  for (const remediator::Violation& v : remediator::Evaluate(policy, observed)) {
    crd::ShadowBreak b;
    b.container = policy.container;
    b.first_seen = Rfc3339(now);
    b.count = 1;
    b.evidence = v.reason;
    if (v.kind == "syscall") {
      b.kind = "syscall";
      b.what = absl::StrCat("syscall ", v.subject);
    } else if (v.kind == "capability") {
      b.kind = "capability";
      b.what = absl::StrCat("capability ", v.subject);
      std::set<std::string> sites;
      std::string first;
      int64_t count = 0;
      for (const crd::CapabilityUse& u : observed.capability_evidence) {
        if (u.capability != v.subject) continue;
        sites.insert(u.call_site);
        count += static_cast<int64_t>(u.count);
        if (b.process.empty()) b.process = u.binary;
        if (!u.first_seen.empty() && (first.empty() || u.first_seen < first)) first = u.first_seen;
      }
      if (!first.empty()) b.first_seen = first;
      if (count > 0) b.count = count;
      if (!sites.empty()) {
        std::string list;
        for (const std::string& s : sites) absl::StrAppend(&list, list.empty() ? "" : ", ", s);
        b.evidence = absl::StrCat("checked by the kernel in ", list, "; ", v.reason);
      }
    } else if (v.kind == "fileWrite") {
      b.kind = "write";
      b.what = absl::StrCat("write ", v.subject);
      for (const crd::FileWrite& w : observed.file_writes) {
        if (w.path != v.subject) continue;
        if (!w.first_seen.empty()) b.first_seen = w.first_seen;
        if (w.count > 0) b.count = static_cast<int64_t>(w.count);
        std::string ops;
        for (const std::string& op : w.ops) absl::StrAppend(&ops, ops.empty() ? "" : ",", op);
        b.evidence = absl::StrCat(ops, "; ", v.reason);
      }
      auto p = process.find(b.what);
      if (p != process.end()) b.process = p->second;
    } else if (v.kind == "ingress" || v.kind == "egress") {
      b.kind = "network";
      b.what = absl::StrCat(v.kind, " ", v.subject);
      const std::vector<crd::Peer>& peers =
          v.kind == "ingress" ? observed.network.ingress : observed.network.egress;
      for (const crd::Peer& p : peers) {
        if (absl::StrCat(p.ip.find(':') != std::string::npos ? "[" : "", p.ip,
                         p.ip.find(':') != std::string::npos ? "]" : "", ":", p.port, "/",
                         p.protocol) != v.subject &&
            absl::StrCat(p.ip, ":", p.port, "/", p.protocol) != v.subject) {
          continue;
        }
        if (!p.first_seen.empty()) b.first_seen = p.first_seen;
        if (p.count > 0) b.count = static_cast<int64_t>(p.count);
      }
    } else if (v.kind == "dns") {
      b.kind = "network";
      b.what = absl::StrCat("dns ", v.subject);
    } else {
      continue;  // exec, user: no kind in status.shadow (see the header)
    }
    out.push_back(std::move(b));
  }
  std::sort(out.begin(), out.end(), [](const crd::ShadowBreak& a, const crd::ShadowBreak& b) {
    return std::tie(a.container, a.kind, a.what) < std::tie(b.container, b.kind, b.what);
  });
  return out;
}

}  // namespace minpriv::agent
